# Debian's own arm64 kernel is built without CONFIG_KEXEC_FILE. kexecd, in
# its default `auto` mode, must meet ENOSYS from kexec_file_load, fall back
# to kexec-tools (legacy kexec_load, with the device tree kexecd prepared
# from /sys/firmware/fdt), say why in Status, and the kexec must boot with
# exactly the command line asked for.
# vm-arch: arm64
# vm-kernel: debian
# vm-memory: 1G
# vm-timeout: 600

MARKER=vm.marker=arm64-debian-5c2e

stage_first() {
    vm_expect_eq "kexec_loaded at boot" "$(cat /sys/kernel/kexec_loaded)" 0
    vm_expect "kexecctl load (auto)" kexecctl --no-ask-password load "$VM_KERNEL" \
        --initrd "$VM_INITRD" --append "$VM_CONSOLE_ARGS vm.stage=second $MARKER"
    vm_expect_eq "/sys/kernel/kexec_loaded after load" "$(cat /sys/kernel/kexec_loaded)" 1
    json=$(vm_status_object kexec)
    vm_info "$json"
    vm_expect_contains "the legacy path was used" "$json" '"Syscall":"legacy"'
    vm_expect_contains "Status says why" "$json" '"SyscallReason":"kexec_file_load failed with ENOSYS"'
    status=$(kexecctl status 2>&1)
    vm_expect_contains "kexecctl status explains the fallback" "$status" "kexec_file_load failed with ENOSYS"
    # The device tree report works on a real DT machine.
    dt=$(vm_status_object DeviceTree)
    vm_info "$dt"
    vm_expect_contains "device tree report: boot memory from /memory" "$dt" '"BootMemory":[['
    vm_expect_contains "not booted from kexec yet" "$dt" '"BootedFromKexec":false'
    vm_prepare_and_kexec
}

stage_second() {
    vm_expect_eq "second kernel's command line" "$(cat /proc/cmdline)" \
        "$VM_CONSOLE_ARGS vm.stage=second $MARKER"
    # kexec-tools got kexecd's DTB: only /chosen changed, the rest intact.
    dt=$(vm_status_object DeviceTree)
    vm_info "$dt"
    vm_expect_contains "device tree report in the second kernel" "$dt" '"BootMemory":[['
    vm_pass
}
