#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The names in docs/dbus-api.md are what the daemon exports."""
import re
import xml.etree.ElementTree as ET

from fixture import KexecdTestCase, main

MANAGER_METHODS = {"Load", "Unload", "Reload", "Status", "PrepareKexec", "GetHistory", "ListBootEntries"}
MANAGER_PROPERTIES = {"Version", "KernelRelease", "CrashKernelSize", "Lockdown", "KexecLoadDisabled",
                      "LoadLimitReboot", "LoadLimitPanic", "LayoutGeneration"}
IMAGE_PROPERTIES = {"Name", "Loaded", "Kernel", "Initrds", "Cmdline", "KernelSHA256", "KernelFormat", "Syscall",
                    "SyscallReason", "LoadedAt", "LoadDurationUSec", "LastError", "Stale", "LayoutGeneration",
                    "ReloadCount", "LastReloadReason", "Degraded", "Entry"}


class IntrospectionTest(KexecdTestCase):
    def introspect(self, path):
        xml = self.bus.get_object("org.kexecd1", path).Introspect(dbus_interface="org.freedesktop.DBus.Introspectable")
        return ET.fromstring(xml)

    def interface(self, root, name):
        for i in root.findall("interface"):
            if i.get("name") == name:
                return i
        self.fail("interface %s missing" % name)

    def test_manager(self):
        root = self.introspect("/org/kexecd1")
        iface = self.interface(root, "org.kexecd1.Manager")
        methods = {m.get("name"): m for m in iface.findall("method")}
        self.assertTrue(MANAGER_METHODS <= set(methods), set(methods))
        props = {p.get("name") for p in iface.findall("property")}
        self.assertTrue(MANAGER_PROPERTIES <= props, props)
        self.assertIn("HistoryEvent", {s.get("name") for s in iface.findall("signal")})
        load = [(a.get("name"), a.get("type")) for a in methods["Load"].findall("arg") if a.get("direction") != "out"]
        self.assertEqual(load, [("image", "s"), ("kernel", "s"), ("initrds", "as"), ("cmdline", "s"),
                                ("options", "a{sv}")])
        self.assertEqual([(a.get("name"), a.get("type")) for a in methods["Unload"].findall("arg")],
                         [("image", "s"), ("interactive", "b")])
        self.assertEqual([a.get("type") for a in methods["Status"].findall("arg")], ["a{sv}"])
        self.assertEqual([a.get("type") for a in methods["GetHistory"].findall("arg")], ["u", "a(tsss)"])
        self.assertEqual([(a.get("name"), a.get("type")) for a in methods["ListBootEntries"].findall("arg")],
                         [("entries", "a(ssssasssb)")])
        children = {n.get("name") for n in root.findall("node")}
        self.assertIn("image", children)

    def test_images(self):
        for image in ("kexec", "kdump"):
            root = self.introspect("/org/kexecd1/image/" + image)
            iface = self.interface(root, "org.kexecd1.Image")
            props = {p.get("name"): p.get("type") for p in iface.findall("property")}
            self.assertTrue(IMAGE_PROPERTIES <= set(props), set(props))
            self.assertEqual(props["Initrds"], "as")
            self.assertEqual(props["LoadedAt"], "t")

    def test_documented_errors_exist(self):
        import os
        doc = open(os.path.join(os.path.dirname(__file__), "..", "..", "docs", "dbus-api.md")).read()
        header = open(os.path.join(os.path.dirname(__file__), "..", "..", "src", "shared", "errors.h")).read()
        documented = set(re.findall(r"^\| `(\w+)` \| E\w+ \|", doc, re.M))
        defined = set(re.findall(r'KEXECD_ERROR_PREFIX "(\w+)"', header))
        self.assertEqual(documented, defined)


if __name__ == "__main__":
    main()
