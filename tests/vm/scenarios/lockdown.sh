# Under lockdown (lockdown=integrity on Debian's kernel) kexec_load(2) is
# forbidden: kexecd must refuse the legacy path itself with the named error
# and load nothing, Status must show the lockdown mode, and a refused
# file-syscall load (`auto`) must surface as LockedDown, never fall back to
# the legacy path.
# vm-guest: full
# vm-append: lockdown=integrity
# vm-timeout: 420

stage_first() {
    vm_expect_contains "the kernel is locked down" "$(cat /sys/kernel/security/lockdown)" "[integrity]"
    json=$(kexecctl --json=short status)
    vm_expect_contains "Status: Lockdown" "$json" '"Lockdown":"integrity"'

    out=$(kexecctl --no-ask-password load --syscall=legacy "$VM_KERNEL" --initrd "$VM_INITRD" \
        --append "$VM_CONSOLE_ARGS vm.stage=second" 2>&1)
    rc=$?
    vm_info "legacy: $out"
    vm_expect_eq "kexecctl exit status for LockedDown" "$rc" 6
    vm_expect_contains "kexecctl error" "$out" "org.kexecd1.Error.LockedDown"
    vm_expect_contains "kexecctl error says why" "$out" "locked down"
    vm_expect_eq "kexec_loaded after the refused legacy load" "$(cat /sys/kernel/kexec_loaded)" 0

    # Debian's kernel is signed for Secure Boot, but without UEFI no key
    # trusts it: the kernel refuses the file load (EPERM under lockdown).
    # kexecd must name that, and must not try kexec_load(2) after it.
    out=$(kexecctl --no-ask-password load "$VM_KERNEL" --initrd "$VM_INITRD" \
        --append "$VM_CONSOLE_ARGS vm.stage=second" 2>&1)
    rc=$?
    vm_info "auto: $out"
    vm_expect_eq "kexecctl exit status" "$rc" 6
    vm_expect_contains "the file syscall's refusal, named" "$out" "refused the file load. (org.kexecd1.Error.LockedDown)"
    kexec=$(vm_status_object kexec)
    vm_expect_contains "Status: not loaded" "$kexec" '"Loaded":false'
    vm_expect_contains "Status: LastError" "$kexec" 'org.kexecd1.Error.LockedDown'
    vm_expect_eq "kexec_loaded" "$(cat /sys/kernel/kexec_loaded)" 0
    vm_expect_eq "kexecd still running" "$(systemctl is-active kexecd.service)" active
    vm_pass
}
