#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Platform facts in Status and what the legacy loader is given: crash
kernel regions (incl. a low one), the device tree report, boot-memory bounds
and a prepared DTB for kexec-tools."""
import os
import sys

from fixture import KexecdTestCase, main

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import fakekernel  # noqa: E402
import fdt  # noqa: E402

IOMEM = """00001000-0009ffff : System RAM
  00090000-0009ffff : Crash kernel (low)
00100000-bfffffff : System RAM
  a0000000-bfffffff : Crash kernel
100000000-17fffffff : System RAM
"""


class PlatformTest(KexecdTestCase):
    def setUp(self):
        super().setUp()
        self.allow()

    def put(self, rel, data):
        path = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)

    def test_crash_regions(self):
        self.put("proc/iomem", IOMEM)
        regions = [(str(n), int(s), int(e)) for n, s, e in self.manager.Status()["CrashKernelRegions"]]
        self.assertEqual(regions, [("Crash kernel (low)", 0x90000, 0x9ffff), ("Crash kernel", 0xa0000000, 0xbfffffff)])
        p = self.kexecctl("status", check=0)
        self.assertIn("Crash kernel (low): 0x90000-0x9ffff (64.0K)", p.stdout)

    def test_device_tree_report(self):
        self.assertEqual(dict(self.manager.Status()["DeviceTree"]), {})  # x86: no flattened DT
        # The tree is the one this kernel booted with: kexecd reads it once,
        # so a new one stands for another boot (a restart of kexecd).
        self.put("sys/firmware/fdt", fdt.build({
            "": {"#address-cells": 2, "#size-cells": 2},
            "memory@40000000": {"device_type": "memory", "reg": fdt.reg((0x40000000, 0x80000000))},
            "chosen": {"bootargs": "console=ttyAMA0", "linux,elfcorehdr": fdt.reg((0x50000000, 0x1000)),
                       "linux,usable-memory-range": fdt.reg((0x60000000, 0x10000000)),
                       "linux,booted-from-kexec": b""},
        }))
        self.stop_daemon()
        self.start_daemon()
        dt = self.manager.Status()["DeviceTree"]
        self.assertTrue(dt["KdumpKernel"])
        self.assertTrue(dt["BootedFromKexec"])
        self.assertFalse(dt["RngSeed"])
        self.assertEqual([(int(a), int(b)) for a, b in dt["BootMemory"]], [(0x40000000, 0x80000000)])
        self.assertEqual([(int(a), int(b)) for a, b in dt["UsableMemory"]], [(0x60000000, 0x10000000)])
        self.put("sys/firmware/fdt", b"\xd0\x0d\xfe\xed" + b"\0" * 60)
        self.stop_daemon()
        self.start_daemon()
        self.assertIn("malformed", self.manager.Status()["DeviceTree"]["Error"])
        self.assertIsNone(self.daemon.poll())

    def test_status_sees_what_changes_behind_its_back(self):
        """Status() keeps what only changes with events kexecd sees and
        re-reads the rest (docs/architecture.md, "What Status() keeps"): each
        fact the kernel lets others change is changed here behind kexecd's
        back, after a Status() that could have kept the old value."""
        def status():
            st = self.manager.Status()
            st = dict(st, CrashKernelRegions=[(str(n), int(a), int(b)) for n, a, b in st["CrashKernelRegions"]])
            st["loaded"] = (bool(st["kexec"]["Loaded"]), bool(st["kdump"]["Loaded"]))
            return st

        st = status()
        self.assertEqual(int(st["CrashKernelSize"]), 256 << 20)
        self.assertEqual(st["CrashKernelRegions"], [("Crash kernel", 0x2a000000, 0x2a000000 + (256 << 20) - 1)])
        self.assertEqual(str(st["Lockdown"]), "none")
        self.assertFalse(st["KexecLoadDisabled"])
        self.assertEqual((int(st["LoadLimitReboot"]), int(st["LoadLimitPanic"])), (-1, -1))
        self.assertEqual(st["loaded"], (False, False))
        self.assertEqual(str(st["KernelRelease"]), "6.1.0-fake")
        self.manager.Status()  # and once more: anything kept is kept now

        # Root shrinks the reservation (the kernel releases the rest and
        # /proc/iomem shows the smaller region).
        self.put("sys/kernel/kexec_crash_size", "%d\n" % (64 << 20))
        self.put("proc/iomem", fakekernel.IOMEM_TEMPLATE.format(crash="  2a000000-2dffffff : Crash kernel\n"))
        # sysctl and securityfs: one-way switches and limits.
        self.put("proc/sys/kernel/kexec_load_disabled", "1\n")
        self.put("sys/kernel/security/lockdown", "none [integrity] confidentiality\n")
        self.put("proc/sys/kernel/kexec_load_limit_reboot", "3\n")
        self.put("proc/sys/kernel/kexec_load_limit_panic", "0\n")
        # Another loader (kexec-tools run by hand) loads both images.
        self.put("sys/kernel/kexec_loaded", "1\n")
        self.put("sys/kernel/kexec_crash_loaded", "1\n")

        st = status()
        self.assertEqual(int(st["CrashKernelSize"]), 64 << 20)
        self.assertEqual(st["CrashKernelRegions"], [("Crash kernel", 0x2a000000, 0x2dffffff)])
        self.assertEqual(str(st["Lockdown"]), "integrity")
        self.assertTrue(st["KexecLoadDisabled"])
        self.assertEqual((int(st["LoadLimitReboot"]), int(st["LoadLimitPanic"])), (3, 0))
        self.assertEqual(st["loaded"], (True, True))
        props = self.manager_props()
        self.assertEqual((int(props["CrashKernelSize"]), str(props["Lockdown"]), bool(props["KexecLoadDisabled"])),
                         (64 << 20, "integrity", True))
        self.assertEqual([(str(n), int(a), int(b)) for n, a, b in props["CrashKernelRegions"]],
                         [("Crash kernel", 0x2a000000, 0x2dffffff)])

        # The reservation released entirely; the other loader unloads.
        self.put("sys/kernel/kexec_crash_size", "0\n")
        self.put("proc/iomem", fakekernel.IOMEM_TEMPLATE.format(crash=""))
        self.put("sys/kernel/kexec_loaded", "0\n")
        self.put("sys/kernel/kexec_crash_loaded", "0\n")
        st = status()
        self.assertEqual((int(st["CrashKernelSize"]), st["CrashKernelRegions"], st["loaded"]), (0, [], (False, False)))

    def manager_props(self):
        obj = self.bus.get_object("org.kexecd1", "/org/kexecd1")
        return obj.GetAll("org.kexecd1.Manager", dbus_interface="org.freedesktop.DBus.Properties")

    def test_legacy_loader_arguments(self):
        self.put("sys/devices/system/memory/block_size_bytes", "8000000\n")
        self.put("sys/devices/system/memory/memory0/valid_zones", "DMA32\n")
        self.put("sys/devices/system/memory/memory40/state", "online\n")
        self.put("sys/devices/system/memory/memory40/valid_zones", "Movable\n")
        self.put("sys/firmware/fdt", fdt.build({"": {"#address-cells": 2, "#size-cells": 2},
                                                "chosen": {"bootargs": "old"}}))
        self.load("kexec", initrds=[self.initrd], cmdline="marker=legacy",
                  options={"syscall": "legacy"})
        argv = open(os.path.join(self.root, "fake/kexec.legacy_argv")).read().splitlines()
        self.assertEqual(argv[0], "-l")
        self.assertIn("--command-line=marker=legacy", argv)
        self.assertIn("--mem-max=0x13fffffff", argv)  # below the Movable block at 40 * 128 MiB
        self.assertTrue(any(a.startswith("--dtb=/proc/self/fd/") for a in argv), argv)
        self.assertTrue(any(a.startswith("--initrd=/proc/self/fd/") for a in argv), argv)
        self.assertTrue(argv[-1].startswith("/proc/self/fd/"), "the checked kernel fd, not the path")
        self.assertEqual(self.image_props("kexec")["Syscall"], "legacy")

    def test_legacy_kdump_asks_for_header_updates_only_where_possible(self):
        """--hotplug only when the kernel can update the crash image's ELF
        header (crash_elfcorehdr_size) and kexec-tools has the option."""
        self.put("sys/devices/system/memory/block_size_bytes", "8000000\n")
        self.put("sys/devices/system/cpu/online", "0-1\n")

        def legacy_kdump():
            self.load("kdump", options={"syscall": "legacy"})
            return open(os.path.join(self.root, "fake/kdump.legacy_argv")).read().splitlines()

        # Debian 12: neither the kernel (6.1) nor kexec-tools (2.0.25) can.
        self.assertNotIn("--hotplug", legacy_kdump())
        self.assertEqual(list(self.image_props("kdump")["CrashHotplug"]), [])
        # A kernel with CONFIG_CRASH_HOTPLUG, an old kexec-tools: still not.
        self.put("sys/kernel/crash_elfcorehdr_size", "4096\n")
        self.assertNotIn("--hotplug", legacy_kdump())
        self.assertEqual(list(self.image_props("kdump")["CrashHotplug"]), [])
        # Both: requested, and the kernel then says it updates the header.
        self.put("fake/kexec-help", "kexec-tools 2.0.28\n --hotplug   Do in-kernel update of the kexec loaded image\n")
        self.assertIn("--hotplug", legacy_kdump())
        self.assertEqual(list(self.image_props("kdump")["CrashHotplug"]), ["memory", "cpu"])
        status = self.status_json()
        self.assertEqual(status["kdump"]["CrashHotplug"], ["memory", "cpu"])
        self.assertIn("by the kernel on memory, cpu hotplug", self.kexecctl("status", check=0).stdout)
        # A restarted kexecd adopts the image and knows the kernel keeps
        # its header current (it used to read that only on a fresh load).
        self.stop_daemon()
        self.start_daemon()
        self.assertEqual(self.fake_loads("kdump"), 3)
        self.assertEqual(list(self.image_props("kdump")["CrashHotplug"]), ["memory", "cpu"])
        # Never for the kexec image: its memory map is not updated by the kernel.
        self.load("kexec", options={"syscall": "legacy"})
        self.assertNotIn("--hotplug", open(os.path.join(self.root, "fake/kexec.legacy_argv")).read().splitlines())
        self.assertEqual(list(self.image_props("kexec")["CrashHotplug"]), [])
        # A kernel without the support (no such files): kexec-tools would
        # refuse --hotplug, so it is not asked for.
        for f in ("sys/kernel/crash_elfcorehdr_size", "sys/devices/system/memory/crash_hotplug",
                  "sys/devices/system/cpu/crash_hotplug"):
            os.unlink(os.path.join(self.root, f))
        self.assertNotIn("--hotplug", legacy_kdump())
        self.assertEqual(list(self.image_props("kdump")["CrashHotplug"]), [])


if __name__ == "__main__":
    main()
