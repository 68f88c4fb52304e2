# kexecctl loads a crash kernel into the crashkernel= reservation; the kernel
# must report it loaded; a panic must boot it, and the crash kernel must see
# the old kernel's memory as a readable /proc/vmcore.
# vm-guest: full
# vm-memory: 1536M
# vm-append: crashkernel=384M
# vm-timeout: 480

MARKER=vm.marker=kdump-basic-5c1e

stage_first() {
    vm_expect_eq "kexec_crash_loaded at boot" "$(cat /sys/kernel/kexec_crash_loaded)" 0
    size=$(cat /sys/kernel/kexec_crash_size)
    [ "$size" -gt 0 ] || vm_fail "no crashkernel= reservation (kexec_crash_size $size)"
    vm_expect "kexecctl load --kdump" kexecctl --no-ask-password load --kdump "$VM_KERNEL" \
        --initrd "$VM_INITRD" \
        --append "$VM_CONSOLE_ARGS vm.stage=crash $MARKER irqpoll nr_cpus=1 reset_devices"
    vm_expect_eq "/sys/kernel/kexec_crash_loaded after load" "$(cat /sys/kernel/kexec_crash_loaded)" 1
    vm_expect_eq "kexec image untouched" "$(cat /sys/kernel/kexec_loaded)" 0

    status=$(kexecctl status 2>&1) || vm_fail "kexecctl status failed: $status"
    vm_expect_contains "kexecctl status" "$status" "kdump image: loaded"
    json=$(kexecctl --json=short status | grep -o '"kdump":{[^}]*}')
    vm_expect_contains "status JSON of the kdump image" "$json" '"Loaded":true'

    vm_info "panicking with sysrq c"
    sync
    echo c >/proc/sysrq-trigger
    vm_fail "still alive after sysrq c"
}

stage_crash() {
    cmdline=$(cat /proc/cmdline)
    vm_expect_contains "crash kernel's command line" "$cmdline" "$MARKER"
    # kexec_file_load adds elfcorehdr= for the crash kernel itself.
    vm_expect_contains "crash kernel's command line" "$cmdline" "elfcorehdr="
    [ -e /proc/vmcore ] || vm_fail "no /proc/vmcore in the crash kernel"
    size=$(stat -c %s /proc/vmcore)
    [ "$size" -gt 0 ] || vm_fail "/proc/vmcore is empty"
    magic=$(head -c 4 /proc/vmcore | od -An -c | tr -d ' ')
    vm_expect_eq "/proc/vmcore ELF magic" "$magic" '177ELF'
    got=$(dd if=/proc/vmcore bs=1M count=16 2>/dev/null | wc -c)
    vm_expect_eq "bytes read from /proc/vmcore" "$got" $((16 * 1024 * 1024))
    vm_info "vmcore is $size bytes"
    vm_pass
}
