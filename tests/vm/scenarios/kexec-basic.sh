# kexecctl loads a kernel and initrd over D-Bus (kexecd, real polkitd, root
# caller); the kernel must say it holds an image; `systemctl kexec` jumps;
# the second kernel must run with exactly the command line we asked for.
# (Whether the last-moment check ran on the way is kexec-prepare's business.)
# vm-guest: full
# vm-timeout: 480

MARKER=vm.marker=kexec-basic-7f3a

stage_first() {
    vm_expect_eq "kexec_loaded at boot" "$(cat /sys/kernel/kexec_loaded)" 0
    vm_expect "kexecctl load" kexecctl --no-ask-password load "$VM_KERNEL" \
        --initrd "$VM_INITRD" --append "$VM_CONSOLE_ARGS vm.stage=second $MARKER"
    vm_expect_eq "/sys/kernel/kexec_loaded after load" "$(cat /sys/kernel/kexec_loaded)" 1

    status=$(kexecctl status 2>&1) || vm_fail "kexecctl status failed: $status"
    vm_expect_contains "kexecctl status" "$status" "kexec image: loaded"
    vm_expect_contains "kexecctl status" "$status" "$MARKER"
    json=$(kexecctl --json=short status | grep -o '"kexec":{[^}]*}')
    vm_expect_contains "status JSON of the kexec image" "$json" '"Loaded":true'
    vm_expect_contains "status JSON of the kexec image" "$json" '"Syscall":"file"'

    vm_info "systemctl kexec"
    systemctl kexec || vm_fail "systemctl kexec failed"
    # systemd stops this unit on the way down; a stuck shutdown is a timeout.
    sleep 600
}

stage_second() {
    # Exactly what was asked for: kexecd must neither drop nor add anything.
    vm_expect_eq "second kernel's command line" "$(cat /proc/cmdline)" \
        "$VM_CONSOLE_ARGS vm.stage=second $MARKER"
    vm_pass
}
