#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Small when idle: what a load of a compressed kernel takes (the whole
file, the decoder's window: 8 MiB for zstd and xz here) is given back
afterwards, and so is the buffer of the thread that hashes an uncompressed
one. kexecd's PSS after a sequence of raw, gzip, zstd and xz loads stays
within 3 MiB of what it was before them."""
import os
import subprocess

from fixture import KexecdTestCase, fakekernel, main

PSS_GROWTH_MAX_KIB = 3 * 1024


class MemoryTest(KexecdTestCase):
    def setUp(self):
        super().setUp()
        self.allow()

    def pss_kib(self):
        with open("/proc/%d/smaps_rollup" % self.daemon.pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
        raise AssertionError("no Pss in smaps_rollup")

    def compressed_kernels(self):
        """A 16 MiB bzImage whose bytes repeat every 4 MiB: a decoder needs
        a window that large to unpack it, as for a real kernel."""
        raw = fakekernel.make_bzimage(os.path.join(self.dir, "vmlinuz-raw"), size=16 << 20)
        block = os.urandom(4 << 20)
        with open(raw, "r+b") as f:
            f.seek(0x1000)
            for _ in range(3):
                f.write(block)
        os.chmod(raw, 0o644)
        out = [raw]  # hashed in a thread of its own during the load
        for codec, cmd in (("gz", ["gzip", "-1", "-n", "-c"]), ("zst", ["zstd", "-3", "--zstd=wlog=23", "-q", "-c"]),
                           ("xz", ["xz", "-1", "--lzma2=dict=8MiB", "--check=crc32", "-c"])):
            path = raw + "." + codec
            with open(path, "wb") as f:
                subprocess.run(cmd + [raw], stdout=f, check=True)
            os.chmod(path, 0o644)
            out.append(path)
        return out

    def test_pss_after_compressed_loads(self):
        kernels = self.compressed_kernels()
        self.manager.Status()  # every code path of an idle kexecd touched once
        before = self.pss_kib()
        for _ in range(2):
            for k in kernels:
                self.load("kexec", kernel=k)
                self.assertEqual(self.image_props("kexec")["Kernel"], k)
        after = self.pss_kib()
        self.assertLessEqual(after - before, PSS_GROWTH_MAX_KIB,
                             "PSS grew from %d KiB to %d KiB over eight loads" % (before, after))


if __name__ == "__main__":
    main()
