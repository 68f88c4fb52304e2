# Real polkitd decides: an unprivileged user's Load and Unload are denied,
# root's succeed; the first call D-Bus-activates kexecd.
# vm-guest: full
# vm-timeout: 420

stage_first() {
    vm_expect_eq "kexecd before the first call" "$(systemctl is-active kexecd.service)" inactive
    out=$(runuser -u vmuser -- kexecctl --no-ask-password load "$VM_KERNEL" \
        --initrd "$VM_INITRD" --append "$VM_CONSOLE_ARGS" 2>&1)
    rc=$?
    vm_expect_eq "unprivileged load: kexecctl exit status (3 = not authorized)" "$rc" 3
    case $out in
        *org.freedesktop.DBus.Error.AccessDenied*|*org.freedesktop.DBus.Error.InteractiveAuthorizationRequired*) ;;
        *) vm_fail "unprivileged load: not a polkit refusal: $out" ;;
    esac
    vm_expect_eq "kexecd after the first call (D-Bus activation)" "$(systemctl is-active kexecd.service)" active
    vm_expect_eq "polkitd consulted" "$(systemctl is-active polkit.service)" active
    vm_expect_eq "kexec_loaded after the denied load" "$(cat /sys/kernel/kexec_loaded)" 0
    vm_expect "unprivileged status (no polkit needed)" runuser -u vmuser -- kexecctl status

    vm_expect "root load" kexecctl --no-ask-password load "$VM_KERNEL" \
        --initrd "$VM_INITRD" --append "$VM_CONSOLE_ARGS"
    vm_expect_eq "kexec_loaded after root's load" "$(cat /sys/kernel/kexec_loaded)" 1

    vm_expect_status "unprivileged unload" 3 runuser -u vmuser -- kexecctl --no-ask-password unload
    vm_expect_eq "kexec_loaded after the denied unload" "$(cat /sys/kernel/kexec_loaded)" 1
    vm_expect "root unload" kexecctl --no-ask-password unload
    vm_expect_eq "kexec_loaded after root's unload" "$(cat /sys/kernel/kexec_loaded)" 0
    vm_pass
}
