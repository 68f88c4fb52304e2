#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Calls org.kexecd1.Manager methods from another process, usually as an
unprivileged user (the fixture runs it under setpriv), and prints one JSON
line per call: {"ok": true} or {"error": name, "message": text}.

  bus_client.py ADDRESS CALLS_JSON [--parallel]

CALLS_JSON is a list of [method, [args...], options] with options
{"interactive_flag": bool}. With --parallel all calls are sent at once and
the replies collected as they come (to keep checks pending together).
"""
import json
import sys

import dbus
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib


def convert(method, args):
    if method == "Load":
        image, kernel, initrds, cmdline, options = args
        return [image, kernel, dbus.Array(initrds, signature="s"), cmdline,
                dbus.Dictionary(options, signature="sv")]
    return args


def main():
    DBusGMainLoop(set_as_default=True)
    address, calls = sys.argv[1], json.loads(sys.argv[2])
    parallel = "--parallel" in sys.argv[3:]
    bus = dbus.bus.BusConnection(address)
    obj = bus.get_object("org.kexecd1", "/org/kexecd1")
    mgr = dbus.Interface(obj, "org.kexecd1.Manager")
    results = [None] * len(calls)
    loop = GLib.MainLoop()
    pending = [len(calls)]

    def done(i, value):
        results[i] = value
        pending[0] -= 1
        if pending[0] == 0:
            loop.quit()

    for i, (method, args, _opts) in enumerate(calls):
        ok = (lambda i: lambda *a: done(i, {"ok": True}))(i)
        err = (lambda i: lambda e: done(i, {"error": e.get_dbus_name(), "message": e.get_dbus_message()}))(i)
        if parallel:
            getattr(mgr, method)(*convert(method, args), reply_handler=ok, error_handler=err, timeout=120)
        else:
            try:
                getattr(mgr, method)(*convert(method, args), timeout=120)
                ok()
            except dbus.exceptions.DBusException as e:
                err(e)
    if parallel and pending[0] > 0:
        print(json.dumps({"sent": len(calls)}), flush=True)
        loop.run()
    for r in results:
        print(json.dumps(r))


if __name__ == "__main__":
    main()
