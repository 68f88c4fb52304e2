#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Docs equal code, and what docs/kexecctl.md promises holds.

DocsTest reads files only (no daemon, no bus):
  - history events: the backticked names in the first column of the table
    under "### History events" in docs/dbus-api.md (up to the next heading)
    must be exactly the event strings src/daemon/*.c passes to
    manager_record(m, image, "event", ...);
  - ImaStatus values: the backticked names in the first column of the table
    under "#### `ImaStatus` values" in docs/dbus-api.md must be exactly the
    string literals assigned with snprintf(X->status, sizeof(...), ...) in
    src/ima/*.c and src/daemon/*.c (every literal of the expression, so
    `r == -ENOENT ? "disabled" : "unknown"` gives both);
  - links: every docs/NAME.md named in docs/*.md and README.md, and every
    Markdown link target ending in .md, is an existing file;
  - src/ctl prints no "(null)": no printf-style call there passes
    json_object_get_string() or a format_*() result without strempty()/strna().

KexecctlContractTest runs kexecctl against kexecd (the fixture) for the
contract docs/kexecctl.md states: --json=pretty is indented for every
command that prints JSON, `ima status|verify` take kexecctl's options after
the command too, and no nonzero exit status comes without a message on
stderr.
"""
import glob
import json
import os
import re
import subprocess
import unittest

from fixture import KEXECCTL, SRC, KexecdTestCase, main

DOCS = os.path.join(SRC, "docs")


def read(*parts):
    with open(os.path.join(SRC, *parts), encoding="utf-8") as f:
        return f.read()


def strip_c_comments(text):
    return re.sub(r"/\*.*?\*/|//[^\n]*", "", text, flags=re.S)


def section(markdown, heading):
    """The text after the line `heading` up to the next Markdown heading."""
    lines = markdown.splitlines()
    try:
        start = lines.index(heading)
    except ValueError:
        raise AssertionError("heading %r not found" % heading)
    out = []
    for line in lines[start + 1:]:
        if line.startswith("#"):
            break
        out.append(line)
    return out


def first_column_names(lines):
    """`name` in the first cell of each table row (header and separator
    rows have no backticked first cell)."""
    names = []
    for line in lines:
        m = re.match(r"\|\s*`([^`]+)`\s*\|", line)
        if m:
            names.append(m.group(1))
    return names


def documented_events():
    return first_column_names(section(read("docs", "dbus-api.md"), "### History events"))


def documented_ima_statuses():
    return first_column_names(section(read("docs", "dbus-api.md"), "#### `ImaStatus` values"))


def code_events():
    events = set()
    for path in sorted(glob.glob(os.path.join(SRC, "src", "daemon", "*.c"))):
        with open(path, encoding="utf-8") as f:
            code = strip_c_comments(f.read())
        events |= set(re.findall(r'manager_record\([^,]+,[^,]+,\s*"([a-z-]+)"', code))
    return events


def code_ima_statuses():
    values = set()
    for path in sorted(glob.glob(os.path.join(SRC, "src", "ima", "*.c")) +
                       glob.glob(os.path.join(SRC, "src", "daemon", "*.c"))):
        with open(path, encoding="utf-8") as f:
            code = strip_c_comments(f.read())
        for expr in re.findall(r"snprintf\(\s*[\w.>-]*\bstatus\s*,\s*sizeof\([^)]*\)\s*,\s*([^;]*)\);", code):
            values |= {v for v in re.findall(r'"([^"]*)"', expr) if "%" not in v}
    return values


def code_cmdline_rules():
    """(action, key or key=value, images, arch, reason) of every RULE() line."""
    code = strip_c_comments(read("src", "shared", "cmdline-rules.c"))
    images = {"BOTH": "both", "KDUMP": "kdump", "KEXEC": "kexec"}
    arches = {"ALL": "all", "X86_64": "x86_64", "AARCH64": "aarch64"}
    return [(action.lower(), arg, images[img], arches[arch], reason)
            for action, img, arch, arg, reason in
            re.findall(r'RULE\((DROP|ADD), (\w+), (\w+), "([^"]+)", "([^"]+)"\)', code)]


def documented_cmdline_rules():
    rows = []
    for line in section(read("docs", "configuration.md"), "### Crash kernel rules"):
        m = re.match(r"\|\s*(drop|add) `([^`]+)`\s*\|\s*(\w+)\s*\|\s*(\w+)\s*\|\s*(.*?)\s*\|$", line)
        if m:
            action, arg = m.group(1), m.group(2)
            if action == "drop":
                arg = arg.rstrip("=")
            rows.append((action, arg, m.group(3), m.group(4), m.group(5)))
    return rows


class DocsTest(unittest.TestCase):
    def test_cmdline_rules_documented_are_those_in_code(self):
        code = code_cmdline_rules()
        self.assertGreater(len(code), 15, "the RULE() regex found almost nothing: %s" % code)
        documented = documented_cmdline_rules()
        self.assertEqual(documented, code, "docs/configuration.md's crash kernel rules differ from "
                         "src/shared/cmdline-rules.c (same order, same reasons)")

    def test_history_events_documented_are_those_recorded(self):
        documented = documented_events()
        self.assertEqual(len(documented), len(set(documented)), "an event is listed twice: %s" % documented)
        code = code_events()
        self.assertGreater(len(code), 10, "the manager_record() regex found almost nothing: %s" % sorted(code))
        self.assertEqual(set(documented), code,
                         "docs/dbus-api.md lists events never recorded: %s; recorded but not listed: %s" %
                         (sorted(set(documented) - code), sorted(code - set(documented))))

    def test_ima_status_values_documented_are_those_set(self):
        documented = documented_ima_statuses()
        self.assertEqual(len(documented), len(set(documented)), "a value is listed twice: %s" % documented)
        code = code_ima_statuses()
        self.assertIn("verified", code, "the status regex found almost nothing: %s" % sorted(code))
        self.assertEqual(set(documented), code,
                         "docs/dbus-api.md lists ImaStatus values never set: %s; set but not listed: %s" %
                         (sorted(set(documented) - code), sorted(code - set(documented))))

    def test_doc_links_exist(self):
        files = sorted(glob.glob(os.path.join(DOCS, "*.md"))) + [os.path.join(SRC, "README.md")]
        broken = []
        for path in files:
            with open(path, encoding="utf-8") as f:
                text = f.read()
            rel = os.path.relpath(path, SRC)
            # docs/NAME.md anywhere (prose, tables, code spans): relative to
            # the top of the source tree.
            for ref in re.findall(r"(?<![\w/.-])(docs/[\w.-]+\.md)\b", text):
                if not os.path.exists(os.path.join(SRC, ref)):
                    broken.append("%s: %s" % (rel, ref))
            # Markdown links [text](target.md#anchor): relative to the file.
            for ref in re.findall(r"\]\(([^)#\s]+\.md)(?:#[^)]*)?\)", text):
                if not re.match(r"[a-z]+://", ref) and not os.path.exists(os.path.join(os.path.dirname(path), ref)):
                    broken.append("%s: %s" % (rel, ref))
        self.assertEqual(broken, [], "links to files that do not exist")

    def test_ctl_prints_no_null(self):
        """printf("%s", NULL) prints "(null)": json_object_get_string() of a
        missing value and the format_*() helpers (NULL when out of memory)
        must be wrapped in strempty()/strna() where kexecctl prints them."""
        calls = r"\b(?:printf|fprintf|snprintf|asprintf|field|puts)\s*\("
        bad = []
        for path in sorted(glob.glob(os.path.join(SRC, "src", "ctl", "*.c"))):
            with open(path, encoding="utf-8") as f:
                code = strip_c_comments(f.read())
            formatted = set(re.findall(r"\b(\w+)\s*=\s*format_\w+\(", code))
            for m in re.finditer(calls, code):
                # The call's text, to its closing parenthesis.
                depth, i = 1, m.end()
                while depth and i < len(code):
                    depth += {"(": 1, ")": -1}.get(code[i], 0)
                    i += 1
                call = code[m.end():i - 1]
                line = code.count("\n", 0, m.start()) + 1
                unwrapped = re.sub(r"\b(?:strempty|strna)\s*\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)", "", call)
                if "json_object_get_string(" in unwrapped:
                    bad.append("%s:%d: json_object_get_string() unwrapped" % (os.path.basename(path), line))
                for arg in re.split(r",", unwrapped)[1:]:
                    if arg.strip() in formatted:
                        bad.append("%s:%d: %s (from format_*()) unwrapped" % (os.path.basename(path), line, arg.strip()))
        self.assertEqual(bad, [])


class KexecctlContractTest(KexecdTestCase):
    def test_ima_status_json_modes(self):
        short = self.kexecctl("--json=short", "ima", "status", check=0)
        self.assertEqual(short.stdout.count("\n"), 1, short.stdout)
        value = json.loads(short.stdout)
        self.assertEqual(set(value), {"ImaStatus", "ImaBootsInChain", "ImaMeasurements"})
        self.assertIn(value["ImaStatus"], documented_ima_statuses())
        # The global option before "ima", and kexecctl's options after the
        # command ("ima" stops kexecctl's own option parsing).
        for args in (("--json=pretty", "ima", "status"), ("ima", "status", "--json=pretty"),
                     ("ima", "status", "--json", "pretty")):
            p = self.kexecctl(*args, check=0)
            self.assertEqual(json.loads(p.stdout), value, args)
            self.assertIn("\n  ", p.stdout, "%s is not pretty: %r" % (" ".join(args), p.stdout))
        p = self.kexecctl("--json=pretty", "ima", "status", "--json=short", check=0)
        self.assertEqual(p.stdout.count("\n"), 1, "the later --json= wins")
        p = self.kexecctl("ima", "status", "--json=off", check=0)
        self.assertIn("IMA chain: " + value["ImaStatus"], p.stdout)

    def test_ima_verify_json_pretty(self):
        p = self.kexecctl("ima", "verify", "--json=pretty")
        self.assertIn(p.returncode, (0, 1, 9), p.stderr)
        self.assertIn(json.loads(p.stdout)["Status"], documented_ima_statuses())
        self.assertIn("\n  ", p.stdout)

    def test_nonzero_exit_has_a_message(self):
        usage = [
            ["load"], ["load", "a", "b"], ["frobnicate"], ["--json=yaml", "status"], ["status", "--initrd", "x"],
            ["--syscall=magic", "load", self.kernel], ["--bogus"], ["history", "x"], ["status", "x"],
            ["ima"], ["ima", "frobnicate"], ["ima", "status", "extra"], ["ima", "verify", "extra"],
            ["ima", "status", "--json=yaml"], ["ima", "status", "--json"], ["ima", "status", "--kdump"],
            ["ima", "status", "-x"], ["ima", "export"], ["ima", "export", "xml"], ["ima", "export", "binary", "x"],
        ]
        for args in usage:
            p = self.kexecctl(*args)
            self.assertEqual(p.returncode, 2, "%s: rc=%d stderr=%r" % (args, p.returncode, p.stderr))
            self.assertTrue(p.stderr.strip(), "kexecctl %s exits 2 without a message" % " ".join(args))

    def test_load_from_a_removed_directory_says_why(self):
        """A relative path cannot be made absolute when the current
        directory is gone: say so (it exited 1 in silence)."""
        gone = os.path.join(self.dir, "gone")
        os.mkdir(gone)
        p = subprocess.run(["sh", "-c", 'cd "$1" && rmdir "$1" && exec "$2" load vmlinuz', "sh", gone, KEXECCTL],
                           capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("vmlinuz", p.stderr)
        self.assertIn("current directory", p.stderr)


if __name__ == "__main__":
    main()
