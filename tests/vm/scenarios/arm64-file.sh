# A kernel built from Debian's linux-source with KEXEC_FILE, installed the
# way distributions install arm64 kernels: Image.gz. arm64's
# kexec_file_load refuses a compressed Image (EINVAL), so kexecd must
# sniff the format, decompress into a sealed memfd and load that with the
# file syscall (no fallback). After the kexec, the second kernel's device
# tree carries linux,booted-from-kexec (set by the file syscall's DT), and
# kexecd there reports it.
# vm-arch: arm64
# vm-kernel: source
# vm-memory: 1G
# vm-timeout: 600

MARKER=vm.marker=arm64-file-9b61

stage_first() {
    vm_expect_eq "the guest loads the compressed Image" "$VM_KERNEL" /vm/Image.gz
    vm_expect_eq "kexec_loaded at boot" "$(cat /sys/kernel/kexec_loaded)" 0
    vm_expect "kexecctl load (auto)" kexecctl --no-ask-password load "$VM_KERNEL" \
        --initrd "$VM_INITRD" --append "$VM_CONSOLE_ARGS vm.stage=second $MARKER"
    vm_expect_eq "/sys/kernel/kexec_loaded after load" "$(cat /sys/kernel/kexec_loaded)" 1
    json=$(vm_status_object kexec)
    vm_info "$json"
    vm_expect_contains "the file syscall was used" "$json" '"Syscall":"file"'
    vm_expect_contains "the format was detected" "$json" '"KernelFormat":"gzip/arm64-Image"'
    dt=$(vm_status_object DeviceTree)
    vm_expect_contains "first kernel: not booted from kexec" "$dt" '"BootedFromKexec":false'
    vm_prepare_and_kexec
}

stage_second() {
    vm_expect_eq "second kernel's command line" "$(cat /proc/cmdline)" \
        "$VM_CONSOLE_ARGS vm.stage=second $MARKER"
    dt=$(vm_status_object DeviceTree)
    vm_info "$dt"
    vm_expect_contains "device tree report: boot memory from /memory" "$dt" '"BootMemory":[['
    vm_expect_contains "second kernel: booted from kexec" "$dt" '"BootedFromKexec":true'
    status=$(kexecctl status 2>&1)
    vm_expect_contains "kexecctl status shows it" "$status" "booted from kexec"
    vm_pass
}
