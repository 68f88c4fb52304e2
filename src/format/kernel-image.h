/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What a user's kernel file really is, and the fd kexec_file_load(2)
 * should get. Uncompressed kernels are passed by their own fd (IMA
 * appraisal needs the file's xattrs); compressed kernels (gzip, zstd, xz,
 * lzma), arm64 zboot images and unified kernel images are unpacked in
 * memory into sealed memfds, with a bound on the unpacked size. */

#include <stddef.h>
#include <stdint.h>

#define KERNEL_IMAGE_MAX_DEFAULT (512ULL * 1024 * 1024)

typedef struct KernelImage {
        int fd;                 /* to hand to kexec_file_load; owned when `owned` */
        int owned;
        char format[48];        /* "bzImage", "arm64-Image", "gzip/arm64-Image", "zboot/gzip/arm64-Image", "uki/bzImage", ... */
        char inner[16];         /* the kernel format inside: bzImage, arm64-Image */
        int initrd_fd;          /* UKI .initrd as a sealed memfd, or -1 */
        char *cmdline;          /* UKI .cmdline, or NULL */
        uint64_t size;          /* bytes of the kernel passed */
        /* SHA-256 (hex) of the bytes passed: taken during the unpacking or
         * extraction that writes them; "" for an uncompressed kernel, which
         * is passed by its own fd (kernel_image_sha256() reads it then). */
        char sha256[65];
} KernelImage;

/* Sniffs and, if needed, unpacks the kernel behind `fd` (not consumed).
 * max_size bounds any unpacked size (0: default). Errors: -ENOEXEC not a
 * kernel, -EFBIG unpacked size over the bound, -EUCLEAN truncated or
 * corrupt; *ret_message explains. */
int kernel_image_open(int fd, uint64_t max_size, KernelImage **ret, char **ret_message);
void kernel_image_free(KernelImage *k);
static inline void kernel_image_freep(KernelImage **k) {
        kernel_image_free(*k);
}

/* The SHA-256 of the kernel bytes passed (KernelSHA256): the one taken
 * while unpacking, else one read of the uncompressed file. */
int kernel_image_sha256(KernelImage *k, const char **ret);
/* Whether kernel_image_sha256() would read the file (uncompressed). */
static inline int kernel_image_sha256_known(const KernelImage *k) {
        return k->sha256[0] != 0;
}

/* The longest command line (bytes, without the NUL) the kernel in `k`
 * accepts: an x86 bzImage announces cmdline_size in its setup header, and
 * bzImage64_load() keeps 30 bytes of it for " elfcorehdr=0x<addr>" (for
 * every image type, 6.1); arm64 takes COMMAND_LINE_SIZE - 1. */
size_t kernel_image_cmdline_max(const KernelImage *k);

/* Format of an in-memory buffer's head, without unpacking: "bzImage",
 * "arm64-Image", "gzip", "zstd", "xz", "lzma", "zboot", "pe", or NULL. */
const char *kernel_sniff(const uint8_t *head, size_t size);
