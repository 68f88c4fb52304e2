#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Kernel image formats with real compressors and real kernels: every codec
unpacks to the original bytes; zboot and UKI images are taken apart; bombs,
truncation and corruption get their named errors."""
import glob
import gzip
import hashlib
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import fakekernel  # noqa: E402

TOOL = os.environ.get("KERNEL_IMAGE_TOOL", os.path.join(HERE, "..", "..", "build", "tests", "format", "kernel-image-tool"))


def real_kernels():
    """Debian's kernel: the running system's, or the VM bench's cache."""
    found = sorted(glob.glob("/boot/vmlinuz-*"))
    cache = os.environ.get("KEXECD_VM_CACHE", os.path.expanduser("~/.cache/kexecd-vm"))
    found += sorted(glob.glob(os.path.join(cache, "kernel*", "*", "vmlinuz")))
    found += sorted(glob.glob(os.path.join(cache, "kernel*", "vmlinuz")))
    found = [k for k in found if os.access(k, os.R_OK)]
    if not found:
        found = fetch_debian_kernel()
    return found


def fetch_debian_kernel():
    """apt-get download of the kernel linux-image-amd64 points to, cached."""
    cache = os.path.expanduser("~/.cache/kexecd-test")
    os.makedirs(cache, exist_ok=True)
    have = glob.glob(os.path.join(cache, "boot", "vmlinuz-*"))
    if have:
        return have
    try:
        dep = subprocess.run(["apt-cache", "depends", "linux-image-amd64"], capture_output=True, text=True).stdout
        pkg = [l.split()[-1] for l in dep.splitlines() if "Depends: linux-image-" in l][0]
        subprocess.run(["apt-get", "download", "-q", pkg], cwd=cache, check=True, capture_output=True)
        deb = glob.glob(os.path.join(cache, pkg + "_*.deb"))[0]
        subprocess.run(["dpkg-deb", "--fsys-tarfile", deb], check=True,
                       stdout=open(os.path.join(cache, "k.tar"), "wb"))
        subprocess.run(["tar", "-xf", "k.tar", "--wildcards", "./boot/vmlinuz-*"], cwd=cache, check=True)
        os.unlink(os.path.join(cache, "k.tar"))
        os.unlink(deb)
    except (subprocess.CalledProcessError, IndexError, OSError) as e:
        print("could not download a Debian kernel:", e)
        return []
    return glob.glob(os.path.join(cache, "boot", "vmlinuz-*"))


class FormatTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="kexecd-fmt-")
        # A test payload with a real x86 boot header and incompressible-ish body.
        self.kernel = fakekernel.make_bzimage(os.path.join(self.dir, "Image"), size=3 << 20,
                                              payload=os.urandom(256))
        with open(self.kernel, "r+b") as f:
            f.seek(0x2000)
            f.write(os.urandom(1 << 20))

    def tearDown(self):
        shutil.rmtree(self.dir)

    def run_tool(self, path, max_size=None):
        args = [TOOL, path] + ([str(max_size)] if max_size else [])
        p = subprocess.run(args, capture_output=True, text=True)
        out = dict(line.split("=", 1) for line in p.stdout.splitlines() if "=" in line)
        if p.returncode == 0:
            # KernelSHA256, taken while unpacking, is of the bytes loaded:
            # the same as reading the sealed memfd back.
            self.assertEqual(out["loaded_sha256"], out["sha256"], path)
        return p.returncode, out

    def sha(self, path):
        return hashlib.sha256(open(path, "rb").read()).hexdigest()

    def compress(self, src, codec):
        dst = src + "." + codec
        cmd = {"gzip": ["gzip", "-9", "-n", "-c"], "zstd": ["zstd", "-19", "-q", "-c"], "xz": ["xz", "--check=crc32", "-c"],
               "lzma": ["lzma", "-c"]}[codec]
        with open(dst, "wb") as f:
            subprocess.run(cmd + [src], stdout=f, check=True)
        return dst

    def test_uncompressed_is_passed_through(self):
        rc, out = self.run_tool(self.kernel)
        self.assertEqual(rc, 0, out)
        self.assertEqual(out["format"], "bzImage")
        self.assertEqual(out["sha256"], self.sha(self.kernel))
        self.assertEqual(out["sealed"], "0", "the original file, not a copy (IMA needs its xattrs)")

    def test_every_codec_unpacks_to_the_original(self):
        for codec in ("gzip", "zstd", "xz", "lzma"):
            with self.subTest(codec=codec):
                rc, out = self.run_tool(self.compress(self.kernel, codec))
                self.assertEqual(rc, 0, out)
                self.assertEqual(out["format"], codec + "/bzImage")
                self.assertEqual(out["sha256"], self.sha(self.kernel))
                self.assertEqual(out["sealed"], "1")

    def test_real_debian_kernel(self):
        kernels = real_kernels()
        if not kernels:
            # A skip fails in CI mode (testmain): CI caches Debian's kernel.
            self.skipTest("no Debian kernel on this machine (/boot or ~/.cache/kexecd-vm)")
        k = kernels[-1]
        rc, out = self.run_tool(k)
        self.assertEqual((rc, out["format"]), (0, "bzImage"))
        local = os.path.join(self.dir, "vmlinuz")
        shutil.copy(k, local)
        for codec in ("gzip", "zstd", "xz"):
            rc, out = self.run_tool(self.compress(local, codec))
            self.assertEqual(rc, 0, out)
            self.assertEqual(out["sha256"], self.sha(k))

    def test_arm64_image_gz(self):
        img = os.path.join(self.dir, "arm64-Image")
        data = bytearray(os.urandom(1 << 20))
        data[0x38:0x3c] = b"ARM\x64"
        open(img, "wb").write(bytes(data))
        rc, out = self.run_tool(self.compress(img, "gzip"))
        self.assertEqual((rc, out["format"]), (0, "gzip/arm64-Image"))
        self.assertEqual(out["sha256"], self.sha(img))

    def make_zboot(self, payload, codec=b"gzip", offset=None, size=None):
        head = bytearray(0x200)
        head[0:2] = b"MZ"
        head[4:8] = b"zimg"
        struct.pack_into("<II", head, 8, offset if offset is not None else 0x200, size if size is not None else len(payload))
        head[24:24 + len(codec)] = codec
        path = os.path.join(self.dir, "vmlinuz.efi")
        open(path, "wb").write(bytes(head) + payload)
        return path

    def test_zboot(self):
        img = os.path.join(self.dir, "arm64-Image")
        data = bytearray(os.urandom(1 << 20))
        data[0x38:0x3c] = b"ARM\x64"
        open(img, "wb").write(bytes(data))
        for codec in ("gzip", "zstd"):
            payload = open(self.compress(img, codec), "rb").read()
            rc, out = self.run_tool(self.make_zboot(payload, codec.encode()))
            self.assertEqual(rc, 0, out)
            self.assertEqual(out["format"], "zboot/%s/arm64-Image" % codec)
            self.assertEqual(out["sha256"], self.sha(img))
        payload = open(self.compress(img, "gzip"), "rb").read()
        rc, out = self.run_tool(self.make_zboot(payload, size=len(payload) + 100))
        self.assertEqual(rc, 117, out)  # EUCLEAN: payload outside the file
        rc, out = self.run_tool(self.make_zboot(payload, codec=b"lz4"))
        self.assertEqual(rc, 8, out)  # ENOEXEC: unsupported codec

    def test_uki(self):
        stub = "/usr/lib/systemd/boot/efi/linuxx64.efi.stub"
        base = stub if os.path.exists(stub) else None
        if not base:
            # A minimal PE of our own: what matters is the section table.
            base = os.path.join(self.dir, "stub.efi")
            self.write_min_pe(base)
        cmdline = os.path.join(self.dir, "cmdline")
        open(cmdline, "w").write("root=/dev/vda1 uki=yes\n")
        initrd = os.path.join(self.dir, "initrd")
        open(initrd, "wb").write(b"070701" * 1000)
        uki = os.path.join(self.dir, "uki.efi")
        subprocess.run(["objcopy",
                        "--add-section", ".cmdline=" + cmdline, "--change-section-vma", ".cmdline=0x30000",
                        "--add-section", ".initrd=" + initrd, "--change-section-vma", ".initrd=0x3000000",
                        "--add-section", ".linux=" + self.kernel, "--change-section-vma", ".linux=0x2000000",
                        base, uki], check=True, capture_output=True)
        rc, out = self.run_tool(uki)
        self.assertEqual(rc, 0, out)
        self.assertEqual(out["format"], "uki/bzImage")
        self.assertEqual(out["sha256"], self.sha(self.kernel))
        self.assertEqual(out["cmdline"], "root=/dev/vda1 uki=yes")
        self.assertEqual(int(out["initrd_size"]), 6000)
        # A PE without .linux is not a kernel.
        rc, out = self.run_tool(base)
        self.assertEqual(rc, 8, out)
        # A NUL inside .cmdline would cut the command line silently: refused.
        open(cmdline, "wb").write(b"root=/dev/vda1\0 init=/bin/evil\n")
        bad = os.path.join(self.dir, "uki-nul.efi")
        subprocess.run(["objcopy", "--add-section", ".cmdline=" + cmdline, "--change-section-vma", ".cmdline=0x30000",
                        "--add-section", ".linux=" + self.kernel, "--change-section-vma", ".linux=0x2000000",
                        base, bad], check=True, capture_output=True)
        rc, out = self.run_tool(bad)
        self.assertNotEqual(rc, 0, out)
        self.assertIn("NUL", str(out))

    def write_min_pe(self, path):
        pe = bytearray(0x400)
        pe[0:2] = b"MZ"
        struct.pack_into("<I", pe, 0x3c, 0x80)
        pe[0x80:0x84] = b"PE\0\0"
        struct.pack_into("<HHIIIHH", pe, 0x84, 0x8664, 1, 0, 0, 0, 0xf0, 0x22)
        opt = 0x98
        struct.pack_into("<H", pe, opt, 0x20b)  # PE32+
        struct.pack_into("<I", pe, opt + 32, 0x1000)   # section alignment
        struct.pack_into("<I", pe, opt + 36, 0x200)    # file alignment
        struct.pack_into("<I", pe, opt + 56, 0x2000)   # size of image
        struct.pack_into("<I", pe, opt + 60, 0x400)    # size of headers
        struct.pack_into("<H", pe, opt + 68, 10)       # EFI application
        struct.pack_into("<I", pe, opt + 108, 16)      # number of data directories
        sec = opt + 0xf0
        pe[sec:sec + 8] = b".text\0\0\0"
        struct.pack_into("<IIII", pe, sec + 8, 0x200, 0x1000, 0x200, 0x200)
        struct.pack_into("<I", pe, sec + 36, 0x60000020)
        open(path, "wb").write(bytes(pe))

    def test_bomb_truncated_corrupt(self):
        bomb = os.path.join(self.dir, "bomb")
        with open(bomb, "wb") as f:
            f.write(open(self.kernel, "rb").read(4096))
            f.write(b"\0" * (64 << 20))
        for codec in ("gzip", "zstd", "xz"):
            packed = self.compress(bomb, codec)
            rc, out = self.run_tool(packed, max_size=16 << 20)
            self.assertEqual(rc, 27, (codec, out))  # EFBIG
            self.assertIn("unpacks to more than", out["message"])
            data = open(self.compress(self.kernel, codec), "rb").read()
            cut = os.path.join(self.dir, "cut." + codec)
            open(cut, "wb").write(data[:len(data) // 2])
            rc, out = self.run_tool(cut)
            self.assertEqual(rc, 117, (codec, out))  # EUCLEAN
            bad = bytearray(data)
            for k in range(200, 260):
                bad[len(bad) // 3 + k] ^= 0x5a
            open(cut, "wb").write(bytes(bad))
            rc, out = self.run_tool(cut)
            self.assertIn(rc, (117, 8), (codec, out))  # corrupt, or unpacks to a non-kernel
        text = os.path.join(self.dir, "text.gz")
        with gzip.open(text, "wb") as f:
            f.write(b"hello, not a kernel\n" * 1000)
        rc, out = self.run_tool(text)
        self.assertEqual(rc, 8, out)
        self.assertIn("not a kernel", out["message"])


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
    import testmain
    testmain.run()
