/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <lzma.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "initrd-size.h"
#include "kernel-image.h"
#include "kexecd-limits.h"
#include "macro.h"

/* More segments than this is not an initrd anyone builds (Debian: 2,
 * dracut with early microcode: 2, systemd-stub with credentials: a few),
 * and each one costs a decoder set-up. */
#define SEGMENTS_MAX 64u

#define BUF_SIZE 65536u

static int fail(char **msg, int r, const char *fmt, ...) _printf_(3, 4);
static int fail(char **msg, int r, const char *fmt, ...) {
        if (msg) {
                va_list ap;
                free(*msg);
                va_start(ap, fmt);
                if (vasprintf(msg, fmt, ap) < 0)
                        *msg = NULL;
                va_end(ap);
        }
        return r;
}

/* A buffered reader over the fd: decoders consume from buf[pos..len). */
typedef struct Reader {
        int fd;
        uint64_t off;           /* file offset of buf[len] */
        uint64_t size;
        uint8_t buf[BUF_SIZE];
        size_t pos, len;
} Reader;

static uint64_t reader_tell(const Reader *r) {
        return r->off - (r->len - r->pos);
}

/* Makes at least `want` bytes (or all that is left) available. */
static int reader_fill(Reader *r, size_t want) {
        if (r->len - r->pos >= want)
                return 0;
        memmove(r->buf, r->buf + r->pos, r->len - r->pos);
        r->len -= r->pos;
        r->pos = 0;
        while (r->len < want && r->off < r->size) {
                ssize_t n = pread(r->fd, r->buf + r->len, BUF_SIZE - r->len, (off_t) r->off);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break; /* shrank while read: the caller sees too few bytes */
                r->len += (size_t) n;
                r->off += (uint64_t) n;
        }
        return 0;
}

static size_t reader_avail(const Reader *r) {
        return r->len - r->pos;
}

/* Skips n bytes, by seeking past what is not buffered. */
static void reader_skip(Reader *r, uint64_t n) {
        if (n <= reader_avail(r)) {
                r->pos += (size_t) n;
                return;
        }
        n -= reader_avail(r);
        r->pos = r->len = 0;
        r->off = r->off + n > r->size ? r->size : r->off + n;
}

typedef struct Counter {
        uint64_t unpacked, max;
} Counter;

static int count(Counter *c, size_t n) {
        if (n > c->max - c->unpacked)
                return -EFBIG;
        c->unpacked += n;
        return 0;
}

static int count_gzip(Reader *rd, Counter *c) {
        z_stream z = {};
        uint8_t out[BUF_SIZE];
        int r = 0, zr;

        if (inflateInit2(&z, 15 + 16) != Z_OK)
                return -ENOMEM;
        for (;;) {
                r = reader_fill(rd, BUF_SIZE);
                if (r < 0)
                        break;
                z.next_in = rd->buf + rd->pos;
                z.avail_in = (uInt) reader_avail(rd);
                z.next_out = out;
                z.avail_out = sizeof(out);
                size_t before = z.avail_in;
                zr = inflate(&z, Z_NO_FLUSH);
                rd->pos += before - z.avail_in;
                if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
                        r = zr == Z_MEM_ERROR ? -ENOMEM : -EUCLEAN;
                        break;
                }
                r = count(c, sizeof(out) - z.avail_out);
                if (r < 0 || zr == Z_STREAM_END)
                        break;
                if (zr == Z_BUF_ERROR || (before == 0 && z.avail_out == sizeof(out))) {
                        r = -EUCLEAN; /* input ended before the stream did */
                        break;
                }
        }
        inflateEnd(&z);
        return r;
}

static int count_zstd(Reader *rd, Counter *c) {
        ZSTD_DStream *d = ZSTD_createDStream();
        uint8_t out[BUF_SIZE];
        int r = 0;

        if (!d)
                return -ENOMEM;
        ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, 27); /* KEXECD_INITRD_DECODER_MEM_MAX */
        for (;;) {
                r = reader_fill(rd, BUF_SIZE);
                if (r < 0)
                        break;
                ZSTD_inBuffer ib = { rd->buf + rd->pos, reader_avail(rd), 0 };
                ZSTD_outBuffer ob = { out, sizeof(out), 0 };
                size_t ret = ZSTD_decompressStream(d, &ob, &ib);
                rd->pos += ib.pos;
                if (ZSTD_isError(ret)) {
                        r = ZSTD_getErrorCode(ret) == ZSTD_error_frameParameter_windowTooLarge ? -EFBIG : -EUCLEAN;
                        break;
                }
                r = count(c, ob.pos);
                if (r < 0 || ret == 0)
                        break; /* frame complete: the next segment follows */
                if (ib.size == 0 && ob.pos == 0) {
                        r = -EUCLEAN; /* truncated */
                        break;
                }
        }
        ZSTD_freeDStream(d);
        return r;
}

static int count_lzma(Reader *rd, Counter *c, bool alone) {
        lzma_stream z = LZMA_STREAM_INIT;
        uint8_t out[BUF_SIZE];
        lzma_ret lr;
        int r = 0;

        lr = alone ? lzma_alone_decoder(&z, KEXECD_INITRD_DECODER_MEM_MAX)
                   : lzma_stream_decoder(&z, KEXECD_INITRD_DECODER_MEM_MAX, 0);
        if (lr != LZMA_OK)
                return -ENOMEM;
        for (;;) {
                r = reader_fill(rd, BUF_SIZE);
                if (r < 0)
                        break;
                z.next_in = rd->buf + rd->pos;
                z.avail_in = reader_avail(rd);
                z.next_out = out;
                z.avail_out = sizeof(out);
                size_t before = z.avail_in;
                lr = lzma_code(&z, before == 0 ? LZMA_FINISH : LZMA_RUN);
                rd->pos += before - z.avail_in;
                if (lr != LZMA_OK && lr != LZMA_STREAM_END) {
                        r = lr == LZMA_MEMLIMIT_ERROR ? -EFBIG : lr == LZMA_MEM_ERROR ? -ENOMEM : -EUCLEAN;
                        break;
                }
                r = count(c, sizeof(out) - z.avail_out);
                if (r < 0 || lr == LZMA_STREAM_END)
                        break;
                if (before == 0 && z.avail_out == sizeof(out)) {
                        r = -EUCLEAN;
                        break;
                }
        }
        lzma_end(&z);
        return r;
}

static bool parse_hex8(const uint8_t *p, uint32_t *ret) {
        uint32_t v = 0;
        for (int i = 0; i < 8; i++) {
                int d = p[i] >= '0' && p[i] <= '9' ? p[i] - '0'
                      : p[i] >= 'a' && p[i] <= 'f' ? p[i] - 'a' + 10
                      : p[i] >= 'A' && p[i] <= 'F' ? p[i] - 'A' + 10 : -1;
                if (d < 0)
                        return false;
                v = v << 4 | (uint32_t) d;
        }
        *ret = v;
        return true;
}

#define CPIO_HEADER 110u
#define ALIGN4(x) (((x) + 3) & ~(uint64_t) 3)

/* An uncompressed newc archive: walks headers, skips file data, stops after
 * the TRAILER!!! entry. Every byte walked counts as unpacked. */
static int count_cpio(Reader *rd, Counter *c) {
        for (;;) {
                uint32_t namesize, filesize;
                int r = reader_fill(rd, CPIO_HEADER + 12);
                if (r < 0)
                        return r;
                if (reader_avail(rd) < CPIO_HEADER)
                        return -EUCLEAN;
                const uint8_t *h = rd->buf + rd->pos;
                if (memcmp(h, "07070", 5) != 0 || (h[5] != '1' && h[5] != '2') ||
                    !parse_hex8(h + 54, &filesize) || !parse_hex8(h + 94, &namesize) || namesize == 0)
                        return -EUCLEAN;
                bool trailer = namesize == 11 && reader_avail(rd) >= CPIO_HEADER + 11 &&
                               memcmp(h + CPIO_HEADER, "TRAILER!!!", 11) == 0;
                uint64_t entry = ALIGN4(CPIO_HEADER + (uint64_t) namesize) + ALIGN4((uint64_t) filesize);
                if (entry > rd->size - reader_tell(rd))
                        return -EUCLEAN;
                r = count(c, entry);
                if (r < 0)
                        return r;
                reader_skip(rd, entry);
                if (trailer)
                        return 0;
        }
}

static void add_format(InitrdSize *s, const char *f) {
        size_t l = strlen(s->formats);
        if (l + 1 + strlen(f) + 4 >= sizeof(s->formats)) {
                if (!strstr(s->formats, "..."))
                        snprintf(s->formats + l, sizeof(s->formats) - l, "+...");
                return;
        }
        snprintf(s->formats + l, sizeof(s->formats) - l, "%s%s", l ? "+" : "", f);
}

int initrd_unpacked_size(int fd, uint64_t max, InitrdSize *ret, char **ret_message) {
        _cleanup_free_ Reader *rd = calloc(1, sizeof(Reader));
        InitrdSize s = {};
        Counter c = { .max = max ? max : KEXECD_INITRD_UNPACKED_MAX };
        struct stat st;
        int r;

        if (!rd)
                return -ENOMEM;
        if (fstat(fd, &st) < 0)
                return -errno;
        rd->fd = fd;
        rd->size = (uint64_t) st.st_size;
        s.packed = rd->size;

        for (;;) {
                /* Zero padding between segments (the kernel skips it too). */
                for (;;) {
                        r = reader_fill(rd, 1);
                        if (r < 0)
                                return r;
                        if (reader_avail(rd) == 0)
                                goto done;
                        if (rd->buf[rd->pos] != 0)
                                break;
                        rd->pos++;
                }
                if (s.segments >= SEGMENTS_MAX)
                        return fail(ret_message, -EUCLEAN, "initrd has more than %u segments", SEGMENTS_MAX);
                r = reader_fill(rd, 16);
                if (r < 0)
                        return r;
                uint64_t at = reader_tell(rd);
                const uint8_t *h = rd->buf + rd->pos;
                size_t n = reader_avail(rd);
                const char *fmt = n >= 6 && memcmp(h, "07070", 5) == 0 ? "cpio" : kernel_sniff(h, n);
                if (!fmt || (!streq(fmt, "cpio") && !streq(fmt, "gzip") && !streq(fmt, "zstd") &&
                             !streq(fmt, "xz") && !streq(fmt, "lzma")))
                        return fail(ret_message, -ENOEXEC,
                                    "initrd segment at offset %" PRIu64 " is neither a cpio archive nor gzip, zstd, xz or lzma data",
                                    at);
                r = streq(fmt, "cpio") ? count_cpio(rd, &c)
                  : streq(fmt, "gzip") ? count_gzip(rd, &c)
                  : streq(fmt, "zstd") ? count_zstd(rd, &c)
                  : count_lzma(rd, &c, streq(fmt, "lzma"));
                if (r == -EFBIG)
                        return fail(ret_message, r,
                                    "initrd unpacks to more than %" PRIu64 " MiB (%s segment at offset %" PRIu64
                                    "): not a usable crash initrd, or a decompression bomb",
                                    c.max >> 20, fmt, at);
                if (r == -EUCLEAN)
                        return fail(ret_message, r, "initrd %s segment at offset %" PRIu64 " is truncated or corrupt", fmt, at);
                if (r < 0)
                        return fail(ret_message, r, "cannot read initrd: %s", strerror(-r));
                s.segments++;
                add_format(&s, fmt);
        }
done:
        s.unpacked = c.unpacked;
        *ret = s;
        return 0;
}
