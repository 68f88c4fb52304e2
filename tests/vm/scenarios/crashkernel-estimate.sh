# kexecd's estimate of the crashkernel= reservation for the guest's kdump
# kernel and initrd (Debian's kernel, the busybox initramfs kdump-basic
# uses): EstimateCrashKernel() answers, the table and the JSON agree with
# the reservation the kernel reports, CrashKernelSufficient agrees with the
# verdict; then the crash kernel must boot to kdump-basic's success point
# (/proc/vmcore readable). bench/crashkernel/estimate-vs-reality reruns this
# with other crashkernel= sizes (the vm-append line) to find the smallest
# that works.
# vm-guest: full
# vm-memory: 1536M
# vm-append: crashkernel=384M
# vm-timeout: 480

MARKER=vm.marker=crashkernel-estimate-7b2d

stage_first() {
    reserved=$(cat /sys/kernel/kexec_crash_size)
    [ "$reserved" -gt 0 ] || vm_fail "no crashkernel= reservation"
    vm_expect "kexecctl load --kdump" kexecctl --no-ask-password load --kdump "$VM_KERNEL" \
        --initrd "$VM_INITRD" \
        --append "$VM_CONSOLE_ARGS vm.stage=crash $MARKER irqpoll nr_cpus=1 reset_devices"
    vm_expect_eq "/sys/kernel/kexec_crash_loaded after load" "$(cat /sys/kernel/kexec_crash_loaded)" 1

    table=$(kexecctl estimate-crashkernel 2>&1) || vm_fail "kexecctl estimate-crashkernel failed: $table"
    printf '%s\n' "$table" | while IFS= read -r line; do vm_info "table: $line"; done
    vm_expect_contains "estimate table" "$table" "initrd-unpacked"
    json=$(kexecctl --json=short estimate-crashkernel) || vm_fail "estimate JSON failed"
    rec=$(printf '%s' "$json" | sed -n 's/.*"Recommended":\([0-9]*\).*/\1/p')
    res=$(printf '%s' "$json" | sed -n 's/.*"Reserved":\([0-9]*\).*/\1/p')
    ok=$(printf '%s' "$json" | sed -n 's/.*"Sufficient":\(true\|false\).*/\1/p')
    vm_expect_eq "Reserved is kexec_crash_size" "$res" "$reserved"
    [ -n "$rec" ] && [ "$rec" -gt $((64 << 20)) ] || vm_fail "implausible recommendation '$rec'"
    want=false
    [ "$rec" -le "$res" ] && want=true
    vm_expect_eq "Sufficient" "$ok" "$want"
    status=$(kexecctl --json=short status)
    vm_expect_contains "status CrashKernelSufficient" "$status" "\"CrashKernelSufficient\":$want"
    vm_expect_contains "status CrashKernelRecommended" "$status" "\"CrashKernelRecommended\":$rec"
    vm_info "estimate: recommended=$((rec >> 20))M reserved=$((res >> 20))M sufficient=$ok"

    vm_info "panicking with sysrq c"
    sync
    echo c >/proc/sysrq-trigger
    vm_fail "still alive after sysrq c"
}

stage_crash() {
    cmdline=$(cat /proc/cmdline)
    vm_expect_contains "crash kernel's command line" "$cmdline" "$MARKER"
    [ -e /proc/vmcore ] || vm_fail "no /proc/vmcore in the crash kernel"
    magic=$(head -c 4 /proc/vmcore | od -An -c | tr -d ' ')
    vm_expect_eq "/proc/vmcore ELF magic" "$magic" '177ELF'
    got=$(dd if=/proc/vmcore bs=1M count=16 2>/dev/null | wc -c)
    vm_expect_eq "bytes read from /proc/vmcore" "$got" $((16 * 1024 * 1024))
    vm_info "crash kernel MemTotal: $(sed -n 's/^MemTotal: *//p' /proc/meminfo), MemFree: $(sed -n 's/^MemFree: *//p' /proc/meminfo)"
    vm_pass
}
