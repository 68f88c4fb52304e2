#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Hotplug end to end in user space: umockdev delivers udev events to the
real kexecd (LD_PRELOAD), the fake kernel root changes its memory/CPU
layout like the kernel would, and kexecd must reload exactly what the rules
say, once per storm."""
import os
import time

import gi

gi.require_version("UMockdev", "1.0")
from gi.repository import UMockdev  # noqa: E402

from fixture import KexecdTestCase, main  # noqa: E402

# Long enough that a test process slowed by a busy machine still sends a
# storm as one burst; every wait below is for a condition, not a time.
QUIET = 1.0


class HotplugTest(KexecdTestCase):
    def setUp(self):
        # The testbed sets UMOCKDEV_DIR in our environment; kexecd inherits
        # it together with the preload library.
        self.testbed = UMockdev.Testbed.new()
        self.blocks = []
        self.cpu2 = self.testbed.add_device("cpu", "cpu2", None, ["online", "0"], [])
        super().setUp()
        with open(os.path.join(self.etc, "kexecd.conf"), "w") as f:
            f.write("[Hotplug]\nQuietPeriodSec=%s\nMaxDelaySec=3\n" % QUIET)
        self.stop_daemon()
        self.start_daemon()
        self.allow()

    def tearDown(self):
        super().tearDown()
        del self.testbed

    def daemon_env(self):
        env = dict(os.environ)
        env["LD_PRELOAD"] = "libumockdev-preload.so.0"
        # g_setenv() in the testbed does not update Python's os.environ.
        env["UMOCKDEV_DIR"] = self.testbed.get_root_dir()
        return env

    def root_options(self):
        return {"memory_blocks": 8, "cpus": 2}

    def write_root(self, rel, text):
        path = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)

    def hot_add_memory(self, n, first=64):
        """What the kernel shows after hot-adding and onlining n blocks."""
        for i in range(first, first + n):
            self.write_root("sys/devices/system/memory/memory%d/state" % i, "online\n")
        with open(os.path.join(self.root, "proc/iomem"), "a") as f:
            f.write("%x-%x : System RAM\n" % (first << 27, ((first + n) << 27) - 1))
        for i in range(first, first + n):
            dev = self.testbed.add_device("memory", "memory%d" % i, None, ["state", "online"], [])
            self.blocks.append(dev)
            self.send_uevent(dev, "add")
            self.send_uevent(dev, "online")

    def send_uevent(self, dev, action):
        """Sends one event once kexecd has read all but two of those sent
        before. umockdev delivers events over a datagram socket whose queue
        holds only net.unix.max_dgram_qlen (10) messages, and a sender that
        outruns a slowed receiver fails (EAGAIN) and hangs instead of
        blocking. kexecd logs each event it reads (debug)."""
        self.sent = getattr(self, "sent", 0)
        # Events sent while kexecd is stopped wait in no queue: not paced.
        if self.sent >= 2 and self.daemon is not None:
            self.wait_for(lambda: self.daemon_log().count("uevent ") >= self.sent - 2, "kexecd to read uevents")
        self.testbed.uevent(dev, action)
        self.sent += 1

    def wait_history(self, event, count, timeout=8):
        deadline = time.time() + timeout
        while time.time() < deadline:
            events = [e for e in self.manager.GetHistory(0) if e[2] == event]
            if len(events) >= count:
                return events
            time.sleep(0.05)
        self.fail("history never had %d %r events: %s" % (count, event, list(self.manager.GetHistory(0))))

    def settle(self):
        """Until no further batch can come: kexecd has read every event
        sent (a condition), then the quiet period has passed twice with
        nothing left to fire (absence can only be waited for)."""
        sent = getattr(self, "sent", 0)
        self.wait_for(lambda: self.daemon_log().count("uevent ") >= sent, "kexecd to read every uevent")
        time.sleep(QUIET * 2.5)

    def test_memory_storm_reloads_each_image_once(self):
        self.load("kexec")
        self.load("kdump")
        self.assertEqual((self.fake_loads("kexec"), self.fake_loads("kdump")), (1, 1))
        gen = self.manager.Status()["LayoutGeneration"]
        self.hot_add_memory(32)
        self.wait_history("hotplug", 1)
        self.settle()
        self.assertEqual(len([e for e in self.manager.GetHistory(0) if e[2] == "hotplug"]), 1,
                         "a storm must be one batch")
        self.assertEqual((self.fake_loads("kexec"), self.fake_loads("kdump")), (2, 2))
        for image in ("kexec", "kdump"):
            props = self.image_props(image)
            self.assertFalse(props["Stale"])
            self.assertEqual(props["ReloadCount"], 1)
            self.assertIn("memory layout changed", props["LastReloadReason"])
            self.assertGreater(props["LayoutGeneration"], gen)
        self.assertEqual(len([e for e in self.manager.GetHistory(0) if e[2] == "reloaded"]), 2)

    def test_cpu_change_reloads_only_kdump(self):
        self.load("kexec")
        self.load("kdump")
        self.write_root("sys/devices/system/cpu/online", "0-2\n")
        self.write_root("sys/devices/system/cpu/present", "0-2\n")
        self.send_uevent(self.cpu2, "online")
        self.wait_history("reloaded", 1)
        self.settle()
        self.assertEqual(self.fake_loads("kexec"), 1, "a CPU change does not make the kexec image stale")
        self.assertEqual(self.fake_loads("kdump"), 2)

    def test_crash_hotplug_lets_the_kernel_update_kdump(self):
        self.write_root("sys/devices/system/memory/crash_hotplug", "1\n")
        self.load("kexec")
        self.load("kdump")
        self.hot_add_memory(4)
        self.wait_history("reloaded", 1)
        self.settle()
        self.assertEqual(self.fake_loads("kexec"), 2)
        self.assertEqual(self.fake_loads("kdump"), 1, "crash_hotplug=1: the kernel keeps the ELF header current")
        self.assertFalse(self.image_props("kdump")["Stale"])

    def test_events_without_layout_change_or_before_load_do_nothing(self):
        # Before any load: nothing to reload.
        self.hot_add_memory(2)
        self.wait_history("hotplug", 1)
        self.load("kexec")
        # Coldplug-like replay: events, but the kernel's view is unchanged.
        for dev in self.blocks:
            self.send_uevent(dev, "add")
        self.wait_history("hotplug", 2)
        self.settle()
        self.assertEqual(self.fake_loads("kexec"), 1)
        self.assertFalse(self.image_props("kexec")["Stale"])

    def test_discarded_image_is_reloaded(self):
        self.load("kexec")
        # Some kernels drop the kexec image on memory hotplug.
        self.write_root("sys/kernel/kexec_loaded", "0\n")
        self.hot_add_memory(1)
        events = self.wait_history("discarded", 1)
        self.assertEqual(events[0][1], "kexec")
        self.wait_history("reloaded", 1)
        self.assertTrue(self.fake_loaded("kexec"))

    def test_failed_reload_degrades_and_retries(self):
        self.load("kexec")
        self.write_root("fake/fail-next-load", "5\n")  # EIO once
        self.hot_add_memory(1)
        self.wait_history("load-failed", 1)
        self.assertTrue(self.image_props("kexec")["Degraded"])
        # The retry (1 s backoff) uses the last-known-good spec and succeeds.
        self.wait_history("reloaded", 1)
        props = self.image_props("kexec")
        self.assertFalse(props["Degraded"])
        self.assertTrue(self.fake_loaded("kexec"))
        self.assertEqual(props["Kernel"], self.kernel)
        # The retry names the failure it retries, not an older reason.
        reloaded = self.wait_history("reloaded", 1)[-1]
        self.assertIn("retry 1 after failure: org.kexecd1.Error.LoadFailed", reloaded[3])

    def test_explicit_load_cancels_a_pending_retry(self):
        self.load("kexec")
        self.write_root("fake/fail-next-load", "5\n")  # EIO once
        self.hot_add_memory(1)
        self.wait_history("load-failed", 1)
        # The retry is pending (1 s); an explicit Load succeeds first.
        self.load("kexec")
        loads = self.fake_loads("kexec")
        self.assertFalse(self.image_props("kexec")["Degraded"])
        # Absence cannot be waited for: give the cancelled retry three times
        # its delay to fire, then check it did not.
        time.sleep(3)
        self.assertEqual(self.fake_loads("kexec"), loads)
        self.assertEqual([e for e in self.manager.GetHistory(0) if e[2] == "reloaded"], [])

    def test_last_load_is_not_spent_automatically(self):
        self.write_root("proc/sys/kernel/kexec_load_limit_reboot", "2\n")
        self.load("kexec")  # leaves 1
        self.hot_add_memory(1)
        self.wait_history("reload-skipped", 1)
        self.assertEqual(self.fake_loads("kexec"), 1)
        props = self.image_props("kexec")
        self.assertTrue(props["Degraded"])
        self.assertIn("LoadLimitReached", props["LastError"])
        self.assertEqual(self.manager.Status()["LoadLimitReboot"], 1)

    def test_stale_image_found_at_start_is_reloaded(self):
        self.load("kexec")
        self.stop_daemon()
        self.hot_add_memory(2)  # while kexecd is down
        self.start_daemon()
        self.wait_history("reloaded", 1)
        self.assertEqual(self.fake_loads("kexec"), 2)

    def test_prepare_kexec_reloads_stale_image_without_events(self):
        # No udev event at all (say, the monitor missed it): the last-moment
        # check reads the kernel's layout itself.
        self.load("kexec")
        self.write_root("sys/devices/system/memory/memory99/state", "online\n")
        self.manager.PrepareKexec(False)
        self.assertEqual(self.fake_loads("kexec"), 2)
        self.assertIn("stale", self.image_props("kexec")["LastReloadReason"])


if __name__ == "__main__":
    main()
