#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""catalog/kexecd.catalog: one entry for every MESSAGE_ID kexecd logs, no
entry for an id it does not, only fields kexecd really sends, and
journalctl itself accepts the file (docs/journal.md)."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
import testmain  # noqa: E402

CATALOG = os.environ.get("KEXECD_CATALOG", os.path.join(SRC, "catalog", "kexecd.catalog"))
ID_RE = re.compile(r"^-- ([0-9a-f]{32})$", re.M)


def read(*path):
    with open(os.path.join(SRC, *path)) as f:
        return f.read()


def source_ids():
    return dict((v, k) for k, v in re.findall(r'#define (KEXECD_MESSAGE_\w+)\s+"([0-9a-f]{32})"',
                                              read("src", "shared", "log.h")))


def catalog_entries(text):
    """[(id, header dict, body)] in file order."""
    entries = []
    starts = list(ID_RE.finditer(text))
    for n, m in enumerate(starts):
        end = starts[n + 1].start() if n + 1 < len(starts) else len(text)
        head, _, body = text[m.end():end].strip("\n").partition("\n\n")
        headers = {}
        for line in head.splitlines():
            if ": " not in line:
                raise ValueError("catalog entry %s: header line %r is not 'Key: value'" % (m.group(1), line))
            key, value = line.split(": ", 1)
            headers[key] = value
        entries.append((m.group(1), headers, body.strip()))
    return entries


class CatalogTest(unittest.TestCase):
    def setUp(self):
        with open(CATALOG) as f:
            self.text = f.read()
        self.entries = catalog_entries(self.text)

    def test_every_source_id_has_exactly_one_entry(self):
        ids = [e[0] for e in self.entries]
        source = source_ids()
        self.assertGreaterEqual(len(source), 8, "no MESSAGE_IDs found in src/shared/log.h")
        for mid, name in source.items():
            self.assertEqual(ids.count(mid), 1, "%s (%s) has %d catalog entries, want 1" % (name, mid, ids.count(mid)))
        self.assertEqual(sorted(set(ids) - set(source)), [], "catalog entries for ids not defined in src/shared/log.h")

    def test_every_source_id_is_used(self):
        # An id nobody logs needs no catalog entry: keep log.h honest too.
        code = "".join(read("src", d, f) for d in ("daemon", "shared", "ima")
                       for f in os.listdir(os.path.join(SRC, "src", d)) if f.endswith(".c"))
        for name in source_ids().values():
            self.assertIn(name, code, "%s is defined but never logged" % name)

    def test_entries_are_complete(self):
        for mid, headers, body in self.entries:
            self.assertTrue(headers.get("Subject"), "%s: no Subject" % mid)
            self.assertEqual(headers.get("Defined-By"), "kexecd", mid)
            # What happened and what to do: at least two paragraphs.
            self.assertGreaterEqual(len(body.split("\n\n")), 2, "%s: needs what happened and what to do" % mid)

    def test_only_logged_fields_are_substituted(self):
        # journalctl replaces @FIELD@ with the message's field; a field
        # kexecd never sends would show up literally.
        logged = set(re.findall(r'"([A-Z_]+)=%', read("src", "shared", "log.c")))
        self.assertIn("KEXECD_IMAGE", logged)
        used = set(re.findall(r"@([A-Z0-9_]+)@", self.text))
        self.assertTrue(used, "the catalog substitutes no field")
        self.assertEqual(used - logged, set(), "fields kexecd does not log (src/shared/log.c)")

    def test_documented(self):
        doc = read("docs", "journal.md")
        for mid in source_ids():
            self.assertIn("`%s`" % mid, doc)

    def test_journalctl_accepts_it(self):
        journalctl = shutil.which("journalctl")
        if not journalctl:
            self.skipTest("journalctl missing")
        root = tempfile.mkdtemp(prefix="kexecd-catalog-")
        self.addCleanup(shutil.rmtree, root, True)
        d = os.path.join(root, "usr", "lib", "systemd", "catalog")
        os.makedirs(d)
        shutil.copy(CATALOG, d)
        p = subprocess.run([journalctl, "--root=" + root, "--update-catalog"], capture_output=True, text=True)
        self.assertEqual((p.returncode, p.stderr), (0, ""), "journalctl --update-catalog refused the catalog")
        self.assertTrue(os.path.exists(os.path.join(root, "var", "lib", "systemd", "catalog", "database")))
        p = subprocess.run([journalctl, "--root=" + root, "--list-catalog"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        listed = dict(line.split(" ", 1) for line in p.stdout.splitlines() if line.strip())
        for mid, headers, _ in self.entries:
            self.assertIn(mid, listed, "journalctl --list-catalog lacks " + mid)
            self.assertEqual(listed[mid], "kexecd: " + headers["Subject"])
        for mid in source_ids():
            self.assertIn(mid, listed)
        # And the full text of one entry, as journalctl -x would show it.
        mid, _, body = self.entries[0]
        p = subprocess.run([journalctl, "--root=" + root, "--dump-catalog", mid], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(body.splitlines()[0], p.stdout)


if __name__ == "__main__":
    testmain.run()
