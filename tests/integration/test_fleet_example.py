#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""examples/fleet-agent.py (docs/fleet.md) against kexecd on the fake backend:
its lines and exit status for images not loaded, ready, stale (reloaded once,
and not again when fresh), a transient Busy that is retried, a denial that
is not, kexecd gone; and --watch printing HistoryEvent and PropertiesChanged
as they happen."""
import os
import queue
import signal
import subprocess
import threading
import time

from fixture import PYTHON, SRC, KexecdTestCase, main

AGENT = os.path.join(SRC, "examples", "fleet-agent.py")
READY, NOT_READY, USAGE, UNREACHABLE, REFUSED = 0, 1, 2, 3, 4


class FleetAgentTest(KexecdTestCase):
    def agent(self, *args, user=None):
        cmd = [PYTHON, AGENT, "--retry-delay", "0.1"] + list(args)
        if user:
            cmd = ["setpriv", "--reuid=" + user, "--regid=nogroup", "--clear-groups"] + cmd
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        return p.returncode, p.stdout.splitlines(), p.stderr

    def make_stale(self):
        # As test_ready_reboot: one load left, so kexecd does not reload at
        # start-up by itself, and a memory block it has not seen.
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
        # The agent's Reload is the administrator's call: give it loads.
        with open(os.path.join(self.root, "proc/sys/kernel/kexec_load_limit_reboot"), "w") as f:
            f.write("-1\n")

    def test_not_loaded(self):
        rc, out, err = self.agent()
        self.assertEqual(rc, NOT_READY, err)
        self.assertTrue(out[0].startswith("kexecd: version "), out)
        self.assertEqual(out[1:], ["kexec: not-loaded", "kdump: not-loaded"])

    def test_ready(self):
        self.load("kexec")
        rc, out, err = self.agent("--image", "kexec")
        self.assertEqual((rc, out[1:]), (READY, ["kexec: ready"]), err)
        rc, out, err = self.agent()
        self.assertEqual((rc, out[1:]), (NOT_READY, ["kexec: ready", "kdump: not-loaded"]), err)
        self.load("kdump")
        rc, out, err = self.agent()
        self.assertEqual((rc, out[1:]), (READY, ["kexec: ready", "kdump: ready"]), err)

    def test_stale_reloaded_once(self):
        self.make_stale()
        loads = self.fake_loads("kexec")
        rc, out, err = self.agent("--image", "kexec", "--no-reload")
        self.assertEqual((rc, out[1:]), (NOT_READY, ["kexec: stale"]), err)
        self.assertEqual(self.fake_loads("kexec"), loads)

        rc, out, err = self.agent("--image", "kexec")
        self.assertEqual((rc, out[1:]), (READY, ["kexec: stale", "kexec: reloaded"]), err)
        self.assertEqual(self.fake_loads("kexec"), loads + 1)
        self.assertFalse(self.image_props("kexec")["Stale"])

        # Fresh now: running the agent again changes nothing.
        rc, out, err = self.agent("--image", "kexec")
        self.assertEqual((rc, out[1:]), (READY, ["kexec: ready"]), err)
        self.assertEqual(self.fake_loads("kexec"), loads + 1)

    def test_busy_is_retried(self):
        self.make_stale()
        loads = self.fake_loads("kexec")
        with open(os.path.join(self.root, "fake/fail-next-load"), "w") as f:
            f.write("16\n")                                 # EBUSY: org.kexecd1.Error.Busy
        rc, out, err = self.agent("--image", "kexec")
        self.assertEqual(rc, READY, (out, err))
        self.assertEqual(out[1], "kexec: stale")
        self.assertRegex(out[2], r"^kexec: retry Busy in 0\.1 s$")
        self.assertEqual(out[3:], ["kexec: reloaded"])
        self.assertEqual(self.fake_loads("kexec"), loads + 1)

    def test_denied_is_not_retried(self):
        self.make_stale()
        self.polkit.ClearChecks()
        rc, out, err = self.agent("--image", "kexec", user="nobody")
        self.assertEqual(rc, REFUSED, (out, err))
        self.assertIn("org.freedesktop.DBus.Error.AccessDenied", err)
        self.assertFalse([l for l in out if "retry" in l], out)
        self.assertEqual(len(self.polkit.GetChecks()), 1, "asked polkit more than once")

    def test_unreachable(self):
        self.stop_daemon()
        rc, out, err = self.agent()
        self.assertEqual(rc, UNREACHABLE, (out, err))
        self.assertIn("org.freedesktop.DBus.Error.ServiceUnknown", err)

    def test_usage(self):
        for args in (["--image", "crash"], ["--retries", "-1"], ["--watch", "-3"]):
            rc, out, err = self.agent(*args)
            self.assertEqual(rc, USAGE, args)
            self.assertTrue(err.strip(), args)

    def test_watch_prints_events(self):
        p = subprocess.Popen([PYTHON, AGENT, "--image", "kexec", "--watch", "0"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
        self.lines = queue.Queue()
        reader = threading.Thread(target=lambda: [self.lines.put(l.rstrip("\n")) for l in p.stdout] + [self.lines.put(None)],
                                  daemon=True)
        reader.start()
        try:
            lines = self.read_until(p, lambda l: l == "watching")
            self.assertIn("kexec: not-loaded", lines)
            self.load("kexec")
            lines = self.read_until(p, lambda l: l.startswith("event: PropertiesChanged kexec Loaded=true"))
            self.assertTrue([l for l in lines if l.startswith("event: HistoryEvent kexec loaded " + self.kernel)],
                            lines)
            p.send_signal(signal.SIGTERM)
            rc = p.wait(30)
            p.stderr_text = p.stderr.read()
            p.stderr.close()
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        reader.join(10)
        rest = []
        while not self.lines.empty():
            rest.append(self.lines.get())
        # A clean stop, then the final check sees the image loaded.
        self.assertEqual(rc, READY, p.stderr_text)
        self.assertIn("kexec: ready", rest)

    def read_until(self, p, done, timeout=30):
        lines, deadline = [], time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            self.assertGreater(left, 0, "timed out; lines so far: %r" % lines)
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            self.assertIsNotNone(line, "the agent exited: %r" % lines)
            lines.append(line)
            if done(line):
                return lines


if __name__ == "__main__":
    main()
