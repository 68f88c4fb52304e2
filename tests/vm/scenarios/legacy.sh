# The legacy path for real: `--syscall=legacy` makes kexecd run kexec-tools
# (argv built by kexecd, the checked kernel and initrd passed as inherited
# fds); the kernel reports the image loaded, Status says why the legacy path
# was used, and `systemctl kexec` boots it with the requested command line.
# vm-guest: full
# vm-timeout: 480

MARKER=vm.marker=legacy-4f1d

stage_first() {
    vm_expect "kexecctl load --syscall=legacy" kexecctl --no-ask-password load --syscall=legacy "$VM_KERNEL" \
        --initrd "$VM_INITRD" --append "$VM_CONSOLE_ARGS vm.stage=second $MARKER"
    vm_expect_eq "kexec_loaded" "$(cat /sys/kernel/kexec_loaded)" 1
    json=$(kexecctl --json=short status | grep -o '"kexec":{[^}]*}')
    vm_expect_contains "legacy syscall" "$json" '"Syscall":"legacy"'
    vm_expect_contains "reason" "$json" '"SyscallReason":"requested"'
    vm_info "systemctl kexec"
    systemctl kexec || vm_fail "systemctl kexec failed"
    sleep 600
}

stage_second() {
    vm_expect_contains "second kernel's command line" "$(cat /proc/cmdline)" "$MARKER"
    vm_pass
}
