#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Metrics through the real node_exporter (docs/metrics.md).

kexecd writes kexecd.prom into a per-test TextfileDirectory=; Debian's
prometheus-node-exporter runs on 127.0.0.1 with only its textfile collector
reading that directory, as nobody (kexecd's file must be readable by
another user), and is scraped with curl. The values must follow Load,
Reload and Unload, a kernel that drops an image, a layout change (through
PrepareKexec, no udev needed) and a new IMA verdict; node_exporter must parse the file without error
(node_textfile_scrape_error 0); an idle kexecd must not rewrite the file;
a reader must never see it half-written; a clean stop removes it.
Without the exporter binary the tests skip (77; a failure under CI=true)."""
import ctypes
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import unittest

import dbus

from fixture import ERR, KexecdTestCase, main
from test_docs import documented_ima_statuses

# NODE_EXPORTER= names another binary (and shows the skip: NODE_EXPORTER=/nonexistent).
EXPORTER = os.environ.get("NODE_EXPORTER") or shutil.which("prometheus-node-exporter") or "/usr/bin/prometheus-node-exporter"
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$')


def parse(text):
    """{(name, labels): value} for every sample line."""
    out = {}
    for line in text.splitlines():
        if line.startswith("#") or not line:
            continue
        m = SAMPLE.match(line)
        assert m, "not a sample line: %r" % line
        out[(m.group(1), m.group(2) or "")] = float(m.group(3))
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MetricsCase(KexecdTestCase):
    """kexecd with TextfileDirectory= set, and node_exporter scraping it."""
    exporter_needed = True

    @classmethod
    def setUpClass(cls):
        if cls.exporter_needed and not os.access(EXPORTER, os.X_OK):
            raise unittest.SkipTest("prometheus-node-exporter not installed (tools/install-deps)")
        super().setUpClass()

    def metrics_config(self):
        return "[Metrics]\nTextfileDirectory=%s\n" % self.prom

    def start_daemon(self):
        self.prom = os.path.join(self.dir, "prom")
        if not os.path.exists(self.prom):
            os.makedirs(self.prom)
            os.chmod(self.prom, 0o755)
        conf = os.path.join(self.etc, "kexecd.conf")
        if not os.path.exists(conf):
            with open(conf, "w") as f:
                f.write(self.metrics_config())
        super().start_daemon()

    def setUp(self):
        super().setUp()
        self.allow()
        self.prom_file = os.path.join(self.prom, "kexecd.prom")
        self.exporter = None
        if self.exporter_needed:
            self.start_exporter()

    def tearDown(self):
        try:
            super().tearDown()
        finally:
            if self.exporter:
                self.exporter.terminate()
                self.exporter.wait(10)

    def start_exporter(self):
        libc = ctypes.CDLL(None, use_errno=True)
        for attempt in range(5):  # another process may take the free port first
            self.port = free_port()
            with open(os.path.join(self.dir, "exporter.log"), "ab") as log:
                self.exporter = subprocess.Popen(
                    ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", EXPORTER,
                     "--web.listen-address=127.0.0.1:%d" % self.port,
                     "--collector.disable-defaults", "--collector.textfile",
                     "--collector.textfile.directory=" + self.prom, "--web.disable-exporter-metrics"],
                    stdout=log, stderr=subprocess.STDOUT, preexec_fn=lambda: libc.prctl(1, signal.SIGTERM))
            deadline = time.time() + 20
            while time.time() < deadline and self.exporter.poll() is None:
                if self.curl(check=False) is not None:
                    return
                time.sleep(0.1)
            if self.exporter.poll() is None:
                self.exporter.terminate()
            self.exporter.wait(10)
        with open(os.path.join(self.dir, "exporter.log"), errors="replace") as f:
            self.fail("node_exporter did not start:\n" + f.read())

    def curl(self, check=True):
        p = subprocess.run(["curl", "-sS", "--max-time", "10", "http://127.0.0.1:%d/metrics" % self.port],
                           capture_output=True, text=True)
        if check:
            self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout if p.returncode == 0 else None

    def scrape(self):
        text = self.curl()
        samples = parse(text)
        # node_exporter parsed every .prom file of the directory.
        self.assertEqual(samples.get(("node_textfile_scrape_error", "")), 0.0, text)
        return text, samples

    def wait_value(self, name, labels, value, what):
        last = {}

        def ok():
            last["v"] = self.scrape()[1].get((name, labels))
            return last["v"] == value
        try:
            self.wait_for(ok, what, timeout=20)
        except AssertionError:
            self.fail("%s: %s%s is %r, expected %r" % (what, name, labels, last.get("v"), value))

    def manager_prop(self, name):
        obj = self.bus.get_object("org.kexecd1", "/org/kexecd1")
        return obj.Get("org.kexecd1.Manager", name, dbus_interface="org.freedesktop.DBus.Properties")


class MetricsTest(MetricsCase):
    def test_values_follow_load_reload_unload(self):
        K = '{image="kexec"}'
        self.wait_value("kexecd_image_loaded", K, 0.0, "published at start-up")
        text, s = self.scrape()
        self.assertIn("# TYPE kexecd_image_reloads_total counter", text)
        self.assertIn("# TYPE kexecd_image_loaded gauge", text)
        self.assertIn("# HELP kexecd_image_stale ", text)
        self.assertEqual(s[("kexecd_image_loaded", '{image="kdump"}')], 0.0)
        self.assertEqual(s[("kexecd_image_last_load_timestamp_seconds", K)], 0.0)
        info = [k for k in s if k[0] == "kexecd_info"]
        self.assertEqual(len(info), 1)
        self.assertRegex(info[0][1], r'^\{version="[0-9][^"]*"\}$')

        before = time.time()
        self.load("kexec")
        self.wait_value("kexecd_image_loaded", K, 1.0, "after Load")
        s = self.scrape()[1]
        props = self.image_props("kexec")
        self.assertEqual(s[("kexecd_image_last_load_timestamp_seconds", K)], props["LoadedAt"] / 1e6)
        self.assertGreaterEqual(s[("kexecd_image_last_load_timestamp_seconds", K)], int(before))
        self.assertEqual(s[("kexecd_image_last_load_duration_seconds", K)], props["LoadDurationUSec"] / 1e6)
        self.assertEqual(s[("kexecd_image_reloads_total", K)], 0.0)
        self.assertEqual(s[("kexecd_image_stale", K)], 0.0)
        self.assertEqual(s[("kexecd_image_degraded", K)], 0.0)

        self.manager.Reload("kexec", False)
        self.wait_value("kexecd_image_reloads_total", K, 1.0, "after Reload")
        self.manager.Reload("kexec", False)
        self.wait_value("kexecd_image_reloads_total", K, 2.0, "after a second Reload")

        self.manager.Unload("kexec", False)
        self.wait_value("kexecd_image_loaded", K, 0.0, "after Unload")
        self.assertEqual(self.scrape()[1][("kexecd_image_loaded", '{image="kdump"}')], 0.0)

        self.load("kdump")
        self.wait_value("kexecd_image_loaded", '{image="kdump"}', 1.0, "after loading kdump")

        # The kernel drops the image on its own; Status() reads the flag anew.
        with open(os.path.join(self.root, "sys/kernel/kexec_crash_loaded"), "w") as f:
            f.write("0\n")
        self.manager.Status()
        self.wait_value("kexecd_image_loaded", '{image="kdump"}', 0.0, "after the kernel dropped the kdump image")

    def test_layout_change_staleness_and_reload(self):
        # No udev event: the last-moment check (PrepareKexec) reads the
        # fake kernel's layout itself, bumps the generation, reloads the
        # kexec image and finds the kdump image stale (it reloads only
        # after hotplug events).
        def add_memory_block(n):
            path = os.path.join(self.root, "sys/devices/system/memory/memory%d" % n)
            os.makedirs(path)
            with open(os.path.join(path, "state"), "w") as f:
                f.write("online\n")

        self.wait_value("kexecd_image_loaded", '{image="kexec"}', 0.0, "published at start-up")
        generation = self.scrape()[1][("kexecd_layout_generation", "")]
        # With no image at all, only the generation changes: it is published
        # on its own.
        add_memory_block(98)
        self.assertDBusError(ERR + "NothingToReload", self.manager.PrepareKexec, False)
        self.wait_value("kexecd_layout_generation", "", generation + 1, "after a layout change with no image")

        self.load("kexec")
        self.load("kdump")
        self.wait_value("kexecd_image_loaded", '{image="kdump"}', 1.0, "after loading kdump")
        add_memory_block(99)
        self.manager.PrepareKexec(False)
        self.wait_value("kexecd_layout_generation", "", generation + 2, "after a layout change")
        self.wait_value("kexecd_image_stale", '{image="kdump"}', 1.0, "kdump image after a layout change")
        s = self.scrape()[1]
        self.assertEqual(s[("kexecd_image_reloads_total", '{image="kexec"}')], 1.0)
        self.assertEqual(s[("kexecd_image_stale", '{image="kexec"}')], 0.0)
        self.assertEqual(s[("kexecd_layout_generation", "")], float(self.manager_prop("LayoutGeneration")))
        self.manager.Reload("kdump", False)
        self.wait_value("kexecd_image_stale", '{image="kdump"}', 0.0, "kdump image after Reload")

    def test_manager_values_and_ima_statuses(self):
        self.wait_value("kexecd_image_loaded", '{image="kexec"}', 0.0, "published at start-up")
        s = self.scrape()[1]
        self.assertEqual(s[("kexecd_crash_kernel_reserved_bytes", "")], float(self.manager_prop("CrashKernelSize")))
        self.assertGreater(s[("kexecd_crash_kernel_reserved_bytes", "")], 0)
        self.assertEqual(s[("kexecd_layout_generation", "")], float(self.manager_prop("LayoutGeneration")))
        self.assertEqual(s[("kexecd_ima_boots_in_chain", "")], float(self.manager_prop("ImaBootsInChain")))
        # One series per documented ImaStatus value, 1 for the current one.
        ima = {k[1]: v for k, v in s.items() if k[0] == "kexecd_ima_status"}
        self.assertEqual(set(ima), {'{status="%s"}' % v for v in documented_ima_statuses()})
        self.assertEqual([k for k, v in ima.items() if v == 1.0], ['{status="%s"}' % self.manager_prop("ImaStatus")])
        self.assertEqual(sum(ima.values()), 1.0)

        # A new verdict (a measurement list that cannot be parsed) is
        # published when VerifyIma reaches it.
        self.assertEqual(self.manager_prop("ImaStatus"), "disabled")
        lst = os.path.join(self.root, "sys/kernel/security/ima/binary_runtime_measurements")
        os.makedirs(os.path.dirname(lst), exist_ok=True)
        with open(lst, "wb") as f:
            f.write(b"\x0a\x00\x00\x00\x01")
        status = str(self.manager.VerifyIma()["Status"])
        self.assertNotEqual(status, "disabled")
        self.wait_value("kexecd_ima_status", '{status="%s"}' % status, 1.0, "after VerifyIma")
        self.assertEqual(self.scrape()[1][("kexecd_ima_status", '{status="disabled"}')], 0.0)

    def test_crash_metrics(self):
        # Reservation sufficiency follows the estimate; dumps follow what
        # the crash kernel saved (found at start-up) and RemoveCrash.
        self.wait_value("kexecd_crash_kernel_sufficient", "", float(bool(self.manager_prop("CrashKernelSufficient"))),
                        "sufficiency published")
        self.assertEqual(self.scrape()[1][("kexecd_crash_dumps", '{complete="yes"}')], 0.0)
        self.stop_daemon()
        dumps = os.path.join(self.dir, "crash")
        cid = "20261129T060349Z-0f1e2d3c4b5a"
        os.makedirs(os.path.join(dumps, cid))
        with open(os.path.join(dumps, cid, "crash.json"), "w") as f:
            f.write('{"version": 1, "id": "%s", "complete": true, "crash_time": 1800000000000000}' % cid)
        os.makedirs(os.path.join(dumps, "20261129T070000Z-0f1e2d3c4b5a.partial"))
        with open(os.path.join(self.etc, "kexecd.conf"), "a") as f:
            f.write("[Capture]\nEnabled=yes\nDumpDir=%s\n" % dumps)
        self.start_daemon()
        self.wait_value("kexecd_crash_dumps", '{complete="yes"}', 1.0, "a dump found at start-up")
        s = self.scrape()[1]
        self.assertEqual(s[("kexecd_crash_dumps", '{complete="no"}')], 1.0)
        self.assertEqual(s[("kexecd_last_crash_timestamp_seconds", "")], 1800000000.0)
        self.allow("org.kexecd1.remove-crash")
        self.manager.RemoveCrash(cid, False)
        self.wait_value("kexecd_crash_dumps", '{complete="yes"}', 0.0, "after RemoveCrash")
        # Sufficiency changes with the kdump image: loading one estimates it.
        self.load("kdump", cmdline="console=ttyS0")
        self.wait_value("kexecd_crash_kernel_sufficient", "", float(bool(self.manager_prop("CrashKernelSufficient"))),
                        "after a kdump load")
        self.assertEqual(self.scrape()[1][("kexecd_crash_kernel_recommended_bytes", "")],
                         float(self.manager_prop("CrashKernelRecommended")))

    def test_idle_daemon_does_not_rewrite(self):
        self.load("kexec")
        self.wait_value("kexecd_image_loaded", '{image="kexec"}', 1.0, "after Load")
        time.sleep(0.5)  # let the write of this iteration land (it is deferred)
        st = os.stat(self.prom_file)
        # Reads, Status() (which reads the loaded flags anew) and scrapes
        # are no changes: no rewrite, not even of the same bytes.
        for _ in range(6):
            self.manager.Status()
            self.image_props("kexec")
            self.scrape()
            time.sleep(0.5)
        # A change that publishes nothing new: a failed load (the kernel
        # keeps the kexec image) changes LastError only. kexecd renders the
        # text again, sees it is the same, and must not write it.
        with open(os.path.join(self.root, "fake/fail-next-load"), "w") as f:
            f.write("16\n")
        self.assertDBusError(ERR + "Busy", self.load, "kexec")
        self.assertTrue(self.image_props("kexec")["LastError"])
        time.sleep(0.5)  # outwaits the deferred write many times
        st2 = os.stat(self.prom_file)
        self.assertEqual((st.st_ino, st.st_mtime_ns), (st2.st_ino, st2.st_mtime_ns),
                         "kexecd rewrote kexecd.prom although nothing it publishes changed")
        self.assertEqual(os.listdir(self.prom), ["kexecd.prom"], "a temporary file was left behind")
        # A reload that changes nothing published but the counter still writes.
        self.manager.Reload("kexec", False)
        self.wait_value("kexecd_image_reloads_total", '{image="kexec"}', 1.0, "after Reload")
        self.assertNotEqual(os.stat(self.prom_file).st_ino, st.st_ino)

    def test_never_seen_half_written(self):
        self.wait_value("kexecd_image_loaded", '{image="kexec"}', 0.0, "published at start-up")
        with open(self.prom_file) as f:
            complete = f.read()
        families = complete.count("# TYPE ")
        seen, bad, stop = set(), [], threading.Event()

        def reader():
            while not stop.is_set():
                try:
                    with open(self.prom_file) as f:
                        text = f.read()
                except FileNotFoundError:
                    bad.append("file missing")
                    continue
                seen.add(text)
                if not text.endswith("\n") or text.count("# TYPE ") != families:
                    bad.append(text)
        t = threading.Thread(target=reader)
        t.start()
        try:
            for _ in range(15):
                self.load("kexec")
                self.manager.Unload("kexec", False)
                # node_exporter reads it too, meanwhile.
                self.scrape()
        finally:
            stop.set()
            t.join()
        self.assertEqual(bad[:3], [], "a reader saw kexecd.prom incomplete or missing")
        self.assertGreaterEqual(len(seen), 2, "the file never changed while images were loaded and unloaded")

    def test_clean_stop_removes_the_file(self):
        self.wait_value("kexecd_image_loaded", '{image="kexec"}', 0.0, "published at start-up")
        self.stop_daemon()
        self.assertFalse(os.path.exists(self.prom_file))
        _, s = self.scrape()
        self.assertEqual([k for k in s if k[0].startswith("kexecd_")], [])


class MetricsDirectoryTest(MetricsCase):
    """TextfileDirectory= pointing at a directory that does not exist yet."""
    exporter_needed = False

    def metrics_config(self):
        return "[Metrics]\nTextfileDirectory=%s\n" % os.path.join(self.dir, "later")

    def test_missing_directory_is_off_until_it_exists(self):
        later = os.path.join(self.dir, "later")
        self.load("kexec")
        # The write is deferred to the next event-loop iteration: give it
        # time (many times what it takes) before looking.
        time.sleep(0.5)
        self.assertFalse(os.path.exists(later), "kexecd must not create the collector's directory")
        self.assertIsNone(self.daemon.poll())
        os.makedirs(later)
        # The next change publishes.
        self.manager.Unload("kexec", False)
        path = os.path.join(later, "kexecd.prom")

        def published():
            if not os.path.exists(path):
                return False
            with open(path) as f:
                return 'kexecd_image_loaded{image="kexec"} 0\n' in f.read()
        self.wait_for(published, "kexecd.prom with the unloaded image in the new directory")


class MetricsOffTest(MetricsCase):
    """An empty TextfileDirectory= turns metrics off."""
    exporter_needed = False

    def metrics_config(self):
        return "[Metrics]\nTextfileDirectory=\n"

    def test_empty_value_is_off(self):
        self.load("kexec")
        self.manager.Unload("kexec", False)
        time.sleep(0.5)  # outwaits the deferred write several times over
        self.assertEqual(os.listdir(self.prom), [])


class MetricsFakeDefaultTest(MetricsCase):
    """No [Metrics] at all on the fake backend: the default directory (the
    host's node_exporter's) does not apply."""
    exporter_needed = False

    def metrics_config(self):
        return ""

    def test_fake_backend_does_not_publish_by_default(self):
        self.load("kexec")
        time.sleep(0.5)  # outwaits the deferred write many times
        # kexecd logs (debug) where metrics go when they are on.
        self.assertNotIn("Metrics go to", self.daemon_log())
        self.assertNotIn("node-exporter", self.daemon_log())
        self.assertEqual(os.listdir(self.prom), [])


if __name__ == "__main__":
    main()
