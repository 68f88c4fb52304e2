#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The IMA chain across simulated kexec reboots: the fake kernel root has a
measurement list in securityfs and TPM PCRs in sysfs; a "kexec" is a new
boot id, a list that starts again, and PCRs that keep accumulating."""
import os
import subprocess
import sys

from fixture import ERR, KEXECD_SHUTDOWN, KexecdTestCase, main

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ima"))
import imagen as g  # noqa: E402

LIST = "sys/kernel/security/ima/binary_runtime_measurements"


class ImaChainTest(KexecdTestCase):
    def setUp(self):
        self.tpm09 = g.fake_tpm_pcrs()
        self.pcr_state = None  # PCR 10.. as the TPM holds them
        self.all_records = []
        self.boot("boot-1", g.sample_boot(self.tpm09, 20, salt="1"))
        super().setUp()
        self.allow("org.kexecd1.load", "org.kexecd1.unload", "org.kexecd1.export-ima")

    def write_root(self, rel, data):
        path = os.path.join(self.root if hasattr(self, "root") else self.pending_root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)

    def root_options(self):
        return {}

    def start_daemon(self):
        self.apply()
        super().start_daemon()

    def boot(self, boot_id, records, carry=False):
        """A (kexec) boot: new boot id; the list starts again unless carried."""
        if getattr(self, "current", None):
            self.current_of_boot1_last = self.current[-1].encode()
        self.boot_id = boot_id
        self.current = (self.current if carry else []) + records
        self.all_records += records
        self.pcr_state = g.replay(self.all_records)

    def measure(self, records, extend=True):
        self.current += records
        if extend:
            self.all_records += records
            self.pcr_state = g.replay(self.all_records)

    def apply(self):
        self.write_root(LIST, g.encode(self.current))
        self.write_root("proc/sys/kernel/random/boot_id", self.boot_id + "\n")
        for bank in ("sha1", "sha256"):
            for i in range(24):
                value = self.tpm09[bank][i] if i < 10 else self.pcr_state[bank].get(i, b"\0" * g.BANKS[bank])
                self.write_root("sys/class/tpm/tpm0/pcr-%s/%d" % (bank, i), value.hex().upper() + "\n")

    def verify(self):
        self.apply()
        return self.manager.VerifyIma()

    def test_cold_boot_verifies_and_is_saved(self):
        v = self.verify()
        self.assertEqual(v["Status"], "verified", v["Detail"])
        self.assertEqual(v["Method"], "current-list")
        self.assertEqual(v["BootAggregate"], "ok")
        self.assertEqual(v["Measurements"], 21)
        st = self.manager.Status()
        self.assertEqual(st["ImaStatus"], "verified")
        saved = os.listdir(os.path.join(self.state, "ima"))
        self.assertEqual(len(saved), 1)
        self.assertTrue(saved[0].endswith("-boot-1"))

    def test_log_running_ahead_of_pcr_is_fine(self):
        self.measure([g.ima_ng("/late", b"late")], extend=False)
        self.assertEqual(self.verify()["Status"], "verified")

    def test_chain_across_kexec(self):
        # Measurements after start-up, then the last-moment snapshot.
        self.load("kexec")
        self.measure([g.ima_ng("/usr/bin/after-start", b"x")])
        self.apply()
        # The last-moment check saves the list; the daemon then dies
        # without its shutdown hook, so only PrepareKexec can have saved it.
        self.manager.PrepareKexec(False)
        self.daemon.kill()
        self.daemon.wait()
        self.daemon = None
        # kexec: new boot, new list, PCR 10 keeps the first boot's extends.
        self.boot("boot-2", g.sample_boot(self.tpm09, 15, salt="2"))
        self.start_daemon()
        v = self.manager.VerifyIma()
        self.assertEqual(v["Status"], "verified", v["Detail"])
        self.assertEqual(v["Method"], "chain")
        self.assertEqual(v["BootsInChain"], 2)
        self.assertEqual(v["Measurements"], 22 + 16)
        self.stop_daemon()
        self.start_daemon()
        self.assertEqual(self.manager.Status()["ImaBootsInChain"], 2)
        # A third boot, and identical lists across boots (same files run).
        self.stop_daemon()
        self.boot("boot-3", g.sample_boot(self.tpm09, 15, salt="2"))
        self.start_daemon()
        v = self.manager.VerifyIma()
        self.assertEqual((v["Status"], v["BootsInChain"]), ("verified", 3), v["Detail"])
        # Boot 3's list resembles boot 2's but was not carried over (it
        # starts with its boot_aggregate): the export keeps all of it.
        self.assertEqual(self.export_binary(), g.encode(self.all_records))

    def export_binary(self):
        p = subprocess.run([os.environ.get("KEXECCTL"), "ima", "export", "binary"], capture_output=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout

    def unpack_newc(self, data, dest):
        """What the next kernel does with the initrd: unpack each newc
        archive (at 4-byte boundaries, zeros skipped) under `dest`."""
        pos, names = 0, []
        while pos < len(data):
            if data[pos] == 0:
                pos += 1
                continue
            self.assertEqual(data[pos:pos + 6], b"070701", "not a newc archive at %d" % pos)
            fields = [int(data[pos + 6 + 8 * i:pos + 14 + 8 * i], 16) for i in range(13)]
            mode, size, namesize = fields[1], fields[6], fields[11]
            name = data[pos + 110:pos + 110 + namesize - 1].decode()
            pos = (pos + 110 + namesize + 3) & ~3
            body = data[pos:pos + size]
            pos = (pos + size + 3) & ~3
            if name == "TRAILER!!!":
                continue
            names.append(name)
            path = os.path.join(dest, name)
            if mode & 0o170000 == 0o040000:
                os.makedirs(path, exist_ok=True)
            elif mode & 0o170000 == 0o100000:
                with open(path, "wb") as f:
                    f.write(body)
        return names

    def shut_down_for_kexec(self, tail):
        """systemd's path after kexecd's last snapshot: kexecd is stopped,
        more is measured (`tail`), then the shutdown hook runs."""
        self.stop_daemon()
        self.measure(tail)
        self.apply()
        loads = self.fake_loads("kexec")
        p = subprocess.run([KEXECD_SHUTDOWN, "--fake-root=" + self.root, "--state-dir=" + self.state, "kexec"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("Handed", p.stderr)
        self.assertEqual(self.fake_loads("kexec"), loads + 1)
        initrd = open(os.path.join(self.root, "fake/kexec.initrd"), "rb").read()
        self.assertTrue(initrd.startswith(open(self.initrd, "rb").read()), "the image's own initrd comes first")
        return initrd

    def test_tail_after_the_last_snapshot_is_handed_over(self):
        self.load("kexec", self.kernel, [self.initrd])
        self.measure([g.ima_ng("/usr/bin/after-start", b"x")])
        self.apply()
        self.manager.PrepareKexec(False)
        tail = [g.ima_ng("/usr/lib/systemd/systemd-shutdown", b"s"), g.ima_ng("/usr/bin/umount", b"u"),
                g.ima_ng("/usr/sbin/kexec", b"k")]
        initrd = self.shut_down_for_kexec(tail)
        # The next boot: the kernel unpacks the handed-over archive.
        self.boot("boot-2", g.sample_boot(self.tpm09, 15, salt="2"))
        own = len(open(self.initrd, "rb").read())
        self.assertEqual(initrd[own:(own + 3) & ~3], b"\0" * (((own + 3) & ~3) - own), "padded to 4 bytes")
        self.assertEqual(initrd[(own + 3) & ~3:][:6], b"070701")
        names = self.unpack_newc(initrd[(own + 3) & ~3:], self.root)
        self.assertIn(".kexecd-handover/ima/log.bin", names)
        self.start_daemon()
        self.assertIn("ima-handover", [str(e[2]) for e in self.manager.GetHistory(0)])
        v = self.manager.VerifyIma()
        self.assertEqual(v["Status"], "verified", v["Detail"])
        self.assertEqual((v["Method"], v["BootsInChain"]), ("chain", 2))
        self.assertEqual(v["Measurements"], 22 + 3 + 16)

    def test_forged_handover_cannot_verify(self):
        # The handed-over list is input, not trusted: a record that was never
        # extended into the TPM makes the chain a gap, whatever kexecd saved.
        self.load("kexec", self.kernel, [self.initrd])
        self.manager.PrepareKexec(False)
        self.stop_daemon()
        self.measure([g.ima_ng("/forged", b"f")], extend=False)
        self.apply()
        subprocess.run([KEXECD_SHUTDOWN, "--fake-root=" + self.root, "--state-dir=" + self.state, "kexec"],
                       check=True, capture_output=True, timeout=60)
        initrd = open(os.path.join(self.root, "fake/kexec.initrd"), "rb").read()
        self.boot("boot-2", g.sample_boot(self.tpm09, 15, salt="2"))
        self.unpack_newc(initrd[(len(open(self.initrd, "rb").read()) + 3) & ~3:], self.root)
        self.start_daemon()
        v = self.manager.VerifyIma()
        self.assertEqual(v["Status"], "gap", v["Detail"])

    def test_shutdown_hook_does_nothing_but_for_kexec(self):
        self.load("kexec", self.kernel, [self.initrd])
        for verb in ("reboot", "poweroff", "halt"):
            p = subprocess.run([KEXECD_SHUTDOWN, "--fake-root=" + self.root, "--state-dir=" + self.state, verb],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual((p.returncode, p.stderr), (0, ""))
        self.assertEqual(self.fake_loads("kexec"), 1)
        p = subprocess.run([KEXECD_SHUTDOWN], capture_output=True, text=True, timeout=60)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("expected one verb", p.stderr)

    def test_unsaved_measurements_are_a_gap(self):
        self.stop_daemon()  # boot-1 saved with 21 records
        # Measured after the last snapshot, then kexec without saving.
        self.measure([g.ima_ng("/usr/bin/unsaved", b"u")])
        self.boot("boot-2", g.sample_boot(self.tpm09, 5, salt="2"))
        self.start_daemon()
        v = self.manager.VerifyIma()
        self.assertEqual(v["Status"], "gap", v["Detail"])
        self.assertEqual(v["GapBoot"], "boot-1")
        self.assertEqual(v["GapAfterRecord"], 21)
        self.assertEqual(v["GapUnaccounted"], -1)  # only their sum is in the TPM
        self.assertIn("boot-1", v["Detail"])
        p = self.kexecctl("ima", "verify", check=9)
        self.assertIn("gap", p.stdout)
        self.assertIn("Unaccounted: unknown", p.stdout)

    def test_deliberately_dropped_saved_record_is_a_gap(self):
        self.stop_daemon()
        boot_dir = [d for d in os.listdir(os.path.join(self.state, "ima"))][0]
        log = os.path.join(self.state, "ima", boot_dir, "log.bin")
        data = open(log, "rb").read()
        # Drop the last saved record and fix up the recorded length.
        last = len(self.current[-1].encode())
        open(log, "wb").write(data[:-last])
        meta_path = os.path.join(self.state, "ima", boot_dir, "meta.json")
        import json
        meta = json.load(open(meta_path))
        meta["bytes"] -= last
        json.dump(meta, open(meta_path, "w"))
        self.boot("boot-2", g.sample_boot(self.tpm09, 5, salt="2"))
        self.start_daemon()
        v = self.manager.VerifyIma()
        self.assertEqual((v["Status"], v["GapBoot"]), ("gap", "boot-1"), v["Detail"])
        # kexecd's own count of what it saved says how many are missing.
        self.assertEqual(v["GapUnaccounted"], 1)
        self.assertIn("kexecd saved 21 records of it, the list now holds 20", v["Detail"])
        p = self.kexecctl("ima", "verify", check=9)
        self.assertIn("Unaccounted: 1 extend(s)", p.stdout)

    def test_record_removed_inside_a_saved_boot_is_placed(self):
        # Three snapshots of boot-1 (start-up: 21 records, PrepareKexec: 26,
        # stop: 31), then one record between the first two is removed from
        # the saved list: the gap is placed between records 21 and 26.
        self.load("kexec")
        self.measure([g.ima_ng("/usr/bin/a%d" % i, b"a%d" % i) for i in range(5)])
        self.apply()
        self.manager.PrepareKexec(False)
        self.measure([g.ima_ng("/usr/bin/b%d" % i, b"b%d" % i) for i in range(5)])
        self.apply()
        self.stop_daemon()
        boot_dir = os.path.join(self.state, "ima", os.listdir(os.path.join(self.state, "ima"))[0])
        import json
        meta = json.load(open(os.path.join(boot_dir, "meta.json")))
        self.assertEqual([c["records"] for c in meta["checkpoints"]], [21, 26, 31])
        victim = self.current[23].encode()
        data = open(os.path.join(boot_dir, "log.bin"), "rb").read()
        self.assertEqual(data.count(victim), 1)
        open(os.path.join(boot_dir, "log.bin"), "wb").write(data.replace(victim, b""))
        meta["bytes"] -= len(victim)
        json.dump(meta, open(os.path.join(boot_dir, "meta.json"), "w"))
        self.boot("boot-2", g.sample_boot(self.tpm09, 5, salt="2"))
        self.start_daemon()
        v = self.manager.VerifyIma()
        self.assertEqual((v["Status"], v["GapBoot"]), ("gap", "boot-1"), v["Detail"])
        self.assertEqual((v["GapAfterRecord"], v["GapBeforeRecord"], v["GapUnaccounted"]), (21, 26, 1), v["Detail"])
        self.assertIn("between record 21 and record 26", v["Detail"])
        p = self.kexecctl("ima", "verify", check=9)
        self.assertIn("Gap: boot boot-1 between record 21 and record 26", p.stdout)

    def test_saved_chain_changed_while_running_is_verified_again(self):
        # VerifyIma reuses its verdict only while the chain is unchanged:
        # a saved list changed under a running kexecd (as the ima-chain VM
        # scenario does) must be verified again, not answered from the cache.
        self.load("kexec")
        self.manager.PrepareKexec(False)
        self.daemon.kill()
        self.daemon.wait()
        self.daemon = None
        self.boot("boot-2", g.sample_boot(self.tpm09, 5, salt="2"))
        self.start_daemon()
        self.assertEqual(self.manager.VerifyIma()["Status"], "verified")
        boot_dir = sorted(os.listdir(os.path.join(self.state, "ima")))[0]
        log = os.path.join(self.state, "ima", boot_dir, "log.bin")
        meta_path = os.path.join(self.state, "ima", boot_dir, "meta.json")
        data = open(log, "rb").read()
        last = len(self.current_of_boot1_last)
        open(log, "wb").write(data[:-last])
        import json
        meta = json.load(open(meta_path))
        meta["bytes"] -= last
        json.dump(meta, open(meta_path, "w"))
        self.assertEqual(self.manager.VerifyIma()["Status"], "gap")

    def test_carried_over_list_is_not_counted_twice(self):
        self.stop_daemon()
        # A kernel with CONFIG_IMA_KEXEC hands the list over; no new extends
        # for the carried records.
        self.boot("boot-2", g.sample_boot(self.tpm09, 4, salt="2"), carry=True)
        self.start_daemon()
        v = self.manager.VerifyIma()
        self.assertEqual(v["Status"], "verified", v["Detail"])
        self.assertEqual(v["Method"], "current-list")
        self.assertTrue(v["CarriedOver"])
        self.assertEqual(v["Measurements"], 21 + 5)

    def peak_rss_kib(self):
        with open("/proc/%d/status" % self.daemon.pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        self.fail("no VmHWM")

    def test_long_list_is_streamed_in_bounded_memory(self):
        # A long-running machine's list (here 64 MiB: many ima-buf records)
        # is verified, saved and exported without kexecd ever holding it:
        # its peak memory stays far below the list's size.
        self.stop_daemon()
        big = [g.ima_buf("blob-%d" % i, bytes([i % 251]) * (256 << 10)) for i in range(256)]
        self.boot("boot-2", g.sample_boot(self.tpm09, 3, salt="2") + big)
        self.start_daemon()
        v = self.manager.VerifyIma()
        self.assertEqual((v["Status"], v["Method"], v["BootsInChain"]), ("verified", "chain", 2), v["Detail"])
        self.assertEqual(v["Measurements"], 21 + 4 + 256)
        self.load("kexec")
        self.manager.PrepareKexec(False)
        saved = [d for d in os.listdir(os.path.join(self.state, "ima")) if d.endswith("-boot-2")]
        self.assertEqual(os.path.getsize(os.path.join(self.state, "ima", saved[0], "log.bin")),
                         len(g.encode(self.current)))
        p = subprocess.run([os.environ.get("KEXECCTL"), "ima", "export", "binary"], capture_output=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, g.encode(self.all_records))
        peak = self.peak_rss_kib()
        sys.stderr.write("kexecd peak RSS with a 64 MiB list: %d KiB\n" % peak)
        # Far below the list itself (the whole-list reader needed ~230 MiB);
        # under ASan kexecd's own baseline is ~20 MiB larger.
        self.assertLess(peak, 40 << 10)

    def test_oversized_record_is_named(self):
        huge = g.ima_buf("huge", b"x" * (17 << 20))
        self.measure([huge])
        v = self.verify()
        self.assertEqual(v["Status"], "malformed")
        self.assertIn("record larger than 16 MiB", v["Detail"])
    def test_list_carried_from_before_the_last_snapshot_counts_once(self):
        # A 6.1 kernel with CONFIG_IMA_KEXEC copies its list when the image
        # is loaded: what the boot measured after the load reaches the next
        # boot only through kexecd's later snapshot (PrepareKexec), and the
        # carried records also sit in that snapshot. The chain must verify
        # with each record counted and exported once.
        self.load("kexec")
        copied = list(self.current)
        self.measure([g.ima_ng("/usr/bin/after-load", b"l"), g.ima_ng("/usr/bin/prepare", b"p")])
        self.apply()
        self.manager.PrepareKexec(False)
        self.stop_daemon()
        self.current = copied
        self.boot("boot-2", g.sample_boot(self.tpm09, 4, salt="2"), carry=True)
        self.start_daemon()
        v = self.manager.VerifyIma()
        self.assertEqual(v["Status"], "verified", v["Detail"])
        self.assertEqual((v["Method"], v["BootsInChain"]), ("chain", 2))
        self.assertTrue(v["CarriedOver"])
        self.assertEqual(v["Measurements"], len(self.all_records))
        self.assertEqual(len(self.all_records), 21 + 2 + 5)
        self.assertEqual(self.export_binary(), g.encode(self.all_records))

    def test_no_tpm_and_disabled(self):
        import shutil
        shutil.rmtree(os.path.join(self.root, "sys/class/tpm"))
        self.assertEqual(self.manager.VerifyIma()["Status"], "no-tpm")
        os.unlink(os.path.join(self.root, LIST))
        self.assertEqual(self.manager.VerifyIma()["Status"], "disabled")

    def test_malformed_current_list(self):
        self.write_root(LIST, g.encode(self.current)[:-3])
        v = self.manager.VerifyIma()
        self.assertEqual(v["Status"], "malformed")
        self.assertIn("byte", v["Detail"])
        self.assertIsNone(self.daemon.poll())

    def test_export(self):
        self.stop_daemon()
        self.boot("boot-2", g.sample_boot(self.tpm09, 3, salt="2"))
        self.start_daemon()
        p = subprocess.run([os.environ.get("KEXECCTL"), "ima", "export", "binary"], capture_output=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, g.encode(self.all_records))
        # The export replays (offline) to the TPM's PCR 10.
        path = os.path.join(self.dir, "chain.bin")
        open(path, "wb").write(p.stdout)
        self.kexecctl("ima", "replay", path, "--pcr=sha256:10=" + self.pcr_state["sha256"][10].hex(), check=0)
        p = self.kexecctl("ima", "export", "ascii", check=0)
        lines = p.stdout.splitlines()
        self.assertEqual(len(lines), len(self.all_records))
        self.assertTrue(lines[0].startswith("10 ") and lines[0].endswith("boot_aggregate"))
        self.kexecctl("ima", "export", "yaml", check=2)
        self.polkit.SetAllowed([])
        self.kexecctl("ima", "export", "binary", user="nobody", check=3)
        self.assertDBusError(ERR + "InvalidOption", self.manager.ExportImaLog, "xml")


if __name__ == "__main__":
    main()
