#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Hotplug storm benchmark (prints figures, asserts nothing).

For storms of 8, 32 and 128 memory blocks (add + online each) delivered by
umockdev to a real kexecd on the fake kernel, measures:
  - reloads per image (kexecd coalesces: expected 1),
  - last-event-to-fresh latency (both images reloaded after the last event),
and compares with what per-event tools do (a udev rule running a reload for
every event), simulated by calling Reload() once per event and timing it.

Run: umockdev-wrapper /usr/bin/python3 bench/hotplug/storm.py [build-dir]
"""
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", ".."))
build = sys.argv[1] if len(sys.argv) > 1 else os.path.join(SRC, "build")
os.environ.setdefault("KEXECD", os.path.join(build, "src/daemon/kexecd"))
os.environ.setdefault("KEXECCTL", os.path.join(build, "src/ctl/kexecctl"))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))

from test_hotplug import QUIET, HotplugTest  # noqa: E402


class Bench(HotplugTest):
    def runTest(self):
        print("%-7s %-8s %-16s %-22s %-16s %-22s" % ("blocks", "events", "kexecd reloads", "last event -> fresh",
                                                    "per-event reloads", "per-event total time"))
        first = 1000
        for n in (8, 32, 128):
            self.load("kexec")
            self.load("kdump")
            before = (self.fake_loads("kexec"), self.fake_loads("kdump"))
            t0 = time.time()
            self.hot_add_memory(n, first=first)
            t_last = time.time()
            deadline = t_last + 30
            while time.time() < deadline:
                if (self.fake_loads("kexec"), self.fake_loads("kdump")) != before and \
                        not self.image_props("kexec")["Stale"] and not self.image_props("kdump")["Stale"] and \
                        self.fake_loads("kdump") > before[1] and self.fake_loads("kexec") > before[0]:
                    break
                time.sleep(0.005)
            t_fresh = time.time()
            time.sleep(QUIET * 3)
            reloads = (self.fake_loads("kexec") - before[0], self.fake_loads("kdump") - before[1])

            # Per-event tooling: one reload of each image per event.
            t1 = time.time()
            for _ in range(2 * n):
                self.manager.Reload("kexec", False)
                self.manager.Reload("kdump", False)
            per_event = time.time() - t1
            print("%-7d %-8d %-16s %-22s %-16d %-22s" % (
                n, 2 * n, "%d + %d" % reloads, "%.3f s (quiet %.1f s)" % (t_fresh - t_last, QUIET),
                4 * n, "%.3f s" % per_event))
            first += n + 8
        print("\nkexecd's latency is the quiet period plus one load; per-event tools pay one load per event "
              "and leave the crash kernel unloaded during each kdump reload on real kernels.")


if __name__ == "__main__":
    Bench.setUpClass()
    try:
        r = unittest.TextTestRunner(verbosity=0).run(Bench())
    finally:
        Bench.tearDownClass()
    sys.exit(0 if r.wasSuccessful() else 1)
