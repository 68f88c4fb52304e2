#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Every bad input gets a named error, changes nothing, and kexecd lives on."""
import os
import socket
import subprocess

import dbus

from fixture import ERR, KexecdTestCase, fakekernel, main


class BadInputTest(KexecdTestCase):
    def setUp(self):
        super().setUp()
        self.allow()
        # A good image is loaded first: a bad request must not disturb it.
        self.load("kexec", self.kernel, [self.initrd], "good=1")
        self.load("kdump", self.kernel)
        self.before = (self.manager.Status(), self.fake_loads("kexec"), self.fake_loads("kdump"),
                       open(os.path.join(self.state, "kexec.json")).read())

    def assertUnchanged(self):
        self.assertIsNone(self.daemon.poll(), "kexecd died")
        now = (self.manager.Status(), self.fake_loads("kexec"), self.fake_loads("kdump"),
               open(os.path.join(self.state, "kexec.json")).read())
        # LastError may change (it reports the refusal); everything else not.
        for image in ("kexec", "kdump"):
            a = dict(self.before[0][image])
            b = dict(now[0][image])
            a.pop("LastError")
            b.pop("LastError")
            self.assertEqual(a, b)
        self.assertEqual(self.before[1:], now[1:])
        self.assertTrue(self.fake_loaded("kexec"))
        self.assertEqual(open(os.path.join(self.root, "fake/kexec.cmdline")).read(), "good=1")

    def check(self, name, image="kexec", kernel=None, initrds=None, cmdline="", options=None):
        e = self.assertDBusError(ERR + name if "." not in name else name, self.load, image, kernel or self.kernel,
                                 initrds, cmdline, options)
        self.assertTrue(e.get_dbus_message(), "error without a message")
        self.assertUnchanged()
        return e

    def path(self, name):
        return os.path.join(self.dir, name)

    def test_relative_path(self):
        self.check("InvalidPath", kernel="boot/vmlinuz")
        self.check("InvalidPath", initrds=["initrd.img"])

    def test_missing_file(self):
        e = self.check("FileNotFound", kernel=self.path("nope"))
        self.assertIn(self.path("nope"), e.get_dbus_message())
        self.check("FileNotFound", initrds=[self.initrd, self.path("nope.img")])

    def test_directory(self):
        self.check("InvalidPath", kernel=self.dir)

    def test_fifo(self):
        os.mkfifo(self.path("fifo"))
        self.check("InvalidPath", kernel=self.path("fifo"))  # and no hang

    def test_device_node(self):
        self.check("InvalidPath", kernel="/dev/null")
        self.check("InvalidPath", initrds=["/dev/zero"])

    def test_socket(self):
        s = socket.socket(socket.AF_UNIX)
        s.bind(self.path("sock"))
        self.check("InvalidPath", kernel=self.path("sock"))
        s.close()

    def test_unreadable_file(self):
        # The tests run as root, and root reads mode-000 files. A
        # write-only sysfs attribute refuses reading even to root (EACCES
        # from kernfs), which is exactly "exists, regular, not readable".
        self.assertTrue(os.path.exists("/sys/bus/cpu/uevent"))
        self.check("FileNotReadable", kernel="/sys/bus/cpu/uevent")
        self.check("FileNotReadable", initrds=["/sys/bus/cpu/uevent"])

    def test_empty_file(self):
        open(self.path("empty"), "w").close()
        self.check("EmptyFile", kernel=self.path("empty"))
        self.check("EmptyFile", initrds=[self.path("empty")])

    def test_not_a_kernel(self):
        with open(self.path("text"), "w") as f:
            f.write("just some text, no boot header\n" * 100)
        self.check("NotAKernel", kernel=self.path("text"))
        self.check("NotAKernel", image="kdump", kernel="/etc/hostname")

    def test_overlong_cmdline(self):
        self.check("CmdlineTooLong", cmdline="a" * 2048)
        self.check("CmdlineTooLong", options={"append": "b" * 2048})
        # An x86 kernel announcing cmdline_size 2047 takes 2016 characters
        # with kexec_file_load (bzImage64_load keeps 30 bytes and the NUL):
        # 2017 is refused by kexecd, named, before the kernel says EINVAL
        # (which would have sent it to the legacy path in auto mode).
        e = self.check("CmdlineTooLong", cmdline="c" * 2017)
        self.assertIn("at most 2016", e.get_dbus_message())
        self.load("kexec", self.kernel, [], "c" * 2016)
        self.assertEqual(len(open(os.path.join(self.root, "fake/kexec.cmdline")).read()), 2016)
        self.assertEqual(fakekernel.fake_record(self.root, "kexec", "syscall"), "file\n")

    def test_cmdline_control_characters(self):
        self.check("InvalidCmdline", cmdline="root=/dev/vda\ninit=/bin/sh")
        self.check("InvalidCmdline", cmdline="a\tb")
        self.check("InvalidCmdline", options={"append": "x\ry"})

    def test_cmdline_with_nul(self):
        # D-Bus strings cannot carry NUL: the client library refuses to send
        # it, and a hand-made message is rejected by the bus itself.
        with self.assertRaises((TypeError, ValueError, dbus.exceptions.DBusException)):
            self.load("kexec", self.kernel, [], "a\0b")
        self.assertUnchanged()

    def test_unknown_image(self):
        self.check("UnknownImage", image="crash")
        self.assertDBusError(ERR + "UnknownImage", self.manager.Unload, "nope", False)
        self.assertDBusError(ERR + "UnknownImage", self.manager.Reload, "", False)
        self.assertUnchanged()

    def test_bad_options(self):
        self.check("InvalidOption", options={"bogus": dbus.Boolean(True)})
        self.check("InvalidOption", options={"syscall": "magic"})
        self.check("InvalidOption", options={"interactive": "yes"})

    def test_wrong_signature(self):
        # call_blocking with an explicit signature: proxies would coerce.
        self.assertDBusError("org.freedesktop.DBus.Error.InvalidArgs", self.bus.call_blocking, "org.kexecd1",
                             "/org/kexecd1", "org.kexecd1.Manager", "Load", "ssassa{ss}",
                             ("kexec", self.kernel, [], "", {}))
        self.assertDBusError("org.freedesktop.DBus.Error.InvalidArgs", self.bus.call_blocking, "org.kexecd1",
                             "/org/kexecd1", "org.kexecd1.Manager", "Unload", "s", ("kexec",))
        self.assertUnchanged()


class NoCrashKernelTest(KexecdTestCase):
    def root_options(self):
        return {"crash_size": 0}

    def test_kdump_without_reservation(self):
        self.allow()
        e = self.assertDBusError(ERR + "NoCrashKernel", self.load, "kdump", self.kernel)
        self.assertIn("crashkernel=", e.get_dbus_message())
        self.assertFalse(self.fake_loaded("kdump"))
        props = self.image_props("kdump")
        self.assertIn("NoCrashKernel", props["LastError"])
        p = self.kexecctl("status", check=0)
        self.assertIn("none reserved", p.stdout)
        p = self.kexecctl("load", "--kdump", self.kernel, check=6)
        self.assertIn("org.kexecd1.Error.NoCrashKernel", p.stderr)
        self.assertIsNone(self.daemon.poll())


class LockdownTest(KexecdTestCase):
    def root_options(self):
        return {"lockdown": "integrity"}

    def test_legacy_refused_under_lockdown(self):
        self.allow()
        e = self.assertDBusError(ERR + "LockedDown", self.load, "kexec", self.kernel, [], "",
                                 {"syscall": "legacy"})
        self.assertIn("locked down", e.get_dbus_message())
        self.assertFalse(self.fake_loaded("kexec"))
        # The file syscall refuses an unsigned kernel under lockdown
        # (EPERM from kimage_validate_signature), named as such, with no
        # fallback to the legacy path; a signed one loads.
        e = self.assertDBusError(ERR + "LockedDown", self.load, "kexec", self.kernel)
        self.assertIn("file load", e.get_dbus_message())
        self.assertFalse(self.fake_loaded("kexec"))
        signed = fakekernel.make_bzimage(os.path.join(self.dir, "signed"), payload=b"KEXECD-SIGNED")
        self.load("kexec", signed)
        self.assertTrue(self.fake_loaded("kexec"))
        self.assertEqual(self.manager.Status()["Lockdown"], "integrity")

    def test_signature_rejected(self):
        self.allow()
        open(os.path.join(self.root, "fake/require-signature"), "w").close()
        self.assertDBusError(ERR + "SignatureRejected", self.load, "kexec", self.kernel)
        self.assertFalse(self.fake_loaded("kexec"))


class LoadDisabledTest(KexecdTestCase):
    def root_options(self):
        return {"load_disabled": True}

    def test_load_disabled(self):
        self.allow()
        self.assertDBusError(ERR + "LoadDisabled", self.load, "kexec", self.kernel)
        self.assertTrue(self.manager.Status()["KexecLoadDisabled"])


if __name__ == "__main__":
    main()
