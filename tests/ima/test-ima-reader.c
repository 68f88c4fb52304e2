/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The streaming IMA reader: records that straddle its window, records
 * larger than its first window, the per-record bound, cut-short lists,
 * saved lists read up to their valid length, and the kernel list's limit. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "ima-reader.h"
#include "macro.h"
#include "test-util.h"

typedef struct Buf {
        uint8_t *p;
        size_t n;
} Buf;

static void put(Buf *b, const void *p, size_t n) {
        b->p = realloc(b->p, b->n + n);
        ASSERT_TRUE(b->p);
        memcpy(b->p + b->n, p, n);
        b->n += n;
}

static void put_u32(Buf *b, uint32_t v) {
        uint8_t le[4] = { v, v >> 8, v >> 16, v >> 24 };
        put(b, le, 4);
}

/* An ima-buf record with `len` bytes of buffer (digest left arbitrary:
 * the reader does not hash). */
static void add_record(Buf *b, uint32_t pcr, size_t len) {
        static const char name[] = "/test\0";
        uint8_t digest[20];
        memset(digest, 0x5a, sizeof(digest));
        put_u32(b, pcr);
        put(b, digest, sizeof(digest));
        put_u32(b, 7);
        put(b, "ima-buf", 7);
        put_u32(b, (uint32_t) (4 + 8 + 4 + sizeof(name) - 1 + 4 + len));
        put_u32(b, 8);
        put(b, "sha1:\0ab", 8);
        put_u32(b, sizeof(name) - 1);
        put(b, name, sizeof(name) - 1);
        put_u32(b, (uint32_t) len);
        uint8_t *fill = calloc(1, len ? len : 1);
        put(b, fill, len);
        free(fill);
}

static int to_file(const Buf *b) {
        char path[] = "/tmp/test-ima-reader.XXXXXX";
        int fd = mkstemp(path);
        ASSERT_TRUE(fd >= 0);
        unlink(path);
        for (size_t done = 0; done < b->n;) {
                ssize_t k = write(fd, b->p + done, b->n - done);
                ASSERT_TRUE(k > 0);
                done += (size_t) k;
        }
        ASSERT_EQ(lseek(fd, 0, SEEK_SET), 0);
        return fd;
}

/* Reads the whole list; returns the last status, *n the records. */
static int read_all(int fd, uint64_t limit, bool limit_is_error, uint64_t *n, ImaParseError *err) {
        ImaReader r;
        ImaRecord rec;
        int q;
        ima_reader_init_fd(&r, fd, 20, IMA_ORDER_AUTO, limit, limit_is_error);
        while ((q = ima_reader_next(&r, &rec, err)) > 0)
                ASSERT_EQ(rec.pcr, 10);
        *n = r.records;
        ima_reader_done(&r);
        return q;
}

TEST(test_straddling_and_large_records) {
        Buf b = {};
        ImaParseError err = {};
        uint64_t n;
        /* 3000 small records cross the 256 KiB window many times; a 1 MiB
         * record needs the window to grow. */
        for (int i = 0; i < 3000; i++)
                add_record(&b, 10, (size_t) (i % 300));
        add_record(&b, 10, 1024 * 1024);
        add_record(&b, 10, 5);
        _cleanup_close_ int fd = to_file(&b);
        ASSERT_EQ(read_all(fd, UINT64_MAX, false, &n, &err), 0);
        ASSERT_EQ(n, 3002);

        /* The same through memory, against the whole-list parser. */
        ImaLog log;
        ASSERT_EQ(ima_log_parse(b.p, b.n, 20, IMA_ORDER_AUTO, &log, &err), 0);
        ASSERT_EQ(log.n, 3002);
        ImaReader r;
        ImaRecord rec;
        ima_reader_init_memory(&r, b.p, b.n, 20, IMA_ORDER_AUTO);
        for (size_t i = 0; i < log.n; i++) {
                ASSERT_EQ(ima_reader_next(&r, &rec, &err), 1);
                ASSERT_EQ(rec.offset, log.records[i].offset);
                ASSERT_EQ(rec.raw_len, log.records[i].raw_len);
                ASSERT_EQ(rec.data_len, log.records[i].data_len);
        }
        ASSERT_EQ(ima_reader_next(&r, &rec, &err), 0);
        ima_reader_done(&r);
        ima_log_done(&log);
        free(b.p);
}

TEST(test_record_bound_is_named) {
        Buf b = {};
        ImaParseError err = {};
        uint64_t n;
        add_record(&b, 10, 10);
        add_record(&b, 10, IMA_RECORD_MAX + 1);
        _cleanup_close_ int fd = to_file(&b);
        ASSERT_EQ(read_all(fd, UINT64_MAX, false, &n, &err), -EBADMSG);
        ASSERT_EQ(n, 1);
        ASSERT_TRUE(strstr(err.reason, "record larger than 16 MiB"));
        ASSERT_TRUE(err.offset > 0);
        free(b.p);
}

TEST(test_cut_short_is_malformed_with_offset) {
        Buf b = {};
        ImaParseError err = {};
        uint64_t n;
        add_record(&b, 10, 100);
        add_record(&b, 10, 100);
        size_t first = b.n / 2;
        b.n -= 10; /* the second record loses its tail */
        _cleanup_close_ int fd = to_file(&b);
        ASSERT_EQ(read_all(fd, UINT64_MAX, false, &n, &err), -EBADMSG);
        ASSERT_EQ(n, 1);
        ASSERT_TRUE(strstr(err.reason, "exceeds the list") || strstr(err.reason, "truncated"));
        ASSERT_TRUE(err.offset >= first && err.offset < b.n);
        free(b.p);
}

TEST(test_limits) {
        Buf b = {};
        ImaParseError err = {};
        uint64_t n;
        for (int i = 0; i < 10; i++)
                add_record(&b, 10, 50);
        size_t one = b.n / 10;
        _cleanup_close_ int fd = to_file(&b);
        /* A saved list ends at its valid length: bytes behind it are not read. */
        ASSERT_EQ(read_all(fd, 4 * one, false, &n, &err), 0);
        ASSERT_EQ(n, 4);
        /* The kernel's list beyond the limit is an error, not its end. */
        ASSERT_EQ(lseek(fd, 0, SEEK_SET), 0);
        ASSERT_EQ(read_all(fd, 4 * one, true, &n, &err), -EFBIG);
        ASSERT_EQ(lseek(fd, 0, SEEK_SET), 0);
        ASSERT_EQ(read_all(fd, b.n, true, &n, &err), 0);
        ASSERT_EQ(n, 10);
        free(b.p);
}

TEST(test_empty_list) {
        Buf b = {};
        ImaParseError err = {};
        uint64_t n;
        _cleanup_close_ int fd = to_file(&b);
        ASSERT_EQ(read_all(fd, UINT64_MAX, false, &n, &err), 0);
        ASSERT_EQ(n, 0);
}

int main(void) {
        RUN(test_straddling_and_large_records);
        RUN(test_record_bound_is_named);
        RUN(test_cut_short_is_malformed_with_offset);
        RUN(test_limits);
        RUN(test_empty_list);
        return test_finish("test-ima-reader");
}
