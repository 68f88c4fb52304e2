#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Hostile input and faults (issue: a root daemon no local user can stall,
crash or confuse). Each test names the attack it replays; the daemon must
answer with a named error, change nothing it should not, and stay alive
(the fixture's tearDown fails a test whose kexecd died)."""
import gzip
import os
import signal
import subprocess
import threading
import time

import dbus

from fixture import ERR, KexecdTestCase, fakekernel, main

NOBODY = 65534


class HostileInputTest(KexecdTestCase):
    def setUp(self):
        super().setUp()
        # root needs no polkit; allowing anyway keeps these tests meaningful
        # against a kexecd that still asks (checking a test against old code).
        self.allow()

    def test_giant_initrd_list_is_refused_before_any_work(self):
        # 300k entries blocked Status for 16 s when the list was copied and
        # checked in quadratic time before polkit was asked.
        paths = ["/boot/initrd-%d" % i for i in range(300000)]
        t = time.time()
        e = self.assertDBusError(ERR + "LimitExceeded", self.load, "kexec", self.kernel, paths)
        self.assertLess(time.time() - t, 10.0)
        self.assertIn("More than 32 initrds", e.get_dbus_message())
        # Refused before polkit for an unprivileged caller too.
        res = self.as_user("nobody", [self.load_args(initrds=paths[:1000])])
        self.assertEqual(res[0].get("error"), ERR + "LimitExceeded", res)
        self.assertEqual(self.polkit.GetChecks(), [])
        self.assertEqual(self.fake_loads("kexec"), 0)
        t = time.time()
        self.manager.Status()
        self.assertLess(time.time() - t, 5.0)

    def test_overlong_path_and_duplicate_option(self):
        self.assertDBusError(ERR + "InvalidPath", self.load, "kexec", "/" + "a" * 5000)
        self.assertDBusError(ERR + "InvalidPath", self.load, "kexec", "/tmp/" + "a" * 300)
        # A key given twice is an error, not "last one wins" (dbus-python
        # cannot repeat a dict key: busctl writes the message as given).
        p = subprocess.run(["busctl", "--address=" + self.address, "call", "org.kexecd1", "/org/kexecd1",
                            "org.kexecd1.Manager", "Load", "ssassa{sv}", "kexec", self.kernel, "0", "",
                            "2", "syscall", "s", "file", "syscall", "s", "legacy"],
                           capture_output=True, text=True, timeout=60)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("given more than once", p.stderr)
        self.assertFalse(self.fake_loaded("kexec"))

    def test_truncation_during_load_does_not_kill_the_daemon(self):
        # Kernels used to be read through a memory map: a file truncated by
        # its owner while kexecd decompressed it raised SIGBUS.
        raw = fakekernel.make_bzimage(os.path.join(self.dir, "raw"), size=8 << 20)
        data = gzip.compress(open(raw, "rb").read(), 1)
        path = os.path.join(self.dir, "vmlinuz.gz")
        stop = threading.Event()

        def churn():
            while not stop.is_set():
                with open(path, "wb") as f:
                    f.write(data)
                for cut in (len(data) // 2, 100, 0):
                    os.truncate(path, cut)
                with open(path, "wb") as f:
                    f.write(data)

        with open(path, "wb") as f:
            f.write(data)
        th = threading.Thread(target=churn)
        th.start()
        names = set()
        try:
            for _ in range(25):
                try:
                    self.load("kexec", path)
                    names.add("ok")
                except dbus.exceptions.DBusException as e:
                    names.add(e.get_dbus_name())
        finally:
            stop.set()
            th.join()
        self.assertIsNone(self.daemon.poll(), "kexecd died:\n" + self.daemon_log())
        self.assertLessEqual(names, {"ok", ERR + "CorruptImage", ERR + "NotAKernel", ERR + "EmptyFile"}, names)

    def test_non_utf8_running_cmdline(self):
        # A running command line with a byte that is not UTF-8 is refused
        # for reuse with a named error saying where it came from, and
        # Status and GetHistory still answer.
        with open(os.path.join(self.root, "proc/cmdline"), "wb") as f:
            f.write(b"root=/dev/vda1 label=caf\xe9 crashkernel=256M\n")
        e = self.assertDBusError(ERR + "InvalidCmdline", self.load, "kdump", self.kernel)
        self.assertIn("/proc/cmdline", e.get_dbus_message())
        self.assertFalse(self.fake_loaded("kdump"))
        self.manager.Status()
        self.manager.GetHistory(0)
        # C1 control characters are refused in a given command line.
        self.assertDBusError(ERR + "InvalidCmdline", self.load, "kexec", self.kernel, [], "quiet \u0085 x")

    def test_signals_other_than_term_do_not_kill(self):
        for sig in (signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2, signal.SIGPIPE):
            self.daemon.send_signal(sig)
        self.wait_for(lambda: "Received Hangup" in self.daemon_log() or "Received SIGHUP" in self.daemon_log(),
                      "the SIGHUP notice")
        self.manager.Status()
        self.assertIsNone(self.daemon.poll())

    def test_export_without_ima_is_named(self):
        self.assertDBusError(ERR + "ImaUnavailable", self.manager.ExportImaLog, "binary")

    def test_failed_kdump_load_restores_the_last_working_kernel(self):
        self.load("kdump", self.kernel)
        self.assertTrue(self.fake_loaded("kdump"))
        # The kernel frees the crash image, then fails (EBUSY injected).
        with open(os.path.join(self.root, "fake/fail-next-load"), "w") as f:
            f.write("16\n")
        other = fakekernel.make_bzimage(os.path.join(self.dir, "other"))
        self.assertDBusError(ERR + "Busy", self.load, "kdump", other)
        self.assertTrue(self.fake_loaded("kdump"), "kexecd did not restore the crash kernel")
        self.assertEqual(self.fake_loads("kdump"), 2)
        props = self.image_props("kdump")
        self.assertTrue(props["Degraded"])
        self.assertEqual(props["Kernel"], self.kernel)
        self.assertIn("Busy", props["LastError"])
        events = [str(e[2]) for e in self.manager.GetHistory(0)]
        self.assertIn("restored", events)
        # A successful load clears Degraded.
        self.load("kdump", other)
        self.assertFalse(self.image_props("kdump")["Degraded"])

    def test_failed_kexec_load_keeps_the_previous_image(self):
        # The kernel keeps the loaded kexec image when a new load fails
        # (only the crash image is freed first): so must kexecd, and Status
        # must say what the kernel holds.
        self.load("kexec", self.kernel, [self.initrd])
        with open(os.path.join(self.root, "fake/fail-next-load"), "w") as f:
            f.write("16\n")
        other = fakekernel.make_bzimage(os.path.join(self.dir, "other"))
        self.assertDBusError(ERR + "Busy", self.load, "kexec", other)
        self.assertTrue(self.fake_loaded("kexec"))
        self.assertEqual(self.fake_loads("kexec"), 1)
        props = self.image_props("kexec")
        self.assertTrue(props["Loaded"])
        self.assertEqual(props["Kernel"], self.kernel)
        self.assertFalse(props["Degraded"])
        self.assertIn("Busy", props["LastError"])
        st = self.status_json()
        self.assertTrue(st["kexec"]["Loaded"])
        # A restarted kexecd adopts it under the spec that is loaded.
        self.stop_daemon()
        self.start_daemon()
        self.assertEqual(self.image_props("kexec")["Kernel"], self.kernel)
        self.assertEqual(self.fake_loads("kexec"), 1)

    def test_failed_kdump_load_with_nothing_to_restore_is_degraded(self):
        victim = fakekernel.make_bzimage(os.path.join(self.dir, "victim"))
        self.load("kdump", victim)
        os.unlink(victim)
        with open(os.path.join(self.root, "fake/fail-next-load"), "w") as f:
            f.write("16\n")
        self.assertDBusError(ERR + "Busy", self.load, "kdump", self.kernel)
        self.assertFalse(self.fake_loaded("kdump"))
        props = self.image_props("kdump")
        self.assertTrue(props["Degraded"])
        self.assertFalse(props["Loaded"])
        self.assertIn("restore-failed", [str(e[2]) for e in self.manager.GetHistory(0)])

    def test_verify_ima_is_not_a_log_flood(self):
        for _ in range(50):
            self.manager.VerifyIma()
        self.assertLess(self.daemon_log().count("IMA measurement chain"), 3)


class ReadOnlyStateTest(KexecdTestCase):
    # kexecd without CAP_DAC_OVERRIDE and a state directory it cannot write:
    # a full or read-only /var/lib/kexecd.
    def daemon_prefix(self):
        os.makedirs(self.state, exist_ok=True)
        return ["setpriv", "--bounding-set=-dac_override,-dac_read_search",
                "--inh-caps=-dac_override,-dac_read_search"]

    def test_load_refused_when_state_cannot_be_written(self):
        self.load("kexec", self.kernel)
        spec = open(os.path.join(self.state, "kexec.json")).read()
        os.chmod(self.state, 0o555)
        try:
            other = fakekernel.make_bzimage(os.path.join(self.dir, "other"))
            e = self.assertDBusError(ERR + "StateNotSaved", self.load, "kexec", other)
            self.assertIn("nothing was loaded", e.get_dbus_message())
            self.assertEqual(self.fake_loads("kexec"), 1)
            self.assertEqual(open(os.path.join(self.state, "kexec.json")).read(), spec)
            self.assertEqual(self.image_props("kexec")["Kernel"], self.kernel)
        finally:
            os.chmod(self.state, 0o755)


class SpecialFilesTest(KexecdTestCase):
    # Planted before the daemon starts: a FIFO as the state file and as a
    # drop-in, a drop-in symlinked to /dev/zero, a non-UTF-8 path in the
    # configuration, a state file and a history line that are not UTF-8.
    def setUp(self):
        self.planted = False
        super().setUp()

    def daemon_env(self):
        if not getattr(self, "planted", True):
            self.planted = True
            os.makedirs(self.state, exist_ok=True)
            os.mkfifo(os.path.join(self.state, "kexec.json"))
            dropins = os.path.join(self.etc, "kexecd.conf.d")
            os.makedirs(dropins, exist_ok=True)
            os.mkfifo(os.path.join(dropins, "10-fifo.conf"))
            os.symlink("/dev/zero", os.path.join(dropins, "20-zero.conf"))
            with open(os.path.join(dropins, "30-latin1.conf"), "wb") as f:
                f.write(b"[Kdump]\nKernel=/boot/vmlinuz-caf\xe9\nLoadOnStart=no\n")
            with open(os.path.join(self.state, "kdump.json"), "wb") as f:
                f.write(b'{"version":1,"kernel":"/boot/\xff","cmdline":"","initrds":[]}')
            with open(os.path.join(self.state, "history.jsonl"), "wb") as f:
                f.write(b'{"time":1,"image":"kexec","event":"loaded","detail":"/boot/\xfe"}\n')
        return None

    def test_daemon_starts_and_answers(self):
        st = self.manager.Status()
        self.assertEqual(str(st["kdump"]["Kernel"]) if "Kernel" in st["kdump"] else "", "")
        hist = self.manager.GetHistory(0)
        self.assertIn("/boot/\\xfe", [str(e[3]) for e in hist])
        self.assertIn("not a regular file", self.daemon_log())


if __name__ == "__main__":
    main()
