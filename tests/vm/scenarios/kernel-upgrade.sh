# A kernel package upgrade under a kexec image that follows the boot
# loader's default (Kernel=default): the guest has the running kernel
# installed the Debian way (/boot/vmlinuz-RELEASE, its initrd, the /vmlinuz
# symlinks), kexecd loads it; then a second Debian kernel with another
# release (tests/vm/fetch-second-kernel) is installed as its package would
# be: the files, linux-update-symlinks' new links, then run-parts of
# /etc/kernel/postinst.d with the package's arguments, which runs kexecd's
# shipped hook. kexecd must reload the kexec image to the new kernel (history
# `kernel-changed` naming both), and `systemctl kexec` must boot it: the next
# stage's `uname -r` is the new release. The "initrd" of both kernels is the
# small busybox guest, which runs the next stage.
# vm-guest: full
# vm-second-kernel: yes
# vm-timeout: 600

MARKER=vm.marker=kernel-upgrade-5d1c

stage_first() {
    old=$(uname -r)
    new=$(cat /vm/kernel2/release)
    [ -n "$new" ] && [ "$new" != "$old" ] || vm_fail "the second kernel's release '$new' is not another one than $old"
    vm_info "running $old, installing $new"

    # The running kernel as its package left it.
    mkdir -p /boot
    cp /vm/vmlinuz "/boot/vmlinuz-$old"
    cp /vm/initrd-small.img "/boot/initrd.img-$old"
    ln -sfn "boot/vmlinuz-$old" /vmlinuz
    ln -sfn "boot/initrd.img-$old" /initrd.img

    # An explicit command line: the running one has rdinit=/lib/systemd/systemd,
    # which the small guest (the next kernel's initrd) does not have.
    vm_kexecd_conf "[Kexec]" "Kernel=default" "Cmdline=$VM_CONSOLE_ARGS vm.stage=second vm.expect_release=$new $MARKER"
    vm_expect "kexecctl status (starts kexecd)" kexecctl status
    vm_wait_for 30 sh -c '[ "$(cat /sys/kernel/kexec_loaded)" = 1 ]' || vm_fail "kexecd did not load Kernel=default"
    vm_expect_contains "kexec image before the upgrade" "$(vm_status_object kexec)" "vmlinuz-$old"

    # The package: dpkg unpacks the files (renamed into place) ...
    cp /vm/kernel2/vmlinuz "/boot/vmlinuz-$new.dpkg-new"
    mv "/boot/vmlinuz-$new.dpkg-new" "/boot/vmlinuz-$new"
    # ... its postinst updates the symlinks (linux-update-symlinks) and runs
    # the hooks in order: initramfs-tools' builds the initrd (here: the
    # small guest), then kexecd's.
    ln -sfn "boot/vmlinuz-$new" /vmlinuz
    ln -sfn "boot/initrd.img-$new" /initrd.img
    ln -sfn "boot/vmlinuz-$old" /vmlinuz.old
    ln -sfn "boot/initrd.img-$old" /initrd.img.old
    hooks=$(dirname "$(ls /etc/kernel/postinst.d/kexecd /usr/local/etc/kernel/postinst.d/kexecd 2>/dev/null | head -n 1)")
    [ -x "$hooks/kexecd" ] || vm_fail "kexecd's postinst.d hook is not installed"
    # initramfs-tools' hook sorts before kexecd's, as on Debian.
    printf '#!/bin/sh\ncp /vm/initrd-small.img "/boot/initrd.img-$1"\n' >"$hooks/initramfs-tools"
    chmod +x "$hooks/initramfs-tools"
    out=$(DEB_MAINT_PARAMS=configure run-parts --report --exit-on-error --arg="$new" --arg="/boot/vmlinuz-$new" \
          "$hooks" 2>&1) || vm_fail "run-parts postinst.d failed: $out"
    vm_info "postinst.d: $out"
    [ -f "/boot/initrd.img-$new" ] || vm_fail "postinst.d did not run the initramfs-tools stand-in"

    vm_expect_contains "kexec image after the upgrade" "$(vm_status_object kexec)" "vmlinuz-$new"
    changed=$(kexecctl history | grep kernel-changed)
    vm_info "history: $changed"
    vm_expect_contains "history names the old kernel" "$changed" "/boot/vmlinuz-$old →"
    vm_expect_contains "history names the new kernel" "$changed" "→ /boot/vmlinuz-$new"
    vm_expect_eq "one kernel-changed entry" "$(printf '%s\n' "$changed" | wc -l)" 1
    vm_info "systemctl kexec"
    systemctl kexec || vm_fail "systemctl kexec failed"
    sleep 600
}

stage_second() {
    vm_expect_eq "the new kernel runs" "$(uname -r)" "$(vm_cmdline_value vm.expect_release)"
    vm_expect_contains "second kernel's command line" "$(cat /proc/cmdline)" "$MARKER"
    vm_pass
}
