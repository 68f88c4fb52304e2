# SPDX-License-Identifier: LGPL-2.1-or-later
"""Test fixture: a private system bus that includes kexecd's shipped D-Bus
policy, python3-dbusmock's polkitd template, and kexecd on the fake kernel
backend. Every test gets a fresh fake root, state and config directory and
its own kexecd; the bus and polkit stand-in live for the whole class."""
import ctypes
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

import dbus
from dbus.mainloop.glib import DBusGMainLoop

DBusGMainLoop(set_as_default=True)

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
import fakekernel  # noqa: E402

KEXECD = os.environ.get("KEXECD", os.path.join(SRC, "build", "src", "daemon", "kexecd"))
KEXECCTL = os.environ.get("KEXECCTL", os.path.join(SRC, "build", "src", "ctl", "kexecctl"))
KEXECD_SHUTDOWN = os.environ.get("KEXECD_SHUTDOWN", os.path.join(SRC, "build", "src", "shutdown", "kexecd-shutdown"))
PYTHON = "/usr/bin/python3"

BUS_CONF = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="org.freedesktop.PolicyKit1"/>
    <allow send_destination="org.freedesktop.PolicyKit1"/>
    <allow own="org.freedesktop.login1"/>
    <allow send_destination="org.freedesktop.login1"/>
    <allow own="org.freedesktop.systemd1"/>
    <allow send_destination="org.freedesktop.systemd1"/>
    <allow send_destination="org.freedesktop.DBus"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
  </policy>
  <include>{policy}</include>
</busconfig>
"""

ERR = "org.kexecd1.Error."
ACCESS_DENIED = "org.freedesktop.DBus.Error.AccessDenied"


class KexecdTestCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="kexecd-it-")
        os.chmod(cls.tmp, 0o755)
        socket = os.path.join(cls.tmp, "bus")
        conf = os.path.join(cls.tmp, "bus.conf")
        with open(conf, "w") as f:
            f.write(BUS_CONF.format(socket=socket, policy=os.path.join(SRC, "data", "dbus", "org.kexecd1.conf")))
        cls.bus_proc = subprocess.Popen(["dbus-daemon", "--nofork", "--config-file=" + conf])
        cls.address = "unix:path=" + socket
        os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = cls.address
        try:
            # The socket file appears at bind(), before listen(): wait
            # until a connection really succeeds, not for the file.
            cls.bus = cls.connect_when_ready(cls.address)
            # A polkit stand-in that records who is asked about and answers
            # per caller (tests/lib/polkitd_strict.py), not dbusmock's
            # lenient one.
            cls.polkit_proc = subprocess.Popen([PYTHON, "-m", "dbusmock", "--template",
                                                os.path.join(SRC, "tests", "lib", "polkitd_strict.py"), "--system"],
                                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            cls.wait_for_name("org.freedesktop.PolicyKit1")
            cls.polkit = dbus.Interface(cls.bus.get_object("org.freedesktop.PolicyKit1",
                                                           "/org/freedesktop/PolicyKit1/Authority"),
                                        "org.freedesktop.DBus.Mock")
        except BaseException:
            # unittest skips tearDownClass when setUpClass fails: never
            # leave a bus or a polkit stand-in behind to hang the run.
            cls.tearDownClass()
            raise

    @staticmethod
    def connect_when_ready(address, timeout=30):
        deadline = time.time() + timeout
        while True:
            try:
                return dbus.bus.BusConnection(address)
            except dbus.exceptions.DBusException:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "bus", None):
            cls.bus.close()
        for p in (getattr(cls, "polkit_proc", None), cls.bus_proc):
            if p:
                p.terminate()
                p.wait(10)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def wait_for_name(cls, name, timeout=10):
        deadline = time.time() + timeout
        while not cls.bus.name_has_owner(name):
            if time.time() > deadline:
                raise RuntimeError(name + " did not appear on the bus")
            time.sleep(0.05)

    # per test

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="t-", dir=self.tmp)
        os.chmod(self.dir, 0o755)
        self.root = os.path.join(self.dir, "root")
        self.state = os.path.join(self.dir, "state")
        self.etc = os.path.join(self.dir, "etc")
        os.makedirs(self.etc)
        fakekernel.make_root(self.root, **self.root_options())
        self.kernel = fakekernel.make_bzimage(os.path.join(self.dir, "vmlinuz"))
        self.initrd = os.path.join(self.dir, "initrd.img")
        with open(self.initrd, "wb") as f:
            f.write(b"070701" + b"\0" * 500)
        for p in (self.kernel, self.initrd):
            os.chmod(p, 0o644)
        self.polkit.SetAllowed(dbus.Array([], signature="s"))
        self.polkit.SimulateHang(False)
        self.polkit.ReleaseHangingCalls()
        self.polkit.ClearChecks()
        self.daemon = None
        self.start_daemon()

    def root_options(self):
        return {}

    def daemon_env(self):
        return None  # inherit

    def daemon_prefix(self):
        """A command kexecd is started under (setpriv, ...)."""
        return []

    def tearDown(self):
        self.stop_daemon(expect_running=True)

    def start_daemon(self):
        # kexecd dies with the test process (an aborted test must not leave
        # a daemon behind: prctl(PR_SET_PDEATHSIG, SIGTERM) in the child).
        libc = ctypes.CDLL(None, use_errno=True)

        def die_with_parent():
            libc.prctl(1, signal.SIGTERM)

        with open(os.path.join(self.dir, "kexecd.log"), "ab") as log:
            self.daemon = subprocess.Popen(self.daemon_prefix() + [KEXECD, "--fake-root=" + self.root, "--config-dir=" + self.etc,
                                            "--state-dir=" + self.state, "--log-level=debug"],
                                           stdout=log, stderr=subprocess.STDOUT, env=self.daemon_env(),
                                           preexec_fn=die_with_parent)
        self.wait_for_name("org.kexecd1")
        self.manager = dbus.Interface(self.bus.get_object("org.kexecd1", "/org/kexecd1"), "org.kexecd1.Manager")

    def stop_daemon(self, expect_running=True):
        if not self.daemon:
            return
        if expect_running:
            self.assertIsNone(self.daemon.poll(), "kexecd died during the test:\n" + self.daemon_log())
        self.daemon.send_signal(signal.SIGTERM)
        rc = self.daemon.wait(10)
        self.daemon = None
        self.assertEqual(rc, 0, "kexecd exited with %d" % rc)
        deadline = time.time() + 5
        while self.bus.name_has_owner("org.kexecd1") and time.time() < deadline:
            time.sleep(0.05)

    def daemon_log(self):
        with open(os.path.join(self.dir, "kexecd.log"), errors="replace") as f:
            return f.read()

    def allow(self, *actions):
        self.polkit.SetAllowed(dbus.Array(actions or ["org.kexecd1.load", "org.kexecd1.unload"], signature="s"))

    def image_props(self, image):
        obj = self.bus.get_object("org.kexecd1", "/org/kexecd1/image/" + image)
        return obj.GetAll("org.kexecd1.Image", dbus_interface="org.freedesktop.DBus.Properties")

    def load(self, image="kexec", kernel=None, initrds=None, cmdline="", options=None):
        return self.manager.Load(image, kernel or self.kernel, dbus.Array(initrds or [], signature="s"), cmdline,
                                 dbus.Dictionary(options or {}, signature="sv"), timeout=30)

    def assertDBusError(self, name, fn, *args, **kwargs):
        with self.assertRaises(dbus.exceptions.DBusException) as cm:
            fn(*args, **kwargs)
        self.assertEqual(cm.exception.get_dbus_name(), name, cm.exception.get_dbus_message())
        return cm.exception

    def fake_loaded(self, image):
        return fakekernel.fake_loaded(self.root, image)

    def fake_loads(self, image):
        p = os.path.join(self.root, "fake", image + ".loads")
        return int(open(p).read()) if os.path.exists(p) else 0

    def kexecctl(self, *args, user=None, check=None):
        cmd = [KEXECCTL] + list(args)
        if user:
            cmd = ["setpriv", "--reuid=" + user, "--regid=nogroup", "--clear-groups"] + cmd
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        if check is not None:
            self.assertEqual(p.returncode, check, "kexecctl %s: rc=%d\nstdout:%s\nstderr:%s" %
                             (" ".join(args), p.returncode, p.stdout, p.stderr))
        return p

    def completion_ids(self, json_text):
        """The ids kexecctl's shell completion takes from `json_text` (the
        output of "kexecctl ... --json=short"): bash's __kexecctl_json_ids,
        the same awk program as zsh's (test_completion checks that)."""
        script = "source %s; __kexecctl_json_ids" % shlex.quote(
            os.path.join(SRC, "data", "shell-completion", "bash", "kexecctl"))
        p = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], input=json_text, capture_output=True,
                           text=True, timeout=60)
        self.assertEqual((p.returncode, p.stderr), (0, ""))
        return p.stdout.splitlines()

    def as_user(self, user, calls, parallel=False, wait=True):
        """Runs Manager calls as `user` (root bypasses polkit, so denial
        and bounds can only be seen from another uid). Each call is
        (method, [args]); returns one dict per call, or with wait=False the
        Popen after every call was sent."""
        cmd = ["setpriv", "--reuid=" + user, "--regid=nogroup", "--clear-groups", PYTHON,
               os.path.join(HERE, "bus_client.py"), self.address,
               json.dumps([[m, list(a), {}] for m, a in calls])] + (["--parallel"] if parallel else [])
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if not wait:
            line = p.stdout.readline()
            self.assertIn("sent", line, p.stderr.read() if not line else line)
            return p
        return self.client_results(p)

    def client_results(self, p, timeout=120):
        out, err = p.communicate(timeout=timeout)
        self.assertEqual(p.returncode, 0, err)
        return [json.loads(line) for line in out.splitlines() if line and "sent" not in json.loads(line)]

    def load_args(self, image="kexec", kernel=None, initrds=(), cmdline="", options=None):
        return ("Load", [image, kernel or self.kernel, list(initrds), cmdline, options or {}])

    def wait_for(self, predicate, what, timeout=30):
        """Waits for a condition instead of sleeping a fixed time."""
        deadline = time.time() + timeout
        while not predicate():
            if time.time() > deadline:
                self.fail("timed out waiting for " + what)
            time.sleep(0.02)

    def status_json(self):
        p = self.kexecctl("--json=short", "status", check=0)
        return json.loads(p.stdout)


def main():
    # Skips are reported as skips (77), and fail in CI mode: tests/lib/testmain.py.
    import testmain
    testmain.run()
