# The hazard that started it all: an image loaded with the legacy syscall
# while a hot-added DIMM is online carries that DIMM in its memory map (and
# kexec-tools may place segments in it); after the DIMM is removed, plain
# `kexec -l` + `kexec -e` hangs (reproduced). kexecd keeps the legacy
# loader's segments below Movable memory (--mem-max), but the memory map in
# the image is still stale: an earlier version of this scenario, which held
# reloads off, hung the same way. kexecd sees the removal, reloads the image
# for the new layout, and the second kernel must come up.
# vm-guest: full
# vm-memory: 1G,slots=4,maxmem=4G
# vm-timeout: 600

MARKER=vm.marker=hotplug-remove-c0de


reloaded_since() { [ "$(vm_reloads kexec)" -gt "$1" ]; }

stage_first() {
    vm_kexecd_conf "[Hotplug]" "QuietPeriodSec=1" "MaxDelaySec=5"
    before=$(vm_memory_blocks)
    vm_expect "host: mem-add" vm_host mem-add dimm1 2G
    vm_wait_for 30 vm_memory_blocks_are $((before + 16)) || vm_fail "memory blocks: $(vm_memory_blocks)"
    vm_expect "online the DIMM movable" vm_online_new_memory
    vm_expect "kexecctl load --syscall=legacy" kexecctl --no-ask-password load --syscall=legacy "$VM_KERNEL" \
        --initrd "$VM_INITRD" --append "$VM_CONSOLE_ARGS vm.stage=second $MARKER"
    json=$(kexecctl --json=short status | grep -o '"kexec":{[^}]*}')
    vm_expect_contains "legacy syscall used" "$json" '"Syscall":"legacy"'
    reloads_before=$(vm_reloads kexec)
    vm_expect "host: mem-del (DIMM removed)" vm_host mem-del dimm1
    vm_expect_eq "memory blocks after removal" "$(vm_memory_blocks)" "$before"
    vm_wait_for 60 reloaded_since "$reloads_before" || vm_fail "kexecd did not reload after the removal: $(kexecctl history 2>&1)"
    json=$(kexecctl --json=short status | grep -o '"kexec":{[^}]*}')
    vm_expect_contains "still the legacy syscall" "$json" '"Syscall":"legacy"'
    vm_expect_contains "fresh" "$json" '"Stale":false'
    vm_expect_eq "kexec_loaded" "$(cat /sys/kernel/kexec_loaded)" 1
    vm_info "kexec -e into the image kexecd reloaded after the removal"
    sync
    kexec -e
    vm_fail "kexec -e returned"
}

stage_second() {
    vm_expect_contains "second kernel's command line" "$(cat /proc/cmdline)" "$MARKER"
    vm_pass
}
