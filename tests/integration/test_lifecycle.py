#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Command line reuse, restarts and adoption, configuration, reloads, history."""
import json
import os
import time

from fixture import ERR, KexecdTestCase, fakekernel, main


class LifecycleTest(KexecdTestCase):
    def setUp(self):
        super().setUp()
        self.allow()

    def recorded(self, image):
        return open(os.path.join(self.root, "fake", image + ".cmdline")).read()

    def test_cmdline_reuse_rules(self):
        self.load("kexec")
        self.assertEqual(self.recorded("kexec"), "root=/dev/vda1 ro quiet crashkernel=256M")
        self.load("kdump")
        # The fake kernel is a bzImage: the x86_64 rules apply (docs/configuration.md).
        self.assertEqual(self.recorded("kdump"), "root=/dev/vda1 ro numa=off cgroup_disable=memory udev.children-max=2 panic=10 disable_cpu_apicid=0 "
                         "acpi_no_memhotplug irqpoll nr_cpus=1 reset_devices")
        self.load("kdump", options={"append": "console=ttyS0"})
        self.assertEqual(self.recorded("kdump"), "root=/dev/vda1 ro numa=off cgroup_disable=memory udev.children-max=2 panic=10 disable_cpu_apicid=0 "
                         "acpi_no_memhotplug irqpoll nr_cpus=1 reset_devices console=ttyS0")
        self.assertEqual(self.image_props("kdump")["Cmdline"], self.recorded("kdump"))

    def test_kdump_extra_from_config(self):
        with open(os.path.join(self.etc, "kexecd.conf"), "w") as f:
            f.write("[Kdump]\nExtraCmdline=maxcpus=1 quiet\n")
        self.stop_daemon()
        self.start_daemon()
        self.load("kdump")
        self.assertEqual(self.recorded("kdump"), "root=/dev/vda1 ro numa=off cgroup_disable=memory udev.children-max=2 panic=10 disable_cpu_apicid=0 "
                         "acpi_no_memhotplug maxcpus=1 quiet")

    def test_multiple_initrds_are_concatenated(self):
        second = os.path.join(self.dir, "ucode.img")
        with open(second, "wb") as f:
            f.write(b"u" * 123)
        self.load("kexec", initrds=[self.initrd, second])
        size = int(open(os.path.join(self.root, "fake/kexec.initrd_size")).read())
        first = os.path.getsize(self.initrd)
        self.assertEqual(size, first + (-first % 4) + 123)  # padded to a 4-byte boundary
        self.load("kexec")
        self.assertEqual(open(os.path.join(self.root, "fake/kexec.initrd_size")).read().strip(), "none")

    def test_restart_adopts_without_reloading(self):
        self.load("kexec", initrds=[self.initrd], cmdline="keep=me")
        sha = self.image_props("kexec")["KernelSHA256"]
        self.stop_daemon()
        self.start_daemon()
        props = self.image_props("kexec")
        self.assertTrue(props["Loaded"])
        self.assertEqual(props["Kernel"], self.kernel)
        self.assertEqual(props["Cmdline"], "keep=me")
        self.assertEqual(props["KernelSHA256"], sha)
        self.assertEqual(self.fake_loads("kexec"), 1, "a restarted kexecd must not reload or unload")
        events = [e[2] for e in self.manager.GetHistory(0)]
        self.assertIn("adopted", events)

    def test_foreign_image_is_kept(self):
        with open(os.path.join(self.root, "sys/kernel/kexec_loaded"), "w") as f:
            f.write("1\n")
        self.stop_daemon()
        self.start_daemon()
        self.assertTrue(self.image_props("kexec")["Loaded"])
        self.assertTrue(self.fake_loaded("kexec"))
        p = self.kexecctl("status", check=0)
        self.assertIn("loaded by someone else", p.stdout)

    def test_restores_after_reboot(self):
        self.load("kdump")
        # A reboot empties the kernel; the state directory survives.
        with open(os.path.join(self.root, "sys/kernel/kexec_crash_loaded"), "w") as f:
            f.write("0\n")
        self.stop_daemon()
        self.start_daemon()
        self.assertTrue(self.fake_loaded("kdump"))
        self.assertEqual(self.fake_loads("kdump"), 2)

    def test_load_on_start_from_config(self):
        with open(os.path.join(self.etc, "kexecd.conf"), "w") as f:
            f.write("[Kexec]\nKernel=%s\nInitrd=%s\nCmdline=from=config\n[Kdump]\nKernel=%s\nLoadOnStart=no\n"
                    % (self.kernel, self.initrd, self.kernel))
        self.stop_daemon()
        self.start_daemon()
        self.assertTrue(self.fake_loaded("kexec"))
        self.assertEqual(self.recorded("kexec"), "from=config")
        self.assertFalse(self.fake_loaded("kdump"))
        # Reload falls back to the configured spec when nothing was loaded.
        self.manager.Reload("kdump", False)
        self.assertTrue(self.fake_loaded("kdump"))

    def test_reload_and_nothing_to_reload(self):
        self.assertDBusError(ERR + "NothingToReload", self.manager.Reload, "kexec", False)
        self.load("kexec", cmdline="x=1")
        self.manager.Reload("kexec", False)
        self.assertEqual(self.fake_loads("kexec"), 2)
        props = self.image_props("kexec")
        self.assertEqual(props["ReloadCount"], 1)
        self.assertEqual(props["LastReloadReason"], "requested")
        self.manager.Unload("kexec", False)
        self.assertFalse(self.fake_loaded("kexec"))
        self.assertFalse(os.path.exists(os.path.join(self.state, "kexec.json")))
        self.assertDBusError(ERR + "NothingToReload", self.manager.Reload, "kexec", False)

    def test_failed_reload_keeps_last_error(self):
        self.load("kexec")
        with open(os.path.join(self.root, "fake/fail-next-load"), "w") as f:
            f.write("16\n")  # EBUSY
        self.assertDBusError(ERR + "Busy", self.manager.Reload, "kexec", False)
        self.assertIn("Busy", self.image_props("kexec")["LastError"])
        self.manager.Reload("kexec", False)
        self.assertEqual(self.image_props("kexec")["LastError"], "")

    def test_legacy_syscall_and_auto(self):
        self.load("kexec", options={"syscall": "legacy"})
        props = self.image_props("kexec")
        self.assertEqual(props["Syscall"], "legacy")
        self.assertEqual(open(os.path.join(self.root, "fake/kexec.syscall")).read().strip(), "legacy")
        # auto falls back to legacy when kexec_file_load says ENOSYS.
        with open(os.path.join(self.root, "fake/fail-next-load"), "w") as f:
            f.write("38\n")
        self.load("kexec", options={"syscall": "auto"})
        props = self.image_props("kexec")
        self.assertEqual(props["Syscall"], "legacy")
        self.assertIn("ENOSYS", props["SyscallReason"])
        # file alone does not fall back.
        with open(os.path.join(self.root, "fake/fail-next-load"), "w") as f:
            f.write("38\n")
        self.assertDBusError(ERR + "NoKexecSupport", self.load, "kexec", options={"syscall": "file"})

    def test_prepare_kexec_reloads_missing_image(self):
        self.load("kexec")
        with open(os.path.join(self.root, "sys/kernel/kexec_loaded"), "w") as f:
            f.write("0\n")
        self.manager.PrepareKexec(False)
        self.assertTrue(self.fake_loaded("kexec"))
        self.assertEqual(self.image_props("kexec")["ReloadCount"], 1)
        self.manager.PrepareKexec(False)  # fresh: nothing to do
        self.assertEqual(self.fake_loads("kexec"), 2)

    def test_history_survives_restart(self):
        self.load("kexec")
        self.assertDBusError(ERR + "NotAKernel", self.load, "kdump", "/etc/hostname")
        self.manager.Unload("kexec", False)
        self.stop_daemon()
        self.start_daemon()
        events = [(e[1], e[2]) for e in self.manager.GetHistory(0)]
        self.assertEqual(events[:3], [("kexec", "loaded"), ("kdump", "load-failed"), ("kexec", "unloaded")])
        self.assertEqual(len(self.manager.GetHistory(1)), 1)
        p = self.kexecctl("history", check=0)
        self.assertIn("load-failed", p.stdout)
        p = self.kexecctl("--json=short", "history", "2", check=0)
        lines = [json.loads(line) for line in p.stdout.splitlines()]
        self.assertEqual(len(lines), 2)


class LayoutSignalTest(KexecdTestCase):
    def test_layout_generation_change_is_signalled(self):
        """A load that finds the layout changed (no udev event seen) bumps
        LayoutGeneration and must say so (EMITS_CHANGE)."""
        from gi.repository import GLib
        changes = []
        self.bus.add_signal_receiver(lambda iface, changed, inval: changes.append(dict(changed)),
                                     signal_name="PropertiesChanged",
                                     dbus_interface="org.freedesktop.DBus.Properties",
                                     path="/org/kexecd1")
        self.load("kexec")
        gen = self.manager.Status()["LayoutGeneration"]
        path = os.path.join(self.root, "sys/devices/system/memory/memory64/state")
        os.makedirs(os.path.dirname(path))
        with open(path, "w") as f:
            f.write("online\n")
        self.load("kexec")
        self.assertEqual(self.manager.Status()["LayoutGeneration"], gen + 1)
        ctx = GLib.MainContext.default()
        deadline = time.time() + 10
        while not any("LayoutGeneration" in c for c in changes) and time.time() < deadline:
            ctx.iteration(False)
            time.sleep(0.01)
        self.assertIn(gen + 1, [c.get("LayoutGeneration") for c in changes], changes)

class KdumpCmdlineRulesTest(KexecdTestCase):
    """What breaks or bloats a crash kernel leaves the reused command line:
    the loaded line, Status() and kexecctl status all show the filtered one."""
    RUNNING = ("BOOT_IMAGE=/vmlinuz initrd=\\EFI\\initrd.img root=/dev/vda1 ro quiet crashkernel=256M "
               "hugepagesz=2M hugepages=64 default_hugepagesz=2M cma=64M hugetlb_cma=1G mem=8G "
               "memmap=16M$0x10000000 kexec_jump_back_entry=0x1000 nr_cpus=8 maxcpus=8 log_buf_len=4M "
               "slub_debug=FZ panic=0 rd.lvm.lv=vg/root console=ttyS0")
    FILTERED = ("root=/dev/vda1 ro rd.lvm.lv=vg/root console=ttyS0 numa=off cgroup_disable=memory "
                "udev.children-max=2 panic=10 disable_cpu_apicid=0 acpi_no_memhotplug "
                "irqpoll nr_cpus=1 reset_devices")

    def root_options(self):
        return {"cmdline": self.RUNNING}

    def setUp(self):
        super().setUp()
        self.allow()

    def test_kdump_line_is_filtered(self):
        self.load("kdump")
        recorded = open(os.path.join(self.root, "fake", "kdump.cmdline")).read()
        self.assertEqual(recorded, self.FILTERED)
        self.assertEqual(self.image_props("kdump")["Cmdline"], self.FILTERED)
        self.assertEqual(self.status_json()["kdump"]["Cmdline"], self.FILTERED)
        p = self.kexecctl("status", check=0)
        self.assertIn("Cmdline: " + self.FILTERED, p.stdout)

    def test_kexec_line_keeps_huge_pages(self):
        self.load("kexec")
        props = self.image_props("kexec")
        self.assertIn("hugepages=64 ", props["Cmdline"])
        self.assertIn("cma=64M ", props["Cmdline"])
        self.assertNotIn("BOOT_IMAGE=", props["Cmdline"])
        self.assertNotIn("initrd=", props["Cmdline"])

    def test_user_append_wins(self):
        self.load("kdump", options={"append": "panic=60 hugepages=8"})
        line = self.image_props("kdump")["Cmdline"]
        self.assertNotIn("panic=10", line)
        self.assertTrue(line.endswith("reset_devices panic=60 hugepages=8"), line)


if __name__ == "__main__":
    main()
