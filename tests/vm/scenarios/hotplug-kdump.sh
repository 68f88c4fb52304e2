# The crash kernel's ELF core header lists the RAM of the moment it was
# loaded. A DIMM hot-added and onlined afterwards must make kexecd reload the
# kdump image (udev event, coalesced), so that after a panic /proc/vmcore
# covers the new RAM too (without the reload it does not: 1.26 GB vs 2.3 GB).
# vm-guest: full
# vm-memory: 1536M,slots=4,maxmem=4G
# vm-append: crashkernel=384M
# vm-timeout: 600

MARKER=vm.marker=hotplug-kdump-71a3

system_ram() {
    total=0
    while read -r range _ name rest; do
        case "$range" in " "*) continue ;; esac
        [ "$name $rest" = "System RAM" ] || continue
        start=$((0x${range%-*})); end=$((0x${range#*-}))
        total=$((total + end - start + 1))
    done </proc/iomem
    echo "$total"
}
kdump_reloaded() { kexecctl --json=short history | grep -q '"image":"kdump","event":"reloaded"'; }

stage_first() {
    vm_kexecd_conf "[Hotplug]" "QuietPeriodSec=1" "MaxDelaySec=5"
    ram=$(system_ram)
    vm_expect "kexecctl load --kdump" kexecctl --no-ask-password load --kdump "$VM_KERNEL" \
        --initrd "$VM_INITRD" \
        --append "$VM_CONSOLE_ARGS vm.stage=crash $MARKER vm.ram=$ram irqpoll nr_cpus=1 reset_devices"
    vm_expect_eq "kexec_crash_loaded" "$(cat /sys/kernel/kexec_crash_loaded)" 1

    before=$(vm_memory_blocks)
    vm_expect "host: mem-add" vm_host mem-add dimm1 1G
    vm_wait_for 30 vm_memory_blocks_are $((before + 8)) || vm_fail "memory blocks: $(vm_memory_blocks), wanted $((before + 8))"
    vm_expect "online the new blocks" vm_online_new_memory
    vm_info "System RAM $ram -> $(system_ram) bytes"
    vm_wait_for 60 kdump_reloaded || vm_fail "kexecd did not reload the kdump image: $(kexecctl history 2>&1)"
    vm_expect_eq "kexec_crash_loaded after reload" "$(cat /sys/kernel/kexec_crash_loaded)" 1
    json=$(kexecctl --json=short status | grep -o '"kdump":{[^}]*}')
    vm_expect_contains "kdump image fresh" "$json" '"Stale":false'
    vm_expect_contains "one reload" "$json" '"ReloadCount":1'
    vm_info "panicking with sysrq c"
    sync
    echo c >/proc/sysrq-trigger
    vm_fail "still alive after sysrq c"
}

stage_crash() {
    [ -e /proc/vmcore ] || vm_fail "no /proc/vmcore in the crash kernel"
    size=$(stat -c %s /proc/vmcore)
    ram=$(vm_cmdline_value vm.ram)
    vm_info "vmcore $size bytes, System RAM at load time $ram bytes"
    # The dump covers RAM minus the crash reservation (384 MiB): without a
    # reload that is less than the load-time RAM; with the hot-added GiB it is
    # about 640 MiB more.
    [ "$size" -gt $((ram + 256 * 1024 * 1024)) ] ||
        vm_fail "vmcore ($size bytes) does not cover the hot-added RAM (load-time RAM $ram)"
    vm_pass
}
