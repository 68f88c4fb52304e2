/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The running kernel's flattened device tree (/sys/firmware/fdt), read
 * with libfdt after fdt_check_full(): what it says about this boot, and a
 * copy prepared for the next kernel with only /chosen changed (the DT is
 * ABI between kernels; nothing else may differ). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"

#define DT_RANGES_MAX 32

typedef struct DtRange {
        uint64_t start, size;
} DtRange;

typedef struct DtReport {
        bool kdump_kernel;          /* /chosen linux,elfcorehdr */
        bool ima_buffer;            /* /chosen linux,ima-kexec-buffer */
        bool kaslr_seed, rng_seed;
        bool booted_from_kexec;     /* /chosen linux,booted-from-kexec */
        size_t n_usable, n_memory;
        DtRange usable[DT_RANGES_MAX];   /* linux,usable-memory-range */
        DtRange memory[DT_RANGES_MAX];   /* reg of every memory node */
} DtReport;

/* -ENOENT: no /sys/firmware/fdt (x86 without a DT); -ENOTUNIQ: malformed. */
int dt_report_read(Backend *b, DtReport *ret, char **ret_message);
int dt_report_from_blob(const void *blob, size_t size, DtReport *ret, char **ret_message);

/* Who supplies the next kernel's kaslr-seed. */
typedef enum DtKaslrSeed {
        /* Fresh bytes from getrandom(), written by us. */
        DT_KASLR_SEED_RANDOM,
        /* Eight zero bytes, the "consumed" value: arm64 kexec-tools replaces
         * a zero kaslr-seed with getrandom() bytes of its own and refuses
         * the DTB ("setup_2nd_dtb failed") when the seed is not zero. */
        DT_KASLR_SEED_LOADER,
} DtKaslrSeed;

/* A copy of `blob` for the next kernel: /chosen gets `bootargs`, the initrd
 * range (removed when initrd_end <= initrd_start), a fresh rng-seed from
 * getrandom(), a kaslr-seed as `kaslr` says, and loses linux,elfcorehdr,
 * linux,usable-memory-range and linux,ima-kexec-buffer. Returns a sealed memfd. */
int dt_prepare_for_kexec(const void *blob, size_t size, const char *bootargs, uint64_t initrd_start,
                         uint64_t initrd_end, DtKaslrSeed kaslr, int *ret_fd, char **ret_message);
