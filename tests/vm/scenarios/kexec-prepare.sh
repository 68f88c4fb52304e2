# `kexecctl reboot` starts kexec.target; while the system goes down,
# kexecd-prepare.service is stopped and its ExecStop runs kexecd's
# last-moment check (`kexecctl prepare-kexec --if-kexec-queued`) before dbus,
# polkit and kexecd stop; the jump must then boot kexecd's image. The guest
# cannot report during shutdown, so the runner watches the console for the
# check's own verdict line (StandardOutput=journal+console).
# vm-guest: full
# vm-append: systemd.status_unit_format=name
# vm-console: kexecd: the kexec image is loaded and matches
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
