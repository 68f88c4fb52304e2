#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""kexecctl: output, JSON, exit codes, errors printed from the D-Bus error."""
import json
import os
import subprocess

from fixture import KEXECCTL, KexecdTestCase, main


class KexecctlTest(KexecdTestCase):
    def test_status_human(self):
        p = self.kexecctl(check=0)  # status is the default verb
        self.assertIn("Kernel release: 6.1.0-fake", p.stdout)
        self.assertIn("kexec image: not loaded", p.stdout)
        self.assertIn("kdump image: not loaded", p.stdout)
        self.assertIn("256.0M reserved", p.stdout)
        self.assertNotIn("\033[", p.stdout, "no colours when not on a terminal")

    def test_load_status_unload(self):
        self.allow()
        self.kexecctl("load", self.kernel, "--initrd", self.initrd, "--append", "root=/dev/sda marker=42", check=0)
        self.assertEqual(open(os.path.join(self.root, "fake/kexec.cmdline")).read(), "root=/dev/sda marker=42")
        self.kexecctl("load", "--kdump", self.kernel, "--reuse-cmdline", "--append", "console=ttyS0", check=0)
        self.assertTrue(open(os.path.join(self.root, "fake/kdump.cmdline")).read().endswith(
            "reset_devices console=ttyS0"))
        p = self.kexecctl("status", check=0)
        self.assertIn("kexec image: loaded", p.stdout)
        self.assertIn("kdump image: loaded", p.stdout)
        self.assertIn("marker=42", p.stdout)
        self.assertIn(self.initrd, p.stdout)
        st = self.status_json()
        self.assertEqual(st["kexec"]["Loaded"], True)
        self.assertEqual(st["kexec"]["Initrds"], [self.initrd])
        self.assertEqual(st["kexec"]["Cmdline"], "root=/dev/sda marker=42")
        self.assertEqual(st["kdump"]["Syscall"], "file")
        self.assertEqual(st["CrashKernelSize"], 256 << 20)
        self.assertIsInstance(st["kexec"]["LoadedAt"], int)
        p = self.kexecctl("--json=pretty", "status", check=0)
        self.assertEqual(json.loads(p.stdout), st)
        self.assertIn("\n  ", p.stdout)
        self.kexecctl("unload", check=0)
        self.kexecctl("unload", "--kdump", check=0)
        self.assertFalse(self.fake_loaded("kexec"))
        self.assertFalse(self.fake_loaded("kdump"))

    def test_relative_paths_are_resolved_against_cwd(self):
        self.allow()
        import subprocess
        p = subprocess.run([KEXECCTL, "load", "vmlinuz", "--initrd", "initrd.img"], cwd=self.dir,
                           capture_output=True, text=True, stdin=subprocess.DEVNULL)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.image_props("kexec")["Kernel"], self.kernel)

    def test_exit_codes(self):
        self.assertEqual(self.kexecctl("load", self.kernel, user="nobody", check=3).returncode, 3)  # denied
        self.allow()
        self.kexecctl("load", os.path.join(self.dir, "missing"), check=4)
        p = self.kexecctl("load", "/etc/hostname", check=4)
        self.assertIn("(org.kexecd1.Error.NotAKernel)", p.stderr)
        self.assertTrue(p.stderr.startswith("Failed to load kexec image: "))
        self.kexecctl("load", self.kernel, "--append", "x" * 3000, check=5)
        self.kexecctl("reload", check=8)
        self.kexecctl("load", check=2)
        self.kexecctl("load", "a", "b", check=2)
        self.kexecctl("frobnicate", check=2)
        self.kexecctl("--json=yaml", "status", check=2)
        self.kexecctl("status", "--initrd", "x", check=2)
        self.kexecctl("--syscall=magic", "load", self.kernel, check=2)

    def test_unreachable(self):
        self.stop_daemon()
        p = self.kexecctl("status", check=7)
        self.assertIn("org.kexecd1", p.stderr)
        self.start_daemon()

    def test_unreachable_remote_host(self):
        # -H runs `ssh ... systemd-stdio-bridge` (sd-bus): an ssh that
        # cannot reach the host ends before any reply, and that is exit 7
        # like a local bus without kexecd, not a generic failure.
        bindir = os.path.join(self.dir, "bin")
        os.makedirs(bindir)
        with open(os.path.join(bindir, "ssh"), "w") as f:
            f.write('#!/bin/sh\nprintf "%%s\\n" "$@" >%s/ssh-args\n'
                    'echo "ssh: connect to host $5 port $3: Connection refused" >&2\nexit 255\n' % self.dir)
        os.chmod(os.path.join(bindir, "ssh"), 0o755)
        p = subprocess.run([KEXECCTL, "-H", "root@192.0.2.1:2222", "status"], capture_output=True, text=True,
                           timeout=60, stdin=subprocess.DEVNULL,
                           env=dict(os.environ, PATH=bindir + os.pathsep + os.environ["PATH"]))
        self.assertEqual(p.returncode, 7, p.stderr)
        self.assertIn("Connection refused", p.stderr)
        with open(os.path.join(self.dir, "ssh-args")) as f:
            self.assertEqual(f.read().split(), ["-xT", "-p", "2222", "--", "root@192.0.2.1", "systemd-stdio-bridge"])

    def test_help_and_version(self):
        p = self.kexecctl("--help", check=0)
        for word in ("status", "load", "unload", "reload", "history", "monitor", "reboot", "--kdump", "--initrd",
                     "--append", "--reuse-cmdline", "--json", "--host", "--no-ask-password", "Exit status"):
            self.assertIn(word, p.stdout)
        self.assertRegex(self.kexecctl("--version", check=0).stdout, r"^kexecctl \d")


if __name__ == "__main__":
    main()
