# Remote use: kexecctl on the HOST drives the guest's kexecd over SSH
# (`kexecctl -H root@127.0.0.1:PORT`, sd-bus running `ssh ... systemd-stdio-bridge`).
# The guest brings up its NIC and sshd (a host key made at this boot; root's
# authorized_keys holds the runner's throwaway key), then asks the host to run
# tests/vm/host/remote-ssh: remote status, remote load, JSON status parsed on
# the host, an error name and an unreachable host. Then the kernel's view:
# kexec_loaded is 1, and `systemctl kexec` boots exactly the command line the
# host asked for.
# vm-guest: full
# vm-ssh: yes
# vm-timeout: 480

MARKER=vm.marker=remote-ssh-5c21

stage_first() {
    vm_expect_eq "kexec_loaded at boot" "$(cat /sys/kernel/kexec_loaded)" 0
    out=$(sh /vm/ssh-setup.sh 2>&1) || { vm_info "$out"; vm_fail "network and sshd did not come up"; }
    vm_info "$out"
    reply=$(vm_host host-step remote-ssh "$MARKER") || vm_fail "host step: $reply"
    vm_info "host: $reply"
    vm_expect_eq "/sys/kernel/kexec_loaded after the remote load" "$(cat /sys/kernel/kexec_loaded)" 1
    vm_expect_contains "local status after the remote load" "$(vm_status_object kexec)" "$MARKER"
    vm_info "systemctl kexec"
    systemctl kexec || vm_fail "systemctl kexec failed"
    sleep 600
}

stage_second() {
    vm_expect_eq "second kernel's command line" "$(cat /proc/cmdline)" \
        "$VM_CONSOLE_ARGS vm.stage=second $MARKER"
    vm_pass
}
