# `kexecctl reboot` starts kexec.target, which must run kexecd's last-moment
# check (kexecd-prepare.service: `kexecctl prepare-kexec`) before the jump;
# the jump must then boot kexecd's image. The check runs while the system
# goes down, where the guest cannot report any more, so the runner watches
# the console for systemd's line that the unit finished. The line belongs
# to today's unit design (a oneshot in kexec.target whose ExecStart is the
# check); a different design needs its own evidence here (docs/vm-bench.md).
# vm-guest: full
# vm-append: systemd.status_unit_format=name
# vm-console: Finished kexecd-prepare\.service
# vm-timeout: 480

MARKER=vm.marker=kexec-prepare-2b9d

stage_first() {
    vm_expect "kexecctl load" kexecctl --no-ask-password load "$VM_KERNEL" \
        --initrd "$VM_INITRD" --append "$VM_CONSOLE_ARGS vm.stage=second $MARKER"
    vm_expect_eq "/sys/kernel/kexec_loaded after load" "$(cat /sys/kernel/kexec_loaded)" 1
    vm_info "kexecctl reboot"
    kexecctl --no-ask-password reboot || vm_fail "kexecctl reboot failed"
    sleep 600
}

stage_second() {
    vm_expect_contains "second kernel's command line" "$(cat /proc/cmdline)" "$MARKER"
    vm_pass
}
