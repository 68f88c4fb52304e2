#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""fleet-agent: a small example of a fleet agent using kexecd's D-Bus API
(docs/fleet.md). Uses only GLib's GDBus through PyGObject (python3-gi).

For each image asked about (default: kexec and kdump) it reads Status(),
reloads an image that is loaded but stale (Reload is idempotent: it loads the
spec kexecd remembers, with one load, never unload-then-load), and prints one
line per image:

    kexec: ready                      loaded and fresh
    kdump: stale                      loaded, the layout changed since
    kdump: reloaded                   ... and Reload() made it fresh again
    kdump: degraded                   loaded, but kexecd's last automatic reload failed
    kdump: not-loaded                 nothing loaded (the agent does not guess a spec)
    kexec: retry Busy in 0.5 s        a transient error, the call is repeated

With --watch SECONDS it then prints kexecd's signals for that long (or until
SIGINT/SIGTERM), one "event:" line each, and reloads an image whose Stale
property turns true:

    event: HistoryEvent kexec loaded /boot/vmlinuz-6.1.0-9-amd64 (bzImage, file, requested)
    event: PropertiesChanged kexec Loaded=true Stale=false
    event: CrashCaptured 20261129T060349Z-0123456789ab complete "Kernel panic - ..."

Exit status: 0 every image asked about is ready (after any reload),
1 one is not, 2 usage, 3 kexecd cannot be reached (no bus, not running, calls
time out), 4 a call was refused with an error that retrying does not cure
(AccessDenied, LoadFailed, ...), 5 a transient error (Busy, TooManyRequests)
outlasted the retries.

The system bus is the one GLib finds ($DBUS_SYSTEM_BUS_ADDRESS, else
/run/dbus/system_bus_socket); --address connects elsewhere, e.g. to a remote
machine's bus forwarded over SSH (docs/fleet.md).
"""
import argparse
import random
import signal
import sys
import time

from gi.repository import Gio, GLib

NAME = "org.kexecd1"
PATH = "/org/kexecd1"
MANAGER = "org.kexecd1.Manager"
IMAGE = "org.kexecd1.Image"

# Transient: the same call may succeed a moment later (docs/fleet.md).
RETRY = {
    "org.kexecd1.Error.TooManyRequests",      # too many polkit checks pending
    "org.kexecd1.Error.Busy",                 # the kernel is busy with another kexec operation
    "org.freedesktop.DBus.Error.NoReply",     # the bus timed the call out
    "org.freedesktop.DBus.Error.Timeout",
    "org.freedesktop.DBus.Error.LimitsExceeded",
}
# kexecd is not there at all: not worth retrying within one run.
UNREACHABLE = {
    "org.freedesktop.DBus.Error.ServiceUnknown",
    "org.freedesktop.DBus.Error.NameHasNoOwner",
    "org.freedesktop.DBus.Error.Disconnected",
}
EXIT_READY, EXIT_NOT_READY, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_REFUSED, EXIT_GAVE_UP = 0, 1, 2, 3, 4, 5
TIMEOUTS = {"org.freedesktop.DBus.Error.NoReply", "org.freedesktop.DBus.Error.Timeout"}


class CallFailed(Exception):
    def __init__(self, name, message):
        super().__init__("%s: %s" % (name, message))
        self.name = name


def say(line):
    print(line, flush=True)


def error_name(e):
    """The D-Bus error name of a GLib.Error from a call (or a local stand-in)."""
    remote = Gio.DBusError.get_remote_error(e)
    if remote:
        return remote
    if e.matches(Gio.io_error_quark(), Gio.IOErrorEnum.TIMED_OUT):
        return "org.freedesktop.DBus.Error.Timeout"
    if e.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CLOSED):
        return "org.freedesktop.DBus.Error.Disconnected"
    return "local.Error"


class Agent:
    def __init__(self, bus, args):
        self.bus = bus
        self.args = args

    def call(self, what, path, interface, method, params, timeout_ms=30000):
        """One method call, repeated with backoff on transient errors."""
        delay = self.args.retry_delay
        for attempt in range(self.args.retries + 1):
            try:
                return self.bus.call_sync(NAME, path, interface, method, params, None,
                                          Gio.DBusCallFlags.NONE, timeout_ms, None)
            except GLib.Error as e:
                name = error_name(e)
                message = Gio.DBusError.strip_remote_error(e) or e.message
                if name not in RETRY or attempt == self.args.retries:
                    raise CallFailed(name, message)
                # Jitter, so a fleet that failed together does not retry together.
                wait = delay * (1 + random.random() / 4)
                say("%s: retry %s in %.1f s" % (what, name.rsplit(".", 1)[-1], wait))
                time.sleep(wait)
                delay = min(delay * 2, 30)

    def status(self):
        return self.call("status", PATH, MANAGER, "Status", None).unpack()[0]

    def reload(self, image):
        # Loading reads and hashes the kernel: give it time (as kexecctl does).
        self.call(image, PATH, MANAGER, "Reload", GLib.Variant("(sb)", (image, False)), timeout_ms=120000)

    def check(self, image, props):
        """Prints the image's state, reloads it when stale; True when ready."""
        if not props.get("Loaded"):
            say("%s: not-loaded" % image)
            return False
        if props.get("Stale"):
            say("%s: stale" % image)
            if self.args.no_reload:
                return False
            self.reload(image)
            props = self.status()[image]
            if props.get("Loaded") and not props.get("Stale"):
                say("%s: reloaded" % image)
                return not props.get("Degraded")
            say("%s: still stale after Reload" % image)
            return False
        if props.get("Degraded"):
            say("%s: degraded (%s)" % (image, props.get("LastError") or "last automatic reload failed"))
            return False
        say("%s: ready" % image)
        return True

    def run_once(self):
        st = self.status()
        say("kexecd: version %s, kernel %s" % (st.get("Version"), st.get("KernelRelease")))
        ready = True
        for image in self.args.image:
            ready = self.check(image, st[image]) and ready
        return ready

    # --watch

    def on_signal(self, _conn, _sender, path, interface, member, params):
        v = params.unpack()
        if member == "HistoryEvent":
            _time, image, event, detail = v
            say("event: HistoryEvent %s %s %s" % (image or "-", event, detail))
        elif member == "CrashCaptured":
            crash_id, complete, panic, _path = v
            say('event: CrashCaptured %s %s "%s"' % (crash_id, "complete" if complete else "incomplete", panic))
        elif member == "PropertiesChanged" and v[0] == IMAGE:
            image = path.rsplit("/", 1)[-1]
            changed = v[1]
            shown = " ".join("%s=%s" % (k, str(changed[k]).lower() if isinstance(changed[k], bool) else changed[k])
                             for k in ("Loaded", "Stale", "Degraded") if k in changed)
            say("event: PropertiesChanged %s %s" % (image, shown or "(other properties)"))
            if changed.get("Stale") and not self.args.no_reload and image in self.args.image:
                # Not from inside the signal handler: let the loop breathe.
                GLib.idle_add(self.reload_from_watch, image)

    def reload_from_watch(self, image):
        try:
            self.reload(image)
            say("%s: reloaded" % image)
        except CallFailed as e:
            say("%s: reload failed: %s" % (image, e))
        return False

    def watch(self, seconds):
        loop = GLib.MainLoop()
        for interface, member in ((MANAGER, "HistoryEvent"), (MANAGER, "CrashCaptured"),
                                  ("org.freedesktop.DBus.Properties", "PropertiesChanged")):
            self.bus.signal_subscribe(NAME, interface, member, None, None, Gio.DBusSignalFlags.NONE,
                                      self.on_signal)
        for signum in (signal.SIGINT, signal.SIGTERM):
            GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signum, loop.quit)
        if seconds > 0:
            GLib.timeout_add(int(seconds * 1000), loop.quit)
        # Subscriptions travel to the bus as AddMatch calls: one round trip
        # (a Ping) makes sure they are in place before we say so.
        self.bus.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.Peer", "Ping",
                           None, None, Gio.DBusCallFlags.NONE, 10000, None)
        say("watching")
        loop.run()


def main():
    ap = argparse.ArgumentParser(description="Check kexecd's images, reload stale ones, print events.")
    ap.add_argument("--image", action="append", choices=("kexec", "kdump"),
                    help="an image to check (repeatable; default: both)")
    ap.add_argument("--no-reload", action="store_true", help="report stale images, do not reload them")
    ap.add_argument("--watch", type=float, metavar="SECONDS", default=None,
                    help="then print kexecd's signals for SECONDS (0: until SIGINT/SIGTERM)")
    ap.add_argument("--address", help="a D-Bus address instead of the system bus")
    ap.add_argument("--retries", type=int, default=4, help="retries of a transient error (default 4)")
    ap.add_argument("--retry-delay", type=float, default=0.5, help="first backoff in seconds (default 0.5)")
    args = ap.parse_args()
    args.image = args.image or ["kexec", "kdump"]
    if args.retries < 0 or args.retry_delay < 0 or (args.watch is not None and args.watch < 0):
        ap.error("--retries, --retry-delay and --watch take numbers >= 0")

    try:
        if args.address:
            bus = Gio.DBusConnection.new_for_address_sync(
                args.address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
                Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
        else:
            bus = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)
    except GLib.Error as e:
        print("fleet-agent: cannot connect to the bus: %s" % e.message, file=sys.stderr)
        return EXIT_UNREACHABLE

    agent = Agent(bus, args)
    try:
        ready = agent.run_once()
        if args.watch is not None:
            agent.watch(args.watch)
            ready = agent.run_once()            # the state after the events
    except CallFailed as e:
        print("fleet-agent: %s" % e, file=sys.stderr)
        if e.name in UNREACHABLE or e.name in TIMEOUTS:
            return EXIT_UNREACHABLE
        return EXIT_GAVE_UP if e.name in RETRY else EXIT_REFUSED
    return EXIT_READY if ready else EXIT_NOT_READY


if __name__ == "__main__":
    sys.exit(main())
