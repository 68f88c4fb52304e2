# A gap in the IMA chain explains itself, on Debian's kernel with swtpm and a
# persistent state disk, after an ordinary `systemctl kexec` (nothing run
# beforehand). Boot 1's saved list has a checkpoint for each of its snapshots
# (start-up, PrepareKexec, kexecd stopped, the shutdown hook's hand-over).
# In boot 2, with the chain verified on the sha1 and sha256 banks, one record
# right after boot 1's start-up checkpoint is removed from the saved list
# (as damage or tampering would): `kexecctl ima verify` must report a gap in
# boot 1 placed between that checkpoint and the next one, and one extend
# unaccounted for. With the files restored the chain verifies again.
# vm-guest: full
# vm-self: yes
# vm-tpm: yes
# vm-disk: 128M
# vm-memory: 2G
# vm-timeout: 900

IMA=/sys/kernel/security/ima
STATE=/var/lib/kexecd

stage_first() {
    [ -e /sys/class/tpm/tpm0 ] || vm_fail "no TPM"
    mountpoint -q "$STATE" || vm_fail "the state disk is not mounted at $STATE"
    echo "measure func=BPRM_CHECK" >"$IMA/policy" || vm_fail "cannot set the IMA policy"
    out=$(kexecctl ima verify) || vm_fail "boot 1 does not verify: $out"
    vm_expect "load the full guest for stage second" kexecctl --no-ask-password load "$VM_KERNEL" \
        --initrd /vm/self/base.img --initrd /vm/self/overlay.img \
        --append "$VM_CONSOLE_ARGS rdinit=/lib/systemd/systemd systemd.unit=multi-user.target vm.stage=second"
    vm_info "systemctl kexec"
    systemctl kexec || vm_fail "systemctl kexec failed"
    sleep 600
}

# drop_record FILE N: removes the N-th record (1-based) of a binary IMA list
# (little-endian, SHA-1 template digests); prints the bytes removed.
drop_record() {
    perl -e '
        my ($file, $n) = @ARGV;
        open(my $f, "<:raw", $file) or die "$file: $!";
        local $/; my $d = <$f>; close $f;
        my ($pos, $k, $out, $gone) = (0, 0, "", 0);
        while ($pos < length $d) {
            my $start = $pos;
            my $namelen = unpack("V", substr($d, $pos + 24, 4));
            my $name = substr($d, $pos + 28, $namelen);
            $pos += 28 + $namelen;
            $pos += 4 + unpack("V", substr($d, $pos, 4));
            $k++;
            if ($k == $n) { $gone = $pos - $start; } else { $out .= substr($d, $start, $pos - $start); }
        }
        open($f, ">:raw", $file) or die "$file: $!"; print $f $out; close $f;
        print "$gone\n";
    ' "$1" "$2"
}

stage_second() {
    mountpoint -q "$STATE" || vm_fail "the state disk is not mounted at $STATE"
    out=$(kexecctl ima verify)
    rc=$?
    vm_info "$(echo "$out" | tr '\n' ';')"
    vm_expect_eq "the chain verifies" "$rc" 0
    vm_expect_contains "two boots" "$out" "Boots in chain: 2"
    banks=$(echo "$out" | sed -n 's/.*Banks compared: //p')
    vm_expect_contains "the sha1 bank compared" "$banks" "sha1"
    vm_expect_contains "the sha256 bank compared" "$banks" "sha256"

    first=$(ls -d "$STATE"/ima/0000-* | head -n 1)
    [ -d "$first" ] || vm_fail "no saved boot 1: $(ls "$STATE/ima")"
    id=${first##*/0000-}
    # The checkpoints' record counts, in order.
    counts=$(tr -d ' \n' <"$first/meta.json" | grep -o '"records":[0-9]*,"pcr10"' | grep -o '[0-9]*' | tr '\n' ' ')
    vm_info "boot 1 checkpoints at records: $counts"
    c1=$(echo $counts | cut -d' ' -f1)
    c2=$(echo $counts | tr ' ' '\n' | awk -v c="$c1" '$1 > c { print; exit }')
    [ -n "$c1" ] && [ -n "$c2" ] || vm_fail "boot 1 has no two distinct checkpoints: $counts"
    cp -a "$first" /run/boot1-saved
    gone=$(drop_record "$first/log.bin" $((c1 + 1))) || vm_fail "cannot edit the saved list"
    bytes=$(sed -n 's/.*"bytes": *\([0-9]*\).*/\1/p' "$first/meta.json" | head -n 1)
    sed -i "s/\"bytes\": *$bytes/\"bytes\": $((bytes - gone))/" "$first/meta.json"

    out=$(kexecctl ima verify)
    rc=$?
    vm_info "$(echo "$out" | tr '\n' ';')"
    vm_expect_eq "exit status of verify with a record removed" "$rc" 9
    vm_expect_contains "the gap is placed in boot 1" "$out" "Gap: boot $id between record $c1 and record $c2"
    vm_expect_contains "one extend is unaccounted for" "$out" "Unaccounted: 1 extend(s)"
    vm_expect_contains "the admin is told what to do" "$out" "restore"

    rm -rf "$first" && cp -a /run/boot1-saved "$first"
    out=$(kexecctl ima verify) || vm_fail "restored chain does not verify: $(echo "$out" | tr '\n' ';')"
    vm_pass
}
