# SPDX-License-Identifier: LGPL-2.1-or-later
"""Builds fake-kernel roots and fake kernel images for tests and the demo.

A fake root is the directory kexecd's fake backend (kexecd --fake-root=DIR)
treats as "/": it reads the same sysfs/procfs files the real backend reads,
and its kexec_file_load writes the loaded flags back there. See
src/shared/backend-fake.c for the semantics.
"""
import os
import struct

DEFAULT_CMDLINE = "BOOT_IMAGE=/boot/vmlinuz-6.1.0-fake root=/dev/vda1 ro quiet crashkernel=256M"

IOMEM_TEMPLATE = """00000000-00000fff : Reserved
00001000-0009fbff : System RAM
000f0000-000fffff : Reserved
00100000-3ffdffff : System RAM
  01000000-01ffffff : Kernel code
{crash}3ffe0000-3fffffff : Reserved
fec00000-fec003ff : IOAPIC 0
"""


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def make_root(root, crash_size=256 << 20, lockdown="none", load_disabled=False,
              cmdline=DEFAULT_CMDLINE, osrelease="6.1.0-fake", memory_blocks=8,
              cpus=2, limit_reboot=None, limit_panic=None):
    """Populates `root` with the files of a kernel that supports kexec."""
    w = lambda rel, text: write(os.path.join(root, rel.lstrip("/")), text)
    w("/sys/kernel/kexec_loaded", "0\n")
    w("/sys/kernel/kexec_crash_loaded", "0\n")
    w("/sys/kernel/kexec_crash_size", "%d\n" % crash_size)
    modes = ["none", "integrity", "confidentiality"]
    w("/sys/kernel/security/lockdown",
      " ".join("[%s]" % m if m == lockdown else m for m in modes) + "\n")
    w("/proc/sys/kernel/kexec_load_disabled", "1\n" if load_disabled else "0\n")
    if limit_reboot is not None:
        w("/proc/sys/kernel/kexec_load_limit_reboot", "%d\n" % limit_reboot)
    if limit_panic is not None:
        w("/proc/sys/kernel/kexec_load_limit_panic", "%d\n" % limit_panic)
    w("/proc/cmdline", cmdline + "\n")
    w("/proc/sys/kernel/osrelease", osrelease + "\n")
    w("/proc/sys/kernel/random/boot_id", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0\n")
    crash = ""
    if crash_size:
        crash = "  2a000000-%08x : Crash kernel\n" % (0x2a000000 + crash_size - 1)
    w("/proc/iomem", IOMEM_TEMPLATE.format(crash=crash))
    w("/sys/devices/system/memory/block_size_bytes", "8000000\n")
    for i in range(memory_blocks):
        w("/sys/devices/system/memory/memory%d/state" % i, "online\n")
        w("/sys/devices/system/memory/memory%d/phys_index" % i, "%08x\n" % i)
    for i in range(cpus):
        w("/sys/devices/system/cpu/cpu%d/online" % i, "1\n")
    w("/sys/devices/system/cpu/online", "0-%d\n" % (cpus - 1) if cpus > 1 else "0\n")
    os.makedirs(os.path.join(root, "fake"), exist_ok=True)
    return root


def make_bzimage(path, size=64 * 1024, payload=b"", init_size=0):
    """A file with an x86 boot-protocol header that a real kernel's
    bzImage64_probe() would accept (not bootable: no code)."""
    data = bytearray(max(size, 0x1000))
    data[0x1FE:0x200] = b"\x55\xaa"
    data[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", data, 0x206, 0x020F)  # boot protocol 2.15
    # What bzImage64_probe()/bzImage64_load() require (6.1): a 64-bit
    # kernel loadable high and above 4G, setup sectors inside the file,
    # and the command line size x86 kernels announce.
    data[0x1F1] = 4                               # setup_sects
    data[0x211] = 0x01                            # loadflags: LOADED_HIGH
    struct.pack_into("<H", data, 0x236, 0x0003)   # xloadflags: KERNEL_64 | CAN_BE_LOADED_ABOVE_4G
    struct.pack_into("<I", data, 0x238, 2047)     # cmdline_size
    struct.pack_into("<I", data, 0x260, init_size)  # init_size (0: the file's size counts)
    data[0x1000 - len(payload) if payload else 0x1000:0x1000] = payload
    with open(path, "wb") as f:
        f.write(bytes(data))
    return path


def fake_loaded(root, image):
    name = "kexec_loaded" if image == "kexec" else "kexec_crash_loaded"
    with open(os.path.join(root, "sys/kernel", name)) as f:
        return f.read().strip() == "1"


def fake_record(root, image, what):
    """What the fake kernel recorded at the last load: cmdline, kernel_size,
    initrd_size, flags (all text)."""
    p = os.path.join(root, "fake", "%s.%s" % (image, what))
    with open(p) as f:
        return f.read()
