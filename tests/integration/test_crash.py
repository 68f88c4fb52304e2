#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The daemon's side of crash capture (docs/capture.md) on the fake backend:
the kdump command line that starts kexecd-capture in the crash kernel,
crashes found on the next boot (reported once, listed, removed), the kdump
test (crash on purpose, settled by the record that carries its id), the
readiness check, and hostile crash directories. The capture itself runs in
the crash kernel: tests/capture and the VM scenarios."""
import json
import os
import shutil
import time

import dbus

from fixture import KexecdTestCase, main
import fakekernel

BOOT_ID = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
CRASH = "20261129T060349Z-0f1e2d3c4b5a"


class CrashTest(KexecdTestCase):
    def setUp(self):
        self.dumps = None
        super().setUp()

    def start_daemon(self):
        if self.dumps is None:
            self.dumps = os.path.join(self.dir, "crash")
            self.write_config("yes")
        super().start_daemon()

    def write_config(self, enabled):
        with open(os.path.join(self.etc, "kexecd.conf"), "w") as f:
            f.write("[Capture]\nEnabled=%s\nDumpDir=%s\nMinFreeSpace=1M\n" % (enabled, self.dumps))

    def make_crash(self, cid=CRASH, complete=True, panic="Kernel panic - not syncing: sysrq triggered crash",
                   test_id=None, partial=False, **extra):
        d = os.path.join(self.dumps, cid + (".partial" if partial else ""))
        os.makedirs(d, exist_ok=True)
        rec = {"version": 1, "id": cid, "complete": complete, "crashed_boot_id": BOOT_ID,
               "kernel_release": "6.1.0-fake", "kernel_release_source": "dmesg",
               "crash_time": 1_800_000_000_000_000, "panic_line": panic, "dump_level": 31,
               "compression": "lzo", "dump_file": "vmcore", "dump_size": 12345, "dump_sha256": "ab" * 32,
               "dmesg_size": 100, "capture_usec": 2_500_000, "makedumpfile_version": "1.7.2"}
        if not complete:
            rec["reason"] = "makedumpfile failed"
        if test_id:
            rec["test_id"] = test_id
        rec.update(extra)
        with open(os.path.join(d, "crash.json"), "w") as f:
            json.dump(rec, f)
        with open(os.path.join(d, "vmcore-dmesg.txt"), "w") as f:
            f.write("[ 1.0] Linux version 6.1.0-fake\n[ 2.0] %s\n" % panic)
        return d

    def restart(self):
        self.stop_daemon()
        self.start_daemon()

    def history(self, event):
        return [e for e in self.manager.GetHistory(0) if e[2] == event]

    def test_kdump_command_line_starts_the_capture(self):
        self.allow()
        self.load("kdump", cmdline="console=ttyS0")
        cmdline = fakekernel.fake_record(self.root, "kdump", "cmdline")
        self.assertIn("systemd.unit=kexecd-capture.service", cmdline)
        self.assertIn("kexecd.crashed_boot_id=" + BOOT_ID, cmdline)
        # The kexec image is not a crash kernel.
        self.load("kexec", cmdline="console=ttyS0")
        self.assertNotIn("systemd.unit", fakekernel.fake_record(self.root, "kexec", "cmdline"))
        # An admin's own unit wins; capture off adds nothing.
        self.load("kdump", cmdline="console=ttyS0 systemd.unit=my-dump.service")
        cmdline = fakekernel.fake_record(self.root, "kdump", "cmdline")
        self.assertNotIn("kexecd-capture", cmdline)
        self.stop_daemon()
        self.write_config("no")
        self.start_daemon()
        self.load("kdump", cmdline="console=ttyS0")
        self.assertNotIn("kexecd-capture", fakekernel.fake_record(self.root, "kdump", "cmdline"))

    def test_new_crash_is_reported_once(self):
        self.make_crash()
        received = []
        self.bus.add_signal_receiver(lambda *a: received.append(a), "CrashCaptured", "org.kexecd1.Manager")
        self.restart()
        events = self.history("crash-captured")
        self.assertEqual(len(events), 1)
        self.assertIn(CRASH, events[0][3])
        self.assertIn("sysrq triggered crash", events[0][3])
        last = self.manager.Get("org.kexecd1.Manager", "LastCrash", dbus_interface="org.freedesktop.DBus.Properties")
        self.assertEqual((last["Id"], bool(last["Complete"]), last["KernelRelease"]), (CRASH, True, "6.1.0-fake"))
        self.assertEqual(last["PanicLine"], "Kernel panic - not syncing: sysrq triggered crash")
        self.assertIn("The machine crashed", self.daemon_log())
        # Not again on the next start.
        self.restart()
        self.assertEqual(len(self.history("crash-captured")), 1)
        p = self.kexecctl("status", check=0)
        self.assertIn("Last crash: " + CRASH, p.stdout)

    def test_last_crash_follows_the_dump_directory(self):
        """Status() keeps LastCrash while the dump directory and the newest
        crash.json are unchanged; kexecd-capture, hooks and admins change
        them behind its back. Each step waits until the last change is more
        than 2 s old, so that the kept answer (not a fresh listing of a
        just-changed directory) is what is checked."""
        def last():
            return self.manager.Status()["LastCrash"]

        def settle():
            time.sleep(3.1)
            last()  # lists once more and keeps the answer

        self.assertEqual(len(last()), 0)
        a = self.make_crash()
        settle()
        self.assertEqual(last()["Id"], CRASH)
        # A newer crash appears (a capture, then a reboot without restart).
        newer = "20261129T070000Z-0f1e2d3c4b5a"
        self.make_crash(newer, panic="Kernel panic - not syncing: first")
        settle()
        self.assertEqual((last()["Id"], last()["PanicLine"]), (newer, "Kernel panic - not syncing: first"))
        # Its record rewritten in place (a hook, an admin's editor).
        self.make_crash(newer, panic="Kernel panic - not syncing: other")
        self.assertEqual(last()["PanicLine"], "Kernel panic - not syncing: other")
        settle()
        # Removed by hand: the older one is the newest again.
        shutil.rmtree(os.path.join(self.dumps, newer))
        self.assertEqual(last()["Id"], CRASH)
        settle()
        shutil.rmtree(a)
        self.assertEqual(len(last()), 0)

    def test_list_show_dmesg(self):
        self.make_crash()
        self.make_crash("20261129T070000Z-0f1e2d3c4b5a", complete=False)
        self.restart()
        crashes = self.manager.ListCrashes()
        self.assertEqual([c["Id"] for c in crashes], [CRASH, "20261129T070000Z-0f1e2d3c4b5a"])
        self.assertEqual(crashes[1]["Reason"], "makedumpfile failed")
        p = self.kexecctl("crash", "list", check=0)
        self.assertIn(CRASH, p.stdout)
        self.assertIn("incomplete", p.stdout)
        p = self.kexecctl("--json=short", "crash", "list", check=0)
        self.assertEqual([c["id"] for c in json.loads(p.stdout)], [CRASH, "20261129T070000Z-0f1e2d3c4b5a"])
        # what the shell completion of "crash show|dmesg|remove" offers
        self.assertEqual(self.completion_ids(p.stdout), [CRASH, "20261129T070000Z-0f1e2d3c4b5a"])
        p = self.kexecctl("crash", "show", CRASH, check=0)
        self.assertIn("Panic: Kernel panic - not syncing: sysrq triggered crash", p.stdout)
        p = self.kexecctl("crash", "dmesg", CRASH, check=0)
        self.assertIn("Linux version 6.1.0-fake", p.stdout)
        self.kexecctl("crash", "show", "20991231T000000Z-000000000000", check=8)
        self.kexecctl("crash", "show", check=2)

    def test_remove(self):
        d = self.make_crash()
        os.makedirs(os.path.join(d, "hook-output"))
        open(os.path.join(d, "hook-output", "x"), "w").write("x")
        outside = os.path.join(self.dir, "outside")
        open(outside, "w").write("keep")
        os.symlink(outside, os.path.join(d, "link"))
        self.restart()
        # Unauthorized: nothing removed.
        self.kexecctl("--no-ask-password", "crash", "remove", CRASH, user="nobody", check=3)
        self.assertTrue(os.path.isdir(d))
        self.allow("org.kexecd1.remove-crash")
        for bad in ("../state", "/etc", CRASH + "/..", "20261129T060349Z-../../x", "", "x" * 5000):
            self.assertDBusError("org.kexecd1.Error.InvalidOption", self.manager.RemoveCrash, bad, False)
        self.assertDBusError("org.kexecd1.Error.NoSuchCrash", self.manager.RemoveCrash,
                             "20991231T000000Z-000000000000", False)
        self.kexecctl("--no-ask-password", "crash", "remove", CRASH, check=0)
        self.assertFalse(os.path.exists(d))
        self.assertEqual(open(outside).read(), "keep")  # the symlink was removed, not followed
        self.assertEqual(len(self.history("crash-removed")), 1)
        last = self.manager.Get("org.kexecd1.Manager", "LastCrash", dbus_interface="org.freedesktop.DBus.Properties")
        self.assertEqual(len(last), 0)

    def test_hostile_records(self):
        # Huge, wrong types, not UTF-8, a symlinked record, a file where a
        # directory should be: each is reported as unreadable or skipped,
        # and kexecd keeps serving.
        d = os.path.join(self.dumps, "20261129T010000Z-0f1e2d3c4b5a")
        os.makedirs(d)
        with open(os.path.join(d, "crash.json"), "w") as f:
            f.write('{"id": "' + "x" * (200 << 10) + '"}')
        d = os.path.join(self.dumps, "20261129T020000Z-0f1e2d3c4b5a")
        os.makedirs(d)
        with open(os.path.join(d, "crash.json"), "w") as f:
            f.write('{"version": 1, "id": 7, "complete": "yes"}')
        d = os.path.join(self.dumps, "20261129T030000Z-0f1e2d3c4b5a")
        os.makedirs(d)
        with open(os.path.join(d, "crash.json"), "wb") as f:
            f.write(b'{"version": 1, "id": "20261129T030000Z-0f1e2d3c4b5a", "complete": true, "panic_line": "\xff\xfe"}')
        d = os.path.join(self.dumps, "20261129T040000Z-0f1e2d3c4b5a")
        os.makedirs(d)
        os.symlink("/etc/passwd", os.path.join(d, "crash.json"))
        open(os.path.join(self.dumps, "20261129T050000Z-0f1e2d3c4b5a"), "w").write("a file")
        os.symlink(self.dir, os.path.join(self.dumps, "20261129T055000Z-0f1e2d3c4b5a"))
        self.make_crash(partial=True)
        self.restart()
        crashes = self.manager.ListCrashes()
        ids = [c["Id"] for c in crashes]
        self.assertNotIn("20261129T050000Z-0f1e2d3c4b5a", ids)  # not a directory
        self.assertNotIn("20261129T055000Z-0f1e2d3c4b5a", ids)  # a symlink
        for c in crashes:
            self.assertFalse(c["Complete"], c["Id"])
        self.assertTrue([c for c in crashes if c["Id"] == CRASH][0]["Partial"])
        self.assertEqual(len(self.history("crash-captured")), len(crashes))
        self.kexecctl("crash", "list", check=0)
        self.kexecctl("status", check=0)

    def test_kdump_test_passes_after_the_capture(self):
        self.allow("org.kexecd1.load", "org.kexecd1.test-kdump")
        open(os.path.join(self.root, "proc", "sysrq-trigger"), "w").close()
        # Not ready without a crash kernel.
        self.assertDBusError("org.kexecd1.Error.KdumpNotReady", self.manager.TestKdump, False)
        self.kexecctl("test-kdump", check=2)  # no --yes, no terminal: refused
        self.load("kdump", cmdline="console=ttyS0")
        p = self.kexecctl("--no-ask-password", "test-kdump", "--yes", check=0)
        test_id = [w for w in p.stdout.split() if w.startswith("test-")][0].rstrip(":")
        # The crash kernel gets the id; then the machine is crashed.
        self.assertIn("kexecd.test_id=" + test_id, fakekernel.fake_record(self.root, "kdump", "cmdline"))
        deadline = time.time() + 10
        while open(os.path.join(self.root, "proc", "sysrq-trigger")).read() != "c" and time.time() < deadline:
            time.sleep(0.05)
        self.assertEqual(open(os.path.join(self.root, "proc", "sysrq-trigger")).read(), "c")
        t = self.manager.Get("org.kexecd1.Manager", "KdumpTest", dbus_interface="org.freedesktop.DBus.Properties")
        self.assertEqual((t["Id"], t["Result"]), (test_id, "armed"))
        # The next boot finds the record the crash kernel wrote.
        self.stop_daemon()
        fakekernel.write(os.path.join(self.root, "proc/sys/kernel/random/boot_id"),
                         "11111111-2222-3333-4444-555555555555\n")
        requested = t["RequestedAt"]
        self.make_crash(test_id=test_id, crash_time=requested + 4_000_000)
        self.start_daemon()
        t = self.manager.Get("org.kexecd1.Manager", "KdumpTest", dbus_interface="org.freedesktop.DBus.Properties")
        self.assertEqual((t["Result"], t["CrashId"]), ("passed", CRASH), t["Detail"])
        self.assertEqual(t["PanicToDumpUSec"], 4_000_000 + 2_500_000)
        p = self.kexecctl("status", check=0)
        self.assertIn("kdump test: %s passed" % test_id, p.stdout)

    def test_kdump_test_without_a_record_fails(self):
        self.allow("org.kexecd1.load", "org.kexecd1.test-kdump")
        open(os.path.join(self.root, "proc", "sysrq-trigger"), "w").close()
        self.load("kdump", cmdline="console=ttyS0")
        test_id = self.manager.TestKdump(False)
        self.stop_daemon()
        fakekernel.write(os.path.join(self.root, "proc/sys/kernel/random/boot_id"),
                         "11111111-2222-3333-4444-555555555555\n")
        self.start_daemon()
        t = self.manager.Get("org.kexecd1.Manager", "KdumpTest", dbus_interface="org.freedesktop.DBus.Properties")
        self.assertEqual((t["Id"], t["Result"]), (test_id, "failed"))
        self.assertIn("no crash record carries the test id", t["Detail"])
        # The record turns up later (DumpDir mounted after kexecd started):
        # it is the evidence and settles the test after all.
        self.make_crash(test_id=test_id)
        self.restart()
        t = self.manager.Get("org.kexecd1.Manager", "KdumpTest", dbus_interface="org.freedesktop.DBus.Properties")
        self.assertEqual((t["Result"], t["CrashId"]), ("passed", CRASH), t["Detail"])

    def test_test_kdump_needs_its_own_authorization(self):
        self.allow("org.kexecd1.load")
        open(os.path.join(self.root, "proc", "sysrq-trigger"), "w").close()
        self.load("kdump", cmdline="console=ttyS0")
        self.kexecctl("--no-ask-password", "test-kdump", "--yes", user="nobody", check=3)
        self.assertEqual(open(os.path.join(self.root, "proc", "sysrq-trigger")).read(), "")

    def test_check_kdump(self):
        p = self.kexecctl("check-kdump", check=1)
        self.assertIn("FAIL loaded", p.stdout)
        self.assertIn("NOT ready", p.stdout)
        self.allow()
        self.load("kdump", cmdline="console=ttyS0")
        checks = {c[0]: bool(c[1]) for c in self.manager.CheckKdump()}
        self.assertTrue(checks["reservation"] and checks["loaded"] and checks["fresh"] and checks["capture"])
        self.assertTrue(checks["dump-dir"], checks)  # created at start-up
        self.assertTrue(os.path.isdir(self.dumps))
        # A dump directory that cannot be written is named.
        self.stop_daemon()
        shutil.rmtree(self.dumps)
        open(self.dumps, "w").write("not a directory")
        self.start_daemon()
        checks = {c[0]: (bool(c[1]), c[2]) for c in self.manager.CheckKdump()}
        self.assertFalse(checks["dump-dir"][0], checks["dump-dir"][1])
        # Capture off is named too.
        self.stop_daemon()
        self.write_config("no")
        self.start_daemon()
        checks = {c[0]: bool(c[1]) for c in self.manager.CheckKdump()}
        self.assertFalse(checks["capture"])


if __name__ == "__main__":
    main()
