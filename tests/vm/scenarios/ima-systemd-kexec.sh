# IMA across the path users take: three boots in a row, each ended by an
# ordinary `systemctl kexec` (kexecd-prepare, every unit stopped, kexecd
# stopped, systemd-shutdown, its hooks, `kexec -e`), with kexecd's state on
# a persistent disk and a policy that measures every executable. Nothing is
# run beforehand to hide a measurement. In every boot kexecd must report
# `verified` by the chain of all boots so far: whatever systemd executed
# after kexecd's last snapshot reached the next boot through kexecd's
# shutdown hook (docs/ima.md). Then, with one boot's saved list removed,
# the verdict must be a gap naming the boot and record after which
# measurements are missing.
# vm-guest: full
# vm-self: yes
# vm-tpm: yes
# vm-disk: 128M
# vm-memory: 2G
# vm-timeout: 900

IMA=/sys/kernel/security/ima
STATE=/var/lib/kexecd

set_policy() {
    echo "measure func=BPRM_CHECK" >"$IMA/policy" || vm_fail "cannot set the IMA policy"
}

verify_chain() {  # BOOTS
    out=$(kexecctl ima verify)
    rc=$?
    vm_info "boot $1: $(echo "$out" | tr '\n' ';')"
    [ $rc -eq 0 ] || vm_fail "boot $1: the chain does not verify (exit $rc)"
    vm_expect_contains "boot $1 verified by the chain" "$out" "Verified by: chain"
    vm_expect_contains "boot $1: $1 boots" "$out" "Boots in chain: $1"
}

kexec_into() {  # STAGE [EXTRA-INITRD]
    vm_expect "load the full guest for stage $1" kexecctl --no-ask-password load "$VM_KERNEL" \
        --initrd /vm/self/base.img --initrd /vm/self/overlay.img ${2:+--initrd "$2"} \
        --append "$VM_CONSOLE_ARGS rdinit=/lib/systemd/systemd systemd.unit=multi-user.target vm.stage=$1"
    vm_info "systemctl kexec"
    systemctl kexec || vm_fail "systemctl kexec failed"
    sleep 600
}

stage_first() {
    [ -e /sys/class/tpm/tpm0 ] || vm_fail "no TPM"
    mountpoint -q "$STATE" || vm_fail "the state disk is not mounted at $STATE"
    set_policy
    out=$(kexecctl ima verify) || vm_fail "boot 1 does not verify: $out"
    vm_expect_contains "boot 1 verified" "$out" "verified"
    # Boot 2 kexecs once more: it needs the guest's own archives as files
    # too (test plumbing, not kexecd's state: that is on the disk).
    (cd / && printf 'vm/self\nvm/self/base.img\nvm/self/overlay.img\n' | cpio -o -H newc --quiet) >/run/self.cpio ||
        vm_fail "cannot pack /vm/self"
    kexec_into second /run/self.cpio
}

stage_second() {
    mountpoint -q "$STATE" || vm_fail "the state disk is not mounted at $STATE"
    set_policy
    history=$(kexecctl history)
    vm_expect_contains "the previous kernel handed its list over" "$history" "ima-handover"
    verify_chain 2
    kexec_into third
}

stage_third() {
    set_policy
    verify_chain 3
    # Without boot 2's saved list the chain has a gap right after boot 1.
    first=$(ls -d "$STATE"/ima/0000-* | head -n 1)
    second=$(ls -d "$STATE"/ima/0001-* | head -n 1)
    [ -d "$first" ] && [ -d "$second" ] || vm_fail "saved boots: $(ls "$STATE/ima")"
    id=${first##*/0000-}
    # The first "records" is the boot's own; the checkpoints list theirs after it.
    records=$(sed -n 's/.*"records": *\([0-9]*\).*/\1/p' "$first/meta.json" | head -n 1)
    mv "$second" /run/boot2-removed
    out=$(kexecctl ima verify)
    rc=$?
    vm_info "$(echo "$out" | tr '\n' ';')"
    vm_expect_eq "exit status of verify with a boot missing" "$rc" 9
    vm_expect_contains "the gap is named" "$out" "Gap: boot $id after record $records"
    vm_pass
}
