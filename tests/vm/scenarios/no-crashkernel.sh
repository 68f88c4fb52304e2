# Without crashkernel= a kdump load must fail with the named error, status
# must say why, and kexecd must keep running.
# vm-guest: full
# vm-timeout: 420

stage_first() {
    vm_expect_eq "kexec_crash_size" "$(cat /sys/kernel/kexec_crash_size)" 0
    out=$(kexecctl --no-ask-password load --kdump "$VM_KERNEL" --initrd "$VM_INITRD" \
        --append "$VM_CONSOLE_ARGS vm.stage=crash" 2>&1)
    rc=$?
    vm_expect_eq "kexecctl exit status for NoCrashKernel" "$rc" 6
    vm_expect_contains "kexecctl error" "$out" "org.kexecd1.Error.NoCrashKernel"
    vm_expect_eq "kexec_crash_loaded" "$(cat /sys/kernel/kexec_crash_loaded)" 0

    pid=$(systemctl show -P MainPID kexecd.service)
    [ "$pid" -gt 0 ] || vm_fail "kexecd is not running after the failed load"
    status=$(kexecctl status 2>&1) || vm_fail "kexecctl status failed: $status"
    vm_expect_contains "status says no reservation" "$status" "none reserved"
    vm_expect_contains "status of the kdump image" "$status" "kdump image: not loaded"
    json=$(kexecctl --json=short status)
    vm_expect_contains "CrashKernelSize" "$json" '"CrashKernelSize":0'
    kdump=$(printf '%s' "$json" | grep -o '"kdump":{[^}]*}')
    vm_expect_contains "kdump LastError" "$kdump" "NoCrashKernel"
    vm_expect_eq "kexecd restarted or died" "$(systemctl show -P MainPID kexecd.service)" "$pid"
    vm_expect_eq "kexecd state" "$(systemctl is-active kexecd.service)" active
    vm_pass
}
