# Self-test of the bench's TPM: swtpm attached as tpm-tis must show up as
# tpm0 with readable PCR banks, and a kexec must not reset it. The proof is
# arithmetic: after the jump, PCR 10 must equal the first boot's value
# extended by the second kernel's own measurements, which
# a reset TPM (starting from zeros) could not produce. The IMA scenarios rely
# on exactly this behaviour. The sha1 bank is used because Debian 6.1 lists
# only SHA-1 template digests (no ascii_runtime_measurements_sha256 yet).
# vm-guest: busybox
# vm-tpm: yes
# vm-timeout: 240

IMA=/sys/kernel/security/ima

pcr10() {
    tr 'A-F' 'a-f' </sys/class/tpm/tpm0/pcr-sha1/10
}

# replay START: extend START by every PCR 10 entry of this boot's list.
replay() {
    pcr=$1
    for th in $(awk '$1 == 10 { print $2 }' "$IMA/ascii_runtime_measurements"); do
        pcr=$(printf '%s%s' "$pcr" "$th" | xxd -r -p | sha1sum | cut -d' ' -f1)
    done
    echo "$pcr"
}

zeros=0000000000000000000000000000000000000000

stage_first() {
    [ -e /sys/class/tpm/tpm0 ] || vm_fail "no /sys/class/tpm/tpm0"
    grep -q boot_aggregate "$IMA/ascii_runtime_measurements" || vm_fail "no boot_aggregate in the IMA list"
    value=$(pcr10) || vm_fail "cannot read pcr-sha1/10"
    vm_expect_eq "PCR 10 replayed from a fresh TPM" "$(replay $zeros)" "$value"
    vm_expect "kexec -s -l" kexec -s -l "$VM_KERNEL" --initrd="$VM_INITRD" \
        --append="$VM_CONSOLE_ARGS vm.stage=second vm.pcr10=$value"
    kexec -e
    vm_fail "kexec -e returned: $?"
}

stage_second() {
    before=$(vm_cmdline_value vm.pcr10)
    value=$(pcr10) || vm_fail "cannot read pcr-sha1/10 after kexec"
    [ "$(replay $zeros)" != "$value" ] || vm_fail "PCR 10 replays from zeros: the TPM was reset"
    vm_expect_eq "PCR 10 after kexec = first boot's value + this boot's list" "$(replay "$before")" "$value"
    vm_pass
}
