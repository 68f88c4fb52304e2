#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A whole Load() of a 32 MiB uncompressed kernel against reading the file.

Starts the same setup as clients.py (private dbus-daemon, polkit stand-in,
kexecd on a fake kernel root) and loads the kernel --runs times, reading
each load's LoadDurationUSec (what kexecd spent: open, sniff, KernelSHA256,
recording the request, the syscall, saving the state), alternating with a
read of the whole file (pread, 1 MiB at a time, page cache warm) in this
process. Prints the medians and the load's cost over the read. The fake
kernel reads only the header, so the figure is kexecd's own cost. With
--other-kexecd the same is done, in the same run, for a second binary (a
build of another commit). Not a test; run as root:

  /usr/bin/python3 bench/load/load-duration.py --build-dir build
"""
import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import clients  # noqa: E402

import dbus  # noqa: E402


def read_ms(path):
    t0 = time.perf_counter()
    with open(path, "rb", buffering=0) as f:
        off = 0
        while True:
            b = os.pread(f.fileno(), 1 << 20, off)
            if not b:
                break
            off += len(b)
    return (time.perf_counter() - t0) * 1e3


class One(clients.Bench):
    def __init__(self, opts, kexecd):
        super().__init__(opts)
        self.kexecd_override = kexecd

    def setup(self):
        # clients.Bench.setup() takes kexecd from the build directory.
        real = self.opts.build_dir
        if self.kexecd_override:
            self.opts.build_dir = os.path.dirname(os.path.dirname(os.path.dirname(self.kexecd_override)))
        try:
            super().setup()
        finally:
            self.opts.build_dir = real


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", default=os.path.join(clients.SRC, "build"))
    ap.add_argument("--other-kexecd", help="a second kexecd binary (BUILD/src/daemon/kexecd) timed in the same run")
    ap.add_argument("--runs", type=int, default=15)
    opts = ap.parse_args()
    opts.build_dir = os.path.abspath(opts.build_dir)
    opts.reload_user = None
    setups = [("this", One(opts, None))]
    if opts.other_kexecd:
        setups.append(("other", One(opts, os.path.abspath(opts.other_kexecd))))
    results = {name: [] for name, _ in setups}
    reads = []
    try:
        kernels = {}
        for name, b in setups:
            b.setup()
            k = clients.fakekernel.make_bzimage(os.path.join(b.tmp, "vmlinuz-32m"), size=32 << 20)
            with open(k, "r+b") as f:
                f.seek(0x1000)
                f.write(os.urandom((32 << 20) - 0x1000))
            os.chmod(k, 0o644)
            kernels[name] = k
        for _ in range(opts.runs):
            for name, b in setups:
                m = dbus.Interface(b.bus.get_object(clients.BUS_NAME, clients.OBJ_PATH, introspect=False), clients.IFACE)
                reads.append(read_ms(kernels[name]))
                m.Load("kexec", kernels[name], dbus.Array([], signature="s"), "", dbus.Dictionary({}, signature="sv"),
                       timeout=60)
                img = b.bus.get_object(clients.BUS_NAME, "/org/kexecd1/image/kexec", introspect=False)
                us = img.Get("org.kexecd1.Image", "LoadDurationUSec", dbus_interface="org.freedesktop.DBus.Properties")
                results[name].append(int(us) / 1e3)
        rd = statistics.median(reads)
        print("32 MiB uncompressed kernel, %d loads each, medians, %d cores" % (opts.runs, os.cpu_count()))
        print("read the file (pread, warm)   %7.2f ms" % rd)
        for name, _ in setups:
            ld = statistics.median(results[name])
            print("Load() %-6s LoadDuration   %7.2f ms   over the read: %6.2f ms" % (name, ld, ld - rd))
    finally:
        for _, b in setups:
            b.cleanup()


if __name__ == "__main__":
    main()
