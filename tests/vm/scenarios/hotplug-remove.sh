# The hazard that started it all: with the legacy syscall, kexec-tools picks
# segment addresses from /proc/iomem and may place them in a hot-added DIMM;
# after that DIMM is removed, `kexec -e` hangs (plain `kexec -l` does,
# reproduced). kexecd bounds the legacy loader below removable (Movable)
# memory, so the same sequence must boot the second kernel. No reload may
# rescue it here: the quiet period is longer than the scenario.
# vm-guest: full
# vm-memory: 1G,slots=4,maxmem=4G
# vm-timeout: 600

MARKER=vm.marker=hotplug-remove-c0de

kexecd_conf() {
    for d in /etc/kexecd /usr/local/etc/kexecd; do
        mkdir -p "$d" && printf '%s\n' "$@" >"$d/kexecd.conf"
    done
}
blocks() { ls -d /sys/devices/system/memory/memory[0-9]* | wc -l; }
blocks_are() { [ "$(blocks)" -eq "$1" ]; }
online_blocks() {
    grep -l offline /sys/devices/system/memory/memory*/state 2>/dev/null | while read -r f; do
        echo online_movable >"$f" || return 1
    done
}

stage_first() {
    kexecd_conf "[Hotplug]" "QuietPeriodSec=3600" "MaxDelaySec=3600"
    before=$(blocks)
    vm_expect "host: mem-add" vm_host mem-add dimm1 2G
    vm_wait_for 30 blocks_are $((before + 16)) || vm_fail "memory blocks: $(blocks)"
    vm_expect "online the DIMM movable" online_blocks
    vm_expect "kexecctl load --syscall=legacy" kexecctl --no-ask-password load --syscall=legacy "$VM_KERNEL" \
        --initrd "$VM_INITRD" --append "$VM_CONSOLE_ARGS vm.stage=second $MARKER"
    json=$(kexecctl --json=short status | grep -o '"kexec":{[^}]*}')
    vm_expect_contains "legacy syscall used" "$json" '"Syscall":"legacy"'
    vm_expect "host: mem-del (DIMM removed)" vm_host mem-del dimm1
    vm_expect_eq "memory blocks after removal" "$(blocks)" "$before"
    vm_expect_eq "kexec_loaded" "$(cat /sys/kernel/kexec_loaded)" 1
    vm_info "kexec -e into the image loaded before the removal"
    sync
    kexec -e
    vm_fail "kexec -e returned"
}

stage_second() {
    vm_expect_contains "second kernel's command line" "$(cat /proc/cmdline)" "$MARKER"
    vm_pass
}
