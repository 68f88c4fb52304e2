# kdump on arm64 with the file syscall: the crash kernel comes as Image.gz
# (which arm64's kexec_file_load refuses), kexecd decompresses it and loads
# it into the crashkernel= reservation that Status reports from /proc/iomem;
# a panic boots it; there /proc/vmcore is readable, and kexecd, running in
# the crash kernel, reads from the DT that it is a kdump kernel
# (linux,elfcorehdr) and which memory it may use (linux,usable-memory-range).
# vm-arch: arm64
# vm-kernel: source
# vm-memory: 1G
# vm-append: crashkernel=256M
# vm-timeout: 600

MARKER=vm.marker=arm64-kdump-3d8a

stage_first() {
    vm_expect_eq "kexec_crash_loaded at boot" "$(cat /sys/kernel/kexec_crash_loaded)" 0
    size=$(cat /sys/kernel/kexec_crash_size)
    vm_expect_eq "kexec_crash_size" "$size" $((256 * 1024 * 1024))
    json=$(kexecctl --json=short status)
    vm_expect_contains "Status: the reservation's size" "$json" "\"CrashKernelSize\":$size"
    vm_expect_contains "Status: the reservation from /proc/iomem" "$json" '"CrashKernelRegions":[['
    status=$(kexecctl status 2>&1)
    vm_expect_contains "kexecctl status: the reservation" "$status" "256.0M reserved"
    vm_expect_contains "kexecctl status: its region" "$status" "Crash kernel: 0x"

    vm_expect "kexecctl load --kdump" kexecctl --no-ask-password load --kdump "$VM_KERNEL" \
        --initrd "$VM_INITRD" --append "$VM_CONSOLE_ARGS vm.stage=crash $MARKER nr_cpus=1"
    vm_expect_eq "/sys/kernel/kexec_crash_loaded after load" "$(cat /sys/kernel/kexec_crash_loaded)" 1
    vm_expect_eq "kexec image untouched" "$(cat /sys/kernel/kexec_loaded)" 0
    kdump=$(vm_status_object kdump)
    vm_info "$kdump"
    vm_expect_contains "the file syscall was used" "$kdump" '"Syscall":"file"'
    vm_expect_contains "the format was detected" "$kdump" '"KernelFormat":"gzip/arm64-Image"'

    vm_info "panicking with sysrq c"
    echo c >/proc/sysrq-trigger
    vm_fail "still alive after sysrq c"
}

stage_crash() {
    vm_expect_contains "crash kernel's command line" "$(cat /proc/cmdline)" "$MARKER"
    [ -e /proc/vmcore ] || vm_fail "no /proc/vmcore in the crash kernel"
    magic=$(head -c 4 /proc/vmcore | od -An -c | tr -d ' ')
    vm_expect_eq "/proc/vmcore ELF magic" "$magic" '177ELF'
    got=$(dd if=/proc/vmcore bs=1M count=16 2>/dev/null | wc -c)
    vm_expect_eq "bytes read from /proc/vmcore" "$got" $((16 * 1024 * 1024))
    vm_info "vmcore is $(stat -c %s /proc/vmcore) bytes"
    dt=$(vm_status_object DeviceTree)
    vm_info "$dt"
    vm_expect_contains "kexecd: a kdump kernel (linux,elfcorehdr)" "$dt" '"KdumpKernel":true'
    vm_expect_contains "kexecd: one usable range (linux,usable-memory-range)" "$dt" '"UsableMemoryRanges":1'
    status=$(kexecctl status 2>&1)
    vm_expect_contains "kexecctl status: kdump kernel" "$status" "kdump kernel"
    vm_pass
}
