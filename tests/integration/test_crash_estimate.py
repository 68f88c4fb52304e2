#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""EstimateCrashKernel(), CrashKernelSufficient and kexecctl
estimate-crashkernel on the fake kernel: a reservation that fits, one that
does not, none at all, no kdump image, and a decompression bomb as initrd
(bounded in time and memory, named error)."""
import json
import os
import struct
import sys
import time
import zlib

from fixture import KexecdTestCase, main

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import fakekernel  # noqa: E402

MiB = 1 << 20


def cpio(files):
    """A newc archive of (name, size) files of zeros, with its trailer."""
    out = bytearray()

    def entry(name, size):
        name = name.encode() + b"\0"
        out.extend(b"070701" + b"".join(b"%08x" % v for v in
                                        (1, 0o100644, 0, 0, 1, 0, size, 0, 0, 0, 0, len(name), 0)))
        out.extend(name)
        out.extend(b"\0" * (-len(out) % 4))
        out.extend(b"\0" * size)
        out.extend(b"\0" * (-len(out) % 4))
    for name, size in files:
        entry(name, size)
    entry("TRAILER!!!", 0)
    return bytes(out)


def gzip_stream(chunks):
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    return b"".join(c.compress(ch) for ch in chunks) + c.flush()


class CrashEstimateTest(KexecdTestCase):
    def setUp(self):
        super().setUp()
        self.allow()
        # A 40 MiB kernel in memory (init_size), like Debian's.
        self.kdump_kernel = fakekernel.make_bzimage(os.path.join(self.dir, "vmlinuz-kdump"), init_size=40 * MiB)
        os.chmod(self.kdump_kernel, 0o644)

    def write(self, name, data):
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, 0o644)
        return path

    def small_initrd(self):
        """Debian's layout: an uncompressed early cpio, then gzip."""
        early = cpio([("kernel/x86/microcode/GenuineIntel.bin", 1000)])
        return self.write("initrd-small", early + b"\0" * 12 + gzip_stream([cpio([("usr/bin/busybox", 2 * MiB)])]))

    def big_initrd(self):
        """Unpacks to 300 MiB: more than the 256 MiB reservation alone."""
        main_cpio = cpio([("lib/firmware/huge.bin", 300 * MiB)])
        c = zlib.compressobj(1, zlib.DEFLATED, 31)
        data = b"".join(c.compress(main_cpio[k:k + 8 * MiB]) for k in range(0, len(main_cpio), 8 * MiB)) + c.flush()
        return self.write("initrd-big", data)

    def configure_kdump(self, initrd):
        with open(os.path.join(self.etc, "kexecd.conf"), "w") as f:
            f.write("[Kdump]\nKernel=%s\nInitrd=%s\nLoadOnStart=no\n" % (self.kdump_kernel, initrd))
        self.stop_daemon()
        self.start_daemon()

    def estimate(self):
        rec, res, ok, items = self.manager.EstimateCrashKernel(timeout=60)
        return int(rec), int(res), bool(ok), [(str(n), int(b), str(e)) for n, b, e in items]

    def wait_sufficient(self, value):
        self.wait_for(lambda: bool(self.manager.Get("org.kexecd1.Manager", "CrashKernelSufficient",
                                                     dbus_interface="org.freedesktop.DBus.Properties")) == value,
                      "CrashKernelSufficient == %s" % value)

    def test_sufficient(self):
        initrd = self.small_initrd()
        self.load("kdump", kernel=self.kdump_kernel, initrds=[initrd])
        rec, res, ok, items = self.estimate()
        self.assertEqual(res, 256 * MiB)
        self.assertTrue(ok)
        names = [n for n, _, _ in items]
        self.assertEqual(names, ["baseline", "kernel", "initrd", "initrd-unpacked", "margin", "memmap"])
        self.assertEqual(sum(b for _, b, _ in items), rec)
        self.assertEqual(rec % MiB, 0)
        by = {n: b for n, b, _ in items}
        self.assertEqual(by["kernel"], 40 * MiB)
        self.assertEqual(by["initrd"], os.path.getsize(initrd))
        self.assertGreater(by["initrd-unpacked"], 2 * MiB)   # the gzip segment, unpacked
        self.assertLess(by["initrd-unpacked"], 3 * MiB)
        self.assertIn("cpio+gzip", dict((n, e) for n, _, e in items)["initrd"])
        # (64 + 40 + ~2 + 16) MiB / 0.98, rounded up.
        self.assertEqual(rec, 125 * MiB)
        self.wait_sufficient(True)
        status = self.status_json()
        self.assertTrue(status["CrashKernelSufficient"])
        self.assertEqual(status["CrashKernelRecommended"], rec)
        self.assertNotIn("WARNING", self.kexecctl("status", check=0).stdout)

        p = self.kexecctl("estimate-crashkernel", check=0)
        self.assertIn("initrd-unpacked", p.stdout)
        self.assertIn("crashkernel=125M", p.stdout)
        self.assertRegex(p.stdout, r"Reserved\s+256M\s+sufficient")
        j = json.loads(self.kexecctl("--json=short", "estimate-crashkernel", check=0).stdout)
        self.assertEqual(j["Recommended"], rec)
        self.assertEqual(j["Reserved"], 256 * MiB)
        self.assertTrue(j["Sufficient"])
        self.assertEqual([i["Item"] for i in j["Items"]], names)
        pretty = self.kexecctl("--json=pretty", "estimate-crashkernel", check=0).stdout
        self.assertEqual(json.loads(pretty), j)
        self.assertGreater(len(pretty.splitlines()), 5)
        # Anyone may ask: read-only, no polkit.
        self.polkit.SetAllowed([])
        self.kexecctl("estimate-crashkernel", user="nobody", check=0)
        # The files are read again once they change (same path, new bytes).
        with open(initrd, "ab") as f:
            f.write(b"\0" * 4 + gzip_stream([cpio([("usr/lib/more", 8 * MiB)])]))
        by2 = {n: b for n, b, _ in self.estimate()[3]}
        self.assertGreater(by2["initrd-unpacked"], by["initrd-unpacked"] + 8 * MiB)
        self.assertEqual(by2["initrd"], os.path.getsize(initrd))

    def test_insufficient_after_reload_signals(self):
        from gi.repository import GLib
        changes = []
        self.bus.add_signal_receiver(lambda iface, changed, inval: changes.append(dict(changed)),
                                     signal_name="PropertiesChanged",
                                     dbus_interface="org.freedesktop.DBus.Properties",
                                     path="/org/kexecd1")
        self.load("kdump", kernel=self.kdump_kernel, initrds=[self.small_initrd()])
        self.wait_sufficient(True)
        # The same slot loaded again with an initrd that does not fit.
        self.load("kdump", kernel=self.kdump_kernel, initrds=[self.big_initrd()])
        rec, res, ok, items = self.estimate()
        self.assertFalse(ok)
        self.assertGreater(rec, res)
        self.assertEqual(dict((n, b) for n, b, _ in items)["initrd-unpacked"], len(cpio([("lib/firmware/huge.bin", 300 * MiB)])))
        ctx = GLib.MainContext.default()
        deadline = time.time() + 10
        while not any(c.get("CrashKernelSufficient") is not None and not c["CrashKernelSufficient"] for c in changes) \
                and time.time() < deadline:
            ctx.iteration(False)
            time.sleep(0.01)
        self.assertIn(False, [bool(c["CrashKernelSufficient"]) for c in changes if "CrashKernelSufficient" in c], changes)
        self.assertFalse(self.status_json()["CrashKernelSufficient"])
        out = self.kexecctl("status", check=0).stdout
        self.assertIn("WARNING: too small, the kdump image needs", out)
        p = self.kexecctl("estimate-crashkernel", check=0)
        self.assertIn("NOT sufficient", p.stdout)
        self.assertIn("reservation (256 MiB) is smaller than the", self.daemon_log())

    def test_no_reservation(self):
        self.stop_daemon()
        fakekernel.write(os.path.join(self.root, "sys/kernel/kexec_crash_size"), "0\n")
        self.configure_kdump(self.small_initrd())
        rec, res, ok, _ = self.estimate()
        self.assertEqual(res, 0)
        self.assertFalse(ok)
        self.assertEqual(rec, 125 * MiB)
        self.wait_for(lambda: int(self.manager.Get("org.kexecd1.Manager", "CrashKernelRecommended",
                                                   dbus_interface="org.freedesktop.DBus.Properties")) == rec,
                      "the start-up estimate")
        self.wait_sufficient(False)
        p = self.kexecctl("estimate-crashkernel", check=0)
        self.assertIn("none: boot with crashkernel=125M", p.stdout)
        # status already says "none reserved": no second warning.
        out = self.kexecctl("status", check=0).stdout
        self.assertIn("none reserved", out)
        self.assertNotIn("WARNING", out)

    def test_no_kdump_image(self):
        e = self.assertDBusError("org.kexecd1.Error.NothingToReload", self.manager.EstimateCrashKernel)
        self.assertIn("no kdump image", e.get_dbus_message().lower())
        self.assertFalse(self.status_json()["CrashKernelSufficient"])
        self.assertEqual(self.status_json()["CrashKernelRecommended"], 0)
        p = self.kexecctl("estimate-crashkernel", check=8)
        self.assertIn("NothingToReload", p.stderr)
        self.kexecctl("estimate-crashkernel", "extra", check=2)
        # A configured kdump image whose initrd is not an initrd.
        self.configure_kdump(self.write("initrd-junk", b"definitely not cpio" * 10))
        e = self.assertDBusError("org.kexecd1.Error.CorruptImage", self.manager.EstimateCrashKernel)
        self.assertIn("neither a cpio archive", e.get_dbus_message())

    def test_bomb_is_bounded(self):
        """A 1.2 GiB gzip stream of zeros in ~1.2 MiB: counted up to the
        1 GiB bound, named ImageTooLarge, fast, with kexecd's memory small."""
        zero = b"\0" * (8 * MiB)
        bomb = self.write("initrd-bomb", gzip_stream(zero for _ in range(150)))
        self.assertLess(os.path.getsize(bomb), 2 * MiB)
        self.configure_kdump(bomb)
        start = time.monotonic()
        e = self.assertDBusError("org.kexecd1.Error.ImageTooLarge", self.manager.EstimateCrashKernel, timeout=60)
        elapsed = time.monotonic() - start
        self.assertIn("more than 1024 MiB", e.get_dbus_message())
        self.assertIn("decompression bomb", e.get_dbus_message())
        self.assertLess(elapsed, 30)
        # Asked again (by anyone, in a loop): the answer is reused while the
        # files are unchanged, so no caller can keep kexecd unpacking.
        for _ in range(3):
            self.assertDBusError("org.kexecd1.Error.ImageTooLarge", self.manager.EstimateCrashKernel, timeout=60)
        self.assertEqual(self.daemon_log().count("Estimating the crash kernel's memory"), 1, self.daemon_log())
        with open("/proc/%d/status" % self.daemon.pid) as f:
            hwm = int([line.split()[1] for line in f if line.startswith("VmHWM:")][0])  # KiB
        self.assertLess(hwm, 64 * 1024, "kexecd's peak RSS %d KiB" % hwm)
        self.assertFalse(self.status_json()["CrashKernelSufficient"])
        p = self.kexecctl("estimate-crashkernel", check=None)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("ImageTooLarge", p.stderr)


if __name__ == "__main__":
    main()
