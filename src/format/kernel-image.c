/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <lzma.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "fileio.h"
#include "input-file.h"
#include "kernel-image.h"
#include "macro.h"

/* A compressed file larger than this is not a kernel anyone boots. */
#define COMPRESSED_MAX (256ULL * 1024 * 1024)

static int fail(char **msg, int r, const char *fmt, ...) _printf_(3, 4);
static int fail(char **msg, int r, const char *fmt, ...) {
        if (msg) {
                va_list ap;
                va_start(ap, fmt);
                if (vasprintf(msg, fmt, ap) < 0)
                        *msg = NULL;
                va_end(ap);
        }
        return r;
}

static uint16_t le16(const uint8_t *p) {
        return (uint16_t) (p[0] | p[1] << 8);
}
static uint32_t le32(const uint8_t *p) {
        return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

const char *kernel_sniff(const uint8_t *h, size_t n) {
        if (n >= 0x208 && h[0x1fe] == 0x55 && h[0x1ff] == 0xaa && memcmp(h + 0x202, "HdrS", 4) == 0)
                return "bzImage";
        if (n >= 0x40 && memcmp(h + 0x38, "ARM\x64", 4) == 0)
                return "arm64-Image";
        if (n >= 8 && h[0] == 'M' && h[1] == 'Z' && memcmp(h + 4, "zimg", 4) == 0)
                return "zboot";
        if (n >= 0x40 && h[0] == 'M' && h[1] == 'Z')
                return "pe";
        if (n >= 2 && h[0] == 0x1f && (h[1] == 0x8b || h[1] == 0x9e))
                return "gzip";
        if (n >= 4 && le32(h) == 0xfd2fb528u)
                return "zstd";
        if (n >= 6 && memcmp(h, "\xfd" "7zXZ\0", 6) == 0)
                return "xz";
        /* .lzma ("alone") has no magic: properties byte 0x5d (lc=3 lp=0
         * pb=2, what every kernel build uses) and a power-of-two-ish
         * dictionary size. */
        if (n >= 13 && h[0] == 0x5d) {
                uint32_t dict = le32(h + 1);
                if (dict >= 4096 && dict <= (1u << 30))
                        return "lzma";
        }
        return NULL;
}

/* Output sink: a memfd, mapped, that the decoders write into directly (no
 * bounce buffer, no write() copy) and that refuses to grow beyond max. The
 * SHA-256 of the unpacked kernel (KernelSHA256: the bytes loaded) is taken
 * on each piece as it is produced, while it is still in the cache. */
typedef struct Sink {
        int fd;
        uint8_t *map;
        size_t cap;             /* bytes mapped (and the memfd's size) */
        uint64_t written, max;
        Sha256 *sha;
} Sink;

#define SINK_INITIAL (4u << 20)

/* Room for at least one more byte: the memfd and its mapping grow by
 * doubling, up to max + 1 (so that one byte too many is seen). */
static int sink_reserve(Sink *s) {
        if (s->written < s->cap)
                return 0;
        if (s->written > s->max)
                return -EFBIG;
        uint64_t want = s->cap ? (uint64_t) s->cap * 2 : SINK_INITIAL;
        if (want > s->max + 1)
                want = s->max + 1;
        if (want > SIZE_MAX / 2)
                return -EFBIG;
        if (ftruncate(s->fd, (off_t) want) < 0)
                return -errno;
        /* Pages allocated and mapped in one go: faulting in 4 KiB of shmem
         * at a time costs more than the unpacking writes. */
        if (fallocate(s->fd, 0, (off_t) s->cap, (off_t) (want - s->cap)) < 0 && errno != EOPNOTSUPP)
                return -errno;
        void *p = s->map ? mremap(s->map, s->cap, (size_t) want, MREMAP_MAYMOVE)
                         : mmap(NULL, (size_t) want, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, s->fd, 0);
        if (p == MAP_FAILED)
                return -errno;
#ifdef MADV_POPULATE_WRITE
        if (s->map)
                (void) madvise((uint8_t *) p + s->cap, (size_t) want - s->cap, MADV_POPULATE_WRITE);
#endif
        s->map = p;
        s->cap = (size_t) want;
        return 0;
}

/* Where the decoder writes next, and how much fits. */
static int sink_next(Sink *s, uint8_t **ret, size_t *ret_avail) {
        int r = sink_reserve(s);
        if (r < 0)
                return r;
        *ret = s->map + s->written;
        *ret_avail = s->cap - (size_t) s->written;
        return 0;
}

/* The decoder produced n bytes at sink_next()'s pointer. */
static int sink_commit(Sink *s, size_t n) {
        sha256_add(s->sha, s->map + s->written, n);
        s->written += n;
        return s->written > s->max ? -EFBIG : 0;
}

static void sink_unmap(Sink *s) {
        if (s->map)
                (void) munmap(s->map, s->cap);
        s->map = NULL;
        s->cap = 0;
}

static int inflate_gzip(const uint8_t *in, size_t n, Sink *s) {
        z_stream z = { .next_in = (Bytef *) in, .avail_in = (uInt) n };
        int r = 0, zr;

        if (n > UINT32_MAX || inflateInit2(&z, 15 + 32) != Z_OK)
                return -ENOMEM;
        do {
                uint8_t *out;
                size_t avail;
                r = sink_next(s, &out, &avail);
                if (r < 0)
                        break;
                if (avail > UINT32_MAX)
                        avail = UINT32_MAX;
                z.next_out = out;
                z.avail_out = (uInt) avail;
                zr = inflate(&z, Z_NO_FLUSH);
                if (zr != Z_OK && zr != Z_STREAM_END) {
                        r = zr == Z_MEM_ERROR ? -ENOMEM : -EUCLEAN;
                        break;
                }
                r = sink_commit(s, avail - z.avail_out);
                if (r < 0)
                        break;
                if (zr != Z_STREAM_END && z.avail_in == 0 && z.avail_out != 0) {
                        r = -EUCLEAN; /* input ended before the stream did */
                        break;
                }
        } while (zr != Z_STREAM_END);
        inflateEnd(&z);
        return r;
}

/* One call of the zstd decoder into the sink; *ret_progress: bytes out. */
static int zstd_step(ZSTD_DStream *d, ZSTD_inBuffer *ib, Sink *s, size_t *ret, size_t *ret_progress) {
        uint8_t *out;
        size_t avail;
        int r = sink_next(s, &out, &avail);
        if (r < 0)
                return r;
        ZSTD_outBuffer ob = { out, avail, 0 };
        *ret = ZSTD_decompressStream(d, &ob, ib);
        if (ZSTD_isError(*ret))
                return -EUCLEAN;
        *ret_progress = ob.pos;
        return sink_commit(s, ob.pos);
}

static int inflate_zstd(const uint8_t *in, size_t n, Sink *s) {
        ZSTD_DStream *d = ZSTD_createDStream();
        ZSTD_inBuffer ib = { in, n, 0 };
        size_t ret = 1, progress;
        int r = 0;

        if (!d)
                return -ENOMEM;
        /* Kernel zstd images use up to a 2^27 window; refuse absurd ones. */
        ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, 27);
        while (ib.pos < ib.size) {
                r = zstd_step(d, &ib, s, &ret, &progress);
                if (r < 0)
                        break;
                if (ret == 0 && ib.pos < ib.size && in[ib.pos] == 0)
                        break; /* zero padding after the frame */
        }
        while (r >= 0 && ret != 0) {
                r = zstd_step(d, &ib, s, &ret, &progress);
                if (r >= 0 && progress == 0 && ret != 0)
                        r = -EUCLEAN; /* truncated: no progress possible */
        }
        /* The window (8 MiB and more) goes back now, not at exit. */
        ZSTD_freeDStream(d);
        return r;
}

static int inflate_lzma(const uint8_t *in, size_t n, Sink *s, bool alone) {
        lzma_stream z = LZMA_STREAM_INIT;
        lzma_ret lr;
        int r = 0;

        /* 256 MiB of decoder memory is far above what kernel images need. */
        lr = alone ? lzma_alone_decoder(&z, 256u << 20) : lzma_stream_decoder(&z, 256u << 20, LZMA_CONCATENATED);
        if (lr != LZMA_OK)
                return -ENOMEM;
        z.next_in = in;
        z.avail_in = n;
        do {
                uint8_t *out;
                size_t avail;
                r = sink_next(s, &out, &avail);
                if (r < 0)
                        break;
                z.next_out = out;
                z.avail_out = avail;
                lr = lzma_code(&z, LZMA_FINISH);
                if (lr != LZMA_OK && lr != LZMA_STREAM_END) {
                        r = lr == LZMA_MEM_ERROR || lr == LZMA_MEMLIMIT_ERROR ? -EFBIG : -EUCLEAN;
                        break;
                }
                r = sink_commit(s, avail - z.avail_out);
                if (r < 0)
                        break;
        } while (lr != LZMA_STREAM_END);
        lzma_end(&z);
        return r;
}

/* Unpacks into a sealed memfd; ret_sha256: the unpacked bytes' SHA-256. */
static int decompress(const char *codec, const uint8_t *in, size_t n, uint64_t max, int *ret_fd, char ret_sha256[static 65]) {
        _cleanup_close_ int fd = memfd_create("kexecd-kernel", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        Sink s = { .max = max };
        int r;

        if (fd < 0)
                return -errno;
        s.fd = fd;
        r = sha256_new(&s.sha);
        if (r < 0)
                return r;
        if (streq(codec, "gzip"))
                r = inflate_gzip(in, n, &s);
        else if (streq(codec, "zstd"))
                r = inflate_zstd(in, n, &s);
        else if (streq(codec, "xz") || streq(codec, "xzkern"))
                r = inflate_lzma(in, n, &s, false);
        else if (streq(codec, "lzma"))
                r = inflate_lzma(in, n, &s, true);
        else
                r = -EOPNOTSUPP;
        sink_unmap(&s);
        if (r < 0) {
                sha256_free(s.sha);
                return r;
        }
        sha256_finish_hex(s.sha, ret_sha256);
        /* The mapping grew by doubling: cut the memfd to what was written. */
        if (ftruncate(fd, (off_t) s.written) < 0)
                return -errno;
        if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
                return -errno;
        if (lseek(fd, 0, SEEK_SET) < 0)
                return -errno;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

typedef struct PeSection {
        char name[9];
        uint32_t offset, size;
} PeSection;

/* Finds a section of a PE image, with every offset checked against n. */
static int pe_find_section(const uint8_t *d, size_t n, const char *want, PeSection *ret) {
        if (n < 0x40 || d[0] != 'M' || d[1] != 'Z')
                return -ENOEXEC;
        uint32_t pe = le32(d + 0x3c);
        if (pe > n || n - pe < 24 || memcmp(d + pe, "PE\0\0", 4) != 0)
                return -ENOEXEC;
        uint16_t nsec = le16(d + pe + 6), optsize = le16(d + pe + 20);
        size_t table = (size_t) pe + 24 + optsize;
        if (table > n || nsec > 96 || (n - table) / 40 < nsec)
                return -EUCLEAN;
        for (unsigned i = 0; i < nsec; i++) {
                const uint8_t *sec = d + table + (size_t) i * 40;
                char name[9] = {};
                memcpy(name, sec, 8);
                if (!streq(name, want))
                        continue;
                uint32_t vsize = le32(sec + 8), rawsize = le32(sec + 16), rawptr = le32(sec + 20);
                uint32_t size = vsize && vsize < rawsize ? vsize : rawsize;
                if (rawptr > n || size > n - rawptr)
                        return -EUCLEAN;
                memcpy(ret->name, name, sizeof(name));
                ret->offset = rawptr;
                ret->size = size;
                return 0;
        }
        return -ENOENT;
}

static int open_inner(KernelImage *k, int fd, const uint8_t *d, size_t n, const char *outer, uint64_t max, char **msg);

/* Enough of the head to tell an uncompressed kernel (x86 setup header at
 * 0x1f1..0x268, arm64 Image header at 0..0x40) from everything else. */
#define KERNEL_HEAD_SIZE 4096u

int kernel_image_open(int fd, uint64_t max_size, KernelImage **ret, char **ret_message) {
        _cleanup_(kernel_image_freep) KernelImage *k = calloc(1, sizeof(KernelImage));
        _cleanup_free_ uint8_t *data = NULL;
        uint8_t head[KERNEL_HEAD_SIZE];
        struct stat st;
        size_t n;
        int r;

        if (!k)
                return -ENOMEM;
        k->fd = -EBADF;
        k->initrd_fd = -EBADF;
        if (max_size == 0)
                max_size = KERNEL_IMAGE_MAX_DEFAULT;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (st.st_size == 0)
                return fail(ret_message, -ENOEXEC, "empty file");
        if ((uint64_t) st.st_size > COMPRESSED_MAX && (uint64_t) st.st_size > max_size)
                return fail(ret_message, -EFBIG, "file of %lld bytes is larger than any kernel image", (long long) st.st_size);

        /* The file is read, never mapped: its owner can truncate it at any
         * moment, and a mapping would then kill the daemon with SIGBUS. A
         * file that shrinks while it is read is reported as truncated. */
        n = (uint64_t) st.st_size < KERNEL_HEAD_SIZE ? (size_t) st.st_size : KERNEL_HEAD_SIZE;
        r = pread_exact(fd, head, n, 0);
        if (r == -ENODATA)
                return fail(ret_message, -EUCLEAN, "file was truncated while it was read");
        if (r < 0)
                return r;
        const char *fmt = kernel_sniff(head, n);
        if (fmt && (streq(fmt, "bzImage") || streq(fmt, "arm64-Image"))) {
                /* Uncompressed: the kernel reads the file itself, by its
                 * original fd; only the head is needed here. */
                r = open_inner(k, fd, head, n, NULL, max_size, ret_message);
                if (r < 0)
                        return r;
                k->size = (uint64_t) st.st_size;
                *ret = TAKE_PTR(k);
                return 0;
        }
        if (!fmt)
                return fail(ret_message, -ENOEXEC, "not a kernel image (no x86 boot header, arm64 Image header, PE, or compression format)");

        data = malloc((size_t) st.st_size);
        if (!data)
                return -ENOMEM;
        r = pread_exact(fd, data, (size_t) st.st_size, 0);
        if (r == -ENODATA)
                return fail(ret_message, -EUCLEAN, "file was truncated while it was read");
        if (r < 0)
                return r;
        r = open_inner(k, fd, data, (size_t) st.st_size, NULL, max_size, ret_message);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(k);
        return 0;
}

/* Checks a decompressed or extracted payload (in a memfd) is a kernel. */
static int check_payload(KernelImage *k, int payload_fd, const char *outer, char **msg) {
        uint8_t head[0x240] = {};
        struct stat st;
        ssize_t n = pread(payload_fd, head, sizeof(head), 0);
        const char *inner = n > 0 ? kernel_sniff(head, (size_t) n) : NULL;
        if (!inner || (!streq(inner, "bzImage") && !streq(inner, "arm64-Image")))
                return fail(msg, -ENOEXEC, "the %s payload is not a kernel image", outer);
        if (fstat(payload_fd, &st) < 0)
                return -errno;
        k->fd = payload_fd;
        k->owned = 1;
        k->size = (uint64_t) st.st_size;
        snprintf(k->inner, sizeof(k->inner), "%s", inner);
        return 0;
}

static int open_inner(KernelImage *k, int fd, const uint8_t *d, size_t n, const char *outer, uint64_t max, char **msg) {
        const char *fmt = kernel_sniff(d, n);
        int r;

        if (!fmt)
                return fail(msg, -ENOEXEC, "not a kernel image (no x86 boot header, arm64 Image header, PE, or compression format)");

        if (streq(fmt, "bzImage") || streq(fmt, "arm64-Image")) {
                /* Uncompressed: the original fd, so IMA sees the file. */
                int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
                if (dup_fd < 0)
                        return -errno;
                k->fd = dup_fd;
                k->owned = 1;
                k->size = n;
                snprintf(k->inner, sizeof(k->inner), "%s", fmt);
                snprintf(k->format, sizeof(k->format), "%s", fmt);
                return 0;
        }

        if (streq(fmt, "gzip") || streq(fmt, "zstd") || streq(fmt, "xz") || streq(fmt, "lzma")) {
                int out = -EBADF;
                r = decompress(fmt, d, n, max, &out, k->sha256);
                if (r == -EFBIG)
                        return fail(msg, r, "%s data unpacks to more than %llu bytes", fmt, (unsigned long long) max);
                if (r < 0)
                        return fail(msg, r == -ENOMEM ? r : -EUCLEAN, "%s data is truncated or corrupt", fmt);
                r = check_payload(k, out, fmt, msg);
                if (r < 0) {
                        close(out);
                        return r;
                }
                snprintf(k->format, sizeof(k->format), "%s/%s", fmt, k->inner);
                return 0;
        }

        if (streq(fmt, "zboot")) {
                /* arm64 EFI zboot: MZ, "zimg", payload offset and size, and
                 * the compression type as a NUL-padded string at 24. */
                if (n < 32)
                        return fail(msg, -EUCLEAN, "zboot header truncated");
                uint32_t off = le32(d + 8), size = le32(d + 12);
                char codec[9] = {};
                memcpy(codec, d + 24, 8);
                if (off > n || size > n - off || size == 0)
                        return fail(msg, -EUCLEAN, "zboot payload (offset %u, size %u) lies outside the file", off, size);
                int out = -EBADF;
                r = decompress(codec, d + off, size, max, &out, k->sha256);
                if (r == -EOPNOTSUPP)
                        return fail(msg, -ENOEXEC, "zboot compression '%s' is not supported", codec);
                if (r == -EFBIG)
                        return fail(msg, r, "zboot payload unpacks to more than %llu bytes", (unsigned long long) max);
                if (r < 0)
                        return fail(msg, r == -ENOMEM ? r : -EUCLEAN, "zboot %s payload is truncated or corrupt", codec);
                r = check_payload(k, out, "zboot", msg);
                if (r < 0) {
                        close(out);
                        return r;
                }
                snprintf(k->format, sizeof(k->format), "zboot/%s/%s", codec, k->inner);
                return 0;
        }

        /* A PE that is neither bzImage nor arm64 Image: a UKI if it has .linux. */
        PeSection linux_sec, sec;
        r = pe_find_section(d, n, ".linux", &linux_sec);
        if (r == -ENOENT || r == -ENOEXEC)
                return fail(msg, -ENOEXEC, "PE image without a .linux section (not a unified kernel image)");
        if (r < 0)
                return fail(msg, r, "PE section table is truncated or corrupt");
        const char *inner = kernel_sniff(d + linux_sec.offset, linux_sec.size);
        if (!inner || (!streq(inner, "bzImage") && !streq(inner, "arm64-Image")))
                return fail(msg, -ENOEXEC, "the UKI's .linux section is not a kernel image");
        Sha256 *sha = NULL;
        r = sha256_new(&sha);
        if (r < 0)
                return r;
        sha256_add(sha, d + linux_sec.offset, linux_sec.size);
        sha256_finish_hex(sha, k->sha256);
        r = memfd_new_sealed("kexecd-uki-linux", d + linux_sec.offset, linux_sec.size);
        if (r < 0)
                return r;
        k->fd = r;
        k->owned = 1;
        k->size = linux_sec.size;
        snprintf(k->inner, sizeof(k->inner), "%s", inner);
        snprintf(k->format, sizeof(k->format), "uki/%s", inner);
        if (pe_find_section(d, n, ".initrd", &sec) >= 0 && sec.size > 0) {
                r = memfd_new_sealed("kexecd-uki-initrd", d + sec.offset, sec.size);
                if (r < 0)
                        return r;
                k->initrd_fd = r;
        }
        if (pe_find_section(d, n, ".cmdline", &sec) >= 0) {
                /* ukify stores the text with a trailing newline or NULs
                 * (section padding); a NUL before the end would silently
                 * cut the command line the image's builder meant. */
                size_t l = sec.size;
                const char *text = (const char *) d + sec.offset;
                while (l > 0 && (text[l - 1] == 0 || text[l - 1] == '\n' || text[l - 1] == ' '))
                        l--;
                if (memchr(text, 0, l))
                        return fail(msg, -EUCLEAN, "the UKI's .cmdline section contains a NUL byte before its end");
                k->cmdline = strndup(text, l);
                if (!k->cmdline)
                        return -ENOMEM;
        }
        return 0;
}

size_t kernel_image_cmdline_max(const KernelImage *k) {
        uint8_t h[0x240];

        if (!streq(k->inner, "bzImage"))
                return 2047;
        if (pread_exact(k->fd, h, sizeof(h), 0) < 0)
                return 2047;
        /* cmdline_size exists from boot protocol 2.06; before, 255. */
        uint32_t size = le16(h + 0x206) >= 0x0206 ? le32(h + 0x238) : 256;
        if (size <= 31)
                return 0;
        size_t max = size - 1 - 30;
        return max < 2047 ? max : 2047;
}

int kernel_image_sha256(KernelImage *k, const char **ret) {
        if (!k->sha256[0]) {
                _cleanup_free_ char *hex = NULL;
                int r = fd_sha256_hex(k->fd, &hex);
                if (r < 0)
                        return r;
                snprintf(k->sha256, sizeof(k->sha256), "%s", hex);
        }
        *ret = k->sha256;
        return 0;
}

void kernel_image_free(KernelImage *k) {
        if (!k)
                return;
        if (k->owned && k->fd >= 0)
                close(k->fd);
        if (k->initrd_fd >= 0)
                close(k->initrd_fd);
        free(k->cmdline);
        free(k);
}
