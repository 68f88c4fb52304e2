# Memory changes after the kexec image was loaded; automatic reloads are held
# off (long quiet period), so only the last-moment check can fix it:
# `systemctl kexec` must make kexecd-prepare.service reload the stale image
# before the jump (its verdict is on the console), and the second kernel must
# come up with the hot-added memory online-able.
# vm-guest: full
# vm-memory: 1G,slots=4,maxmem=4G
# vm-append: systemd.status_unit_format=name
# vm-console: kexecd: reloaded the kexec image \(last-moment check: the loaded kexec image is stale\)
# vm-timeout: 600

MARKER=vm.marker=kexec-target-9e21


stage_first() {
    vm_kexecd_conf "[Hotplug]" "QuietPeriodSec=3600" "MaxDelaySec=3600"
    vm_expect "kexecctl load" kexecctl --no-ask-password load "$VM_KERNEL" --initrd "$VM_INITRD" \
        --append "$VM_CONSOLE_ARGS vm.stage=second $MARKER"
    before=$(vm_memory_blocks)
    vm_expect "host: mem-add" vm_host mem-add dimm1 1G
    vm_wait_for 30 vm_memory_blocks_are $((before + 8)) || vm_fail "memory blocks: $(vm_memory_blocks)"
    vm_expect "online the DIMM" vm_online_new_memory
    sleep 2
    json=$(kexecctl --json=short status | grep -o '"kexec":{[^}]*}')
    vm_expect_contains "no automatic reload yet" "$json" '"ReloadCount":0'
    vm_info "systemctl kexec"
    systemctl kexec || vm_fail "systemctl kexec failed"
    sleep 600
}

stage_second() {
    vm_expect_contains "second kernel's command line" "$(cat /proc/cmdline)" "$MARKER"
    vm_info "second kernel: $(grep MemTotal /proc/meminfo)"
    vm_pass
}
