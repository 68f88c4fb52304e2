# A Boot Loader Specification entry with its own command line, picked by
# `kexecctl load --entry`, booted by `systemctl kexec` (docs/boot-entries.md).
# /boot holds two type 1 entries; loader.conf makes the other one the
# default, so only --entry can have chosen ours. The second kernel must run
# with our entry's options (its marker) and not the default's.
# vm-guest: full
# vm-timeout: 600

MARKER=vm.marker=bls-entry-7f3a
DECOY=vm.marker=bls-default-0b1d

stage_first() {
    mkdir -p /boot/loader/entries
    cp "$VM_KERNEL" /boot/vmlinuz-bls-test
    cp "$VM_INITRD" /boot/initrd-bls-test.img
    cat >/boot/loader/entries/kexecd-test.conf <<EOF
title   kexecd test entry
version 6.1-test
linux   /vmlinuz-bls-test
initrd  /initrd-bls-test.img
options $VM_CONSOLE_ARGS vm.stage=second
options $MARKER
EOF
    cat >/boot/loader/entries/other.conf <<EOF
title   the default entry
version 6.1-other
linux   /vmlinuz-bls-test
initrd  /initrd-bls-test.img
options $VM_CONSOLE_ARGS vm.stage=second $DECOY
EOF
    echo "default other.conf" >/boot/loader/loader.conf

    list=$(kexecctl list-entries) || vm_fail "list-entries failed: $list"
    vm_info "$(echo "$list" | tr '\n' ';')"
    vm_expect_contains "our entry is listed" "$list" "kexecd-test"
    json=$(kexecctl --json=short list-entries)
    echo "$json" | grep -q '"id":"other.conf"[^}]*"default":true' ||
        vm_fail "the default is not the other entry: $json"
    vm_expect "load --entry" kexecctl --no-ask-password load --entry=kexecd-test.conf
    status=$(kexecctl status)
    vm_expect_contains "the entry's kernel is loaded" "$status" "/boot/vmlinuz-bls-test"
    vm_expect_contains "with the entry's options" "$status" "$MARKER"
    vm_info "systemctl kexec"
    systemctl kexec || vm_fail "systemctl kexec failed"
    sleep 600
}

stage_second() {
    cmdline=$(cat /proc/cmdline)
    vm_expect_contains "the second kernel runs with the entry's options" "$cmdline" "$MARKER"
    case $cmdline in *"$DECOY"*) vm_fail "the default entry's options were booted: $cmdline" ;; esac
    vm_pass
}
