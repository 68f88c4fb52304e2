# Self-test of the bench's host requests, without kexecd: the guest asks the
# host for a DIMM and a CPU over the control port, sees them arrive (offline,
# as Debian's kernel leaves them), onlines them, then asks the host to unplug
# both and sees them go. Hotplug scenarios build on exactly these requests.
# vm-guest: busybox
# vm-memory: 1G,slots=4,maxmem=4G
# vm-smp: 2,maxcpus=4
# vm-timeout: 300

stage_first() {
    before=$(vm_memory_blocks)
    mem_before=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)
    vm_expect "host: mem-add" vm_host mem-add dimm1 512M
    # 512 MiB = four 128 MiB blocks.
    vm_wait_for 30 vm_memory_blocks_are $((before + 4)) ||
        vm_fail "memory blocks: $(vm_memory_blocks), wanted $((before + 4))"
    vm_expect "online the new blocks" vm_online_new_memory
    mem_after=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)
    [ $((mem_after - mem_before)) -eq $((512 * 1024)) ] ||
        vm_fail "MemTotal grew by $((mem_after - mem_before)) kB, wanted 524288"

    vm_expect "host: cpu-add" vm_host cpu-add cpu2
    vm_wait_for 30 test -e /sys/devices/system/cpu/cpu2/online || vm_fail "cpu2 did not appear"
    echo 1 >/sys/devices/system/cpu/cpu2/online || vm_fail "cannot online cpu2"
    vm_expect_eq "online CPUs" "$(cat /sys/devices/system/cpu/online)" 0-2

    # The host waits until the guest has released the DIMM (DEVICE_DELETED).
    vm_expect "host: mem-del" vm_host mem-del dimm1
    vm_expect_eq "memory blocks after unplug" "$(vm_memory_blocks)" "$before"
    echo 0 >/sys/devices/system/cpu/cpu2/online || vm_fail "cannot offline cpu2"
    vm_expect "host: cpu-del" vm_host cpu-del cpu2
    vm_expect_eq "present CPUs after unplug" "$(cat /sys/devices/system/cpu/present)" 0-1
    out=$(vm_host frobnicate) && vm_fail "host accepted an unknown request: $out"
    vm_pass
}
