#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Shell completion for kexecctl (data/shell-completion, docs/kexecctl.md).

bash: the completion file is sourced in a real bash and _kexecctl is called
the way readline calls it (COMP_WORDS, COMP_CWORD, COMP_LINE, COMP_POINT);
COMPREPLY is checked. zsh: the file must parse (zsh -n), and a real
interactive zsh with compinit completes lines typed into a pseudo-terminal
(tests/unit/zsh-complete.zsh, zsh/zpty). Paths come from a fake /boot
(KEXECCTL_COMPLETION_BOOT), boot entry and crash ids from a stub kexecctl
first on PATH. The option and verb lists are checked against the real
kexecctl's --help, so a new option without completion fails here."""
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
import testmain  # noqa: E402

BASH_COMPLETION = os.path.join(SRC, "data", "shell-completion", "bash", "kexecctl")
ZSH_DIR = os.path.join(SRC, "data", "shell-completion", "zsh")
KEXECCTL = os.environ.get("KEXECCTL", os.path.join(SRC, "build", "src", "ctl", "kexecctl"))

VERBS = ["status", "load", "unload", "reload", "prepare-kexec", "reboot", "is-ready", "history", "monitor", "ima",
         "list-entries", "crash", "check-kdump", "test-kdump", "estimate-crashkernel"]
ENTRIES_JSON = '[{"id":"debian-6.1.0-2-amd64.conf","title":"Debian","sort":{"id":"nested-not-an-entry"}},' \
               ' {"id" : "arch-\\"quoted\\"", "linux": "/vmlinuz"}, {"title": "no id"}]'
# As "kexecctl crash list --json=short" prints it (src/ctl/ctl-crash.c): one
# line, ListCrashes()' keys plus "id" for the completion; a panic line may
# hold anything, JSON included.
CRASH_JSON = '[{"Id":"20261124T155002Z-0f1e2d3c4b5a","Path":"/var/crash/20261124T155002Z-0f1e2d3c4b5a",' \
             '"Complete":true,"Partial":false,"Reason":"","Time":1795535402000000,"KernelRelease":"6.1.0-2-amd64",' \
             '"PanicLine":"Kernel panic - not syncing: {\\"id\\": \\"not-a-crash\\"}","DumpSize":12345,' \
             '"DumpSHA256":"ab","DumpLevel":31,"CaptureUSec":2500000,"CrashedBootId":"0f1e2d3c4b5a69788796a5b4c3d2e1f0",' \
             '"TestId":"","id":"20261124T155002Z-0f1e2d3c4b5a"},' \
             '{"Id":"20261127T080000Z-unknown","Path":"/var/crash/20261127T080000Z-unknown.partial","Complete":false,' \
             '"Partial":true,"Reason":"capture interrupted","Time":0,"KernelRelease":"","PanicLine":"","DumpSize":0,' \
             '"DumpSHA256":"","DumpLevel":-1,"CaptureUSec":0,"CrashedBootId":"","TestId":"",' \
             '"id":"20261127T080000Z-unknown"}]'
STUB = """#!/bin/sh
# stub kexecctl for test_completion: records its arguments, answers with JSON
echo "$*" >> "{log}"
[ -e "{fail}" ] && {{ echo 'not json'; echo 'Failed to connect to bus: No such file or directory' >&2; exit 1; }}
case "$*" in
  *list-entries*) cat <<'X'
{entries}
X
;;
  *"crash list"*) cat <<'X'
{crash}
X
;;
  *) exit 2 ;;
esac
"""


class CompletionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="kexecd-completion-")
        cls.boot = os.path.join(cls.tmp, "boot")
        os.makedirs(os.path.join(cls.boot, "grub"))
        for name in ("vmlinuz-6.1.0-1-amd64", "vmlinuz-6.1.0-2-amd64", "initrd.img-6.1.0-1-amd64",
                     "initrd.img-6.1.0-2-amd64", "config-6.1.0-1-amd64", "System.map-6.1.0-1-amd64"):
            open(os.path.join(cls.boot, name), "w").close()
        cls.other = os.path.join(cls.tmp, "other")
        os.makedirs(cls.other)
        open(os.path.join(cls.other, "my-kernel"), "w").close()
        cls.bin = os.path.join(cls.tmp, "bin")
        os.makedirs(cls.bin)
        cls.log = os.path.join(cls.tmp, "stub.log")
        cls.fail_flag = os.path.join(cls.tmp, "stub-fails")
        stub = os.path.join(cls.bin, "kexecctl")
        with open(stub, "w") as f:
            f.write(STUB.format(log=cls.log, fail=cls.fail_flag, entries=ENTRIES_JSON, crash=CRASH_JSON))
        os.chmod(stub, 0o755)
        cls.bash = shutil.which("bash")
        # a PATH with the tools the completion uses but no kexecctl
        cls.nobin = os.path.join(cls.tmp, "nobin")
        os.makedirs(cls.nobin)
        for tool in ("timeout", "awk"):
            os.symlink(shutil.which(tool), os.path.join(cls.nobin, tool))
        cls.env = dict(os.environ, PATH=cls.bin + ":" + os.environ.get("PATH", "/usr/bin:/bin"),
                       KEXECCTL_COMPLETION_BOOT=cls.boot, HOME=cls.tmp)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        for p in (self.log, self.fail_flag):
            if os.path.exists(p):
                os.unlink(p)

    # bash

    def complete(self, *words):
        """COMPREPLY for the command line `words`, the last being the word
        under the cursor. "=" is its own word, as readline splits it."""
        line = " ".join(words)
        script = "source %s\nCOMP_WORDS=(%s)\nCOMP_CWORD=%d\nCOMP_LINE=%s\nCOMP_POINT=%d\n" \
                 "COMPREPLY=()\n_kexecctl || exit 9\nprintf '%%s\\0' \"${COMPREPLY[@]}\"\n" % (
                     shlex.quote(BASH_COMPLETION), " ".join(shlex.quote(w) for w in words), len(words) - 1,
                     shlex.quote(line), len(line))
        p = subprocess.run([self.bash, "--norc", "--noprofile", "-c", script], cwd=self.other, env=self.env,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, "bash completion failed for %r: %s" % (line, p.stderr))
        self.assertEqual(p.stderr, "", "bash completion printed errors for %r" % line)
        return sorted(w for w in p.stdout.split("\0") if w)

    def stub_calls(self):
        if not os.path.exists(self.log):
            return []
        with open(self.log) as f:
            return f.read().splitlines()

    def test_verbs(self):
        self.assertEqual(self.complete("kexecctl", ""), sorted(VERBS))
        self.assertEqual(self.complete("kexecctl", "re"), ["reboot", "reload"])
        # after options, and after an option's value
        self.assertEqual(self.complete("kexecctl", "--kdump", "un"), ["unload"])
        self.assertEqual(self.complete("kexecctl", "--json", "pretty", "st"), ["status"])
        self.assertEqual(self.complete("kexecctl", "-H", "root@host", "mo"), ["monitor"])
        self.assertEqual(self.complete("kexecctl", "status", ""), [])

    def test_verbs_match_help(self):
        out = subprocess.run([KEXECCTL, "--help"], capture_output=True, text=True, check=True).stdout
        commands = out.split("Commands:")[1].split("Options:")[0]
        in_help = set(re.findall(r"^  ([a-z][a-z-]+)", commands, re.M))
        self.assertGreaterEqual(len(in_help), 9)
        self.assertEqual(in_help - set(VERBS), set(), "verbs in 'kexecctl --help' the completion lacks")
        self.assertEqual(in_help - set(self.complete("kexecctl", "")), set())

    def test_options_match_help(self):
        offered = {o.rstrip("=") for o in self.complete("kexecctl", "-")}
        out = subprocess.run([KEXECCTL, "--help"], capture_output=True, text=True, check=True).stdout
        in_help = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+|-[a-zA-Z])\b", out.split("Exit status")[0]))
        self.assertIn("--json", in_help)
        self.assertEqual(in_help - offered, set(), "options in 'kexecctl --help' the completion lacks")
        out = subprocess.run([KEXECCTL, "ima", "--help"], capture_output=True, text=True, check=True).stdout
        ima_help = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", out.split("Options")[1]))
        ima_offered = {o.rstrip("=") for o in self.complete("kexecctl", "ima", "status", "--")}
        self.assertEqual(ima_help - ima_offered - {"--help"}, set())
        out = subprocess.run([KEXECCTL, "ima", "replay", "--help"], capture_output=True, text=True).stdout
        replay_help = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", out.split("Options:")[1]))
        self.assertGreaterEqual(len(replay_help), 6)
        replay_offered = {o.rstrip("=") for o in self.complete("kexecctl", "ima", "replay", "--")}
        self.assertEqual(replay_help - replay_offered, set())

    def test_options_per_verb(self):
        load = self.complete("kexecctl", "load", "--")
        for o in ("--kdump", "--initrd=", "--append=", "--reuse-cmdline", "--syscall=", "--entry="):
            self.assertIn(o, load)
        self.assertNotIn("--version", load)
        self.assertNotIn("--if-kexec-queued", load)
        self.assertEqual(self.complete("kexecctl", "prepare-kexec", "--if"), ["--if-kexec-queued"])
        self.assertEqual(self.complete("kexecctl", "unload", "--k"), ["--kdump"])
        self.assertEqual(self.complete("kexecctl", "reload", "--j"), [])
        self.assertEqual(self.complete("kexecctl", "history", "--j"), ["--json="])
        self.assertEqual(self.complete("kexecctl", "crash", "list", "--j"), ["--json="])
        self.assertEqual(self.complete("kexecctl", "reboot", "-"),
                         ["--force", "--help", "--host=", "--ignore-inhibitors", "--no-ask-password", "-H", "-h", "-i"])
        self.assertEqual(self.complete("kexecctl", "is-ready", "--"),
                         ["--help", "--host=", "--kdump", "--no-ask-password", "--quiet"])
        self.assertEqual(self.complete("kexecctl", "test-kdump", "--"),
                         ["--help", "--host=", "--json=", "--no-ask-password", "--yes"])
        self.assertEqual(self.complete("kexecctl", "check-kdump", "--j"), ["--json="])
        self.assertEqual(self.complete("kexecctl", "status", "--y"), [])

    def test_option_values(self):
        self.assertEqual(self.complete("kexecctl", "--json", "=", ""), ["off", "pretty", "short"])
        self.assertEqual(self.complete("kexecctl", "status", "--json", "p"), ["pretty"])
        self.assertEqual(self.complete("kexecctl", "load", "--syscall", "=", "l"), ["legacy"])
        self.assertEqual(self.complete("kexecctl", "load", "--syscall", ""), ["auto", "file", "legacy"])
        # COMP_WORDBREAKS without "=": the word is "--syscall=f"
        self.assertEqual(self.complete("kexecctl", "load", "--syscall=f"), ["--syscall=file"])
        # a value that looks like an option is still a value
        self.assertEqual(self.complete("kexecctl", "load", "--append", "--js"), [])

    def test_is_ready_images(self):
        self.assertEqual(self.complete("kexecctl", "is-ready", ""), ["kdump", "kexec"])
        self.assertEqual(self.complete("kexecctl", "is-ready", "--quiet", "kd"), ["kdump"])
        self.assertEqual(self.complete("kexecctl", "is-ready", "kdump", ""), [])
        self.assertEqual(self.complete("kexecctl", "check-kdump", ""), [])
        self.assertEqual(self.complete("kexecctl", "test-kdump", ""), [])

    def test_load_kernel_paths_from_boot(self):
        b = self.boot
        self.assertEqual(self.complete("kexecctl", "load", ""),
                         [b + "/vmlinuz-6.1.0-1-amd64", b + "/vmlinuz-6.1.0-2-amd64"])
        self.assertEqual(self.complete("kexecctl", "load", "--kdump", b + "/vmlinuz-6.1.0-2"),
                         [b + "/vmlinuz-6.1.0-2-amd64"])
        self.assertEqual(self.complete("kexecctl", "load", b[:-2]),
                         [b + "/vmlinuz-6.1.0-1-amd64", b + "/vmlinuz-6.1.0-2-amd64"])
        # one kernel only
        self.assertEqual(self.complete("kexecctl", "load", b + "/vmlinuz-6.1.0-1-amd64", ""), [])
        # any other path: plain file name completion
        self.assertEqual(self.complete("kexecctl", "load", "my-"), ["my-kernel"])
        self.assertEqual(self.complete("kexecctl", "load", self.other + "/m"), [self.other + "/my-kernel"])

    def test_initrd_paths_from_boot(self):
        b = self.boot
        want = [b + "/initrd.img-6.1.0-1-amd64", b + "/initrd.img-6.1.0-2-amd64"]
        self.assertEqual(self.complete("kexecctl", "load", "--initrd", ""), want)
        self.assertEqual(self.complete("kexecctl", "load", "--initrd", "=", ""), want)
        self.assertEqual(self.complete("kexecctl", "load", b + "/vmlinuz-6.1.0-1-amd64", "--initrd", "=",
                                       b + "/initrd.img-6.1.0-2"), want[1:])

    def test_boot_entry_ids(self):
        want = ["arch-\"quoted\"", "debian-6.1.0-2-amd64.conf"]
        self.assertEqual(self.complete("kexecctl", "load", "--entry", ""), want)
        self.assertIn("list-entries --json=short", self.stub_calls()[0])
        self.assertIn("--no-ask-password", self.stub_calls()[0])
        self.assertEqual(self.complete("kexecctl", "load", "--entry", "=", "deb"), want[1:])
        # with --entry, no kernel path is expected
        self.assertEqual(self.complete("kexecctl", "load", "--entry", "arch", ""), [])

    def test_crash_ids(self):
        self.assertEqual(self.complete("kexecctl", "crash", ""), ["dmesg", "list", "remove", "show"])
        ids = ["20261124T155002Z-0f1e2d3c4b5a", "20261127T080000Z-unknown"]
        for sub in ("show", "dmesg", "remove"):
            self.assertEqual(self.complete("kexecctl", "crash", sub, ""), ids, sub)
        self.assertEqual(self.complete("kexecctl", "crash", "show", "20261127"), ids[1:])
        self.assertTrue(all("crash list --json=short" in c for c in self.stub_calls()), self.stub_calls())
        self.assertEqual(self.complete("kexecctl", "crash", "list", ""), [])
        self.assertEqual(self.complete("kexecctl", "crash", "show", ids[0], ""), [])
        # the remote host is asked, not the local one
        self.complete("kexecctl", "-H", "root@box", "crash", "show", "")
        self.assertIn("--host=root@box", self.stub_calls()[-1])

    def test_ids_when_kexecctl_fails(self):
        open(self.fail_flag, "w").close()
        self.assertEqual(self.complete("kexecctl", "crash", "show", ""), [])
        self.assertEqual(self.complete("kexecctl", "load", "--entry", ""), [])
        self.assertEqual(len(self.stub_calls()), 2, "the stub was not asked")
        os.unlink(self.fail_flag)
        env = self.env
        self.env = dict(env, PATH=self.nobin)
        try:
            self.assertEqual(self.complete("kexecctl", "crash", "show", ""), [])
        finally:
            self.env = env

    def test_ima(self):
        self.assertEqual(self.complete("kexecctl", "ima", ""), ["export", "replay", "status", "verify"])
        self.assertEqual(self.complete("kexecctl", "ima", "export", ""), ["ascii", "binary"])
        self.assertEqual(self.complete("kexecctl", "ima", "export", "binary", ""), [])
        self.assertEqual(self.complete("kexecctl", "ima", "verify", "--json", "=", "s"), ["short"])
        self.assertEqual(self.complete("kexecctl", "ima", "replay", "--bank", "=", "sha1,sha5"), ["sha1,sha512"])
        self.assertEqual(self.complete("kexecctl", "ima", "replay", "--list-digest", "sm"), ["sm3"])
        # replay's --json is a flag: the next word is a file
        self.assertEqual(self.complete("kexecctl", "ima", "replay", "--json", "my"), ["my-kernel"])

    def test_json_ids_reader_is_shared(self):
        # The integration tests feed the real "kexecctl crash list" and
        # "list-entries" output to bash's reader only: zsh's must be the same.
        def awk(path):
            with open(path) as f:
                m = re.search(r"\n\s*awk '(.*?)'\n", f.read(), re.S)
            self.assertIsNotNone(m, path)
            return m.group(1)
        self.assertEqual(awk(os.path.join(ZSH_DIR, "_kexecctl")), awk(BASH_COMPLETION))

    # zsh

    def test_zsh_syntax(self):
        zsh = shutil.which("zsh")
        if not zsh:
            self.skipTest("zsh missing (tools/install-deps)")
        p = subprocess.run([zsh, "-n", os.path.join(ZSH_DIR, "_kexecctl")], capture_output=True, text=True)
        self.assertEqual((p.returncode, p.stderr), (0, ""))

    def zsh_complete(self, *lines):
        zsh = shutil.which("zsh")
        if not zsh:
            self.skipTest("zsh missing (tools/install-deps)")
        p = subprocess.run([zsh, "-f", os.path.join(HERE, "zsh-complete.zsh"), ZSH_DIR] + list(lines),
                           cwd=self.other, env=self.env, capture_output=True, text=True, timeout=240)
        self.assertEqual(p.returncode, 0, "zsh did not complete: %s%s" % (p.stdout, p.stderr))
        result, cur = {}, None
        for line in p.stdout.splitlines():
            if line.startswith("== "):
                cur = line[3:]
                result[cur] = set()
            elif cur is not None and line:
                result[cur].add(line)
        self.assertEqual(list(result), list(lines), p.stdout)
        return result

    def test_zsh_completes(self):
        b = self.boot
        got = self.zsh_complete("kexecctl ", "kexecctl st", "kexecctl load --", "kexecctl --json=",
                                "kexecctl load ", "kexecctl load --initrd=", "kexecctl load --entry=",
                                "kexecctl crash ", "kexecctl crash show ", "kexecctl ima ",
                                "kexecctl ima export ", "kexecctl ima replay --bank=sha1,",
                                "kexecctl prepare-kexec --", "kexecctl is-ready ", "kexecctl reboot --",
                                "kexecctl test-kdump --", "kexecctl -")
        self.assertEqual(got["kexecctl "], set(VERBS))
        self.assertEqual(got["kexecctl st"], {"status"})
        self.assertTrue({"--kdump", "--initrd", "--append", "--reuse-cmdline", "--syscall", "--entry"}
                        <= got["kexecctl load --"], got["kexecctl load --"])
        self.assertEqual(got["kexecctl --json="], {"short", "pretty", "off"})
        self.assertEqual(got["kexecctl load "], {b + "/vmlinuz-6.1.0-1-amd64", b + "/vmlinuz-6.1.0-2-amd64"})
        self.assertEqual(got["kexecctl load --initrd="],
                         {b + "/initrd.img-6.1.0-1-amd64", b + "/initrd.img-6.1.0-2-amd64"})
        self.assertEqual(got["kexecctl load --entry="], {"debian-6.1.0-2-amd64.conf", "arch-\"quoted\""})
        self.assertEqual(got["kexecctl crash "], {"list", "show", "dmesg", "remove"})
        self.assertEqual(got["kexecctl crash show "], {"20261124T155002Z-0f1e2d3c4b5a", "20261127T080000Z-unknown"})
        self.assertEqual(got["kexecctl ima "], {"status", "verify", "export", "replay"})
        self.assertEqual(got["kexecctl ima export "], {"binary", "ascii"})
        self.assertEqual(got["kexecctl ima replay --bank=sha1,"], {"sha256", "sha384", "sha512", "sm3"})
        self.assertIn("--if-kexec-queued", got["kexecctl prepare-kexec --"])
        self.assertTrue({"kexec", "kdump"} <= got["kexecctl is-ready "], got["kexecctl is-ready "])
        self.assertTrue({"--ignore-inhibitors", "--force"} <= got["kexecctl reboot --"], got["kexecctl reboot --"])
        self.assertIn("--yes", got["kexecctl test-kdump --"])
        # every option of kexecctl --help, before the verb
        out = subprocess.run([KEXECCTL, "--help"], capture_output=True, text=True, check=True).stdout
        in_help = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+|-[a-zA-Z])\b", out.split("Exit status")[0]))
        self.assertEqual(in_help - got["kexecctl -"], set(), "options in 'kexecctl --help' zsh does not offer")

    def test_zsh_ids_when_kexecctl_fails(self):
        open(self.fail_flag, "w").close()
        got = self.zsh_complete("kexecctl crash show ", "kexecctl load --entry=")
        self.assertEqual(got, {"kexecctl crash show ": set(), "kexecctl load --entry=": set()})


if __name__ == "__main__":
    testmain.run()
