/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crash-estimate.h"
#include "fileio.h"
#include "macro.h"

static uint64_t le_n(const uint8_t *p, unsigned n) {
        uint64_t v = 0;
        for (unsigned i = n; i > 0; i--)
                v = v << 8 | p[i - 1];
        return v;
}

uint64_t kernel_image_memory_size(const KernelImage *k) {
        uint8_t h[0x270] = {};

        if (k->fd < 0 || pread_exact(k->fd, h, sizeof(h), 0) < 0)
                return k->size;
        if (streq(k->inner, "bzImage")) {
                /* init_size exists from boot protocol 2.10. */
                if (le_n(h + 0x206, 2) >= 0x020a && le_n(h + 0x260, 4) > 0)
                        return MAX(le_n(h + 0x260, 4), k->size);
                return k->size;
        }
        if (streq(k->inner, "arm64-Image")) {
                uint64_t image_size = le_n(h + 16, 8);
                /* text_offset + image_size: the kernel is placed text_offset
                 * bytes into a 2 MiB aligned area (0 since 5.10). */
                if (image_size > 0)
                        return le_n(h + 8, 8) + image_size;
                return k->size;
        }
        return k->size;
}

static int add(CrashEstimate *e, const char *name, uint64_t bytes, const char *fmt, ...) _printf_(4, 5);
static int add(CrashEstimate *e, const char *name, uint64_t bytes, const char *fmt, ...) {
        va_list ap;
        int n;

        if (e->n_items >= CRASH_ESTIMATE_ITEMS_MAX)
                return -ENOBUFS;
        CrashEstimateItem *it = &e->items[e->n_items];
        va_start(ap, fmt);
        n = vasprintf(&it->explanation, fmt, ap);
        va_end(ap);
        if (n < 0) {
                it->explanation = NULL;
                return -ENOMEM;
        }
        it->name = name;
        it->bytes = bytes;
        e->n_items++;
        return 0;
}

int crash_estimate_compute(const KernelImage *k, const InitrdSize *initrd, CrashEstimate *e) {
        uint64_t sum = 0, kmem = kernel_image_memory_size(k), total, memmap;
        int r;

        *e = (CrashEstimate) {};
        if (streq(k->inner, "arm64-Image")) {
                e->arch = "arm64";
                r = add(e, "baseline", CRASH_BASELINE_ARM64,
                        "crash kernel runtime on arm64: early allocations, slab, per-CPU data, the initrd's "
                        "user space (x86_64's 64 MiB plus the 64 MiB kdump-utils adds for arm64 with 4 KiB "
                        "pages)");
        } else {
                e->arch = "x86_64";
                r = add(e, "baseline", CRASH_BASELINE_X86_64,
                        "crash kernel runtime on x86_64: early allocations, slab, per-CPU data, the initrd's "
                        "user space (the figure Fedora's kdumpctl estimate uses)");
        }
        if (r < 0)
                return r;
        sum += e->items[0].bytes;

        r = streq(k->inner, "bzImage") && kmem > k->size
                ? add(e, "kernel", kmem, "kernel in memory: the bzImage's init_size (%" PRIu64 " bytes on disk, "
                      "%s); kexec_file_load reserves this much for it", k->size, k->format)
                : add(e, "kernel", kmem, "kernel in memory (%s, %" PRIu64 " bytes on disk)", k->format, k->size);
        if (r < 0)
                return r;
        sum += kmem;

        if (initrd) {
                r = add(e, "initrd", initrd->packed,
                        "initrd as loaded (%s, %u segment%s): a kexec segment inside the reservation, "
                        "freed only after it was unpacked", initrd->formats, initrd->segments,
                        initrd->segments == 1 ? "" : "s");
                if (r >= 0)
                        r = add(e, "initrd-unpacked", initrd->unpacked,
                                "initrd unpacked into the crash kernel's rootfs (tmpfs), where it stays "
                                "while the dump is taken");
                if (r < 0)
                        return r;
                sum += initrd->packed + initrd->unpacked;
        }

        r = add(e, "margin", CRASH_MARGIN,
                "kexec's purgatory, boot parameters and ELF core header, rounding");
        if (r < 0)
                return r;
        sum += CRASH_MARGIN;

        /* The memory map covers the whole reservation, the result itself:
         * R = sum + 2 % of R. */
        total = (sum * 1000 + (1000 - CRASH_MEMMAP_PERMILLE) - 1) / (1000 - CRASH_MEMMAP_PERMILLE);
        total = (total + (1ull << 20) - 1) & ~((1ull << 20) - 1);
        memmap = total - sum;
        r = add(e, "memmap", memmap,
                "the crash kernel's struct pages and page tables for its own memory (%u %% of the "
                "reservation, rounded up to a MiB); the crashed machine's RAM needs none",
                CRASH_MEMMAP_PERMILLE / 10);
        if (r < 0)
                return r;
        e->recommended = total;
        return 0;
}

void crash_estimate_done(CrashEstimate *e) {
        for (unsigned i = 0; i < e->n_items; i++)
                free(e->items[i].explanation);
        *e = (CrashEstimate) {};
}
