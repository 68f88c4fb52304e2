# IMA across a real kexec with a real (software) TPM: the first boot's
# measurement list is saved and carried into the second kernel (as an extra
# initrd archive, the way kexecd's chain survives on disk); there, the new
# list alone no longer replays to PCR 10 (Debian has no CONFIG_IMA_KEXEC),
# but `kexecctl ima replay` of the saved list followed by the new one does,
# against the TPM's PCR 10 read through sysfs. A chain with the first boot's
# last record dropped must not match.
# vm-guest: busybox
# vm-tpm: yes
# vm-timeout: 300

IMA=/sys/kernel/security/ima

pcr10() { cat /sys/class/tpm/tpm0/pcr-sha1/10; }

stage_first() {
    [ -e /sys/class/tpm/tpm0 ] || vm_fail "no TPM"
    # Measure every executable (initramfs included) so the list grows.
    echo "measure func=BPRM_CHECK" >"$IMA/policy" || vm_fail "cannot set the IMA policy"
    for _ in 1 2 3; do /bin/busybox true; ls / >/dev/null; done
    mkdir -p /tmp/carry/saved
    # Run everything this stage runs once before copying, so that both
    # copies below describe the same list (repeats are not measured again).
    kexecctl ima replay --help >/dev/null; kexec --version >/dev/null 2>&1
    cpio --help >/dev/null 2>&1; cat /dev/null; find /dev/null >/dev/null; head -c 0 /dev/null; stat /dev/null >/dev/null
    cp "$IMA/binary_runtime_measurements" /tmp/carry/saved/boot1.bin
    cp "$IMA/ascii_runtime_measurements" /tmp/carry/saved/boot1.txt
    n=$(grep -c . /tmp/carry/saved/boot1.txt)
    vm_info "first boot measured $n records"
    kexecctl ima replay /tmp/carry/saved/boot1.bin --pcr "sha1:10=$(pcr10)" >/dev/null ||
        vm_fail "the first boot's own list does not replay to PCR 10"
    (cd /tmp/carry && find saved | cpio -o -H newc 2>/dev/null) >/tmp/carry.cpio
    # The kernel finds a following archive only at a 4-byte boundary.
    size=$(stat -c %s "$VM_INITRD")
    { cat "$VM_INITRD"; head -c $(((4 - size % 4) % 4)) /dev/zero; cat /tmp/carry.cpio; } >/tmp/initrd-with-chain.img
    vm_expect "kexec -s -l" kexec -s -l "$VM_KERNEL" --initrd=/tmp/initrd-with-chain.img \
        --append="$VM_CONSOLE_ARGS vm.stage=second vm.records1=$n"
    kexec -e
    vm_fail "kexec -e returned"
}

stage_second() {
    [ -e /saved/boot1.bin ] || vm_fail "the saved first-boot list did not arrive"
    pcr=$(pcr10)
    cp "$IMA/binary_runtime_measurements" /tmp/boot2.bin
    vm_expect_status "the new list alone does not replay (TPM not reset by kexec)" 1 \
        kexecctl ima replay /tmp/boot2.bin --pcr "sha1:10=$pcr"
    out=$(kexecctl ima replay /saved/boot1.bin /tmp/boot2.bin --pcr "sha1:10=$pcr") ||
        vm_fail "saved chain + new list do not replay to PCR 10: $out"
    vm_info "$out"
    # Drop the first boot's last record (a gap in the saved chain): its
    # binary size follows from the ASCII line: pcr, sha1, name, then the
    # template data: d-ng ("algo:" NUL digest) and n-ng (path NUL).
    # Debian's default template for BPRM_CHECK with no signature is ima-sig
    # (an empty sig field, 4 bytes of length).
    set -- $(tail -n 1 /saved/boot1.txt)
    case "$3" in
        ima-ng) sig=0 ;;
        ima-sig) [ $# -eq 5 ] || vm_fail "last record carries a signature: $*"; sig=4 ;;
        *) vm_fail "unexpected template of the last record: $*" ;;
    esac
    algo=${4%%:*}; hex=${4#*:}; path=$5
    data=$((4 + ${#algo} + 2 + ${#hex} / 2 + 4 + ${#path} + 1 + sig))
    record=$((4 + 20 + 4 + ${#3} + 4 + data))
    size=$(stat -c %s /saved/boot1.bin)
    head -c $((size - record)) /saved/boot1.bin >/tmp/dropped.bin
    kexecctl ima replay /tmp/dropped.bin >/dev/null || vm_fail "the shortened list is not a valid list"
    vm_expect_status "a chain missing a record does not replay" 1 \
        kexecctl ima replay /tmp/dropped.bin /tmp/boot2.bin --pcr "sha1:10=$pcr"
    vm_pass
}
