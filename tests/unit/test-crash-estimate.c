/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The crash kernel estimate (src/format/crash-estimate.c) and the initrd
 * counter under it (src/format/initrd-size.c): fixture kernels and initrds
 * built here, in memory, with the compressors the tree links. */
#include <fcntl.h>
#include <lzma.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "crash-estimate.h"
#include "initrd-size.h"
#include "kernel-image.h"
#include "macro.h"
#include "test-util.h"

typedef struct Buf {
        uint8_t *data;
        size_t n, cap;
} Buf;

static void buf_add(Buf *b, const void *p, size_t n) {
        if (b->n + n > b->cap) {
                b->cap = (b->n + n) * 2;
                b->data = realloc(b->data, b->cap);
                ASSERT_TRUE(b->data);
        }
        memcpy(b->data + b->n, p, n);
        b->n += n;
}

static void buf_pad4(Buf *b) {
        static const uint8_t z[4] = {};
        buf_add(b, z, (4 - b->n % 4) % 4);
}

/* One newc entry; the archive is the caller's Buf. */
static void cpio_entry(Buf *b, const char *name, size_t filesize) {
        char h[128];
        snprintf(h, sizeof(h), "070701%08x%08x%08x%08x%08x%08x%08zx%08x%08x%08x%08x%08zx%08x",
                 1u, 0100644u, 0u, 0u, 1u, 0u, filesize, 0u, 0u, 0u, 0u, strlen(name) + 1, 0u);
        ASSERT_EQ(strlen(h), 110);
        buf_add(b, h, 110);
        buf_add(b, name, strlen(name) + 1);
        buf_pad4(b);
        uint8_t *data = calloc(1, filesize + 1);
        for (size_t k = 0; k < filesize; k++)
                data[k] = (uint8_t) (k * 7 + k / 251);
        buf_add(b, data, filesize);
        free(data);
        buf_pad4(b);
}

static Buf make_cpio(size_t filesize) {
        Buf b = {};
        cpio_entry(&b, "etc/file", filesize);
        cpio_entry(&b, "TRAILER!!!", 0);
        return b;
}

static Buf compress_gzip(const Buf *in) {
        Buf out = { .cap = compressBound(in->n) + 64 };
        z_stream z = {};
        out.data = malloc(out.cap);
        ASSERT_EQ(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
        z.next_in = in->data;
        z.avail_in = (uInt) in->n;
        z.next_out = out.data;
        z.avail_out = (uInt) out.cap;
        ASSERT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
        out.n = out.cap - z.avail_out;
        deflateEnd(&z);
        return out;
}

static Buf compress_zstd(const Buf *in) {
        Buf out = { .cap = ZSTD_compressBound(in->n) };
        out.data = malloc(out.cap);
        out.n = ZSTD_compress(out.data, out.cap, in->data, in->n, 3);
        ASSERT_TRUE(!ZSTD_isError(out.n));
        return out;
}

static Buf compress_xz(const Buf *in, bool alone) {
        Buf out = { .cap = in->n + in->n / 2 + 4096 };
        lzma_stream z = LZMA_STREAM_INIT;
        lzma_options_lzma opt;
        out.data = malloc(out.cap);
        lzma_lzma_preset(&opt, 6);
        if (alone)
                ASSERT_EQ(lzma_alone_encoder(&z, &opt), LZMA_OK);
        else
                ASSERT_EQ(lzma_easy_encoder(&z, 6, LZMA_CHECK_CRC32), LZMA_OK);
        z.next_in = in->data;
        z.avail_in = in->n;
        z.next_out = out.data;
        z.avail_out = out.cap;
        ASSERT_EQ(lzma_code(&z, LZMA_FINISH), LZMA_STREAM_END);
        out.n = out.cap - z.avail_out;
        lzma_end(&z);
        return out;
}

static int memfd_of(const Buf *b) {
        int fd = memfd_create("test", MFD_CLOEXEC);
        ASSERT_TRUE(fd >= 0);
        ASSERT_EQ(write(fd, b->data, b->n), (ssize_t) b->n);
        return fd;
}

static int count_buf(const Buf *b, uint64_t max, InitrdSize *s, char **msg) {
        _cleanup_close_ int fd = memfd_of(b);
        return initrd_unpacked_size(fd, max, s, msg);
}

TEST(test_plain_cpio) {
        Buf c = make_cpio(1000);
        InitrdSize s;
        ASSERT_EQ(count_buf(&c, 0, &s, NULL), 0);
        ASSERT_EQ(s.unpacked, c.n);
        ASSERT_EQ(s.packed, c.n);
        ASSERT_EQ(s.segments, 1);
        ASSERT_STREQ(s.formats, "cpio");
        free(c.data);
}

/* Debian's layout: an uncompressed early cpio, zero padding, then the
 * compressed main archive; for every compressor the tree links. */
TEST(test_compressed_after_early_cpio) {
        static const char *const names[] = { "gzip", "zstd", "xz", "lzma" };
        for (size_t k = 0; k < ELEMENTSOF(names); k++) {
                Buf early = make_cpio(300), main_cpio = make_cpio(200000), packed;
                packed = k == 0 ? compress_gzip(&main_cpio) : k == 1 ? compress_zstd(&main_cpio)
                                                            : compress_xz(&main_cpio, k == 3);
                Buf initrd = {};
                buf_add(&initrd, early.data, early.n);
                static const uint8_t zeros[512] = {};
                buf_add(&initrd, zeros, sizeof(zeros));
                buf_add(&initrd, packed.data, packed.n);
                buf_add(&initrd, zeros, 16);

                InitrdSize s;
                _cleanup_free_ char *msg = NULL, *want = NULL;
                ASSERT_EQ(count_buf(&initrd, 0, &s, &msg), 0);
                ASSERT_EQ(s.unpacked, early.n + main_cpio.n);
                ASSERT_EQ(s.packed, initrd.n);
                ASSERT_EQ(s.segments, 2);
                ASSERT_TRUE(asprintf(&want, "cpio+%s", names[k]) > 0);
                ASSERT_STREQ(s.formats, want);
                ASSERT_TRUE(s.packed < s.unpacked);

                /* Cut in the middle of the compressed stream: named, not
                 * counted short. */
                initrd.n = early.n + sizeof(zeros) + packed.n / 2;
                ASSERT_EQ(count_buf(&initrd, 0, &s, &msg), -EUCLEAN);
                ASSERT_TRUE(strstr(msg, names[k]) && strstr(msg, "truncated or corrupt"));
                free(early.data), free(main_cpio.data), free(packed.data), free(initrd.data);
        }
}

TEST(test_rejects) {
        InitrdSize s;
        _cleanup_free_ char *msg = NULL;
        Buf junk = {};
        buf_add(&junk, "this is not an initrd at all", 28);
        ASSERT_EQ(count_buf(&junk, 0, &s, &msg), -ENOEXEC);
        ASSERT_TRUE(strstr(msg, "offset 0"));
        /* A cpio header that promises more than the file holds. */
        Buf c = make_cpio(5000);
        c.n -= 2000;
        ASSERT_EQ(count_buf(&c, 0, &s, &msg), -EUCLEAN);
        free(junk.data), free(c.data);
}

/* A bomb: 64 MiB of zeros in a few KiB. The count stops at the bound, so
 * time is bounded by the bound, not by what the stream claims. */
TEST(test_bomb_is_bounded) {
        Buf zeros = { .data = calloc(1, 64u << 20), .n = 64u << 20 };
        Buf bombs[3] = { compress_gzip(&zeros), compress_zstd(&zeros), compress_xz(&zeros, false) };
        free(zeros.data);
        for (size_t k = 0; k < ELEMENTSOF(bombs); k++) {
                InitrdSize s;
                _cleanup_free_ char *msg = NULL;
                ASSERT_TRUE(bombs[k].n < (1u << 20));
                struct timespec a, b;
                clock_gettime(CLOCK_MONOTONIC, &a);
                ASSERT_EQ(count_buf(&bombs[k], 4u << 20, &s, &msg), -EFBIG);
                clock_gettime(CLOCK_MONOTONIC, &b);
                ASSERT_TRUE(strstr(msg, "more than 4 MiB") && strstr(msg, "decompression bomb"));
                /* 4 MiB of work, not 64: well under a second even under
                 * sanitizers. */
                ASSERT_TRUE(b.tv_sec - a.tv_sec < 3);
                /* And with the default bound it unpacks fine. */
                ASSERT_EQ(count_buf(&bombs[k], 0, &s, &msg), 0);
                ASSERT_EQ(s.unpacked, 64u << 20);
                free(bombs[k].data);
        }
}

static KernelImage *open_kernel(const Buf *b) {
        _cleanup_close_ int fd = memfd_of(b);
        KernelImage *k = NULL;
        ASSERT_EQ(kernel_image_open(fd, 0, &k, NULL), 0);
        return k;
}

static Buf make_bzimage(uint16_t protocol, uint32_t init_size) {
        Buf b = { .data = calloc(1, 65536), .n = 65536 };
        b.data[0x1fe] = 0x55;
        b.data[0x1ff] = 0xaa;
        memcpy(b.data + 0x202, "HdrS", 4);
        b.data[0x206] = protocol & 0xff;
        b.data[0x207] = protocol >> 8;
        for (int i = 0; i < 4; i++)
                b.data[0x260 + i] = (uint8_t) (init_size >> (8 * i));
        return b;
}

TEST(test_kernel_memory_size) {
        Buf bz = make_bzimage(0x020f, 40u << 20);
        KernelImage *k = open_kernel(&bz);
        ASSERT_EQ(kernel_image_memory_size(k), 40u << 20);
        kernel_image_free(k);
        /* Before boot protocol 2.10 there is no init_size: the file. */
        free(bz.data);
        bz = make_bzimage(0x0209, 40u << 20);
        k = open_kernel(&bz);
        ASSERT_EQ(kernel_image_memory_size(k), 65536);
        kernel_image_free(k);
        /* A gzip-compressed bzImage: the header inside counts. */
        free(bz.data);
        bz = make_bzimage(0x020f, 48u << 20);
        Buf gz = compress_gzip(&bz);
        k = open_kernel(&gz);
        ASSERT_STREQ(k->format, "gzip/bzImage");
        ASSERT_EQ(kernel_image_memory_size(k), 48u << 20);
        kernel_image_free(k);
        free(bz.data), free(gz.data);

        /* arm64 Image: text_offset + image_size. */
        Buf a = { .data = calloc(1, 8192), .n = 8192 };
        memcpy(a.data + 0x38, "ARM\x64", 4);
        a.data[16 + 3] = 0x02; /* image_size 32 MiB */
        k = open_kernel(&a);
        ASSERT_EQ(kernel_image_memory_size(k), 32u << 20);
        /* Its baseline: x86_64's plus kdump-utils' 64 MiB for arm64;
         * 128 + 32 + 16 = 176 / 0.98 = 179.6 -> 180 MiB. */
        _cleanup_(crash_estimate_done) CrashEstimate e = {};
        ASSERT_EQ(crash_estimate_compute(k, NULL, &e), 0);
        ASSERT_STREQ(e.arch, "arm64");
        ASSERT_EQ(e.items[0].bytes, 128u << 20);
        ASSERT_EQ(e.recommended, 180u << 20);
        kernel_image_free(k);
        free(a.data);
}

TEST(test_model) {
        Buf bz = make_bzimage(0x020f, 40u << 20);
        KernelImage *k = open_kernel(&bz);
        InitrdSize initrd = { .packed = 30u << 20, .unpacked = 100u << 20, .segments = 2, .formats = "cpio+zstd" };
        _cleanup_(crash_estimate_done) CrashEstimate e = {};

        ASSERT_EQ(crash_estimate_compute(k, &initrd, &e), 0);
        ASSERT_STREQ(e.arch, "x86_64");
        /* 64 + 40 + 30 + 100 + 16 = 250 MiB; / 0.98 = 255.1 -> 256 MiB. */
        ASSERT_EQ(e.recommended, 256u << 20);
        uint64_t sum = 0;
        for (unsigned i = 0; i < e.n_items; i++) {
                sum += e.items[i].bytes;
                ASSERT_TRUE(e.items[i].explanation && strlen(e.items[i].explanation) > 20);
        }
        ASSERT_EQ(sum, e.recommended);
        ASSERT_STREQ(e.items[0].name, "baseline");
        ASSERT_EQ(e.items[0].bytes, 64u << 20);
        ASSERT_STREQ(e.items[1].name, "kernel");
        ASSERT_EQ(e.items[1].bytes, 40u << 20);
        ASSERT_STREQ(e.items[3].name, "initrd-unpacked");
        ASSERT_STREQ(e.items[e.n_items - 1].name, "memmap");
        ASSERT_TRUE(strstr(e.items[2].explanation, "cpio+zstd"));
        crash_estimate_done(&e);

        /* No initrd: no initrd items; 64 + 40 + 16 = 120 / 0.98 -> 123 MiB. */
        ASSERT_EQ(crash_estimate_compute(k, NULL, &e), 0);
        ASSERT_EQ(e.n_items, 4);
        ASSERT_EQ(e.recommended, 123u << 20);
        kernel_image_free(k);
        free(bz.data);
}

int main(void) {
        RUN(test_plain_cpio);
        RUN(test_compressed_after_early_cpio);
        RUN(test_rejects);
        RUN(test_bomb_is_bounded);
        RUN(test_kernel_memory_size);
        RUN(test_model);
        return test_finish("test-crash-estimate");
}
