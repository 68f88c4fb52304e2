#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Boot entries on the fake backend: ListBootEntries, Load with the `entry`
option (kexecctl load --entry), Kernel=default / Kernel=running in
kexecd.conf, and bad ids. The boot files live in the fake root, where
kexecd looks for /boot, /efi and the EFI variables."""
import json
import os
import struct

import dbus

from fixture import ERR, KexecdTestCase, fakekernel, main

GUID = "4a67b082-0a4c-41cf-b6c7-440b29bb8c4f"


class BootEntriesTest(KexecdTestCase):
    def put(self, rel, data=b""):
        p = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
        return p

    def kernel_at(self, rel, size):
        """A fake bzImage whose size tells which one the fake kernel got."""
        p = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        return fakekernel.make_bzimage(p, size=size)

    def efivar(self, name, value):
        self.put("sys/firmware/efi/efivars/%s-%s" % (name, GUID),
                 struct.pack("<I", 7) + (value + "\0").encode("utf-16-le"))

    def make_tree(self):
        self.kernel_at("boot/vmlinuz-6.1.0-13-amd64", 0x5000)
        self.kernel_at("boot/vmlinuz-6.1.0-9-amd64", 0x6000)
        self.kernel_at("boot/vmlinuz-6.1.0-fake", 0x7000)  # the running release (make_root)
        self.put("boot/initrd.img-6.1.0-13-amd64", b"i" * 100)
        self.put("boot/ucode.img", b"u" * 60)
        self.put("boot/loader/entries/debian-6.1.0-13.conf",
                 "title Debian 13\nversion 6.1.0-13\nlinux /vmlinuz-6.1.0-13-amd64\n"
                 "initrd /ucode.img\ninitrd /initrd.img-6.1.0-13-amd64\noptions root=/dev/vda1 ro\noptions marker=13\n")
        self.put("boot/loader/entries/debian-6.1.0-9.conf",
                 "title Debian 9\nversion 6.1.0-9\nlinux /vmlinuz-6.1.0-9-amd64\noptions root=/dev/vda1 marker=9\n")
        self.put("boot/loader/entries/half.conf", "title Half-written\n")

    def load_entry(self, image, entry, kernel="", options=None):
        opts = dict(options or {}, entry=entry)
        return self.manager.Load(image, kernel, dbus.Array([], signature="s"), "",
                                 dbus.Dictionary(opts, signature="sv"), timeout=30)

    def recorded(self, image, what):
        return fakekernel.fake_record(self.root, image, what).strip()

    def entries(self):
        return [(str(e[0]), str(e[1]), str(e[2]), str(e[3]), [str(i) for i in e[4]], str(e[5]), str(e[6]), bool(e[7]))
                for e in self.manager.ListBootEntries()]

    def test_list_boot_entries(self):
        self.assertEqual(self.manager.ListBootEntries(), [])
        self.make_tree()
        got = self.entries()
        ids = [e[0] for e in got]
        # installed kernels newest first; letters sort before digits: "fake" < "13"
        self.assertEqual(ids, ["debian-6.1.0-13.conf", "debian-6.1.0-9.conf", "vmlinuz-6.1.0-13-amd64",
                               "vmlinuz-6.1.0-9-amd64", "vmlinuz-6.1.0-fake"])
        first = got[0]
        self.assertEqual(first, ("debian-6.1.0-13.conf", "Debian 13", "6.1.0-13",
                                 os.path.join(self.root, "boot/vmlinuz-6.1.0-13-amd64"),
                                 [os.path.join(self.root, "boot/ucode.img"),
                                  os.path.join(self.root, "boot/initrd.img-6.1.0-13-amd64")],
                                 "root=/dev/vda1 ro marker=13", "type1", True))
        self.assertEqual([e[7] for e in got], [True, False, False, False, False])
        self.assertEqual(got[4][6], "installed")
        self.assertIn("half.conf", self.daemon_log())  # skipped, with the reason logged

        # anyone may list: no polkit question
        self.polkit.ClearChecks()
        self.assertEqual(self.as_user("nobody", [("ListBootEntries", [])]), [{"ok": True}])
        self.assertEqual(list(self.polkit.GetChecks()), [])

        p = self.kexecctl("list-entries", check=0)
        lines = p.stdout.splitlines()
        self.assertIn("ID", lines[0])
        self.assertTrue(lines[1].startswith(" * ") and "debian-6.1.0-13.conf" in lines[1], p.stdout)
        self.assertNotIn("half.conf", p.stdout)
        p = self.kexecctl("--json=short", "list-entries", check=0)
        self.assertEqual(len(p.stdout.strip().splitlines()), 1)
        short = json.loads(p.stdout)
        self.assertEqual([o["id"] for o in short], ids)
        # what the shell completion of "load --entry=" offers
        self.assertEqual(self.completion_ids(p.stdout), ids)
        self.assertEqual(short[0]["default"], True)
        self.assertEqual(short[0]["source"], "type1")
        self.assertEqual(short[0]["options"], "root=/dev/vda1 ro marker=13")
        p = self.kexecctl("--json=pretty", "list-entries", check=0)
        self.assertEqual(json.loads(p.stdout), short)

    def test_efi_variable_and_loader_conf_choose_the_default(self):
        self.make_tree()
        self.put("boot/loader/loader.conf", "timeout 3\ndefault debian-6.1.0-9*\n")
        self.assertEqual([e[0] for e in self.entries() if e[7]], ["debian-6.1.0-9.conf"])
        self.efivar("LoaderEntryOneShot", "debian-6.1.0-13.conf")
        self.assertEqual([e[0] for e in self.entries() if e[7]], ["debian-6.1.0-13.conf"])

    def test_load_entry(self):
        self.make_tree()
        self.allow()
        self.kexecctl("load", "--entry=debian-6.1.0-9.conf", check=0)
        self.assertEqual(self.recorded("kexec", "cmdline"), "root=/dev/vda1 marker=9")
        self.assertEqual(int(self.recorded("kexec", "kernel_size")), 0x6000)
        props = self.image_props("kexec")
        self.assertEqual(props["Kernel"], os.path.join(self.root, "boot/vmlinuz-6.1.0-9-amd64"))
        self.assertEqual(props["Entry"], "debian-6.1.0-9.conf")
        self.assertIn("Boot entry: debian-6.1.0-9.conf", self.kexecctl("status", check=0).stdout)

        # over D-Bus, with the append option: added to the entry's options
        self.load_entry("kexec", "debian-6.1.0-13.conf", options={"append": "extra=1"})
        self.assertEqual(self.recorded("kexec", "cmdline"), "root=/dev/vda1 ro marker=13 extra=1")
        self.assertEqual(int(self.recorded("kexec", "kernel_size")), 0x5000)
        self.assertEqual(int(self.recorded("kexec", "initrd_size")), 60 + 100)  # concatenated
        self.assertEqual([str(i) for i in self.image_props("kexec")["Initrds"]],
                         [os.path.join(self.root, "boot/ucode.img"),
                          os.path.join(self.root, "boot/initrd.img-6.1.0-13-amd64")])

        # an installed kernel without options reuses the running command line
        self.kexecctl("load", "--entry", "vmlinuz-6.1.0-9-amd64", check=0)
        self.assertEqual(self.recorded("kexec", "cmdline"), "root=/dev/vda1 ro quiet crashkernel=256M")

        # 'default' follows the boot loader at every reload
        self.kexecctl("load", "--entry=default", check=0)
        self.assertEqual(int(self.recorded("kexec", "kernel_size")), 0x5000)
        self.efivar("LoaderEntryDefault", "debian-6.1.0-9.conf")
        self.kexecctl("reload", check=0)
        self.assertEqual(int(self.recorded("kexec", "kernel_size")), 0x6000)
        self.assertEqual(self.image_props("kexec")["Entry"], "default")

    def test_bad_ids(self):
        self.make_tree()
        self.allow()
        self.load_entry("kexec", "debian-6.1.0-9.conf")
        loads = self.fake_loads("kexec")
        e = self.assertDBusError(ERR + "NoSuchBootEntry", self.load_entry, "kexec", "nope.conf")
        self.assertIn("nope.conf", e.get_dbus_message())
        self.assertDBusError(ERR + "NoSuchBootEntry", self.load_entry, "kexec", "half.conf")
        for bad in ("../boot/vmlinuz-6.1.0-9-amd64", "", "a\nb", "x" * 300):
            self.assertDBusError(ERR + "InvalidOption", self.load_entry, "kexec", bad)
        self.assertDBusError(ERR + "InvalidOption", self.load_entry, "kexec", "default", kernel=self.kernel)
        self.assertDBusError(ERR + "InvalidOption", self.manager.Load, "kexec", "", dbus.Array([], signature="s"), "",
                             dbus.Dictionary({"entry": dbus.UInt32(1)}, signature="sv"))
        # the image loaded before is untouched, nothing reached the kernel
        self.assertEqual(self.fake_loads("kexec"), loads)
        self.assertEqual(self.image_props("kexec")["Entry"], "debian-6.1.0-9.conf")
        self.assertTrue(self.fake_loaded("kexec"))

        p = self.kexecctl("load", "--entry=nope.conf", check=5)
        self.assertIn("NoSuchBootEntry", p.stderr)
        p = self.kexecctl("load", "--entry=default", "/boot/vmlinuz", check=2)
        self.assertIn("takes no KERNEL", p.stderr)
        self.kexecctl("status", "--entry=default", check=2)

    def test_no_default_entry(self):
        self.allow()
        self.assertDBusError(ERR + "NoSuchBootEntry", self.load_entry, "kexec", "default")
        self.assertDBusError(ERR + "NoSuchBootEntry", self.load_entry, "kdump", "running")

    def test_kernel_default_and_running_in_config(self):
        self.make_tree()
        self.stop_daemon()
        with open(os.path.join(self.etc, "kexecd.conf"), "w") as f:
            # Capture off: the kdump command line must not depend on whether
            # kexecd-capture happens to be installed on this machine.
            f.write("[Kexec]\nKernel=default\nAppend=from=config\n\n[Kdump]\nKernel=running\n\n[Capture]\nEnabled=no\n")
        self.start_daemon()
        self.assertTrue(self.fake_loaded("kexec"), self.daemon_log())
        self.assertEqual(int(self.recorded("kexec", "kernel_size")), 0x5000)
        self.assertEqual(self.recorded("kexec", "cmdline"), "root=/dev/vda1 ro marker=13 from=config")
        # kdump follows the running release, not the boot loader's default
        self.assertTrue(self.fake_loaded("kdump"), self.daemon_log())
        self.assertEqual(int(self.recorded("kdump", "kernel_size")), 0x7000)
        # the running command line reused with the crash kernel rules
        # (docs/configuration.md: quiet dropped, the x86_64 additions) and the extras
        self.assertEqual(self.recorded("kdump", "cmdline"),
                         "root=/dev/vda1 ro numa=off cgroup_disable=memory udev.children-max=2 panic=10 "
                         "disable_cpu_apicid=0 acpi_no_memhotplug irqpoll nr_cpus=1 reset_devices")
        self.assertEqual(self.image_props("kdump")["Entry"], "running")

        # a new default is picked up by the next reload (what a
        # kernel-install hook would trigger), across a daemon restart too
        self.allow()
        self.put("boot/loader/loader.conf", "default debian-6.1.0-9.conf\n")
        self.stop_daemon()
        self.start_daemon()  # adopts: the kernel still holds the image
        self.assertEqual(int(self.recorded("kexec", "kernel_size")), 0x5000)
        self.kexecctl("reload", check=0)
        self.assertEqual(int(self.recorded("kexec", "kernel_size")), 0x6000)
        self.assertEqual(self.recorded("kexec", "cmdline"), "root=/dev/vda1 marker=9 from=config")
        self.kexecctl("reload", "--kdump", check=0)
        self.assertEqual(int(self.recorded("kdump", "kernel_size")), 0x7000)

    def test_escaping_entry_is_not_listed_or_loaded(self):
        self.make_tree()
        self.allow()
        secret = self.put("etc/secret", b"x" * 5000)
        os.symlink("../etc/secret", os.path.join(self.root, "boot/evil"))
        self.put("boot/loader/entries/evil.conf", "linux /evil\n")
        self.put("boot/loader/entries/dotdot.conf", "linux /../etc/secret\n")
        ids = [e[0] for e in self.entries()]
        self.assertNotIn("evil.conf", ids)
        self.assertNotIn("dotdot.conf", ids)
        self.assertDBusError(ERR + "NoSuchBootEntry", self.load_entry, "kexec", "evil.conf")
        self.assertTrue(os.path.exists(secret))


if __name__ == "__main__":
    main()
