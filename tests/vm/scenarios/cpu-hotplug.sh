# CPU changes make the kdump image stale (its ELF header has per-CPU crash
# notes) but not the kexec image: offlining a CPU and hot-adding + onlining
# another must reload kdump twice and never kexec.
# vm-guest: full
# vm-memory: 1536M
# vm-smp: 2,maxcpus=4
# vm-append: crashkernel=256M
# vm-timeout: 600

kdump_reloads_are() { [ "$(vm_reloads kdump)" -eq "$1" ]; }

stage_first() {
    vm_kexecd_conf "[Hotplug]" "QuietPeriodSec=1" "MaxDelaySec=5"
    vm_expect "load kexec" kexecctl --no-ask-password load "$VM_KERNEL" --initrd "$VM_INITRD" \
        --append "$VM_CONSOLE_ARGS vm.stage=second"
    vm_expect "load kdump" kexecctl --no-ask-password load --kdump "$VM_KERNEL" --initrd "$VM_INITRD" \
        --append "$VM_CONSOLE_ARGS vm.stage=crash irqpoll nr_cpus=1 reset_devices"

    echo 0 >/sys/devices/system/cpu/cpu1/online || vm_fail "cannot offline cpu1"
    vm_wait_for 60 kdump_reloads_are 1 || vm_fail "no kdump reload after offlining cpu1: $(kexecctl history 2>&1)"

    vm_expect "host: cpu-add" vm_host cpu-add cpu2
    vm_wait_for 30 test -e /sys/devices/system/cpu/cpu2/online || vm_fail "cpu2 did not appear"
    echo 1 >/sys/devices/system/cpu/cpu2/online || vm_fail "cannot online cpu2"
    vm_wait_for 60 kdump_reloads_are 2 || vm_fail "no kdump reload after cpu2: $(kexecctl history 2>&1)"
    sleep 3
    vm_expect_eq "kexec reloads" "$(vm_reloads kexec)" 0
    vm_expect_eq "kdump reloads" "$(vm_reloads kdump)" 2
    vm_expect_eq "kexec_crash_loaded" "$(cat /sys/kernel/kexec_crash_loaded)" 1
    vm_pass
}
