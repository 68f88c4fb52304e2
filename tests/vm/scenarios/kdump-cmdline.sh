# The first kernel boots with huge pages and a CMA area; kexecctl loads the
# crash kernel with the running command line reused (no --cmdline): the
# crash kernel must boot after a panic and must not have inherited
# hugepages= or cma= (which would not fit its reservation), and must carry
# the rules' additions (docs/configuration.md, "Crash kernel rules").
# vm-guest: full
# vm-memory: 1536M
# vm-append: crashkernel=384M hugepages=64 cma=64M
# vm-timeout: 480

MARKER=vm.marker=kdump-cmdline-71b2

stage_first() {
    cmdline=$(cat /proc/cmdline)
    vm_expect_contains "first kernel's command line" "$cmdline" "hugepages=64"
    vm_expect_contains "first kernel's command line" "$cmdline" "cma=64M"
    vm_expect_eq "huge pages in the first kernel" "$(awk '/^HugePages_Total:/ {print $2}' /proc/meminfo)" 64
    # Only vm.stage=, the marker, the console and the small initrd's
    # rdinit= (the full guest's rdinit= names systemd, which the busybox
    # crash initrd lacks; the last one wins) come by --append; everything
    # else is the reused running line.
    vm_expect "kexecctl load --kdump" kexecctl --no-ask-password load --kdump "$VM_KERNEL" --reuse-cmdline \
        --initrd "$VM_INITRD" --append "$VM_CONSOLE_ARGS rdinit=/init vm.stage=crash $MARKER"
    vm_expect_eq "/sys/kernel/kexec_crash_loaded after load" "$(cat /sys/kernel/kexec_crash_loaded)" 1
    loaded=$(kexecctl status 2>&1 | sed -n '/^kdump image:/,$p' | grep 'Cmdline:')
    vm_info "kdump $loaded"
    for arg in hugepages= cma= crashkernel= BOOT_IMAGE=; do
        case " ${loaded#*Cmdline: } " in
        *" $arg"*) vm_fail "the loaded kdump command line still has $arg: $loaded" ;;
        esac
    done

    vm_info "panicking with sysrq c"
    sync
    echo c >/proc/sysrq-trigger
    vm_fail "still alive after sysrq c"
}

stage_crash() {
    cmdline=$(cat /proc/cmdline)
    vm_info "crash kernel's command line: $cmdline"
    vm_expect_contains "crash kernel's command line" "$cmdline" "$MARKER"
    vm_expect_contains "crash kernel's command line" "$cmdline" "elfcorehdr="
    for arg in hugepages= cma= crashkernel= BOOT_IMAGE=; do
        case " $cmdline " in
        *" $arg"*) vm_fail "the crash kernel's command line has $arg: $cmdline" ;;
        esac
    done
    for arg in nr_cpus=1 numa=off cgroup_disable=memory udev.children-max=2 disable_cpu_apicid=0 acpi_no_memhotplug; do
        case " $cmdline " in
        *" $arg "*) ;;
        *) vm_fail "the crash kernel's command line lacks $arg: $cmdline" ;;
        esac
    done
    # The appended panic=-1 (the bench's) wins over the rules' panic=10.
    case " $cmdline " in
    *" panic=10 "*) vm_fail "the rules' panic=10 beat the user's appended panic=: $cmdline" ;;
    esac
    vm_expect_eq "huge pages in the crash kernel" "$(awk '/^HugePages_Total:/ {print $2}' /proc/meminfo)" 0
    [ -e /proc/vmcore ] || vm_fail "no /proc/vmcore in the crash kernel"
    vm_pass
}
