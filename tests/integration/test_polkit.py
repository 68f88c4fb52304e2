#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""polkit decides every change; status needs no authorization."""
import os
import threading
import time

import dbus

from fixture import ACCESS_DENIED, ERR, KexecdTestCase, main


class PolkitTest(KexecdTestCase):
    def test_unauthorized_load_changes_nothing(self):
        before = self.manager.Status()
        self.assertDBusError(ACCESS_DENIED, self.load, "kexec", self.kernel, [self.initrd])
        self.assertDBusError(ACCESS_DENIED, self.load, "kdump", self.kernel)
        self.assertFalse(self.fake_loaded("kexec"))
        self.assertFalse(self.fake_loaded("kdump"))
        self.assertEqual(self.fake_loads("kexec"), 0)
        self.assertEqual(self.manager.Status(), before)
        self.assertFalse(os.path.exists(os.path.join(self.state, "kexec.json")))

    def test_unauthorized_unload_and_reload_change_nothing(self):
        self.allow("org.kexecd1.load")
        self.load("kexec", self.kernel, [self.initrd])
        self.assertTrue(self.fake_loaded("kexec"))
        self.allow()  # nothing
        self.polkit.SetAllowed(dbus.Array([], signature="s"))
        self.assertDBusError(ACCESS_DENIED, self.manager.Unload, "kexec", False)
        self.assertDBusError(ACCESS_DENIED, self.manager.Reload, "kexec", False)
        self.assertDBusError(ACCESS_DENIED, self.manager.PrepareKexec, False)
        self.assertTrue(self.fake_loaded("kexec"))
        self.assertEqual(self.fake_loads("kexec"), 1)

    def test_load_needs_load_unload_needs_unload(self):
        self.allow("org.kexecd1.unload")
        self.assertDBusError(ACCESS_DENIED, self.load)
        self.allow("org.kexecd1.load")
        self.load()
        self.assertTrue(self.fake_loaded("kexec"))
        self.assertDBusError(ACCESS_DENIED, self.manager.Unload, "kexec", False)
        self.allow("org.kexecd1.unload")
        self.manager.Unload("kexec", False)
        self.assertFalse(self.fake_loaded("kexec"))

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
        p = subprocess_run_as_nobody([os.environ.get("KEXECD") or self.daemon.args[0],
                                      "--fake-root=" + self.root, "--state-dir=/tmp/kexecd-nobody-state"])
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("org.kexecd1", p.stderr)

    def test_daemon_stays_responsive_while_polkit_thinks(self):
        self.allow()
        self.polkit.SetDelay(2.0)
        result = {}

        def slow_load():
            bus = dbus.bus.BusConnection(self.address)
            mgr = dbus.Interface(bus.get_object("org.kexecd1", "/org/kexecd1"), "org.kexecd1.Manager")
            t = time.time()
            mgr.Load("kexec", self.kernel, dbus.Array([], signature="s"), "", dbus.Dictionary({}, signature="sv"),
                     timeout=30)
            result["load_time"] = time.time() - t

        th = threading.Thread(target=slow_load)
        th.start()
        time.sleep(0.3)
        t = time.time()
        self.manager.Status()
        status_time = time.time() - t
        th.join(20)
        self.assertLess(status_time, 1.0, "Status blocked behind a pending polkit check")
        self.assertGreaterEqual(result.get("load_time", 0), 1.5)
        self.assertTrue(self.fake_loaded("kexec"))


def subprocess_run_as_nobody(cmd):
    import subprocess
    return subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"] + cmd,
                          capture_output=True, text=True, timeout=30)


if __name__ == "__main__":
    main()
