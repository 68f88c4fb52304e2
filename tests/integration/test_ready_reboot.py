#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""kexecctl is-ready (one exit status per state) and kexecctl reboot against
logind's inhibitors (python3-dbusmock's logind template) and a systemd
stand-in that records StartUnit()/KExec()."""
import os
import subprocess

import dbus

from fixture import PYTHON, KexecdTestCase, fakekernel, main

EXIT_UNREACHABLE, EXIT_NOT_LOADED, EXIT_STALE, EXIT_DEGRADED, EXIT_INHIBITED, EXIT_TOO_SMALL = 7, 10, 11, 12, 13, 14


class IsReadyTest(KexecdTestCase):
    def setUp(self):
        super().setUp()
        self.allow()

    def is_ready(self, *args):
        p = self.kexecctl(*(("is-ready",) + args))
        return p.returncode, p.stdout.strip()

    def test_not_loaded(self):
        self.assertEqual(self.is_ready(), (EXIT_NOT_LOADED, "not-loaded"))
        self.assertEqual(self.is_ready("kdump"), (EXIT_NOT_LOADED, "not-loaded"))
        self.assertEqual(self.kexecctl("--kdump", "is-ready").returncode, EXIT_NOT_LOADED)

    def test_ready_and_quiet(self):
        self.load("kexec")
        self.assertEqual(self.is_ready(), (0, "ready"))
        self.assertEqual(self.is_ready("kexec"), (0, "ready"))
        self.assertEqual(self.is_ready("kdump"), (EXIT_NOT_LOADED, "not-loaded"))
        p = self.kexecctl("is-ready", "--quiet")
        self.assertEqual((p.returncode, p.stdout, p.stderr), (0, "", ""))
        p = self.kexecctl("-q", "is-ready", "kdump")
        self.assertEqual((p.returncode, p.stdout), (EXIT_NOT_LOADED, ""))

    def test_kdump_reservation_too_small(self):
        self.load("kdump")
        self.assertEqual(self.is_ready("kdump"), (0, "ready"))
        # A reservation smaller than the estimate (kexecctl estimate-crashkernel):
        # the crash kernel would not boot in it.
        fakekernel.write(os.path.join(self.root, "sys/kernel/kexec_crash_size"), str(8 << 20) + "\n")
        self.manager.Reload("kdump", False)
        self.wait_for(lambda: not self.manager.Status()["CrashKernelSufficient"], "the estimate sees the reservation")
        self.assertEqual(self.is_ready("kdump"), (EXIT_TOO_SMALL, "too-small"))
        self.assertEqual(self.is_ready("kexec")[0], EXIT_NOT_LOADED)  # the kexec image does not care

    def test_degraded(self):
        # The kernel frees the crash image, then fails (EBUSY injected):
        # kexecd restores the last working one, which still fits, and says
        # Degraded.
        self.load("kdump")
        with open(os.path.join(self.root, "fake/fail-next-load"), "w") as f:
            f.write("16\n")
        other = fakekernel.make_bzimage(os.path.join(self.dir, "other"))
        with self.assertRaises(dbus.exceptions.DBusException):
            self.load("kdump", other)
        props = self.image_props("kdump")
        self.assertTrue(props["Loaded"] and props["Degraded"] and not props["Stale"], props)
        self.assertEqual(self.is_ready("kdump"), (EXIT_DEGRADED, "degraded"))

    def test_stale(self):
        # The last load the kernel allows is never spent automatically: the
        # image found stale at start stays stale (and degraded).
        with open(os.path.join(self.root, "proc/sys/kernel/kexec_load_limit_reboot"), "w") as f:
            f.write("2\n")
        self.load("kexec")
        self.stop_daemon()
        os.makedirs(os.path.join(self.root, "sys/devices/system/memory/memory64"), exist_ok=True)
        with open(os.path.join(self.root, "sys/devices/system/memory/memory64/state"), "w") as f:
            f.write("online\n")
        with open(os.path.join(self.root, "proc/iomem"), "a") as f:
            f.write("%x-%x : System RAM\n" % (64 << 27, (65 << 27) - 1))
        self.start_daemon()
        self.assertTrue(self.image_props("kexec")["Stale"])
        self.assertEqual(self.is_ready(), (EXIT_STALE, "stale"))

    def test_unreachable(self):
        self.stop_daemon()
        p = self.kexecctl("is-ready")
        self.assertEqual((p.returncode, p.stdout.strip()), (EXIT_UNREACHABLE, "unreachable"))
        self.assertTrue(p.stderr.strip(), "no message on stderr")

    def test_usage(self):
        for args in (["is-ready", "kexec", "kdump"], ["is-ready", "crash"], ["--kdump", "is-ready", "kexec"],
                     ["--quiet", "status"], ["--force", "status"], ["-i", "is-ready"]):
            p = self.kexecctl(*args)
            self.assertEqual(p.returncode, 2, "%s: %r" % (args, p.stderr))
            self.assertTrue(p.stderr.strip())


class RebootInhibitorTest(KexecdTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.logind_proc = subprocess.Popen([PYTHON, "-m", "dbusmock", "--template", "logind", "--system"],
                                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            cls.systemd_proc = subprocess.Popen([PYTHON, "-m", "dbusmock", "--system", "org.freedesktop.systemd1",
                                                 "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager"],
                                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            cls.wait_for_name("org.freedesktop.login1")
            cls.wait_for_name("org.freedesktop.systemd1")
            cls.systemd = dbus.Interface(cls.bus.get_object("org.freedesktop.systemd1", "/org/freedesktop/systemd1"),
                                         "org.freedesktop.DBus.Mock")
            cls.systemd.AddMethod("org.freedesktop.systemd1.Manager", "StartUnit", "ss", "o",
                                  "ret = dbus.ObjectPath('/org/freedesktop/systemd1/job/1')")
            cls.systemd.AddMethod("org.freedesktop.systemd1.Manager", "KExec", "", "", "")
            cls.logind = dbus.Interface(cls.bus.get_object("org.freedesktop.login1", "/org/freedesktop/login1"),
                                        "org.freedesktop.login1.Manager")
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for p in (getattr(cls, "logind_proc", None), getattr(cls, "systemd_proc", None)):
            if p:
                p.terminate()
                p.wait(10)
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.allow()
        self.load("kexec")
        self.systemd.ClearCalls()
        self.held = []

    def tearDown(self):
        for fd in self.held:
            os.close(fd)
        super().tearDown()

    def inhibit(self, what, who, why, mode="block"):
        self.held.append(self.logind.Inhibit(what, who, why, mode).take())

    def systemd_calls(self):
        return [(str(c[1]), [str(a) for a in c[2]]) for c in self.systemd.GetCalls()]

    def test_no_inhibitor_starts_kexec_target(self):
        self.kexecctl("reboot", check=0)
        self.assertEqual(self.systemd_calls(), [("StartUnit", ["kexec.target", "replace-irreversibly"])])

    def test_block_inhibitor_refuses_with_a_list(self):
        self.inhibit("shutdown", "nightly-backup", "Copying /home to tape")
        self.inhibit("sleep:shutdown:idle", "upgrade", "Unpacking packages")
        p = self.kexecctl("reboot", check=EXIT_INHIBITED)
        self.assertEqual(self.systemd_calls(), [], "kexec.target started despite an inhibitor")
        for text in ('"nightly-backup"', "Copying /home to tape", '"upgrade"', "Unpacking packages",
                     "pid 123456", "uid 1000", "--ignore-inhibitors"):
            self.assertIn(text, p.stderr)
        self.assertEqual(p.stdout, "")

    def test_delay_and_other_kinds_do_not_block(self):
        self.inhibit("shutdown", "delayer", "Saving state", mode="delay")
        self.inhibit("sleep:idle", "player", "Playing music")
        self.inhibit("handle-power-key", "shutdowner", "not a shutdown lock")
        p = self.kexecctl("reboot", check=0)
        self.assertEqual(p.stderr, "")
        self.assertEqual([c[0] for c in self.systemd_calls()], ["StartUnit"])

    def test_ignore_inhibitors(self):
        self.inhibit("shutdown", "nightly-backup", "Copying /home to tape")
        for opt in ("-i", "--ignore-inhibitors"):
            self.systemd.ClearCalls()
            self.kexecctl("reboot", opt, check=0)
            self.assertEqual([c[0] for c in self.systemd_calls()], ["StartUnit"])

    def test_force_kexecs_without_the_units(self):
        self.inhibit("shutdown", "nightly-backup", "Copying /home to tape")
        self.kexecctl("reboot", "--force", check=0)
        self.assertEqual(self.systemd_calls(), [("KExec", [])])


if __name__ == "__main__":
    main()
