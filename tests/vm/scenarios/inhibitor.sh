# kexecctl reboot honours logind's shutdown inhibitors like systemctl kexec:
# a `systemd-inhibit --what=shutdown` holder makes it refuse (exit 13, the
# holder listed) and queue nothing; --force does not wait for the holder and
# kexecs into the second kernel (systemd's Manager.KExec).
# vm-guest: full
# vm-memory: 1G
# vm-timeout: 480

MARKER=vm.marker=inhibitor-4c07

inhibitor_listed() {
    systemd-inhibit --list --no-legend 2>/dev/null | grep -q vm-backup
}

stage_first() {
    vm_expect "kexecctl load" kexecctl --no-ask-password load "$VM_KERNEL" --initrd "$VM_INITRD" \
        --append "$VM_CONSOLE_ARGS vm.stage=second $MARKER"
    systemd-inhibit --what=shutdown --who=vm-backup --why="copying the archive" --mode=block sleep 600 &
    vm_wait_for 30 inhibitor_listed || vm_fail "systemd-inhibit's lock never showed up: $(systemd-inhibit --list 2>&1)"

    out=$(kexecctl --no-ask-password reboot 2>&1)
    rc=$?
    vm_info "kexecctl reboot: $out"
    vm_expect_eq "kexecctl reboot's exit status while inhibited" "$rc" 13
    vm_expect_contains "the refusal names the holder" "$out" '"vm-backup"'
    vm_expect_contains "the refusal says why" "$out" "copying the archive"
    sleep 2
    jobs=$(systemctl list-jobs --no-legend 2>&1)
    case $jobs in
    *kexec.target*) vm_fail "kexec.target was queued despite the inhibitor: $jobs" ;;
    esac
    vm_expect_eq "still running, image still loaded" "$(cat /sys/kernel/kexec_loaded)" 1

    vm_info "kexecctl reboot --force, the inhibitor still held"
    kexecctl --no-ask-password reboot --force || vm_fail "kexecctl reboot --force failed"
    sleep 600
}

stage_second() {
    vm_expect_contains "second kernel's command line" "$(cat /proc/cmdline)" "$MARKER"
    vm_pass
}
