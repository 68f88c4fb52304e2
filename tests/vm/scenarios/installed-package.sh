# kexecd as Debian's package installs it: the guest has no `meson install`;
# the harness builds the .deb (tools/build-deb, or $KEXECD_VM_DEB) and the
# guest installs it with dpkg -i on its first boot (guest/install-deb.sh).
# The package's maintainer scripts must enable and start both units, the
# daemon must run from the package's path, kexecctl and its man page must
# work. An upgrade (dpkg -i of the package again) must restart kexecd, which
# adopts the loaded image, and leave kexecd-prepare.service running
# (docs/packaging.md, "Maintainer scripts and upgrades"); then a real
# `systemctl kexec` must reach the second kernel, with kexecd-prepare's
# last-moment check on the way out.
# vm-guest: full
# vm-install: deb
# vm-append: systemd.status_unit_format=name
# vm-console: install-deb: dpkg -i /vm/kexecd.deb: exit status 0
# vm-console: kexecd: the kexec image is loaded and matches
# vm-timeout: 900

MARKER=vm.marker=installed-package-5c1d

stage_first() {
    status=$(cat /vm/dpkg-install.status 2>/dev/null)
    [ "$status" = 0 ] || { vm_info "$(cat /vm/dpkg-install.log 2>/dev/null)"; vm_fail "dpkg -i /vm/kexecd.deb: exit status '$status'"; }
    vm_expect_eq "dpkg status of kexecd" "$(dpkg-query -W -f='${Status}' kexecd)" "install ok installed"
    # Nothing from a meson install: every file is the package's.
    [ ! -e /usr/local/libexec/kexecd ] && [ ! -e /usr/local/bin/kexecctl ] || vm_fail "a meson install is in the guest"
    vm_expect_eq "kexecctl on PATH" "$(command -v kexecctl)" /usr/bin/kexecctl
    vm_expect "dpkg owns kexecctl" dpkg -S /usr/bin/kexecctl

    # postinst (dh_installsystemd): both units enabled and started.
    for unit in kexecd.service kexecd-prepare.service; do
        vm_expect_eq "$unit enabled by the package" "$(systemctl is-enabled $unit)" enabled
        vm_expect_eq "$unit started by the package" "$(systemctl is-active $unit)" active
    done
    vm_expect_eq "D-Bus alias of kexecd.service" "$(readlink /etc/systemd/system/dbus-org.kexecd1.service)" \
        /lib/systemd/system/kexecd.service
    pid=$(systemctl show -p MainPID --value kexecd.service)
    [ "${pid:-0}" -gt 0 ] || vm_fail "kexecd.service has no main PID"
    vm_expect_eq "kexecd's executable" "$(readlink "/proc/$pid/exe")" /usr/libexec/kexecd
    [ -x /lib/systemd/system-shutdown/kexecd-shutdown ] || vm_fail "no system-shutdown hook"
    # kexecd-capture.service belongs to the crash kernel: not enabled, not run.
    vm_expect_eq "kexecd-capture.service state" "$(systemctl is-enabled kexecd-capture.service)" static
    vm_expect_eq "kexecd-capture.service not run" "$(systemctl is-active kexecd-capture.service)" inactive
    # postinst (dh_installtmpfiles) created kexecd's dump directory.
    vm_expect_eq "/var/crash from tmpfiles.d" "$(stat -c '%a %U' /var/crash 2>&1)" "700 root"

    vm_expect "kexecctl status" kexecctl status
    vm_expect_contains "kexecctl status" "$(kexecctl status)" "kexecd version: "
    page=$(man -w kexecctl 2>&1) || vm_fail "man -w kexecctl: $page"
    vm_expect_eq "man -w kexecctl" "$page" /usr/share/man/man1/kexecctl.1.gz
    vm_info "kexecd $(dpkg-query -W -f='${Version}' kexecd) installed, running as $(readlink "/proc/$pid/exe") (pid $pid)"

    vm_expect "kexecctl load" kexecctl --no-ask-password load "$VM_KERNEL" --initrd "$VM_INITRD" \
        --append "$VM_CONSOLE_ARGS vm.stage=second $MARKER"
    vm_expect_eq "kexec_loaded" "$(cat /sys/kernel/kexec_loaded)" 1

    # The upgrade path: the same version again runs prerm upgrade and
    # postinst configure with the old version, as a newer package would.
    prepare_id=$(systemctl show -p InvocationID --value kexecd-prepare.service)
    vm_expect "dpkg -i over the installed package" dpkg -i /vm/kexecd.deb
    new_pid=$(systemctl show -p MainPID --value kexecd.service)
    [ "${new_pid:-0}" -gt 0 ] && [ "$new_pid" != "$pid" ] || vm_fail "kexecd not restarted by the upgrade (pid $pid, now '$new_pid')"
    vm_expect_eq "kexec_loaded after the upgrade" "$(cat /sys/kernel/kexec_loaded)" 1
    vm_expect_contains "restarted kexecd adopted the image" "$(kexecctl --json=short history)" '"image":"kexec","event":"adopted"'
    vm_expect_contains "restarted kexecd's status" "$(vm_status_object kexec)" "$MARKER"
    vm_expect_eq "kexecd-prepare.service left alone by the upgrade" \
        "$(systemctl show -p InvocationID --value kexecd-prepare.service)" "$prepare_id"
    vm_expect_eq "kexecd-prepare.service after the upgrade" "$(systemctl is-active kexecd-prepare.service)" active
    vm_info "upgrade: kexecd restarted (pid $pid -> $new_pid) and adopted the image; kexecd-prepare untouched"

    vm_info "systemctl kexec"
    systemctl kexec || vm_fail "systemctl kexec failed"
    sleep 600
}

stage_second() {
    vm_expect_contains "second kernel's command line" "$(cat /proc/cmdline)" "$MARKER"
    vm_pass
}
