/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* How many bytes an initrd unpacks to, the way the kernel's
 * unpack_to_rootfs() walks it: a sequence of segments, each an uncompressed
 * cpio archive (newc, up to its TRAILER!!!) or a gzip, zstd, xz or lzma
 * stream, separated by zero padding (Debian's early microcode archive in
 * front of a compressed main archive is the common case). Decompressed
 * bytes are counted, never stored: memory stays at the decoders' windows. */

#include <stdint.h>

typedef struct InitrdSize {
        uint64_t packed;        /* bytes of the file */
        uint64_t unpacked;      /* bytes of cpio after decompression */
        unsigned segments;
        char formats[64];       /* "cpio+zstd", ... (truncated with "...") */
} InitrdSize;

/* Counts the initrd behind fd (read with pread, offset kept). max bounds
 * the unpacked bytes (-EFBIG beyond, before any more work is done).
 * Errors: -EFBIG, -EUCLEAN truncated or corrupt, -ENOEXEC a segment that
 * is neither cpio nor a known compression; *ret_message explains. */
int initrd_unpacked_size(int fd, uint64_t max, InitrdSize *ret, char **ret_message);
