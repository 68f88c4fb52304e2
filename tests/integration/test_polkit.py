#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""polkit decides every change; status needs no authorization."""
import os
import pwd
import time

import dbus

from fixture import ACCESS_DENIED, ERR, KEXECD, KexecdTestCase, main


NOBODY = 65534
LOAD = "org.kexecd1.load"
UNLOAD = "org.kexecd1.unload"
TOO_MANY = ERR + "TooManyRequests"


class PolkitTest(KexecdTestCase):
    # root needs no polkit (as in systemd's daemons): denial, challenges and
    # bounds are seen from unprivileged callers, run by as_user().

    def checks(self):
        return [tuple(c) for c in self.polkit.GetChecks()]

    def test_unauthorized_load_changes_nothing(self):
        before = self.manager.Status()
        res = self.as_user("nobody", [self.load_args("kexec", initrds=[self.initrd]), self.load_args("kdump")])
        self.assertEqual([r.get("error") for r in res], [ACCESS_DENIED, ACCESS_DENIED], res)
        self.assertFalse(self.fake_loaded("kexec"))
        self.assertFalse(self.fake_loaded("kdump"))
        self.assertEqual(self.fake_loads("kexec"), 0)
        self.assertEqual(self.manager.Status(), before)
        self.assertFalse(os.path.exists(os.path.join(self.state, "kexec.json")))
        # polkit was asked about the caller (its bus name, its uid), not
        # about kexecd, and without interaction.
        checks = self.checks()
        self.assertEqual(len(checks), 2, checks)
        for kind, name, uid, action, flags in checks:
            self.assertEqual((kind, uid, action, flags), ("system-bus-name", NOBODY, LOAD, 0))
            self.assertTrue(name.startswith(":"), name)

    def test_interactive_flag_follows_the_request(self):
        self.as_user("nobody", [self.load_args(options={"interactive": True}), self.load_args(),
                                ("Unload", ["kexec", True]), ("Reload", ["kexec", False])])
        self.assertEqual([(c[3], c[4]) for c in self.checks()], [(LOAD, 1), (LOAD, 0), (UNLOAD, 1), (LOAD, 0)])

    def test_challenge_is_not_authorization(self):
        self.polkit.SetRules([(LOAD, -1, "challenge")])
        res = self.as_user("nobody", [self.load_args()])
        self.assertEqual(res[0].get("error"), ACCESS_DENIED, res)
        self.assertFalse(self.fake_loaded("kexec"))
        self.assertEqual(self.fake_loads("kexec"), 0)

    def test_rules_are_per_caller(self):
        self.polkit.SetRules([(LOAD, 1, "allow")])  # uid 1: daemon
        self.assertEqual(self.as_user("nobody", [self.load_args()])[0].get("error"), ACCESS_DENIED)
        self.assertFalse(self.fake_loaded("kexec"))
        self.assertEqual(self.as_user("daemon", [self.load_args()]), [{"ok": True}])
        self.assertTrue(self.fake_loaded("kexec"))

    def test_root_needs_no_polkit(self):
        self.load("kexec", self.kernel, [self.initrd])
        self.manager.PrepareKexec(False)
        self.manager.Unload("kexec", False)
        self.assertEqual(self.checks(), [])
        self.assertFalse(self.fake_loaded("kexec"))

    def test_unauthorized_unload_and_reload_change_nothing(self):
        self.load("kexec", self.kernel, [self.initrd])
        self.assertTrue(self.fake_loaded("kexec"))
        res = self.as_user("nobody", [("Unload", ["kexec", False]), ("Reload", ["kexec", False]),
                                      ("PrepareKexec", [False])])
        self.assertEqual([r.get("error") for r in res], [ACCESS_DENIED] * 3, res)
        self.assertTrue(self.fake_loaded("kexec"))
        self.assertEqual(self.fake_loads("kexec"), 1)

    def test_load_needs_load_unload_needs_unload(self):
        self.allow(UNLOAD)
        self.assertEqual(self.as_user("nobody", [self.load_args()])[0].get("error"), ACCESS_DENIED)
        self.allow(LOAD)
        self.assertEqual(self.as_user("nobody", [self.load_args()]), [{"ok": True}])
        self.assertTrue(self.fake_loaded("kexec"))
        self.assertEqual(self.as_user("nobody", [("Unload", ["kexec", False])])[0].get("error"), ACCESS_DENIED)
        self.allow(UNLOAD)
        self.assertEqual(self.as_user("nobody", [("Unload", ["kexec", False])]), [{"ok": True}])
        self.assertFalse(self.fake_loaded("kexec"))

    def test_pending_checks_are_bounded_and_root_is_never_starved(self):
        # Nine users each keep eight checks pending (polkit holds every
        # reply): kexecd keeps at most 8 per user and 64 in all, refuses the
        # rest at once with TooManyRequests, and root's calls all succeed
        # meanwhile (no polkit round trip, no bus limit hit).
        self.allow(LOAD)
        self.polkit.SimulateHang(True)
        flood = [self.as_user("nobody", [self.load_args()] * 20, parallel=True, wait=False)]
        self.wait_for(lambda: self.polkit.HangingCalls() == 8, "eight pending checks from nobody")
        # Real accounts: dbus-daemon refuses uids without a passwd entry.
        users = [pw.pw_name for pw in pwd.getpwall() if 0 < pw.pw_uid < 1000 and pw.pw_uid != NOBODY][:8]
        self.assertEqual(len(users), 8, "need eight system accounts")
        for user in users:
            flood.append(self.as_user(user, [self.load_args()] * 8, parallel=True, wait=False))
        self.wait_for(lambda: self.polkit.HangingCalls() == 64, "64 pending checks")
        for _ in range(5):
            self.load("kexec", self.kernel, [self.initrd])
        self.manager.PrepareKexec(False)
        self.assertEqual(self.fake_loads("kexec"), 5)
        self.assertEqual(self.polkit.HangingCalls(), 64)
        self.polkit.SimulateHang(False)
        self.polkit.ReleaseHangingCalls()
        results = [self.client_results(p) for p in flood]
        nobody = [r.get("error", "ok") for r in results[0]]
        self.assertEqual(nobody.count("ok"), 8, nobody)
        self.assertEqual(nobody.count(TOO_MANY), 12, nobody)
        others = [r.get("error", "ok") for res in results[1:] for r in res]
        self.assertEqual(others.count("ok"), 56, others)
        self.assertEqual(others.count(TOO_MANY), 8, others)
        # Denials are logged, but rate-limited.
        self.assertLess(self.daemon_log().count("Refusing org.kexecd1.load"), 15)

    def test_authorized_load_sets_properties_and_signals(self):
        self.allow()
        changes = []
        self.bus.add_signal_receiver(lambda iface, changed, inval: changes.append(dict(changed)),
                                     signal_name="PropertiesChanged",
                                     dbus_interface="org.freedesktop.DBus.Properties",
                                     path="/org/kexecd1/image/kexec")
        self.load("kexec", self.kernel, [self.initrd], "root=/dev/vda2 console=ttyS0")
        props = self.image_props("kexec")
        self.assertTrue(props["Loaded"])
        self.assertEqual(props["Kernel"], self.kernel)
        self.assertEqual(list(props["Initrds"]), [self.initrd])
        self.assertEqual(props["Cmdline"], "root=/dev/vda2 console=ttyS0")
        self.assertEqual(props["Syscall"], "file")
        self.assertEqual(props["KernelFormat"], "bzImage")
        self.assertEqual(len(props["KernelSHA256"]), 64)
        self.assertGreater(props["LoadedAt"], 0)
        self.assertEqual(props["LastError"], "")
        self.assertEqual(open(os.path.join(self.root, "fake/kexec.cmdline")).read(), "root=/dev/vda2 console=ttyS0")
        # The PropertiesChanged signal reaches the bus (run the main loop briefly).
        from gi.repository import GLib
        ctx = GLib.MainContext.default()
        deadline = time.time() + 3
        while not any(c.get("Loaded") for c in changes) and time.time() < deadline:
            ctx.iteration(False)
            time.sleep(0.01)
        self.assertTrue(any(c.get("Loaded") for c in changes), changes)

    def test_status_needs_no_authorization(self):
        st = self.manager.Status()
        self.assertIn("kexec", st)
        self.assertIn("kdump", st)
        self.assertEqual(st["KernelRelease"], "6.1.0-fake")
        self.assertEqual(st["CrashKernelSize"], 256 << 20)
        self.assertEqual(st["Lockdown"], "none")
        hist = self.manager.GetHistory(0)
        self.assertIsInstance(hist, dbus.Array)

    def test_unprivileged_client(self):
        # Shipped bus policy: anyone may call; polkit decides. `nobody`
        # reads status; its load is refused with exit code 3.
        p = self.kexecctl("status", user="nobody", check=0)
        self.assertIn("kexec image", p.stdout)
        p = self.kexecctl("load", self.kernel, user="nobody", check=3)
        self.assertIn(ACCESS_DENIED, p.stderr)
        self.assertFalse(self.fake_loaded("kexec"))

    def test_only_root_may_own_the_name(self):
        # With no kexecd on the bus (the name free), nobody's kexecd must
        # still be refused the name by the shipped policy.
        self.stop_daemon()
        self.assertFalse(self.bus.name_has_owner("org.kexecd1"))
        p = subprocess_run_as_nobody([KEXECD,
                                      "--fake-root=" + self.root, "--state-dir=/tmp/kexecd-nobody-state"])
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("Failed to acquire bus name org.kexecd1", p.stderr)
        self.assertFalse(self.bus.name_has_owner("org.kexecd1"))
        self.start_daemon()

    def test_daemon_stays_responsive_while_polkit_thinks(self):
        self.allow(LOAD)
        self.polkit.SimulateHang(True)
        client = self.as_user("nobody", [self.load_args()], parallel=True, wait=False)
        self.wait_for(lambda: self.polkit.HangingCalls() == 1, "the check to be pending")
        t = time.time()
        self.manager.Status()
        self.assertLess(time.time() - t, 5.0, "Status blocked behind a pending polkit check")
        # The load really is still waiting for polkit.
        self.assertFalse(self.fake_loaded("kexec"))
        self.polkit.SimulateHang(False)
        self.polkit.ReleaseHangingCalls()
        self.assertEqual(self.client_results(client), [{"ok": True}])
        self.assertTrue(self.fake_loaded("kexec"))


def subprocess_run_as_nobody(cmd):
    import subprocess
    return subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"] + cmd,
                          capture_output=True, text=True, timeout=30)


if __name__ == "__main__":
    main()
