/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The crashkernel= reservation a kdump kernel and initrd need: the model
 * (docs/crashkernel.md says where each number comes from) is
 *
 *   baseline(arch) + kernel in memory + initrd as loaded + initrd unpacked
 *   + margin, then / 0.98 for the crash kernel's own memory map,
 *
 * rounded up to a MiB. Nothing here depends on the crashed machine's RAM:
 * the crash kernel only ever maps its reservation. */

#include <stdint.h>

#include "initrd-size.h"
#include "kernel-image.h"

#define CRASH_ESTIMATE_ITEMS_MAX 8

typedef struct CrashEstimateItem {
        const char *name;       /* "baseline", "kernel", ... (static) */
        uint64_t bytes;
        char *explanation;
} CrashEstimateItem;

typedef struct CrashEstimate {
        uint64_t recommended;   /* bytes, a multiple of 1 MiB */
        const char *arch;       /* "x86_64", "arm64" */
        CrashEstimateItem items[CRASH_ESTIMATE_ITEMS_MAX];
        unsigned n_items;
} CrashEstimate;

/* The baseline: the crash kernel's own runtime (early allocations, slab,
 * per-CPU areas for nr_cpus=1, the user space of the initrd). */
#define CRASH_BASELINE_X86_64 (64ull << 20)
#define CRASH_BASELINE_ARM64  (128ull << 20)
/* kexec's own segments (purgatory, boot parameters or device tree, ELF
 * core header), a second CPU's worth of per-CPU data, rounding. */
#define CRASH_MARGIN          (16ull << 20)
/* struct page (64 bytes per 4 KiB page: 1.56 %) and the direct map's page
 * tables for the crash kernel's own memory, in per mille. */
#define CRASH_MEMMAP_PERMILLE 20u

/* Bytes the kernel in k occupies once running: an x86 bzImage's init_size
 * (boot protocol 2.10+: what the decompressor needs, which covers the
 * decompressed kernel and its bss; kexec_file_load reserves exactly this),
 * an arm64 Image's image_size (header offset 16; "effective size" incl.
 * bss). Falls back to the image's size for old headers that lack them. */
uint64_t kernel_image_memory_size(const KernelImage *k);

/* Fills e from the kernel and an initrd's measured size (initrd NULL: no
 * initrd). Returns -ENOMEM or 0. */
int crash_estimate_compute(const KernelImage *k, const InitrdSize *initrd, CrashEstimate *e);
void crash_estimate_done(CrashEstimate *e);
