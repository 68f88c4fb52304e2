#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""org.kexecd1(5) documents what the daemon exports.

kexecd runs on the fake backend (tests/integration/fixture.py); its
introspection of /org/kexecd1 and both image objects is compared with the
page. For every org.kexecd1.* interface, in the page section that
SECTION_OF names:
  - every method is in the interface listing with its full signature,
    "Name(in s image, ..., out a{sv} status);", and is a term "Name(...)";
  - every signal likewise, "Name(t time, ...);";
  - every property is in the listing as "readonly TYPE Name" and is
    described by a term that says "Name (TYPE)".
An interface the page does not know fails the test."""
import os
import sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from fixture import KexecdTestCase, main  # noqa: E402
import manpage  # noqa: E402

PAGE = "org.kexecd1.5"
SECTION_OF = {"org.kexecd1.Manager": "THE MANAGER OBJECT", "org.kexecd1.Image": "THE IMAGE OBJECTS"}
OBJECTS = ["/org/kexecd1", "/org/kexecd1/image/kexec", "/org/kexecd1/image/kdump"]


def signature(member, directions):
    args = []
    for a in member.findall("arg"):
        prefix = (a.get("direction") or "in") + " " if directions else ""
        args.append("%s%s %s" % (prefix, a.get("type"), a.get("name")))
    return "%s(%s);" % (member.get("name"), ", ".join(args))


class ManPageIntrospectionTest(KexecdTestCase):
    def test_page_documents_every_member(self):
        interfaces = {}
        for path in OBJECTS:
            xml = self.bus.get_object("org.kexecd1", path).Introspect(
                dbus_interface="org.freedesktop.DBus.Introspectable")
            for iface in ET.fromstring(xml).findall("interface"):
                if iface.get("name").startswith("org.kexecd1."):
                    interfaces[iface.get("name")] = iface
        self.assertEqual(set(interfaces), set(SECTION_OF) & set(interfaces),
                         "interfaces without a section in org.kexecd1(5)")
        self.assertIn("org.kexecd1.Manager", interfaces)

        missing = []
        for name, iface in sorted(interfaces.items()):
            lines = manpage.section(PAGE, SECTION_OF[name])
            text = manpage.flat(lines)
            terms = manpage.terms(lines)
            members = [(m, True) for m in iface.findall("method")] + [(s, False) for s in iface.findall("signal")]
            self.assertTrue(members or iface.findall("property"))
            for member, directions in members:
                sig = signature(member, directions)
                if sig not in text:
                    missing.append("%s: %s not in the listing" % (name, sig))
                if not any(t.startswith(member.get("name") + "(") for t in terms):
                    missing.append("%s: no term for %s" % (name, member.get("name")))
            for prop in iface.findall("property"):
                access = {"read": "readonly", "readwrite": "readwrite", "write": "writeonly"}[prop.get("access")]
                listed = "%s %s %s" % (access, prop.get("type"), prop.get("name"))
                if listed not in text:
                    missing.append("%s: %r not in the listing" % (name, listed))
                described = "%s (%s)" % (prop.get("name"), prop.get("type"))
                if not any(described in t for t in terms):
                    missing.append("%s: no term says %r" % (name, described))
        self.assertEqual(missing, [], "org.kexecd1(5) is behind the daemon")


if __name__ == "__main__":
    main()
