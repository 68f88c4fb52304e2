#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The man pages render cleanly and say what the code does.

RenderTest: every page built by meson (build/man) renders with
`man --warnings -l` and `groff -ww -man -z` without a warning.

DriftTest compares the pages with the code, so that a change to one without
the other fails here:
  - kexecctl(1): every command and option `kexecctl --help` prints is a term
    of COMMANDS or OPTIONS; every command and option of `kexecctl ima --help`
    likewise ("ima status", ...), and every option of `kexecctl ima replay
    --help` a term of IMA REPLAY OPTIONS;
  - kexecd(8), kexecd-shutdown(8), kexecd-capture(8): every option their
    --help prints is a term of OPTIONS;
  - kexecd.conf(5): every section the parser in src/shared/config.c accepts
    has a "[Name] SECTION", and each key it accepts there (in the handler or
    in the parse_*_key() function it calls for the section) is a term of it
    ("Key="), or is named there and is a term of a section it refers to
    ([Kdump] takes "the same keys as [Kexec]");
  - org.kexecd1(5): every error name src/shared/errors.c maps is a term of
    ERRORS, and no other org.kexecd1.Error.* is; every polkit action of
    policy/org.kexecd1.policy is a term of AUTHORIZATION.
The methods, properties and signals are compared with the running daemon's
introspection in tests/man/test_man_dbus.py (integration suite)."""
import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import manpage  # noqa: E402
from manpage import SRC  # noqa: E402
from testmain import run  # noqa: E402

BUILD = os.path.join(SRC, "build")
KEXECD = os.environ.get("KEXECD", os.path.join(BUILD, "src", "daemon", "kexecd"))
KEXECCTL = os.environ.get("KEXECCTL", os.path.join(BUILD, "src", "ctl", "kexecctl"))
KEXECD_SHUTDOWN = os.environ.get("KEXECD_SHUTDOWN", os.path.join(BUILD, "src", "shutdown", "kexecd-shutdown"))
KEXECD_CAPTURE = os.environ.get("KEXECD_CAPTURE", os.path.join(BUILD, "src", "capture", "kexecd-capture"))


def read(*parts):
    with open(os.path.join(SRC, *parts), encoding="utf-8") as f:
        return f.read()


def strip_c_comments(code):
    return re.sub(r"/\*.*?\*/|//[^\n]*", "", code, flags=re.S)


def help_of(*argv):
    p = subprocess.run(list(argv), capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    if p.returncode != 0:
        raise AssertionError("%s exited %d: %s" % (" ".join(argv), p.returncode, p.stderr))
    return manpage.help_blocks(p.stdout)


def documented_options(page, heading):
    found = set()
    for term in manpage.terms(manpage.section(page, heading)):
        found |= set(manpage.option_names(term))
    return found


def help_options(blocks, *titles):
    found = set()
    for title in titles:
        if title not in blocks:
            raise AssertionError("--help has no %r block (it has %s)" % (title, sorted(blocks)))
        for term in blocks[title]:
            found |= set(manpage.option_names(term))
    return found


class RenderTest(unittest.TestCase):
    def test_pages_render_without_warnings(self):
        for page in manpage.PAGES:
            with self.subTest(page=page):
                self.assertEqual(manpage.warnings(page), [])
                self.assertIn("NAME", manpage.sections(page))


class DriftTest(unittest.TestCase):
    def assertDocumented(self, wanted, documented, where):
        missing = sorted(set(wanted) - set(documented))
        self.assertEqual(missing, [], "in the code but not in %s" % where)

    def test_kexecctl_commands_and_options(self):
        blocks = help_of(KEXECCTL, "--help")
        verbs = {term.split()[0] for term in blocks.get("Commands", [])}
        options = help_options(blocks, "Commands", "Options")
        # A --help whose layout the parser no longer understands must not
        # pass with nothing to compare.
        self.assertTrue({"status", "load", "ima"} <= verbs, verbs)
        self.assertTrue({"--kdump", "--json", "--if-kexec-queued"} <= options, options)

        commands = manpage.terms(manpage.section("kexecctl.1", "COMMANDS"))
        documented_verbs = {" ".join(t.split()[:2]) if t.startswith("ima ") else t.split()[0] for t in commands}
        self.assertDocumented(verbs - {"ima"}, documented_verbs, "kexecctl(1) COMMANDS")
        self.assertDocumented(options, documented_options("kexecctl.1", "OPTIONS"), "kexecctl(1) OPTIONS")

        ima = help_of(KEXECCTL, "ima", "--help")
        ima_verbs = {"ima " + term.split()[0] for term in ima.get("Commands", [])}
        self.assertTrue({"ima status", "ima replay"} <= ima_verbs, ima_verbs)
        self.assertDocumented(ima_verbs, documented_verbs, "kexecctl(1) COMMANDS")
        ima_options = {o for title in ima if title.startswith("Options") for o in help_options(ima, title)}
        self.assertIn("--no-ask-password", ima_options)
        self.assertDocumented(ima_options, documented_options("kexecctl.1", "OPTIONS"), "kexecctl(1) OPTIONS")

        replay = help_options(help_of(KEXECCTL, "ima", "replay", "--help"), "Options")
        self.assertIn("--pcr", replay)
        self.assertDocumented(replay, documented_options("kexecctl.1", "IMA REPLAY OPTIONS"),
                              "kexecctl(1) IMA REPLAY OPTIONS")

    def test_kexecd_options(self):
        options = help_options(help_of(KEXECD, "--help"), "Options")
        self.assertIn("--fake-root", options)
        self.assertDocumented(options, documented_options("kexecd.8", "OPTIONS"), "kexecd(8) OPTIONS")

    def test_kexecd_shutdown_options(self):
        options = help_options(help_of(KEXECD_SHUTDOWN, "--help"), "Options")
        self.assertIn("--state-dir", options)
        self.assertDocumented(options, documented_options("kexecd-shutdown.8", "OPTIONS"), "kexecd-shutdown(8) OPTIONS")

    def test_kexecd_capture_options(self):
        options = help_options(help_of(KEXECD_CAPTURE, "--help"), "Options")
        self.assertIn("--show-config", options)
        self.assertDocumented(options, documented_options("kexecd-capture.8", "OPTIONS"), "kexecd-capture(8) OPTIONS")

    def test_config_sections_and_keys(self):
        code = strip_c_comments(read("src", "shared", "config.c"))

        def body(function):
            m = re.search(r"\n[^\n]*\b%s\([^)]*\)\s*\{(.*?)\n\}\n" % function, code, re.S)
            self.assertIsNotNone(m, "%s() not found in config.c" % function)
            return m.group(1)

        image_keys, kdump_keys = set(), set()
        for m in re.finditer(r'(kdump\s*&&\s*)?streq\(name,\s*"(\w+)"\)', body("parse_image_key")):
            (kdump_keys if m.group(1) else image_keys).add(m.group(2))
        # The handler: the text after each streq(section, "X") up to the
        # next one belongs to section X.
        handler = body("config_ini_handler")
        parts = re.split(r'streq\(section,\s*"(\w+)"\)', handler)
        keys = {}
        for name, chunk in zip(parts[1::2], parts[2::2]):
            keys[name] = set(re.findall(r'streq\(name,\s*"(\w+)"\)', chunk))
            if "parse_image_key(" in chunk:
                keys[name] |= image_keys
                if re.search(r"parse_image_key\([^;]*\btrue\b", chunk):
                    keys[name] |= kdump_keys
            # Any other section parser (parse_capture_key, ...): its keys.
            for function in set(re.findall(r"\b(parse_\w+_key)\(", chunk)) - {"parse_image_key"}:
                keys[name] |= set(re.findall(r'streq\(name,\s*"(\w+)"\)', body(function)))
        self.assertTrue({"Kexec", "Kdump", "Hotplug", "Capture"} <= set(keys), keys)
        self.assertIn("ExtraCmdline", keys["Kdump"])
        self.assertTrue({"Cmdline", "Entry"} <= keys["Kexec"], keys["Kexec"])
        self.assertTrue({"DumpDir", "FinalAction", "FailureAction", "HookTimeoutSec"} <= keys["Capture"], keys["Capture"])

        page = manpage.sections("kexecd.conf.5")

        def key_terms(heading):
            return {t[:-1] for t in manpage.terms(page.get(heading, [])) if re.fullmatch(r"\w+=", t)}

        for name, wanted in sorted(keys.items()):
            heading = "[%s] SECTION" % name
            self.assertIn(heading, page, "kexecd.conf(5) lacks a %r section" % heading)
            text = manpage.flat(page[heading])
            # A key is a term of its section, or the section names it and
            # refers to one where it is a term ("the same keys as [Kexec]").
            documented = key_terms(heading)
            for other in re.findall(r"\[(\w+)\]", text):
                documented |= {k for k in key_terms("[%s] SECTION" % other) if k + "=" in text}
            self.assertDocumented(wanted, documented, "kexecd.conf(5) %s" % heading)

    def test_errors_and_polkit_actions(self):
        header = read("src", "shared", "errors.h")
        names = dict(re.findall(r'#define\s+(KEXECD_ERROR_\w+)\s+KEXECD_ERROR_PREFIX\s+"(\w+)"', header))
        mapped = re.findall(r"SD_BUS_ERROR_MAP\(\s*(KEXECD_ERROR_\w+)", strip_c_comments(read("src", "shared", "errors.c")))
        self.assertGreater(len(mapped), 20, "the SD_BUS_ERROR_MAP regex found almost nothing")
        code = {"org.kexecd1.Error." + names[m] for m in mapped}
        terms = {t for t in manpage.terms(manpage.section("org.kexecd1.5", "ERRORS")) if t.startswith("org.kexecd1.Error.")}
        self.assertDocumented(code, terms, "org.kexecd1(5) ERRORS")
        self.assertEqual(sorted(terms - code), [], "org.kexecd1(5) ERRORS lists errors the code does not have")

        actions = set(re.findall(r'<action id="([\w.-]+)"', read("policy", "org.kexecd1.policy")))
        self.assertIn("org.kexecd1.load", actions)
        self.assertDocumented(actions, manpage.terms(manpage.section("org.kexecd1.5", "AUTHORIZATION")),
                              "org.kexecd1(5) AUTHORIZATION")


if __name__ == "__main__":
    run()
