# SPDX-License-Identifier: LGPL-2.1-or-later
"""The shipped introspection XML (data/dbus/org.kexecd1.*.xml) and what the
running daemon says, in one normal form. Used by tools/update-introspection
(writes the files) and test_introspection_xml.py (compares)."""
import os
import xml.etree.ElementTree as ET

SRC = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
XML_DIR = os.path.join(SRC, "data", "dbus")

# interface name -> an object that implements it
INTERFACES = {
    "org.kexecd1.Manager": "/org/kexecd1",
    "org.kexecd1.Image": "/org/kexecd1/image/kexec",
}

DOCTYPE = ('<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"\n'
           ' "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">\n')
HEADER = ("<!-- SPDX-License-Identifier: LGPL-2.1-or-later -->\n"
          "<!-- Generated from the running daemon by tools/update-introspection: do not edit. -->\n")


def path_of(interface):
    return os.path.join(XML_DIR, interface + ".xml")


def introspect(bus, path):
    return str(bus.get_object("org.kexecd1", path).Introspect(dbus_interface="org.freedesktop.DBus.Introspectable"))


def interface_element(xml_text, interface):
    """The <interface> element named `interface` of an introspection
    document, or None. Standard org.freedesktop.DBus.* interfaces and child
    nodes are left out by construction: only this one is taken."""
    for i in ET.fromstring(xml_text).findall("interface"):
        if i.get("name") == interface:
            return i
    return None


def document(iface):
    """The file a binding generator reads: one <node> with the interface."""
    node = ET.Element("node")
    node.append(iface)
    for e in node.iter():
        e.text = e.tail = None  # the daemon's own layout: ET.indent redoes it
    ET.indent(node, space="  ")
    return DOCTYPE + HEADER + ET.tostring(node, encoding="unicode") + "\n"


def normal_form(elem, depth=0):
    """Lines of `elem` with attributes sorted and whitespace dropped: two
    documents that differ only in attribute order or layout are equal.
    Element order is kept (argument order is part of the signature)."""
    attrs = " ".join('%s="%s"' % (k, elem.get(k)) for k in sorted(elem.keys()))
    lines = ["  " * depth + "<" + elem.tag + (" " + attrs if attrs else "") + ">"]
    for child in elem:
        lines += normal_form(child, depth + 1)
    return lines


def normal_file(path, interface):
    with open(path) as f:
        node = ET.fromstring(f.read())
    ifaces = node.findall("interface")
    names = [i.get("name") for i in ifaces]
    if names != [interface]:
        raise ValueError("%s: expected exactly the interface %s, found %s" % (path, interface, names))
    return normal_form(ifaces[0])
