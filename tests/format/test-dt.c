/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Device trees built with libfdt's sequential-write API: reports, the
 * /chosen-only rewrite for the next kernel, and malformed blobs. */
#include <libfdt.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include "crash-regions.h"
#include "devicetree.h"
#include "fileio.h"
#include "macro.h"
#include "test-util.h"

static void *build_dt(bool kdump, size_t *ret_size) {
        size_t size = 8192;
        void *fdt = calloc(1, size);
        ASSERT_EQ(fdt_create(fdt, (int) size), 0);
        ASSERT_EQ(fdt_finish_reservemap(fdt), 0);
        ASSERT_EQ(fdt_begin_node(fdt, ""), 0);
        ASSERT_EQ(fdt_property_u32(fdt, "#address-cells", 2), 0);
        ASSERT_EQ(fdt_property_u32(fdt, "#size-cells", 2), 0);
        ASSERT_EQ(fdt_begin_node(fdt, "memory@40000000"), 0);
        ASSERT_EQ(fdt_property_string(fdt, "device_type", "memory"), 0);
        fdt64_t reg[4] = { cpu_to_fdt64(0x40000000), cpu_to_fdt64(0x40000000),
                           cpu_to_fdt64(0x100000000ULL), cpu_to_fdt64(0x80000000ULL) };
        ASSERT_EQ(fdt_property(fdt, "reg", reg, sizeof(reg)), 0);
        ASSERT_EQ(fdt_end_node(fdt), 0);
        ASSERT_EQ(fdt_begin_node(fdt, "chosen"), 0);
        ASSERT_EQ(fdt_property_string(fdt, "bootargs", "console=ttyAMA0 old"), 0);
        ASSERT_EQ(fdt_property_u64(fdt, "linux,initrd-start", 0x48000000), 0);
        ASSERT_EQ(fdt_property_u64(fdt, "linux,initrd-end", 0x49000000), 0);
        uint8_t zero_seed[8] = {};
        ASSERT_EQ(fdt_property(fdt, "kaslr-seed", zero_seed, 8), 0);
        if (kdump) {
                fdt64_t hdr[2] = { cpu_to_fdt64(0x50000000), cpu_to_fdt64(0x1000) };
                ASSERT_EQ(fdt_property(fdt, "linux,elfcorehdr", hdr, sizeof(hdr)), 0);
                fdt64_t usable[4] = { cpu_to_fdt64(0x60000000), cpu_to_fdt64(0x10000000),
                                      cpu_to_fdt64(0x20000000), cpu_to_fdt64(0x1000000) };
                ASSERT_EQ(fdt_property(fdt, "linux,usable-memory-range", usable, sizeof(usable)), 0);
                ASSERT_EQ(fdt_property(fdt, "linux,ima-kexec-buffer", hdr, sizeof(hdr)), 0);
                ASSERT_EQ(fdt_property(fdt, "linux,booted-from-kexec", NULL, 0), 0);
        }
        ASSERT_EQ(fdt_end_node(fdt), 0);
        ASSERT_EQ(fdt_end_node(fdt), 0);
        ASSERT_EQ(fdt_finish(fdt), 0);
        *ret_size = fdt_totalsize(fdt);
        return fdt;
}

TEST(test_report) {
        size_t size;
        _cleanup_free_ void *fdt = build_dt(true, &size);
        DtReport d;
        _cleanup_free_ char *msg = NULL;
        ASSERT_EQ(dt_report_from_blob(fdt, size, &d, &msg), 0);
        ASSERT_TRUE(d.kdump_kernel && d.ima_buffer && d.kaslr_seed && d.booted_from_kexec && !d.rng_seed);
        ASSERT_EQ(d.n_memory, 2);
        ASSERT_EQ(d.memory[1].start, 0x100000000ULL);
        ASSERT_EQ(d.memory[1].size, 0x80000000ULL);
        ASSERT_EQ(d.n_usable, 2);
        ASSERT_EQ(d.usable[1].start, 0x20000000);
        free(fdt);
        fdt = build_dt(false, &size);
        ASSERT_EQ(dt_report_from_blob(fdt, size, &d, &msg), 0);
        ASSERT_TRUE(!d.kdump_kernel && d.n_usable == 0);
}

TEST(test_prepare_changes_only_chosen) {
        size_t size;
        _cleanup_free_ void *fdt = build_dt(true, &size);
        _cleanup_free_ char *msg = NULL, *out = NULL;
        int fd = -1;
        size_t out_size;
        ASSERT_EQ(dt_prepare_for_kexec(fdt, size, "root=/dev/vda new", 0, 0, DT_KASLR_SEED_RANDOM, &fd, &msg), 0);
        ASSERT_EQ(read_full_fd(fd, 1 << 20, &out, &out_size), 0);
        ASSERT_TRUE(fcntl(fd, F_GET_SEALS) & F_SEAL_WRITE);
        close(fd);
        ASSERT_EQ(fdt_check_full(out, out_size), 0);
        int chosen = fdt_path_offset(out, "/chosen");
        ASSERT_TRUE(chosen >= 0);
        ASSERT_STREQ(fdt_getprop(out, chosen, "bootargs", NULL), "root=/dev/vda new");
        const char *gone[] = { "linux,elfcorehdr", "linux,usable-memory-range", "linux,ima-kexec-buffer",
                               "linux,initrd-start", "linux,initrd-end", "linux,booted-from-kexec" };
        for (size_t i = 0; i < ELEMENTSOF(gone); i++)
                ASSERT_TRUE(fdt_getprop(out, chosen, gone[i], NULL) == NULL);
        int len;
        const uint8_t *seed = fdt_getprop(out, chosen, "kaslr-seed", &len);
        ASSERT_EQ(len, 8);
        uint8_t zero[8] = {};
        ASSERT_TRUE(memcmp(seed, zero, 8) != 0); /* fresh, not the old zeroed one */
        ASSERT_TRUE(fdt_getprop(out, chosen, "rng-seed", &len) != NULL && len == 64);
        /* Everything outside /chosen is byte-identical. */
        int m1 = fdt_path_offset(fdt, "/memory@40000000"), m2 = fdt_path_offset(out, "/memory@40000000");
        int l1, l2;
        const void *r1 = fdt_getprop(fdt, m1, "reg", &l1), *r2 = fdt_getprop(out, m2, "reg", &l2);
        ASSERT_EQ(l1, l2);
        ASSERT_TRUE(memcmp(r1, r2, (size_t) l1) == 0);
        ASSERT_EQ(fdt_address_cells(out, 0), 2);

        /* With an initrd range. */
        free(out);
        out = NULL;
        ASSERT_EQ(dt_prepare_for_kexec(fdt, size, NULL, 0x48000000, 0x48100000, DT_KASLR_SEED_LOADER, &fd, &msg), 0);
        ASSERT_EQ(read_full_fd(fd, 1 << 20, &out, &out_size), 0);
        close(fd);
        chosen = fdt_path_offset(out, "/chosen");
        const fdt64_t *end = fdt_getprop(out, chosen, "linux,initrd-end", NULL);
        ASSERT_TRUE(end && fdt64_ld(end) == 0x48100000); /* unaligned in the blob */
        ASSERT_STREQ(fdt_getprop(out, chosen, "bootargs", NULL), "console=ttyAMA0 old");
        /* For kexec-tools: a zero kaslr-seed (it fills it), rng-seed still fresh. */
        seed = fdt_getprop(out, chosen, "kaslr-seed", &len);
        ASSERT_EQ(len, 8);
        ASSERT_TRUE(memcmp(seed, zero, 8) == 0);
        const uint8_t *rng = fdt_getprop(out, chosen, "rng-seed", &len);
        ASSERT_EQ(len, 64);
        uint8_t zero64[64] = {};
        ASSERT_TRUE(memcmp(rng, zero64, 64) != 0);
}

TEST(test_malformed) {
        size_t size;
        _cleanup_free_ void *fdt = build_dt(false, &size);
        DtReport d;
        int fd;
        char *msg = NULL;
        /* Truncated, bad magic, a struct block offset past the end. */
        ASSERT_EQ(dt_report_from_blob(fdt, 20, &d, &msg), -ENOTUNIQ);
        ASSERT_TRUE(msg && strlen(msg) > 0);
        free(msg);
        msg = NULL;
        ASSERT_EQ(dt_report_from_blob(fdt, size - 9, &d, &msg), -ENOTUNIQ);
        free(msg);
        msg = NULL;
        uint8_t *bad = malloc(size);
        memcpy(bad, fdt, size);
        bad[0] ^= 0xff;
        ASSERT_EQ(dt_report_from_blob(bad, size, &d, &msg), -ENOTUNIQ);
        free(msg);
        msg = NULL;
        memcpy(bad, fdt, size);
        ((fdt32_t *) bad)[2] = cpu_to_fdt32((uint32_t) size + 100); /* off_dt_struct */
        ASSERT_EQ(dt_report_from_blob(bad, size, &d, &msg), -ENOTUNIQ);
        free(msg);
        msg = NULL;
        ASSERT_EQ(dt_prepare_for_kexec(bad, size, "x", 0, 0, DT_KASLR_SEED_RANDOM, &fd, &msg), -ENOTUNIQ);
        free(msg);
        free(bad);
}

TEST(test_crash_regions_and_mem_max) {
        char *root = test_tmpdir();
        Backend *b = NULL;
        IomemRegion *r;
        size_t n;
        test_make_fake_root(root, 512 << 20, "[none]", "x\n");
        test_write(root, "proc/iomem",
                   "00001000-0009ffff : System RAM\n"
                   "  00090000-0009ffff : Crash kernel (low)\n"
                   "00100000-bfffffff : System RAM\n"
                   "  01000000-01ffffff : Kernel code\n"
                   "  a0000000-bfffffff : Crash kernel\n"
                   "100000000-17fffffff : System RAM\n");
        test_write(root, "sys/devices/system/memory/block_size_bytes", "8000000\n");
        test_write(root, "sys/devices/system/memory/memory0/state", "online\n");
        test_write(root, "sys/devices/system/memory/memory0/valid_zones", "DMA32\n");
        test_write(root, "sys/devices/system/memory/memory40/state", "online\n");
        test_write(root, "sys/devices/system/memory/memory40/valid_zones", "Movable\n");
        test_write(root, "sys/devices/system/memory/memory41/state", "offline\n");
        test_write(root, "sys/devices/system/memory/memory41/valid_zones", "Normal Movable\n");
        ASSERT_EQ(backend_new_fake(root, &b), 0);
        ASSERT_EQ(crash_regions_read(b, &r, &n), 0);
        ASSERT_EQ(n, 2);
        ASSERT_STREQ(r[0].name, "Crash kernel (low)");
        ASSERT_EQ(r[0].start, 0x90000);
        ASSERT_EQ(r[1].end, 0xbfffffff);
        ASSERT_EQ(r[1].depth, 1);
        iomem_regions_free(r, n);
        uint64_t max;
        ASSERT_EQ(legacy_mem_max(b, &max), 0);
        ASSERT_EQ(max, 40ULL * 0x8000000 - 1);
        test_write(root, "sys/devices/system/memory/memory40/valid_zones", "Normal\n");
        ASSERT_EQ(legacy_mem_max(b, &max), 0);
        ASSERT_EQ(max, 0);
        test_write(root, "proc/iomem", "not iomem\n");
        ASSERT_EQ(crash_regions_read(b, &r, &n), -EBADMSG);
        backend_free(b);
}

int main(void) {
        RUN(test_report);
        RUN(test_prepare_changes_only_chosen);
        RUN(test_malformed);
        RUN(test_crash_regions_and_mem_max);
        return test_finish("test-dt");
}
