# A unified kernel image (systemd's EFI stub + .linux + .initrd + .cmdline,
# built with objcopy as ukify does): kexecd unpacks it, loads the embedded
# kernel and initrd with the embedded command line (none given by the
# caller), and the second kernel boots with that command line.
# vm-guest: full
# vm-uki: yes
# vm-timeout: 480

stage_first() {
    [ -e /vm/uki.efi ] || vm_fail "no UKI in the guest"
    vm_expect "kexecctl load UKI" kexecctl --no-ask-password load /vm/uki.efi
    json=$(kexecctl --json=short status | grep -o '"kexec":{[^}]*}')
    vm_expect_contains "format" "$json" '"KernelFormat":"uki/bzImage"'
    vm_expect_contains "embedded command line used" "$json" 'vm.marker=uki-embedded-cmdline'
    vm_expect_eq "kexec_loaded" "$(cat /sys/kernel/kexec_loaded)" 1
    vm_info "systemctl kexec"
    systemctl kexec || vm_fail "systemctl kexec failed"
    sleep 600
}

stage_second() {
    vm_expect_contains "second kernel's command line" "$(cat /proc/cmdline)" "vm.marker=uki-embedded-cmdline"
    vm_pass
}
