#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Status() calls/s for N clients next to the bus daemon's own Peer.Ping rate.

Starts the same setup as clients.py (private dbus-daemon, polkit stand-in,
kexecd on a fake kernel root with the kexec image loaded), then runs
bench-call-rate (call-rate.c: N C clients, one blocking call after another)
against, in turn:

  bus Ping      org.freedesktop.DBus.Peer.Ping on the bus daemon itself:
                the anchor, what a round trip through this bus costs
  kexecd Ping   org.freedesktop.DBus.Peer.Ping answered by kexecd (sd-bus):
                the cost of reaching kexecd at all
  Status        org.kexecd1.Manager.Status()

The three alternate for --rounds rounds so that the machine's drift hits
them alike; it prints each round and the median ratios Status/bus Ping and
Status/kexecd Ping. Not a test. Run as root after
`ninja -C build bench-call-rate`:

  /usr/bin/python3 bench/load/status-rate.py --build-dir build
"""
import argparse
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import clients  # noqa: E402

TARGETS = (
    ("bus Ping", ("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.Peer", "Ping")),
    ("kexecd Ping", ("org.kexecd1", "/org/kexecd1", "org.freedesktop.DBus.Peer", "Ping")),
    ("Status", ("org.kexecd1", "/org/kexecd1", "org.kexecd1.Manager", "Status")),
)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", default=os.path.join(clients.SRC, "build"))
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=3.0, help="per measurement (default 3)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--only", choices=[n for n, _ in TARGETS], help="measure this call alone (e.g. under perf)")
    opts = ap.parse_args()
    opts.build_dir = os.path.abspath(opts.build_dir)
    opts.reload_user = None
    tool = os.path.join(opts.build_dir, "bench", "load", "bench-call-rate")
    if not os.access(tool, os.X_OK):
        sys.exit("status-rate.py: %s missing: ninja -C %s bench-call-rate" % (tool, opts.build_dir))
    bench = clients.Bench(opts)
    rates = {name: [] for name, _ in TARGETS}
    try:
        bench.setup()
        print("%d clients, %g s per measurement, %d rounds, %d cores, kexecd pid %d"
              % (opts.clients, opts.seconds, opts.rounds, os.cpu_count(), bench.kexecd.pid), flush=True)
        print("%-12s %5s %10s %9s %9s %7s" % ("call", "round", "calls/s", "p50 ms", "p99 ms", "errors"))
        for rnd in range(opts.rounds):
            for name, call in TARGETS:
                if opts.only and name != opts.only:
                    continue
                out = subprocess.run([tool, bench.address, str(opts.clients), str(opts.seconds)] + list(call),
                                     check=True, stdout=subprocess.PIPE, text=True).stdout.split()
                n, rate, p50, p99, errors = int(out[0]), float(out[1]), float(out[2]), float(out[3]), int(out[4])
                rates[name].append(rate)
                print("%-12s %5d %10.0f %9.3f %9.3f %7d" % (name, rnd + 1, rate, p50, p99, errors))
                if bench.kexecd.poll() is not None:
                    sys.exit("status-rate.py: kexecd died" + bench.log_tail())
        if opts.only:
            return
        med = {k: statistics.median(v) for k, v in rates.items()}
        print("median calls/s: " + ", ".join("%s %.0f" % (k, v) for k, v in med.items()))
        print("Status / bus Ping    = %.2f" % (med["Status"] / med["bus Ping"]))
        print("Status / kexecd Ping = %.2f" % (med["Status"] / med["kexecd Ping"]))
    finally:
        bench.cleanup()


if __name__ == "__main__":
    main()
