#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""kexecd-capture end to end against a stub makedumpfile and a fake vmcore
(and once against the real makedumpfile): the record is always written,
failures say why, retention and stale directories, hooks, DumpCommand, and
the final action is always asked for. docs/capture.md."""
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import testmain  # noqa: E402

CAPTURE = os.environ.get("KEXECD_CAPTURE_BIN", os.path.join(HERE, "..", "..", "build", "src", "capture", "kexecd-capture"))
STUB_MDF = os.path.join(HERE, "stub-makedumpfile")
STUB_SYSTEMCTL = os.path.join(HERE, "stub-systemctl")
REAL_MDF = shutil.which("makedumpfile") or "/usr/bin/makedumpfile"
BOOT_ID = "0123456789abcdef0123456789abcdef"
ID_RE = re.compile(r"^\d{8}T\d{6}Z-([0-9a-f]{12}|unknown)$")


def slurp(path, mode="r"):
    with open(path, mode) as f:
        return f.read()


class CaptureTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="kexecd-capture-test.")
        self.addCleanup(self.cleanup)
        self.vmcore = os.path.join(self.tmp, "vmcore")
        with open(self.vmcore, "wb") as f:
            f.write(os.urandom(300000))
        self.cmdline = os.path.join(self.tmp, "cmdline")
        self.write_cmdline("BOOT_IMAGE=/vmlinuz ro kexecd.crashed_boot_id=%s kexecd.test_id=t-42 irqpoll" % BOOT_ID)
        self.confdir = os.path.join(self.tmp, "etc")
        os.mkdir(self.confdir)
        self.dump_dir = os.path.join(self.tmp, "crash")
        self.hooks = os.path.join(self.tmp, "capture.d")
        self.mdf_log = os.path.join(self.tmp, "mdf.log")
        self.sc_log = os.path.join(self.tmp, "systemctl.log")
        self.immutable = []

    def cleanup(self):
        for p in self.immutable:
            subprocess.run(["chattr", "-i", p], check=False)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write_cmdline(self, text):
        with open(self.cmdline, "w") as f:
            f.write(text + "\n")

    def configure(self, **keys):
        keys.setdefault("DumpDir", self.dump_dir)
        keys.setdefault("MinFreeSpace", "1M")
        with open(os.path.join(self.confdir, "kexecd.conf"), "w") as f:
            f.write("[Capture]\n")
            for k, v in keys.items():
                f.write("%s=%s\n" % (k, v))

    def run_capture(self, args=(), mdf=STUB_MDF, **env):
        if not os.path.exists(os.path.join(self.confdir, "kexecd.conf")):
            self.configure()
        e = dict(os.environ)
        e.pop("JOURNAL_STREAM", None)
        e.update({
            "KEXECD_CAPTURE_VMCORE": self.vmcore,
            "KEXECD_CAPTURE_CMDLINE": self.cmdline,
            "KEXECD_CAPTURE_HOOKS_DIR": self.hooks,
            "KEXECD_CAPTURE_MAKEDUMPFILE": mdf,
            "KEXECD_CAPTURE_SYSTEMCTL": STUB_SYSTEMCTL,
            "KEXECD_CAPTURE_CONFIG_DIR": self.confdir,
            "STUB_MDF_LOG": self.mdf_log,
            "STUB_SYSTEMCTL_LOG": self.sc_log,
        })
        e.update(env)
        p = subprocess.run([CAPTURE] + list(args), env=e, capture_output=True, text=True, timeout=120)
        self.output = p.stdout + p.stderr
        return p

    def systemctl_calls(self):
        if not os.path.exists(self.sc_log):
            return []
        return slurp(self.sc_log).splitlines()

    def mdf_calls(self):
        if not os.path.exists(self.mdf_log):
            return []
        return [json.loads(l)["argv"] for l in slurp(self.mdf_log).splitlines()]

    def dirs(self):
        return sorted(os.listdir(self.dump_dir))

    def only_record(self):
        names = [n for n in self.dirs() if ID_RE.match(n)]
        self.assertEqual(len(names), 1, self.dirs())
        return names[0], self.record(names[0])

    def record(self, name):
        with open(os.path.join(self.dump_dir, name, "crash.json")) as f:
            return json.load(f)

    def sha256(self, path):
        return hashlib.sha256(slurp(path, "rb")).hexdigest()

    def make_old(self, name, complete=True, files=None, record=True):
        d = os.path.join(self.dump_dir, name)
        os.makedirs(d)
        rec_id = name[:-len(".partial")] if name.endswith(".partial") else name
        if record:
            rec = {"version": 1, "id": rec_id, "complete": complete}
            if not complete:
                rec["reason"] = "old failure"
            with open(os.path.join(d, "crash.json"), "w") as f:
                json.dump(rec, f)
        for fn, data in (files or {}).items():
            with open(os.path.join(d, fn), "w") as f:
                f.write(data)
        return d

    # ---- the ordinary case ----

    def test_success(self):
        p = self.run_capture()
        self.assertEqual(p.returncode, 0, self.output)
        name, rec = self.only_record()
        self.assertTrue(name.endswith("-" + BOOT_ID[:12]), name)
        self.assertFalse([n for n in self.dirs() if n.endswith(".partial")])
        d = os.path.join(self.dump_dir, name)
        self.assertEqual(sorted(os.listdir(d)), ["crash.json", "vmcore", "vmcore-dmesg.txt"])
        self.assertIs(rec["complete"], True)
        self.assertNotIn("reason", rec)
        self.assertEqual(rec["id"], name)
        self.assertEqual(rec["crashed_boot_id"], BOOT_ID)
        self.assertEqual(rec["kernel_release"], "6.1.0-99-stub")
        self.assertEqual(rec["kernel_release_source"], "dmesg")
        self.assertEqual(rec["panic_line"], "Kernel panic - not syncing: Fatal exception")
        self.assertEqual(rec["dump_level"], 31)
        self.assertEqual(rec["compression"], "lzo")
        self.assertEqual(rec["dump_file"], "vmcore")
        self.assertEqual(rec["dump_size"], 300000)
        self.assertEqual(rec["dump_sha256"], self.sha256(self.vmcore))
        self.assertEqual(rec["dmesg_size"], os.path.getsize(os.path.join(d, "vmcore-dmesg.txt")))
        self.assertEqual(rec["makedumpfile_version"], "1.7.2-stub")
        self.assertEqual(rec["makedumpfile_status"], 0)
        self.assertEqual(rec["test_id"], "t-42")
        self.assertEqual(rec["hooks"], [])
        self.assertGreater(rec["capture_usec"], 0)
        # crash_time: the capture start, in µs, and the id's time stamp is its UTC second.
        import datetime
        t = datetime.datetime.fromtimestamp(rec["crash_time"] / 1e6, datetime.timezone.utc)
        self.assertEqual(t.strftime("%Y%m%dT%H%M%SZ"), name[:16])
        # The log first, then the dump, with the configured options.
        calls = self.mdf_calls()
        self.assertEqual(calls[0], ["-v"])
        self.assertEqual(calls[1][0], "--dump-dmesg")
        self.assertEqual(calls[2], ["-l", "-d", "31", "--message-level", "7", self.vmcore, os.path.join(self.dump_dir, name + ".partial", "vmcore")])
        self.assertIn("Copying data", self.output)  # makedumpfile's progress passes through
        self.assertEqual(self.systemctl_calls(), ["--no-block reboot"])
        # Files a crash dump leaves are root's only (the unit's UMask= does the rest).
        self.assertEqual(stat.S_IMODE(os.stat(d).st_mode), 0o700)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(d, "crash.json")).st_mode), 0o600)

    def test_slow_makedumpfile_is_waited_for(self):
        # The dump has no time limit (a large machine takes hours): only hooks do.
        self.configure(HookTimeoutSec="0.5")
        p = self.run_capture(STUB_MDF_SLEEP="2")
        self.assertEqual(p.returncode, 0, self.output)
        _, rec = self.only_record()
        self.assertIs(rec["complete"], True)
        self.assertGreater(rec["capture_usec"], 2000000)

    def test_compression_choice(self):
        # The best the makedumpfile offers; a wish it cannot grant falls back.
        cases = [({}, "lzo zstd", "-z", "zstd"),
                 ({}, "", "-c", "zlib"),
                 ({"Compression": "zlib"}, "lzo zstd", "-c", "zlib"),
                 ({"Compression": "zstd"}, "lzo", "-l", "lzo"),
                 ({"Compression": "snappy"}, "snappy", "-p", "snappy"),
                 ({"Compression": "none", "DumpLevel": "0"}, "lzo", None, "none")]
        for keys, feats, flag, name in cases:
            with self.subTest(keys=keys, feats=feats):
                shutil.rmtree(self.dump_dir, ignore_errors=True)
                if os.path.exists(self.mdf_log):
                    os.unlink(self.mdf_log)
                self.configure(**keys)
                p = self.run_capture(STUB_MDF_FEATURES=feats)
                self.assertEqual(p.returncode, 0, self.output)
                _, rec = self.only_record()
                self.assertEqual(rec["compression"], name)
                dump = self.mdf_calls()[2]
                for f in ("-z", "-l", "-p", "-c"):
                    self.assertEqual(f in dump, f == flag, dump)
                self.assertEqual(dump[dump.index("-d") + 1], keys.get("DumpLevel", "31"))

    def test_boot_id_absent_or_bad(self):
        for cmdline in ("ro quiet", "kexecd.crashed_boot_id=xyz", "kexecd.crashed_boot_id=" + BOOT_ID + "00"):
            with self.subTest(cmdline=cmdline):
                shutil.rmtree(self.dump_dir, ignore_errors=True)
                self.write_cmdline(cmdline)
                p = self.run_capture()
                self.assertEqual(p.returncode, 0, self.output)
                name, rec = self.only_record()
                self.assertTrue(name.endswith("-unknown"), name)
                self.assertEqual(rec["crashed_boot_id"], "unknown")
                self.assertNotIn("test_id", rec)

    def test_dmesg_line_is_bounded_and_escaped(self):
        log = os.path.join(self.tmp, "dmesg")
        with open(log, "wb") as f:
            f.write(b"[    0.0] Linux version 6.1.0-x #1\n")
            f.write(b"[    9.9] Kernel panic - not syncing: bad \xff\xfe bytes \x1b[31m red " + b"A" * 5000 + b"\n")
        p = self.run_capture(STUB_MDF_DMESG=log)
        self.assertEqual(p.returncode, 0, self.output)
        _, rec = self.only_record()
        line = rec["panic_line"]
        self.assertTrue(line.startswith("Kernel panic - not syncing: bad \\xff\\xfe bytes \\x1b[31m red AAA"), line)
        self.assertLessEqual(len(line), 512 + 3 * 4)
        self.assertEqual(rec["kernel_release"], "6.1.0-x")

    # ---- failures: always a record, always the failure action ----

    def assert_failed(self, reason_re, action="--no-block reboot"):
        name, rec = self.only_record()
        self.assertFalse([n for n in self.dirs() if n.endswith(".partial")])
        self.assertIs(rec["complete"], False)
        self.assertRegex(rec["reason"], reason_re)
        self.assertNotIn("dump_sha256", rec)
        self.assertEqual(self.systemctl_calls(), [action])
        return name, rec

    def test_not_enough_space(self):
        self.configure(MinFreeSpace="1000000T", FailureAction="poweroff")
        p = self.run_capture()
        self.assertEqual(p.returncode, 0, self.output)
        name, rec = self.assert_failed(r"^not enough space in .*MinFreeSpace=", "--no-block poweroff")
        # The log is there to explain the crash; no dump was attempted.
        self.assertEqual(rec["panic_line"], "Kernel panic - not syncing: Fatal exception")
        self.assertEqual(sorted(os.listdir(os.path.join(self.dump_dir, name))), ["crash.json", "vmcore-dmesg.txt"])
        self.assertEqual([c[0] for c in self.mdf_calls()], ["-v", "--dump-dmesg"])

    def test_makedumpfile_missing(self):
        p = self.run_capture(mdf=os.path.join(self.tmp, "no-such-makedumpfile"))
        self.assertEqual(p.returncode, 0, self.output)
        self.assert_failed(r"^cannot run makedumpfile .*No such file")

    def test_makedumpfile_fails(self):
        self.configure(FailureAction="halt")
        p = self.run_capture(STUB_MDF_FAIL="3")
        self.assertEqual(p.returncode, 0, self.output)
        name, rec = self.assert_failed(r"^makedumpfile failed with exit status 3$", "--no-block halt")
        self.assertEqual(rec["makedumpfile_status"], 3)
        # The half-written dump is gone, the log stays.
        self.assertEqual(sorted(os.listdir(os.path.join(self.dump_dir, name))), ["crash.json", "vmcore-dmesg.txt"])

    def test_dmesg_fails_but_dump_works(self):
        p = self.run_capture(STUB_MDF_FAIL_DMESG="2")
        self.assertEqual(p.returncode, 0, self.output)
        _, rec = self.only_record()
        self.assertIs(rec["complete"], True)
        self.assertNotIn("panic_line", rec)
        self.assertEqual(rec["kernel_release_source"], "crash-kernel")
        self.assertEqual(rec["kernel_release"], os.uname().release)

    def test_no_vmcore(self):
        os.unlink(self.vmcore)
        p = self.run_capture()
        self.assertEqual(p.returncode, 0, self.output)
        self.assert_failed(r"^no readable .*vmcore")

    def test_dump_dir_missing_is_created(self):
        self.dump_dir = os.path.join(self.tmp, "var", "crash", "deep")
        self.configure()
        p = self.run_capture()
        self.assertEqual(p.returncode, 0, self.output)
        _, rec = self.only_record()
        self.assertIs(rec["complete"], True)

    def test_dump_dir_not_writable(self):
        # No record is possible; the failure action still runs. As root a
        # mode does not stop writes: the immutable attribute does.
        os.mkdir(self.dump_dir)
        if os.geteuid() == 0:
            r = subprocess.run(["chattr", "+i", self.dump_dir], capture_output=True)
            if r.returncode != 0:
                self.skipTest("chattr +i not supported here: %s" % r.stderr)
            self.immutable.append(self.dump_dir)
        else:
            os.chmod(self.dump_dir, 0o555)
        self.configure(FailureAction="poweroff")
        p = self.run_capture()
        self.assertEqual(p.returncode, 0, self.output)
        self.assertIn("no dump and no record possible", self.output)
        self.assertEqual(self.dirs(), [])
        self.assertEqual(self.systemctl_calls(), ["--no-block poweroff"])

    def test_dump_dir_is_a_file(self):
        open(os.path.join(self.tmp, "file"), "w").close()
        self.dump_dir = os.path.join(self.tmp, "file", "crash")
        self.configure()
        p = self.run_capture()
        self.assertEqual(p.returncode, 0, self.output)
        self.assertIn("Cannot create the dump directory", self.output)
        self.assertEqual(self.systemctl_calls(), ["--no-block reboot"])

    # ---- DumpCommand ----

    def test_dump_command(self):
        remote = os.path.join(self.tmp, "remote")
        os.mkdir(remote)
        self.configure(DumpCommand='cat > %s/"$KEXECD_CRASH_ID".flat && env | grep ^KEXECD_ | sort > %s/env' % (remote, remote))
        p = self.run_capture()
        self.assertEqual(p.returncode, 0, self.output)
        name, rec = self.only_record()
        self.assertIs(rec["complete"], True, rec)
        flat = os.path.join(remote, name + ".flat")
        self.assertEqual(slurp(flat, "rb"), slurp(self.vmcore, "rb"))
        self.assertEqual(rec["dump_sha256"], self.sha256(flat))
        self.assertEqual(rec["dump_size"], 300000)
        self.assertEqual(rec["command_status"], 0)
        self.assertNotIn("dump_file", rec)
        self.assertIn("cat >", rec["dump_command"])
        env = dict(l.split("=", 1) for l in slurp(os.path.join(remote, "env")).splitlines())
        self.assertEqual(env["KEXECD_CRASH_ID"], name)
        self.assertEqual(env["KEXECD_CRASHED_BOOT_ID"], BOOT_ID)
        self.assertEqual(env["KEXECD_KERNEL_RELEASE"], "6.1.0-99-stub")
        self.assertEqual(env["KEXECD_DUMP_LEVEL"], "31")
        self.assertEqual(self.mdf_calls()[2][:2], ["-F", "-l"])
        # Only the log and the record stay local.
        self.assertEqual(sorted(os.listdir(os.path.join(self.dump_dir, name))), ["crash.json", "vmcore-dmesg.txt"])

    def test_dump_command_fails_half_way(self):
        self.configure(DumpCommand="head -c 1000 > /dev/null; exit 7")
        p = self.run_capture()
        self.assertEqual(p.returncode, 0, self.output)
        _, rec = self.assert_failed(r"^dump command failed with exit status 7 after \d+ bytes$")
        self.assertEqual(rec["command_status"], 7)
        self.assertLess(rec["dump_size"], 300000)

    def test_dump_command_ok_but_makedumpfile_fails(self):
        self.configure(DumpCommand="cat > /dev/null")
        p = self.run_capture(STUB_MDF_FAIL="5")
        self.assertEqual(p.returncode, 0, self.output)
        _, rec = self.assert_failed(r"^makedumpfile failed with exit status 5$")
        self.assertEqual(rec["command_status"], 0)

    # ---- earlier crashes ----

    def test_stale_partial_is_recorded(self):
        dmesg = "[ 1.0] Linux version 5.10.0-old #1\n[ 2.0] Kernel panic - not syncing: old crash\n"
        self.make_old("20200101T000000Z-aaaaaaaaaaaa.partial", record=False,
                      files={"vmcore-dmesg.txt": dmesg, "vmcore": "half"})
        # Interrupted between the record and the rename: just renamed.
        self.make_old("20200102T000000Z-bbbbbbbbbbbb.partial", complete=True)
        p = self.run_capture()
        self.assertEqual(p.returncode, 0, self.output)
        names = self.dirs()
        self.assertFalse([n for n in names if n.endswith(".partial")], names)
        old = self.record("20200101T000000Z-aaaaaaaaaaaa")
        self.assertIs(old["complete"], False)
        self.assertIn("interrupted", old["reason"])
        self.assertEqual(old["panic_line"], "Kernel panic - not syncing: old crash")
        self.assertEqual(old["kernel_release"], "5.10.0-old")
        self.assertTrue(os.path.exists(os.path.join(self.dump_dir, "20200101T000000Z-aaaaaaaaaaaa", "vmcore")))
        self.assertIs(self.record("20200102T000000Z-bbbbbbbbbbbb")["complete"], True)
        self.assertEqual(len(names), 3)

    def test_retention(self):
        self.configure(KeepDumps="2")
        for day in (1, 2, 3):
            self.make_old("2020010%dT000000Z-aaaaaaaaaaaa" % day, files={"vmcore": "x"})
        self.make_old("20200104T000000Z-unknown", complete=False)
        self.make_old("not-a-crash-dir", record=False)
        self.make_old("20200105T000000Z-cccccccccccc", record=False)  # no record: left alone
        outside = os.path.join(self.tmp, "outside")
        os.mkdir(outside)
        with open(os.path.join(outside, "crash.json"), "w") as f:
            json.dump({"version": 1, "id": "20190101T000000Z-dddddddddddd", "complete": True}, f)
        os.symlink(outside, os.path.join(self.dump_dir, "20190101T000000Z-dddddddddddd"))
        p = self.run_capture()
        self.assertEqual(p.returncode, 0, self.output)
        names = self.dirs()
        new = [n for n in names if n.startswith("20") and n > "2021"]
        self.assertEqual(len(new), 1, names)
        # KeepDumps=2 complete dumps: the newest old one and the new one.
        self.assertNotIn("20200101T000000Z-aaaaaaaaaaaa", names)
        self.assertNotIn("20200102T000000Z-aaaaaaaaaaaa", names)
        self.assertIn("20200103T000000Z-aaaaaaaaaaaa", names)
        for kept in ("20200104T000000Z-unknown", "not-a-crash-dir", "20200105T000000Z-cccccccccccc",
                     "20190101T000000Z-dddddddddddd"):
            self.assertIn(kept, names)
        self.assertTrue(os.path.exists(os.path.join(outside, "crash.json")))  # a symlink is never followed

    def test_retention_unlimited(self):
        self.configure(KeepDumps="0")
        for day in (1, 2, 3, 4):
            self.make_old("2020010%dT000000Z-aaaaaaaaaaaa" % day)
        p = self.run_capture()
        self.assertEqual(p.returncode, 0, self.output)
        self.assertEqual(len(self.dirs()), 5)

    # ---- hooks ----

    def write_hook(self, name, body, mode=0o755):
        os.makedirs(self.hooks, exist_ok=True)
        path = os.path.join(self.hooks, name)
        with open(path, "w") as f:
            f.write("#!/bin/sh\n" + body + "\n")
        os.chmod(path, mode)

    def test_hooks(self):
        calls = os.path.join(self.tmp, "hook-calls")
        self.write_hook("10-record", 'echo "10 $* $KEXECD_CRASH_ID" >> %s' % calls)
        self.write_hook("20-fail", 'echo "20 $1" >> %s; exit 3' % calls)
        self.write_hook("30-slow", 'echo "30 $1" >> %s; sleep 30' % calls)
        self.write_hook("40-not-executable", "exit 0", mode=0o644)
        self.write_hook(".hidden", "exit 9")
        self.configure(HookTimeoutSec="1")
        p = self.run_capture()
        self.assertEqual(p.returncode, 0, self.output)
        name, rec = self.only_record()
        self.assertIs(rec["complete"], True)
        got = [(h["phase"], h["name"], h["result"], h["exit_status"]) for h in rec["hooks"]]
        self.assertEqual(got, [("pre", "10-record", "ok", 0), ("pre", "20-fail", "failed", 3),
                               ("pre", "30-slow", "timeout", 137),
                               ("post", "10-record", "ok", 0), ("post", "20-fail", "failed", 3),
                               ("post", "30-slow", "timeout", 137)])
        lines = slurp(calls).splitlines()
        final = os.path.join(self.dump_dir, name)
        self.assertEqual(lines[0], "10 pre %s %s.partial %s" % (name, final, name))
        self.assertEqual(lines[1:3], ["20 pre", "30 pre"])
        self.assertEqual(lines[3], "10 post %s %s complete %s" % (name, final, name))
        self.assertEqual(self.systemctl_calls(), ["--no-block reboot"])

    def test_post_hook_sees_failure(self):
        calls = os.path.join(self.tmp, "hook-calls")
        self.write_hook("10-record", 'echo "$1 $4" >> %s' % calls)
        p = self.run_capture(STUB_MDF_FAIL="1")
        self.assertEqual(p.returncode, 0, self.output)
        self.assertEqual(slurp(calls).splitlines(), ["pre ", "post failed"])

    # ---- the final action ----

    def test_final_actions(self):
        for keys, env, expect in (({"FinalAction": "shell"}, {}, "--no-block isolate emergency.target"),
                                  ({"FinalAction": "poweroff", "FailureAction": "shell"}, {"STUB_MDF_FAIL": "1"},
                                   "--no-block isolate emergency.target"),
                                  ({"FinalAction": "halt"}, {}, "--no-block halt")):
            with self.subTest(keys=keys):
                if os.path.exists(self.sc_log):
                    os.unlink(self.sc_log)
                self.configure(**keys)
                p = self.run_capture(**env)
                self.assertEqual(p.returncode, 0, self.output)
                self.assertEqual(self.systemctl_calls(), [expect])

    def test_systemctl_failing_fails_the_unit(self):
        # Only then does the unit's FailureAction=reboot step in.
        p = self.run_capture(STUB_SYSTEMCTL_EXIT="1")
        self.assertEqual(p.returncode, 1, self.output)
        self.assertEqual(self.systemctl_calls(), ["--no-block reboot"])

    def test_bad_config_values_use_defaults(self):
        self.configure(DumpLevel="32", Compression="bzip2", KeepDumps="-1", MinFreeSpace="lots",
                       FinalAction="explode", HookTimeoutSec="0")
        p = self.run_capture(["--show-config"])
        self.assertEqual(p.returncode, 0, self.output)
        self.assertIn("DumpLevel=31\n", p.stdout)
        self.assertIn("Compression=auto\n", p.stdout)
        self.assertIn("KeepDumps=3\n", p.stdout)
        self.assertIn("MinFreeSpace=268435456\n", p.stdout)
        self.assertIn("FinalAction=reboot\n", p.stdout)
        self.assertIn("HookTimeoutSec=120.0\n", p.stdout)
        for key in ("DumpLevel", "Compression", "KeepDumps", "MinFreeSpace", "FinalAction", "HookTimeoutSec"):
            self.assertIn(key + "=", p.stderr)
        self.assertEqual(self.systemctl_calls(), [])  # --show-config does nothing else
        self.assertFalse(os.path.exists(self.dump_dir))

    # ---- the real makedumpfile ----

    def test_real_makedumpfile_probe(self):
        if not os.access(REAL_MDF, os.X_OK):
            self.skipTest("makedumpfile is not installed (tools/install-deps)")
        v = subprocess.run([REAL_MDF, "-v"], capture_output=True, text=True).stdout
        version = re.search(r"version (\S+)", v).group(1)
        enabled = {m.group(1) for m in re.finditer(r"^(lzo|snappy|zstd)\s+enabled", v, re.M)}
        p = self.run_capture(["--show-config"], mdf=REAL_MDF)
        self.assertEqual(p.returncode, 0, self.output)
        cfg = dict(l.split("=", 1) for l in p.stdout.splitlines())
        self.assertEqual(cfg["makedumpfile_version"], version)
        self.assertEqual(set(cfg["makedumpfile_compressions"].split()), enabled | {"zlib", "none"})
        best = next(c for c in ("zstd", "lzo", "snappy", "zlib") if c in enabled | {"zlib"})
        self.assertEqual(cfg["effective_compression"], best)
        if version == "1.7.2":  # Debian 12: lzo, no snappy, no zstd
            self.assertEqual(cfg["effective_compression"], "lzo")

    def test_real_makedumpfile_refuses_a_fake_vmcore(self):
        # Not a real vmcore: the real makedumpfile fails, and the capture
        # must say so in the record and still ask for the failure action.
        if not os.access(REAL_MDF, os.X_OK):
            self.skipTest("makedumpfile is not installed (tools/install-deps)")
        self.configure(FailureAction="poweroff")
        p = self.run_capture(mdf=REAL_MDF)
        self.assertEqual(p.returncode, 0, self.output)
        _, rec = self.assert_failed(r"^makedumpfile failed with exit status \d+$", "--no-block poweroff")
        self.assertNotEqual(rec["makedumpfile_status"], 0)
        self.assertEqual(rec["makedumpfile_version"], subprocess.run(
            [REAL_MDF, "-v"], capture_output=True, text=True).stdout.split()[2])


if __name__ == "__main__":
    testmain.run()
