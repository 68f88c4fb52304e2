#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""data/dbus/org.kexecd1.*.xml say what the running daemon introspects as,
up to attribute order and whitespace (tools/update-introspection rewrites
them)."""
import difflib

import introspection_xml as ix
from fixture import KexecdTestCase, main

HINT = "data/dbus is out of date: run tools/update-introspection (after ninja -C build) and commit the result"


class IntrospectionXmlTest(KexecdTestCase):
    def compare(self, interface, path):
        iface = ix.interface_element(ix.introspect(self.bus, path), interface)
        self.assertIsNotNone(iface, "%s does not implement %s" % (path, interface))
        live = ix.normal_form(iface)
        shipped = ix.normal_file(ix.path_of(interface), interface)
        if live != shipped:
            diff = "\n".join(difflib.unified_diff(shipped, live, "data/dbus/%s.xml" % interface,
                                                  "daemon %s" % path, lineterm=""))
            self.fail("%s differs from the running daemon:\n%s\n%s" % (interface, diff, HINT))

    def test_manager(self):
        self.compare("org.kexecd1.Manager", "/org/kexecd1")

    def test_images(self):
        # Both image objects share the one interface file.
        for image in ("kexec", "kdump"):
            with self.subTest(image=image):
                self.compare("org.kexecd1.Image", "/org/kexecd1/image/" + image)

    def test_every_kexecd_interface_is_shipped(self):
        import xml.etree.ElementTree as ET
        seen = set()
        for path in ("/org/kexecd1", "/org/kexecd1/image/kexec"):
            for i in ET.fromstring(ix.introspect(self.bus, path)).findall("interface"):
                if not i.get("name").startswith("org.freedesktop.DBus."):
                    seen.add(i.get("name"))
        self.assertEqual(seen, set(ix.INTERFACES), HINT)


if __name__ == "__main__":
    main()
