# kdump that finishes the job, as a user meets it, on Debian's kernel: four
# crashes in a row, each captured by kexecd-capture in the crash kernel
# (started by kexecd's systemd.unit= on the kdump command line), each followed
# by the crash kernel's own reboot into the first kernel. The checks share
# these boots (docs/capture.md, "Proven in a VM"):
#   phase 0  check-kdump before and after loading; `kexecctl test-kdump --yes`
#            (test-kdump)
#   phase 1  the test passed; the local dump's record, its panic line, and
#            makedumpfile --dump-dmesg on the saved vmcore (capture-local);
#            then DumpCommand= and KeepDumps=1, and a plain sysrq crash
#   phase 2  the command got the flattened dump: makedumpfile -R restores it
#            and its log has the panic (capture-command); KeepDumps=1 removed
#            the first dump before the second (capture-retention); then
#            MinFreeSpace= larger than the disk, and a crash
#   phase 3  no memory dump, the log saved, the record says why, and the
#            machine rebooted all the same (capture-full)
# DumpDir is on the persistent disk; /etc is the guest's tmpfs, so the
# configuration reaches the crash kernel in an extra initrd (what /etc on a
# real disk does by itself).
# vm-guest: full
# vm-self: yes
# vm-disk: 2G
# vm-memory: 2G
# vm-append: crashkernel=768M
# vm-reboot: yes
# vm-timeout: 1500

STATE=/var/lib/kexecd
DUMPS=$STATE/crash
REMOTE=$STATE/remote
PHASE_FILE=$STATE/vm-phase

phase() { cat "$PHASE_FILE" 2>/dev/null || echo 0; }
set_phase() { echo "$1" >"$PHASE_FILE" && sync; }

# configure LINE...: kexecd.conf for kexecd here and for the crash kernel,
# kept on the disk for the next boot (restore_config).
configure() {
    vm_kexecd_conf "[Capture]" "DumpDir=$DUMPS" "$@"
    cp /etc/kexecd/kexecd.conf "$STATE/vm-kexecd.conf"
    rm -rf /run/conf && mkdir -p /run/conf/etc/kexecd /run/conf/usr/local/etc/kexecd
    cp /etc/kexecd/kexecd.conf /run/conf/etc/kexecd/
    cp /etc/kexecd/kexecd.conf /run/conf/usr/local/etc/kexecd/
    (cd /run/conf && find . -mindepth 1 | cpio -o -H newc --quiet) >/run/conf.cpio || vm_fail "cannot pack the config"
    systemctl restart kexecd || vm_fail "cannot restart kexecd"
}

load_kdump() {
    vm_expect "load the crash kernel" kexecctl --no-ask-password load --kdump "$VM_KERNEL" \
        --initrd /vm/self/base.img --initrd /vm/self/overlay.img --initrd /run/conf.cpio \
        --append "$VM_CONSOLE_ARGS rdinit=/lib/systemd/systemd irqpoll nr_cpus=1 reset_devices"
    cmdline=$(kexecctl status)
    vm_expect_contains "the crash kernel starts the capture" "$cmdline" "systemd.unit=kexecd-capture.service"
    vm_expect_contains "the crash kernel knows the boot that crashes" "$cmdline" \
        "kexecd.crashed_boot_id=$(tr -d - </proc/sys/kernel/random/boot_id)"
}

crash_now() {
    vm_info "crashing (sysrq c)"
    sync
    echo c >/proc/sysrq-trigger
    sleep 60
    vm_fail "still alive after sysrq c"
}

# This guest's /etc is a tmpfs: what a real machine keeps on its disk comes
# back from the state disk, and kexecd (already started by kexecd-prepare at
# boot) reads it again. The record of a crash settles the kdump test even
# after a start that did not see DumpDir.
restore_config() {
    for d in /etc/kexecd /usr/local/etc/kexecd; do
        mkdir -p "$d" && cp "$STATE/vm-kexecd.conf" "$d/kexecd.conf"
    done
    systemctl restart kexecd || vm_fail "cannot restart kexecd"
}

# newest_crash: the id of the newest crash directory.
newest_crash() { ls "$DUMPS" | grep -v partial | sort | tail -n 1; }

phase0() {
    mountpoint -q "$STATE" || vm_fail "the state disk is not mounted at $STATE"
    configure "KeepDumps=3" "MinFreeSpace=1M"
    out=$(kexecctl check-kdump)
    vm_expect_eq "check-kdump before a crash kernel is loaded" "$?" 1
    vm_expect_contains "check-kdump names what is missing" "$out" "FAIL loaded"
    load_kdump
    out=$(kexecctl check-kdump) || vm_fail "check-kdump: $(echo "$out" | tr '\n' ';')"
    vm_info "$(echo "$out" | tr '\n' ';')"
    set_phase 1
    out=$(kexecctl --no-ask-password test-kdump --yes) || vm_fail "test-kdump: $out"
    vm_info "$out"
    sleep 60
    vm_fail "still alive after test-kdump"
}

phase1() {
    restore_config
    st=$(kexecctl status)
    vm_info "$(echo "$st" | grep -E 'kdump test|Last crash' | tr '\n' ';')"
    vm_expect_contains "the kdump test passed" "$st" "passed"
    vm_expect_contains "status names the last crash" "$st" "Last crash:"
    id=$(newest_crash)
    [ -n "$id" ] || vm_fail "no crash directory in $DUMPS: $(ls -la "$DUMPS")"
    show=$(kexecctl crash show "$id") || vm_fail "crash show $id: $show"
    vm_info "$(echo "$show" | tr '\n' ';')"
    vm_expect_contains "the dump is complete" "$show" "Dump: complete"
    vm_expect_contains "the panic line" "$show" "Kernel panic - not syncing: sysrq triggered crash"
    [ -s "$DUMPS/$id/vmcore" ] || vm_fail "no vmcore in $DUMPS/$id: $(ls -la "$DUMPS/$id")"
    history=$(kexecctl history)
    vm_expect_contains "history reports the crash" "$history" "crash-captured"
    # The saved dump is a real dump: makedumpfile reads the crashed kernel's
    # log back out of it.
    makedumpfile --dump-dmesg "$DUMPS/$id/vmcore" /run/dmesg-from-vmcore.txt >/dev/null 2>&1 ||
        vm_fail "makedumpfile cannot read the saved vmcore"
    vm_expect_contains "the saved vmcore holds the panic" "$(cat /run/dmesg-from-vmcore.txt)" "sysrq triggered crash"
    echo "$id" >"$STATE/vm-first-crash"
    # Next: a fleet's DumpCommand, and keep one dump only.
    mkdir -p "$REMOTE"
    configure "KeepDumps=1" "MinFreeSpace=1M" "DumpCommand=cat > $REMOTE/\$KEXECD_CRASH_ID.flat"
    load_kdump
    set_phase 2
    crash_now
}

phase2() {
    restore_config
    first=$(cat "$STATE/vm-first-crash")
    id=$(newest_crash)
    [ "$id" != "$first" ] || vm_fail "no second crash was recorded"
    [ ! -e "$DUMPS/$first" ] || vm_fail "KeepDumps=1 kept the first dump: $(ls "$DUMPS")"
    flat="$REMOTE/$id.flat"
    [ -s "$flat" ] || vm_fail "DumpCommand wrote nothing: $(ls -la "$REMOTE")"
    show=$(kexecctl crash show "$id")
    vm_info "$(echo "$show" | tr '\n' ';')"
    vm_expect_contains "the command's dump is complete" "$show" "Dump: complete"
    makedumpfile -R /run/restored <"$flat" >/dev/null 2>&1 || vm_fail "makedumpfile -R cannot restore the flattened dump"
    makedumpfile --dump-dmesg /run/restored /run/dmesg-restored.txt >/dev/null 2>&1 ||
        vm_fail "makedumpfile cannot read the restored dump"
    vm_expect_contains "the restored dump holds the panic" "$(cat /run/dmesg-restored.txt)" "sysrq triggered crash"
    rm -f /run/restored
    # Next: too little space for any dump.
    configure "KeepDumps=3" "MinFreeSpace=100G"
    load_kdump
    set_phase 3
    crash_now
}

phase3() {
    restore_config
    id=$(newest_crash)
    show=$(kexecctl crash show "$id")
    vm_info "$(echo "$show" | tr '\n' ';')"
    vm_expect_contains "the space-starved capture is incomplete" "$show" "Dump: incomplete"
    vm_expect_contains "and says why" "$show" "MinFreeSpace"
    vm_expect_contains "the panic line was still saved" "$show" "sysrq triggered crash"
    [ -s "$DUMPS/$id/vmcore-dmesg.txt" ] || vm_fail "the log was not saved: $(ls -la "$DUMPS/$id")"
    [ ! -e "$DUMPS/$id/vmcore" ] || vm_fail "a memory dump was written despite MinFreeSpace"
    list=$(kexecctl crash list)
    vm_info "$(echo "$list" | tr '\n' ';')"
    vm_pass
}

stage_first() {
    mountpoint -q "$STATE" || vm_fail "the state disk is not mounted at $STATE"
    p=$(phase)
    vm_info "phase $p"
    "phase$p"
}
