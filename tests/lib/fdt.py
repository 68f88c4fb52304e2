# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writes minimal flattened device trees (version 17) for tests, without dtc."""
import struct

FDT_BEGIN_NODE, FDT_END_NODE, FDT_PROP, FDT_END = 1, 2, 3, 9


def build(nodes):
    """nodes: {"": {props}, "chosen": {props}, "memory@0": {props}}; one level
    below the root. Property values: bytes, str, or int (u32)."""
    strings = bytearray()
    offsets = {}
    struct_block = bytearray()

    def name_off(n):
        if n not in offsets:
            offsets[n] = len(strings)
            strings.extend(n.encode() + b"\0")
        return offsets[n]

    def pad():
        while len(struct_block) % 4:
            struct_block.append(0)

    def node(name, props, children=()):
        struct_block.extend(struct.pack(">I", FDT_BEGIN_NODE) + name.encode() + b"\0")
        pad()
        for k, v in props.items():
            if isinstance(v, str):
                v = v.encode() + b"\0"
            elif isinstance(v, int):
                v = struct.pack(">I", v)
            struct_block.extend(struct.pack(">III", FDT_PROP, len(v), name_off(k)) + v)
            pad()
        for c, cp in children:
            node(c, cp)
        struct_block.extend(struct.pack(">I", FDT_END_NODE))

    root = nodes.get("", {})
    node("", root, [(k, v) for k, v in nodes.items() if k])
    struct_block.extend(struct.pack(">I", FDT_END))
    header_size = 40
    rsvmap = b"\0" * 16
    off_rsv = header_size
    off_struct = off_rsv + len(rsvmap)
    off_strings = off_struct + len(struct_block)
    total = off_strings + len(strings)
    header = struct.pack(">IIIIIIIIII", 0xd00dfeed, total, off_struct, off_strings, off_rsv, 17, 16, 0,
                         len(strings), len(struct_block))
    return header + rsvmap + bytes(struct_block) + bytes(strings)


def reg(*pairs):
    return b"".join(struct.pack(">QQ", a, s) for a, s in pairs)
