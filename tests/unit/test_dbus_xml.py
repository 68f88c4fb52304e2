#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""data/dbus/org.kexecd1.*.xml work for bindings: gdbus-codegen generates C
code from each file and that code compiles against GIO. (That the files
match the daemon is test_introspection_xml, in the integration suite.)"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
import testmain  # noqa: E402

XML_DIR = os.environ.get("KEXECD_DBUS_XML_DIR", os.path.join(SRC, "data", "dbus"))
FILES = {"org.kexecd1.Manager": ["load", "unload", "reload", "status", "prepare_kexec", "get_history",
                                 "verify_ima", "export_ima_log"],
         "org.kexecd1.Image": []}


class DbusXmlTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="kexecd-dbus-xml-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def test_one_interface_per_file(self):
        for name in FILES:
            node = ET.parse(os.path.join(XML_DIR, name + ".xml")).getroot()
            self.assertEqual(node.tag, "node")
            self.assertEqual([i.get("name") for i in node.findall("interface")], [name],
                             "%s.xml must hold exactly its own interface (no org.freedesktop.DBus.*)" % name)
            self.assertEqual(node.findall("node"), [], "%s.xml: no child nodes" % name)

    def test_names_and_signatures_are_valid(self):
        # gdbus-codegen does not check them: GLib's own rules do.
        from gi.repository import Gio, GLib
        for name in FILES:
            with open(os.path.join(XML_DIR, name + ".xml")) as f:
                info = Gio.DBusNodeInfo.new_for_xml(f.read())
            iface = info.interfaces[0]
            self.assertTrue(Gio.dbus_is_interface_name(iface.name), iface.name)
            members = [(m.name, [a.signature for a in list(m.in_args or []) + list(m.out_args or [])])
                       for m in iface.methods or []]
            members += [(s.name, [a.signature for a in s.args or []]) for s in iface.signals or []]
            members += [(p.name, [p.signature]) for p in iface.properties or []]
            self.assertTrue(members, "%s.xml declares nothing" % name)
            for member, sigs in members:
                self.assertTrue(Gio.dbus_is_member_name(member), "%s: bad member name %r" % (name, member))
                for sig in sigs:
                    self.assertTrue(GLib.variant_type_string_is_valid(sig), "%s.%s: bad signature %r" % (name, member, sig))

    def test_gdbus_codegen(self):
        codegen = shutil.which("gdbus-codegen")
        pkgconf = shutil.which("pkg-config")
        if not codegen or not pkgconf:
            self.skipTest("gdbus-codegen or pkg-config missing (tools/install-deps)")
        cflags = subprocess.run([pkgconf, "--cflags", "gio-2.0"], capture_output=True, text=True)
        if cflags.returncode != 0:
            self.skipTest("gio-2.0 development files missing (tools/install-deps)")
        for name, methods in FILES.items():
            with self.subTest(interface=name):
                out = os.path.join(self.tmp, name.replace(".", "-"))
                p = subprocess.run([codegen, "--interface-prefix", "org.kexecd1.", "--c-namespace", "Kexecd",
                                    "--generate-c-code", out, os.path.join(XML_DIR, name + ".xml")],
                                   capture_output=True, text=True)
                self.assertEqual(p.returncode, 0, "gdbus-codegen refused %s.xml:\n%s" % (name, p.stderr))
                with open(out + ".h") as f:
                    header = f.read()
                base = "kexecd_" + name.split(".")[-1].lower()
                self.assertIn(base + "_proxy_new_sync", header)
                for m in methods:
                    self.assertIn("%s_call_%s_sync" % (base, m), header)
                if name == "org.kexecd1.Image":
                    self.assertTrue(re.search(base + r"_get_kernel\b", header), "no Kernel property getter")
                cc = os.environ.get("CC", "cc")
                p = subprocess.run([cc, "-c", "-Wall", "-Werror", "-Wno-unused-parameter", "-o", out + ".o",
                                    out + ".c", "-I", self.tmp] + cflags.stdout.split(),
                                   capture_output=True, text=True)
                self.assertEqual(p.returncode, 0, "the code generated from %s.xml does not compile:\n%s"
                                 % (name, p.stderr[-3000:]))


if __name__ == "__main__":
    testmain.run()
