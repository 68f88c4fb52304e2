# IMA on a kernel that carries its measurement list over kexec
# (CONFIG_IMA_KEXEC, built from Debian's source: Debian's x86 kernel lacks
# it), across three boots each ended by an ordinary `systemctl kexec`, with
# kexecd's state on a persistent disk and a policy that measures every
# executable. Nothing is run beforehand to hide a measurement.
# In boots 2 and 3 the list must hold every earlier boot (one boot_aggregate
# per boot), including what the previous boot executed after kexecd's last
# snapshot (systemd-shutdown, kexecd's shutdown hook, kexec): a 6.1 kernel
# copies its list when the image is loaded, and kexecd's hook reloads the
# image as the last step. kexecd must verify it, count the carried records
# once (not once per boot that saw them) and still import the hand-over,
# whose list is a prefix of the carried one. With the saved chain moved
# away, the carried list alone must still verify.
# vm-guest: full
# vm-kernel: source
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

json_value() {  # KEY JSON: a number, true/false or a string's text
    printf '%s\n' "$2" | sed -n "s/.*\"$1\": *\"\{0,1\}\([^\",}]*\).*/\1/p"
}

records() {
    wc -l <"$IMA/ascii_runtime_measurements"
}

# BOOT: the list holds BOOT boots, kexecd verifies it and counts every
# record once.
check_carried() {
    aggregates=$(grep -c ' boot_aggregate$' "$IMA/ascii_runtime_measurements")
    vm_expect_eq "boot $1: boot_aggregate records (one per boot carried over)" "$aggregates" "$1"
    # What the previous boot executed after kexecd stopped is in the list,
    # between that boot's boot_aggregate and this one's.
    previous=$(awk -v boot="$1" '/ boot_aggregate$/ { n++ } n == boot { exit } n == boot - 1 { print }' \
               "$IMA/ascii_runtime_measurements")
    for exe in /systemd-shutdown /kexecd-shutdown /sbin/kexec; do
        vm_expect_contains "boot $1: the previous boot's $exe was carried over" "$previous" "$exe"
    done
    # Everything this check runs is measured by now: the count is stable.
    kexecctl ima verify --json=short >/dev/null
    n_before=$(records)
    out=$(kexecctl ima verify --json=short)
    rc=$?
    n_after=$(records)
    vm_info "boot $1: $out"
    [ $rc -eq 0 ] || vm_fail "boot $1: the list does not verify (exit $rc)"
    vm_expect_eq "boot $1: status" "$(json_value Status "$out")" verified
    vm_expect_eq "boot $1: carried over" "$(json_value CarriedOver "$out")" true
    vm_expect_eq "boot $1: boots in chain" "$(json_value BootsInChain "$out")" "$1"
    m=$(json_value Measurements "$out")
    [ -n "$m" ] && [ "$m" -ge "$n_before" ] && [ "$m" -le "$n_after" ] ||
        vm_fail "boot $1: $m measurements counted, the list has $n_before..$n_after (carried records counted twice?)"
    # The hand-over still happened, and what it saved of the previous boot
    # is a prefix of the list the kernel carried over.
    history=$(kexecctl history)
    vm_expect_contains "boot $1: the previous kernel handed its list over" "$history" "ima-handover"
    prev=$(ls -d "$STATE"/ima/000$(($1 - 2))-* | head -n 1)
    [ -d "$prev" ] || vm_fail "boot $1: no saved previous boot: $(ls "$STATE/ima")"
    bytes=$(json_value bytes "$(tr -d '\n' <"$prev/meta.json")")
    [ -n "$bytes" ] && [ "$bytes" -gt 0 ] || vm_fail "boot $1: no byte count in $prev/meta.json"
    cmp -s -n "$bytes" "$prev/log.bin" "$IMA/binary_runtime_measurements" ||
        vm_fail "boot $1: the previous boot's saved list is not a prefix of the carried-over list"
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
    [ ! -d /vm/modules ] || vm_fail "the guest carries modules: not the source-built kernel"
    mountpoint -q "$STATE" || vm_fail "the state disk is not mounted at $STATE"
    set_policy
    if ! out=$(kexecctl ima verify 2>&1); then
        # The kernel is built with a short option list: say what kexecd lacked.
        vm_info "$(journalctl -b --no-pager -u kexecd.service 2>&1 | tail -n 15 | tr '\n' ';')"
        vm_fail "boot 1 does not verify: $out"
    fi
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
    check_carried 2
    kexec_into third
}

stage_third() {
    mountpoint -q "$STATE" || vm_fail "the state disk is not mounted at $STATE"
    set_policy
    check_carried 3
    # The carried list alone explains the TPM: without the saved chain it
    # still verifies, from the current list.
    mv "$STATE/ima" /run/chain-removed || vm_fail "cannot move the saved chain away"
    out=$(kexecctl ima verify)
    rc=$?
    vm_info "$(echo "$out" | tr '\n' ';')"
    vm_expect_eq "exit status of verify without the saved chain" "$rc" 0
    vm_expect_contains "verified from the list alone" "$out" "Verified by: current-list"
    vm_expect_contains "three boots in the list" "$out" "Boots in chain: 3"
    vm_pass
}
