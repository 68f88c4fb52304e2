# Self-test of the bench without kexecd: kexec-tools' kexec loads the next
# kernel with kexec_file_load(2) and jumps; the second kernel must report the
# marker on its command line. If this fails, the bench (not kexecd) is broken.
# vm-guest: busybox
# vm-timeout: 240

MARKER=vm.marker=harness-$$

stage_first() {
    vm_expect_eq "host control channel" "$(vm_host ping)" pong
    vm_expect_eq "nothing loaded at boot" "$(cat /sys/kernel/kexec_loaded)" 0
    vm_expect "kexec -s -l" kexec -s -l "$VM_KERNEL" --initrd="$VM_INITRD" \
        --append="$VM_CONSOLE_ARGS vm.stage=second $MARKER"
    vm_expect_eq "kexec_loaded after load" "$(cat /sys/kernel/kexec_loaded)" 1
    vm_info "jumping with kexec -e"
    kexec -e
    vm_fail "kexec -e returned: $?"
}

stage_second() {
    vm_expect_contains "second kernel's command line" "$(cat /proc/cmdline)" "vm.marker=harness-"
    vm_pass
}
