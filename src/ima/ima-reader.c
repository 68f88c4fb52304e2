/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ima-reader.h"
#include "macro.h"

void ima_reader_init_fd(ImaReader *r, int fd, size_t digest_len, ImaByteOrder order, uint64_t limit,
                        bool limit_is_error) {
        *r = (ImaReader) {
                .fd = fd,
                .limit = limit,
                .limit_is_error = limit_is_error,
                .digest_len = digest_len,
                .order = order,
        };
}

void ima_reader_init_memory(ImaReader *r, const uint8_t *buf, size_t size, size_t digest_len, ImaByteOrder order) {
        *r = (ImaReader) {
                .fd = -1,
                .mem = buf,
                .end = size,
                .limit = size,
                .eof = true,
                .digest_len = digest_len,
                .order = order,
        };
}

void ima_reader_done(ImaReader *r) {
        free(r->buf);
        r->buf = NULL;
}

/* Reads more of the list behind what is buffered, growing the window only
 * when one record does not fit. */
static int fill(ImaReader *r, ImaParseError *err) {
        if (r->start > 0) {
                memmove(r->buf, r->buf + r->start, r->end - r->start);
                r->end -= r->start;
                r->start = 0;
        }
        if (r->end == r->buf_size) {
                size_t size = MIN(r->buf_size ? r->buf_size * 2 : IMA_READER_WINDOW_INITIAL, IMA_RECORD_MAX);
                if (r->buf_size >= IMA_RECORD_MAX) {
                        if (err) {
                                err->offset = (size_t) r->offset;
                                snprintf(err->reason, sizeof(err->reason), "record larger than %u MiB",
                                         IMA_RECORD_MAX >> 20);
                        }
                        return -EBADMSG;
                }
                uint8_t *b = realloc(r->buf, size);
                if (!b)
                        return -ENOMEM;
                r->buf = b;
                r->buf_size = size;
        }
        uint64_t have = r->offset + r->end; /* list bytes read so far */
        size_t want = r->buf_size - r->end;
        if (have >= r->limit && !r->limit_is_error) {
                r->eof = true;
                return 0;
        }
        if (r->limit - have < want && !r->limit_is_error)
                want = (size_t) (r->limit - have);
        for (;;) {
                ssize_t k = read(r->fd, r->buf + r->end, want);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        r->eof = true;
                r->end += (size_t) k;
                if (r->limit_is_error && r->offset + r->end > r->limit)
                        return -EFBIG;
                return 0;
        }
}

int ima_reader_next(ImaReader *r, ImaRecord *rec, ImaParseError *err) {
        if (r->digest_len == 0 || r->digest_len > IMA_DIGEST_MAX)
                return -EINVAL;
        for (;;) {
                const uint8_t *p = r->mem ? r->mem : r->buf;
                size_t avail = r->end - r->start;
                int q;

                if (r->order == IMA_ORDER_AUTO && (avail >= 4 || r->eof))
                        r->order = ima_guess_order(p + r->start, avail);
                if (avail == 0 && r->eof)
                        return 0;
                if (avail > 0 && r->order != IMA_ORDER_AUTO) {
                        q = ima_record_decode(p + r->start, avail, (size_t) r->offset, r->digest_len, r->order,
                                              &r->cache, rec, err);
                        if (q >= 0) {
                                r->start += rec->raw_len;
                                r->offset += rec->raw_len;
                                r->records++;
                                return 1;
                        }
                        if (q != -ENODATA)
                                return q;
                        if (r->eof)
                                return -EBADMSG; /* cut short: *err says where */
                }
                q = fill(r, err);
                if (q < 0)
                        return q;
        }
}
