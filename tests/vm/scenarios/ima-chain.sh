# kexecd's IMA chain across a real kexec with a real (software) TPM: boot 1
# measures every executable; kexecd verifies the list and saves it
# (PrepareKexec); the machine kexecs into the same full guest, carrying
# kexecd's state directory as an extra initrd archive (what a disk would
# keep); in boot 2 the new list alone no longer matches PCR 10, and kexecd
# must report `verified` by the chain of two boots. Dropping the last saved
# record of boot 1 must turn that into a `gap` naming boot 1.
# vm-guest: full
# vm-self: yes
# vm-tpm: yes
# vm-memory: 2G
# vm-timeout: 600

IMA=/sys/kernel/security/ima
STATE=/var/lib/kexecd

stage_first() {
    [ -e /sys/class/tpm/tpm0 ] || vm_fail "no TPM"
    echo "measure func=BPRM_CHECK" >"$IMA/policy" || vm_fail "cannot set the IMA policy"
    # Everything this stage runs after the snapshot must be measured before
    # it (repeats are not measured again), or it is a real gap.
    for c in cpio find kexec stat head cat mkdir cp grep sed tail sleep sync; do
        command -v "$c" >/dev/null || vm_fail "$c missing in the guest"
        "$c" --version >/dev/null 2>&1 || true
    done
    out=$(kexecctl ima verify) || vm_fail "boot 1 does not verify: $out"
    vm_expect_contains "boot 1 verified" "$out" "verified"
    vm_expect "prelim load" kexecctl --no-ask-password load "$VM_KERNEL" --initrd /vm/self/base.img \
        --initrd /vm/self/overlay.img --append "$VM_CONSOLE_ARGS"
    vm_expect "snapshot (prepare-kexec)" kexecctl --no-ask-password prepare-kexec
    mkdir -p /tmp/carry/var/lib /tmp/carry/vm/test
    cp -a "$STATE" /tmp/carry/var/lib/
    cp "$IMA/ascii_runtime_measurements" /tmp/carry/vm/test/boot1.txt
    # Not under /tmp: kexecd runs with PrivateTmp=yes.
    (cd /tmp/carry && find . -mindepth 1 | cpio -o -H newc --quiet) >/run/carry.cpio
    vm_expect "load the full guest again" kexecctl --no-ask-password load "$VM_KERNEL" \
        --initrd /vm/self/base.img --initrd /vm/self/overlay.img --initrd /run/carry.cpio \
        --append "$VM_CONSOLE_ARGS rdinit=/lib/systemd/systemd systemd.unit=multi-user.target vm.stage=second"
    sync
    kexec -e
    vm_fail "kexec -e returned"
}

stage_second() {
    [ -d "$STATE/ima" ] || vm_fail "kexecd's saved chain did not arrive"
    out=$(kexecctl ima verify)
    rc=$?
    vm_info "$(echo "$out" | tr '\n' ';')"
    [ $rc -eq 0 ] || vm_fail "the chain does not verify (exit $rc)"
    vm_expect_contains "verified by the chain" "$out" "Verified by: chain"
    vm_expect_contains "two boots" "$out" "Boots in chain: 2"

    # Drop boot 1's last saved record: its size follows from the ASCII line.
    set -- $(tail -n 1 /vm/test/boot1.txt)
    case "$3" in
        ima-ng) sig=0 ;;
        ima-sig) sig=4 ;;
        *) vm_fail "unexpected template $3" ;;
    esac
    algo=${4%%:*}; hex=${4#*:}; path=$5
    record=$((4 + 20 + 4 + ${#3} + 4 + 4 + ${#algo} + 2 + ${#hex} / 2 + 4 + ${#path} + 1 + sig))
    dir=$(ls -d "$STATE"/ima/0000-* | head -n 1)
    bytes=$(sed -n 's/.*"bytes": *\([0-9]*\).*/\1/p' "$dir/meta.json")
    [ -n "$bytes" ] || vm_fail "no byte count in $dir/meta.json"
    head -c $((bytes - record)) "$dir/log.bin" >/tmp/log.bin && cp /tmp/log.bin "$dir/log.bin"
    sed -i "s/\"bytes\": *$bytes/\"bytes\": $((bytes - record))/" "$dir/meta.json"
    out=$(kexecctl ima verify)
    rc=$?
    vm_info "$(echo "$out" | tr '\n' ';')"
    vm_expect_eq "exit status of verify with a dropped record" "$rc" 9
    vm_expect_contains "a gap" "$out" "gap"
    vm_pass
}
