# Hot-adding 4 GiB as four DIMMs in quick succession (32 memory blocks, 64
# add/online events) must cause exactly one reload of each image, counted
# from kexecd's own history, and leave both images fresh and loaded.
# vm-guest: full
# vm-memory: 1536M,slots=8,maxmem=8G
# vm-append: crashkernel=256M
# vm-timeout: 600

both_reloaded() { [ "$(vm_reloads kexec)" -ge 1 ] && [ "$(vm_reloads kdump)" -ge 1 ]; }

stage_first() {
    # A quiet period longer than the whole storm takes to arrive.
    vm_kexecd_conf "[Hotplug]" "QuietPeriodSec=6" "MaxDelaySec=120"
    vm_expect "load kexec" kexecctl --no-ask-password load "$VM_KERNEL" --initrd "$VM_INITRD" \
        --append "$VM_CONSOLE_ARGS vm.stage=second"
    vm_expect "load kdump" kexecctl --no-ask-password load --kdump "$VM_KERNEL" --initrd "$VM_INITRD" \
        --append "$VM_CONSOLE_ARGS vm.stage=crash irqpoll nr_cpus=1 reset_devices"
    before=$(vm_memory_blocks)
    for i in 1 2 3 4; do
        vm_expect "host: mem-add dimm$i" vm_host mem-add "dimm$i" 1G
    done
    vm_wait_for 60 vm_memory_blocks_are $((before + 32)) || vm_fail "memory blocks: $(vm_memory_blocks), wanted $((before + 32))"
    vm_expect "online 32 blocks" vm_online_new_memory
    vm_wait_for 90 both_reloaded || vm_fail "no reload: $(kexecctl history 2>&1)"
    sleep 10 # anything still pending would fire within this
    vm_expect_eq "kexec reloads" "$(vm_reloads kexec)" 1
    vm_expect_eq "kdump reloads" "$(vm_reloads kdump)" 1
    vm_expect_eq "hotplug batches" "$(kexecctl --json=short history | grep -c '"event":"hotplug"')" 1
    status=$(kexecctl --json=short status)
    case "$status" in *'"Stale":true'*) vm_fail "an image is still stale: $status" ;; esac
    vm_expect_eq "kexec_loaded" "$(cat /sys/kernel/kexec_loaded)" 1
    vm_expect_eq "kexec_crash_loaded" "$(cat /sys/kernel/kexec_crash_loaded)" 1
    vm_pass
}
