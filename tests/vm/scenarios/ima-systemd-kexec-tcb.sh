# IMA with the kernel's `ima_policy=tcb` (every executable, and every file
# root reads on a real file system: in this guest, whose root is an
# initramfs, that is kexecd's own state disk) across two boots, each ended
# by an ordinary `systemctl kexec`, on the sha1 and sha256 banks. As in
# ima-systemd-kexec, the next boot must verify the chain of both boots.
# vm-guest: full
# vm-self: yes
# vm-tpm: yes
# vm-disk: 128M
# vm-memory: 2G
# vm-append: ima_policy=tcb
# vm-timeout: 900

STATE=/var/lib/kexecd

stage_first() {
    [ -e /sys/class/tpm/tpm0 ] || vm_fail "no TPM"
    mountpoint -q "$STATE" || vm_fail "the state disk is not mounted at $STATE"
    out=$(kexecctl ima verify) || vm_fail "boot 1 does not verify: $out"
    vm_expect_contains "boot 1 verified" "$out" "verified"
    vm_expect "load the full guest for stage second" kexecctl --no-ask-password load "$VM_KERNEL" \
        --initrd /vm/self/base.img --initrd /vm/self/overlay.img \
        --append "$VM_CONSOLE_ARGS rdinit=/lib/systemd/systemd systemd.unit=multi-user.target ima_policy=tcb vm.stage=second"
    vm_info "systemctl kexec"
    systemctl kexec || vm_fail "systemctl kexec failed"
    sleep 600
}

stage_second() {
    mountpoint -q "$STATE" || vm_fail "the state disk is not mounted at $STATE"
    out=$(kexecctl ima verify)
    rc=$?
    vm_info "$(echo "$out" | tr '\n' ';')"
    [ $rc -eq 0 ] || vm_fail "the chain does not verify (exit $rc)"
    vm_expect_contains "verified by the chain" "$out" "Verified by: chain"
    vm_expect_contains "two boots" "$out" "Boots in chain: 2"
    banks=$(echo "$out" | sed -n 's/.*Banks compared: //p')
    vm_expect_contains "the sha1 bank compared" "$banks" "sha1"
    vm_expect_contains "the sha256 bank compared" "$banks" "sha256"
    vm_pass
}
