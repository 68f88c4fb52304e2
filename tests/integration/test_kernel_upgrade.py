#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Following kernel upgrades on the fake backend: the shipped package hooks
(data/kernel-hooks/postinst.d/kexecd, data/kernel-install/95-kexecd.install)
run against the test bus and call KernelsChanged, which reloads images that
follow a boot entry to the new kernel; a kernel or initrd file replaced or
removed under a loaded image marks it Stale through inotify
(src/daemon/file-watch.c). The fake root's /boot is a Debian tree."""
import os
import shutil
import subprocess
import time

import dbus

from fixture import ERR, SRC, KexecdTestCase, fakekernel, main

HOOK = os.path.join(SRC, "data", "kernel-hooks", "postinst.d", "kexecd")
PLUGIN = os.path.join(SRC, "data", "kernel-install", "95-kexecd.install")
OLD, NEW = "6.1.0-47-amd64", "6.1.0-50-amd64"


class KernelUpgradeTest(KexecdTestCase):
    def root_options(self):
        return {"osrelease": OLD}

    def boot(self, name):
        return os.path.join(self.root, "boot", name)

    def install_kernel(self, release, size, link=True):
        """What linux-image-RELEASE's files and postinst do before the hooks
        run: the kernel, its initrd (initramfs-tools' hook), the symlinks."""
        os.makedirs(self.boot(""), exist_ok=True)
        fakekernel.make_bzimage(self.boot("vmlinuz-" + release), size=size)
        with open(self.boot("initrd.img-" + release), "wb") as f:
            f.write(b"070701" + release.encode() * 10)
        with open(self.boot("config-" + release), "w") as f:
            f.write("CONFIG_KEXEC=y\n")
        if link:
            self.link("vmlinuz", "boot/vmlinuz-" + release)
            self.link("initrd.img", "boot/initrd.img-" + release)

    def link(self, name, target):
        p = os.path.join(self.root, name)
        tmp = p + ".tmp"
        os.symlink(target, tmp)
        os.rename(tmp, p)  # as linux-update-symlinks replaces them

    def run_hook(self, script, *args, env=None):
        e = dict(os.environ, **(env or {}))
        p = subprocess.run([script] + list(args), capture_output=True, text=True, timeout=180, env=e,
                           stdin=subprocess.DEVNULL)
        self.assertEqual(p.returncode, 0, "%s: rc=%d\n%s%s" % (script, p.returncode, p.stdout, p.stderr))
        return p.stderr

    def postrm_hook(self):
        """The same script as Debian installs it into /etc/kernel/postrm.d."""
        d = os.path.join(self.dir, "postrm.d")
        os.makedirs(d, exist_ok=True)
        shutil.copy(HOOK, os.path.join(d, "kexecd"))
        return os.path.join(d, "kexecd")

    def history(self, event=None):
        return [(str(e[1]), str(e[2]), str(e[3])) for e in self.manager.GetHistory(0) if event in (None, e[2])]

    def configure(self, text):
        self.stop_daemon()
        with open(os.path.join(self.etc, "kexecd.conf"), "w") as f:
            f.write(text)
        self.start_daemon()

    def cpu_ticks(self):
        with open("/proc/%d/stat" % self.daemon.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime

    def test_hooks_follow_upgrade_and_removal(self):
        self.install_kernel(OLD, 0x5000)
        self.configure("[Kexec]\nKernel=default\n\n[Kdump]\nKernel=running\n")
        self.assertEqual(int(fakekernel.fake_record(self.root, "kexec", "kernel_size")), 0x5000, self.daemon_log())
        kdump_loads = self.fake_loads("kdump")

        # the package: files and symlinks first, then run-parts postinst.d
        self.install_kernel(NEW, 0x6000)
        self.link("vmlinuz.old", "boot/vmlinuz-" + OLD)
        self.link("initrd.img.old", "boot/initrd.img-" + OLD)
        self.assertFalse(self.image_props("kexec")["Stale"])  # new files are not the loaded ones
        err = self.run_hook(HOOK, NEW, "/boot/vmlinuz-" + NEW, env={"DEB_MAINT_PARAMS": "configure"})
        self.assertIn("told kexecd that kernel %s was installed" % NEW, err)

        self.assertEqual(int(fakekernel.fake_record(self.root, "kexec", "kernel_size")), 0x6000)
        props = self.image_props("kexec")
        self.assertEqual(props["Kernel"], self.boot("vmlinuz-" + NEW))
        self.assertEqual([str(i) for i in props["Initrds"]], [self.boot("initrd.img-" + NEW)])
        self.assertFalse(props["Stale"])
        self.assertEqual(self.history("kernels-changed")[-1][2],
                         "kernel %s installed (/boot/vmlinuz-%s), configure" % (NEW, NEW))
        self.assertEqual(self.history("kernel-changed"),
                         [("kexec", "kernel-changed", "kexec: %s → %s" % (self.boot("vmlinuz-" + OLD), self.boot("vmlinuz-" + NEW)))])
        # kdump follows the running release: unchanged, not reloaded
        self.assertEqual(self.fake_loads("kdump"), kdump_loads)
        self.assertEqual(self.image_props("kdump")["Kernel"], self.boot("vmlinuz-" + OLD))

        # kernel-install's plugin after the same change: nothing moved, nothing reloaded
        loads = self.fake_loads("kexec")
        self.run_hook(PLUGIN, "add", NEW, "/boot/efi/x", "/boot/vmlinuz-" + NEW)
        self.assertEqual(self.fake_loads("kexec"), loads)
        self.assertEqual(self.history("kernels-changed")[-1][2], "kernel-install add %s (/boot/vmlinuz-%s)" % (NEW, NEW))
        self.assertEqual(len(self.history("kernel-changed")), 1)

        # removal of the new kernel: the symlinks go back, postrm.d runs
        for name in ("vmlinuz-", "initrd.img-", "config-"):
            os.unlink(self.boot(name + NEW))
        self.wait_for(lambda: self.image_props("kexec")["Stale"], "the removed kernel to make the image stale")
        self.link("vmlinuz", "boot/vmlinuz-" + OLD)
        self.link("initrd.img", "boot/initrd.img-" + OLD)
        err = self.run_hook(self.postrm_hook(), NEW, "/boot/vmlinuz-" + NEW, env={"DEB_MAINT_PARAMS": "remove"})
        self.assertIn("was removed", err)
        self.assertEqual(int(fakekernel.fake_record(self.root, "kexec", "kernel_size")), 0x5000)
        self.assertEqual(self.history("kernel-changed")[-1][2],
                         "kexec: %s → %s" % (self.boot("vmlinuz-" + NEW), self.boot("vmlinuz-" + OLD)))
        self.assertFalse(self.image_props("kexec")["Stale"])

    def test_hook_without_kexecd_or_bus(self):
        self.stop_daemon()
        err = self.run_hook(HOOK, NEW, "/boot/vmlinuz-" + NEW)
        self.assertIn("kexecd is not running", err)
        err = self.run_hook(PLUGIN, "remove", NEW, "/boot/efi/x")
        self.assertIn("kexecd is not running", err)
        # a chroot: no system bus at all
        err = self.run_hook(HOOK, NEW, "/boot/vmlinuz-" + NEW,
                            env={"DBUS_SYSTEM_BUS_ADDRESS": "unix:path=" + os.path.join(self.dir, "nobus")})
        self.assertIn("no system bus", err)
        # kexecd running but the reload fails: still exit 0, with the reason
        self.start_daemon()
        self.allow()
        self.install_kernel(OLD, 0x5000, link=False)
        self.load(kernel=self.boot("vmlinuz-" + OLD))
        os.unlink(self.boot("vmlinuz-" + OLD))
        self.wait_for(lambda: self.image_props("kexec")["Stale"], "the image to become stale")
        err = self.run_hook(HOOK, OLD, "/boot/vmlinuz-" + OLD)
        self.assertIn("kexecd could not follow the change", err)
        self.assertEqual(self.history("kernel-change-failed")[-1][0], "kexec")

    def test_kernels_changed_authorization_and_input(self):
        self.assertEqual(self.as_user("nobody", [("KernelsChanged", ["x"])])[0]["error"], "org.freedesktop.DBus.Error.AccessDenied")
        self.allow("org.kexecd1.load")
        self.assertEqual(self.as_user("nobody", [("KernelsChanged", ["x"])]), [{"ok": True}])
        self.assertDBusError(ERR + "InvalidOption", self.manager.KernelsChanged, "a\nb")
        self.assertDBusError(ERR + "InvalidOption", self.manager.KernelsChanged, "x" * 513)
        self.manager.KernelsChanged("")
        self.assertEqual(self.history("kernels-changed")[-1], ("", "kernels-changed", "no reason given"))

    def test_replaced_or_removed_file_marks_stale(self):
        self.allow()
        self.install_kernel(OLD, 0x5000, link=False)
        kernel, initrd = self.boot("vmlinuz-" + OLD), self.boot("initrd.img-" + OLD)
        self.load(kernel=kernel, initrds=[initrd])
        self.load("kdump", kernel=self.kernel)  # elsewhere: must stay fresh
        before = len(self.history("stale"))

        # idle: no polling
        ticks = self.cpu_ticks()
        time.sleep(2)
        self.assertLessEqual(self.cpu_ticks() - ticks, 5, "kexecd used CPU while idle")

        # unrelated files in /boot, in every way a package touches them ...
        self.install_kernel(NEW, 0x6000, link=False)
        os.chmod(self.boot("config-" + NEW), 0o600)
        os.rename(self.boot("config-" + NEW), self.boot("config-" + NEW + ".dpkg-bak"))
        os.unlink(self.boot("config-" + NEW + ".dpkg-bak"))
        # ... then the loaded initrd goes: only that is reported
        os.unlink(initrd)
        self.wait_for(lambda: self.image_props("kexec")["Stale"], "the image to become stale", timeout=10)
        stale = self.history("stale")[before:]
        self.assertEqual(stale, [("kexec", "stale", initrd + " was removed")])
        self.assertFalse(self.image_props("kdump")["Stale"])
        self.assertIn("The kexec image is stale", self.daemon_log())
        # the events were consumed: still no CPU while idle (a handler that
        # left them queued would spin in the event loop)
        ticks = self.cpu_ticks()
        time.sleep(2)
        self.assertLessEqual(self.cpu_ticks() - ticks, 5, "kexecd used CPU after file events")

        # a reload re-arms the watch; dpkg replaces a kernel by a rename
        with open(initrd, "wb") as f:
            f.write(b"070701" + b"\0" * 100)
        self.manager.Reload("kexec", False)
        self.assertFalse(self.image_props("kexec")["Stale"])
        fakekernel.make_bzimage(kernel + ".dpkg-new", size=0x7000)
        os.rename(kernel + ".dpkg-new", kernel)
        self.wait_for(lambda: self.image_props("kexec")["Stale"], "the replaced kernel to make the image stale", timeout=10)
        self.assertEqual(self.history("stale")[-1], ("kexec", "stale", kernel + " was replaced"))
        # not reloaded by itself (docs/boot-entries.md): the hook or Reload does it
        self.assertEqual(int(fakekernel.fake_record(self.root, "kexec", "kernel_size")), 0x5000)
        self.manager.KernelsChanged("test")
        self.assertEqual(int(fakekernel.fake_record(self.root, "kexec", "kernel_size")), 0x7000)
        self.assertEqual(self.history("kernel-changed")[-1][2], "kexec: %s → %s (file replaced)" % (kernel, kernel))
        self.assertFalse(self.image_props("kexec")["Stale"])

        # the kdump kernel rewritten in place (its own directory)
        with open(self.kernel, "r+b") as f:
            f.seek(600)
            f.write(b"\0")
        self.wait_for(lambda: self.image_props("kdump")["Stale"], "the kdump image to become stale", timeout=10)
        self.assertEqual(self.history("stale")[-1], ("kdump", "stale", self.kernel + " was replaced"))


if __name__ == "__main__":
    main()
