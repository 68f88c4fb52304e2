#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Known-answer tests of `kexecctl ima replay` against lists and PCR values
computed independently (tests/ima/imagen.py, hashlib), cross-checked with
evmctl ima_measurement where evmctl can judge them."""
import json
import os
import random
import resource
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import imagen as g  # noqa: E402

DATA_LIMIT = 24 << 20
KEXECCTL = os.environ.get("KEXECCTL", os.path.join(HERE, "..", "..", "build", "src", "ctl", "kexecctl"))


class ReplayTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="kexecd-ima-")
        self.tpm = g.fake_tpm_pcrs()

    def tearDown(self):
        shutil.rmtree(self.dir)

    def write(self, name, records, **kw):
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(g.encode(records, **kw))
        return path

    def replay(self, *args, check=None):
        p = subprocess.run([KEXECCTL, "ima", "replay"] + list(args), capture_output=True, text=True, timeout=120,
                           errors="replace")
        if check is not None:
            self.assertEqual(p.returncode, check, p.stdout + p.stderr)
        return p

    def values(self, *files, extra=()):
        p = self.replay(*files, "--json", *extra, check=0)
        return json.loads(p.stdout)["pcrs"]

    def expect(self, got, state):
        for bank, pcrs in state.items():
            for idx, value in pcrs.items():
                self.assertEqual(got[bank][str(idx)], value.hex(), "%s:%d" % (bank, idx))

    def test_mixed_templates_other_pcrs_violations(self):
        recs = g.sample_boot(self.tpm, 10) + [
            g.violation("/tmp/racy"),
            g.ima_old("/bin/old-style", b"old"),
            g.ima_ng("/etc/policy", b"p", pcr=11),
            g.ima_sig("/usr/bin/signed", b"s", b"\x03\x02signature"),
            g.ima_buf("kexec-cmdline", b"root=/dev/vda1"),
            g.custom("/usr/lib/custom", b"c"),
            g.ima_ng("/usr/bin/sha1-file", b"x", algo="sha1"),
            g.ima_ng("/boot/x", b"y", pcr=12),
        ]
        path = self.write("mixed.bin", recs)
        got = self.values(path, extra=["--bank=sha1,sha256,sha384,sha512"])
        self.expect(got, g.replay(recs, banks=("sha1", "sha256", "sha384", "sha512")))
        self.assertEqual(set(got["sha1"]), {"10", "11", "12"})

    def test_padded_mode(self):
        recs = g.sample_boot(self.tpm, 5) + [g.violation("/v")]
        path = self.write("padded.bin", recs)
        self.expect(self.values(path, extra=["--padded"]), g.replay(recs, padded=True))
        # Per-bank and padded differ for sha256 (and agree for sha1).
        a, b = g.replay(recs), g.replay(recs, padded=True)
        self.assertEqual(a["sha1"], b["sha1"])
        self.assertNotEqual(a["sha256"], b["sha256"])

    def test_split_boots_continue_from_previous_state(self):
        boot1 = g.sample_boot(self.tpm, 8, salt="a")
        boot2 = g.sample_boot(self.tpm, 6, salt="b")
        p1, p2 = self.write("boot1.bin", boot1), self.write("boot2.bin", boot2)
        self.expect(self.values(p1, p2), g.replay(boot1 + boot2))
        # The second boot alone does not explain the TPM after a kexec.
        st = g.replay(boot1 + boot2)
        self.replay(p2, "--pcr=sha256:10=" + st["sha256"][10].hex(), check=1)
        p = self.replay(p1, p2, "--pcr=sha256:10=" + st["sha256"][10].hex(), "--pcr=sha1:10=" + st["sha1"][10].hex(),
                        check=0)
        self.assertIn("after 16 of 16 records", p.stdout)

    def test_long_list_is_streamed(self):
        """A list of 48 MiB (longer than any bound the tool once had on a
        whole list) read from a pipe: replayed with memory of the order of
        one record, not of the list."""
        recs = g.sample_boot(self.tpm, 1999)
        chunk = g.encode(recs)
        repeat = (48 << 20) // len(chunk) + 1
        data = chunk * repeat

        def bound_memory():
            # Heap and private mappings: far below the list's size. Under a
            # sanitizer the replay is still checked, its memory is not.
            if not os.environ.get("KEXECD_SANITIZED"):
                resource.setrlimit(resource.RLIMIT_DATA, (DATA_LIMIT, DATA_LIMIT))
        p = subprocess.run([KEXECCTL, "ima", "replay", "--json", "/dev/stdin"], input=data, capture_output=True,
                           timeout=300, preexec_fn=bound_memory)
        self.assertEqual(p.returncode, 0, "%d MiB list under a %d MiB data limit: %s"
                         % (len(data) >> 20, DATA_LIMIT >> 20, p.stderr))
        self.assertEqual(json.loads(p.stdout)["records"], len(recs) * repeat)

    def test_pcr_read_before_list_matches_a_prefix(self):
        recs = g.sample_boot(self.tpm, 20)
        path = self.write("ahead.bin", recs)
        early = g.replay(recs[:12])
        p = self.replay(path, "--pcr=sha256:10=" + early["sha256"][10].hex(), check=0)
        self.assertIn("after 12 of 21 records", p.stdout)
        wrong = "00" * 31 + "01"
        p = self.replay(path, "--pcr=sha256:10=" + wrong, check=1)
        self.assertIn("MISMATCH", p.stdout)

    def test_big_endian_and_per_bank_lists(self):
        recs = [g.ima_ng("/a", b"a", order=">"), g.ima_ng("/b", b"b", order=">", pcr=11)]
        path = self.write("be.bin", recs, order=">")
        self.expect(self.values(path), g.replay(recs))  # auto-detected
        self.expect(self.values(path, extra=["--big-endian"]), g.replay(recs))
        recs = g.sample_boot(self.tpm, 4)
        path = self.write("sha256.bin", recs, list_bank="sha256")
        self.expect(self.values(path, extra=["--list-digest=sha256"]), g.replay(recs))

    def test_tampered_record_is_reported(self):
        recs = g.sample_boot(self.tpm, 4)
        data = bytearray(g.encode(recs))
        data[-5] ^= 0xFF  # inside the last record's file name
        path = os.path.join(self.dir, "tampered.bin")
        open(path, "wb").write(bytes(data))
        p = self.replay(path, check=0)
        self.assertIn("template digest does not match", p.stderr)

    def test_malformed_lists_name_the_byte_offset(self):
        recs = g.sample_boot(self.tpm, 3) + [g.ima_old("/o", b"o")]
        data = g.encode(recs)
        boundaries = set()
        off = 0
        for r in recs:
            boundaries.add(off)
            off += len(r.encode())
        boundaries.add(off)
        for cut in range(1, len(data)):
            path = os.path.join(self.dir, "cut.bin")
            open(path, "wb").write(data[:cut])
            p = self.replay(path)
            if cut in boundaries:
                self.assertEqual(p.returncode, 0, "cut at a record boundary is a shorter list")
                continue
            self.assertEqual(p.returncode, 2, "cut at %d: %s" % (cut, p.stdout))
            m = re.search(r"malformed measurement list at byte (\d+)", p.stderr)
            self.assertTrue(m, p.stderr)
            self.assertLessEqual(int(m.group(1)), cut)
        # Specific lies: a huge template data length, an unknown template,
        # a PCR index out of range.
        bad = bytearray(g.encode([g.ima_ng("/x", b"x")]))
        bad[4 + 20 + 4 + 6:4 + 20 + 4 + 6 + 4] = b"\xff\xff\xff\x7f"
        open(os.path.join(self.dir, "huge.bin"), "wb").write(bytes(bad))
        p = self.replay(os.path.join(self.dir, "huge.bin"), check=2)
        self.assertIn("at byte 34", p.stderr)
        odd = g.Record(10, "ima-unknown", g.fields(b"a", b"b"))
        p = self.replay(self.write("unknown.bin", [odd]), check=2)
        self.assertIn("unknown template", p.stderr)
        pcr = bytearray(g.encode([g.ima_ng("/x", b"x")]))
        pcr[0:4] = b"\x30\x00\x00\x00"
        open(os.path.join(self.dir, "pcr.bin"), "wb").write(bytes(pcr))
        self.assertIn("out of range", self.replay(os.path.join(self.dir, "pcr.bin"), check=2).stderr)

    def test_random_garbage_never_crashes(self):
        rng = random.Random(1234)
        base = g.encode(g.sample_boot(self.tpm, 3))
        path = os.path.join(self.dir, "garbage.bin")
        for i in range(200):
            data = bytearray(base)
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            open(path, "wb").write(bytes(data))
            p = self.replay(path)
            self.assertIn(p.returncode, (0, 2), "iteration %d crashed: %d %s" % (i, p.returncode, p.stderr))

    def test_usage_errors(self):
        self.replay(check=2)
        self.replay("--pcr=sha256:10=zz", "/dev/null", check=2)
        self.replay("--pcr=md5:10=00", "/dev/null", check=2)
        self.replay(os.path.join(self.dir, "missing"), check=2)


@unittest.skipUnless(shutil.which("evmctl"), "evmctl not installed")  # a failure in CI mode (testmain)
class EvmctlCrossCheck(unittest.TestCase):
    """evmctl replays from zero per bank; it has no multi-boot notion and
    refuses lists mixing the 'ima' template with others."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="kexecd-evm-")
        self.assertTrue(shutil.which("evmctl"), "evmctl missing (ima-evm-utils)")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def pcr_file(self, name, values, bank):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            for i in range(24):
                f.write("PCR-%02d: %s\n" % (i, values.get(i, b"\0" * g.BANKS[bank]).hex().upper()))
        return path

    def test_same_verdict_as_evmctl(self):
        tpm = g.fake_tpm_pcrs()
        recs = g.sample_boot(tpm, 30) + [g.violation("/v"), g.ima_ng("/p11", b"q", pcr=11),
                                         g.ima_buf("kexec-cmdline", b"x=1"), g.ima_sig("/s", b"s", b"")]
        path = os.path.join(self.dir, "list.bin")
        open(path, "wb").write(g.encode(recs))
        ours = json.loads(subprocess.run([KEXECCTL, "ima", "replay", "--json", path], capture_output=True,
                                         text=True, check=True).stdout)["pcrs"]
        # Our values, handed to evmctl as "the TPM": evmctl must agree.
        for bank in ("sha1", "sha256"):
            values = {int(k): bytes.fromhex(v) for k, v in ours[bank].items()}
            pf = self.pcr_file(bank + ".txt", values, bank)
            p = subprocess.run(["evmctl", "ima_measurement", "--ignore-violations", "--pcrs", "%s,%s" % (bank, pf),
                                path], capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertIn("Matched", p.stdout + p.stderr)
        # And a wrong value is refused by both.
        bogus = {10: b"\x01" * 32, 11: bytes.fromhex(ours["sha256"]["11"])}
        pf = self.pcr_file("bogus.txt", bogus, "sha256")
        p = subprocess.run(["evmctl", "ima_measurement", "--ignore-violations", "--pcrs", "sha256," + pf, path],
                           capture_output=True, text=True)
        self.assertNotEqual(p.returncode, 0)
        p = subprocess.run([KEXECCTL, "ima", "replay", path, "--pcr=sha256:10=" + "01" * 32], capture_output=True)
        self.assertEqual(p.returncode, 1)


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
    import testmain
    testmain.run()
