/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Streams an IMA measurement list record by record from a file descriptor
 * (the kernel's securityfs file, a saved log.bin) through a bounded window,
 * or from memory. Memory stays the size of the largest record, not of the
 * list: long-running machines have lists of hundreds of MiB. */

#include <stdint.h>

#include "ima-log.h"

/* The window grows to hold the largest record kexecd accepts (header
 * included): ima-buf records (keys, critical data) are the largest seen, a
 * few KiB. */
#define IMA_READER_WINDOW_INITIAL (256u * 1024u)
#define IMA_RECORD_MAX (16u * 1024u * 1024u)

typedef struct ImaReader {
        int fd;                 /* -1: reading `mem` */
        const uint8_t *mem;
        uint8_t *buf;
        size_t buf_size, start, end;
        uint64_t offset;        /* list offset of the next record */
        uint64_t limit;         /* the list ends here (saved lists: their valid bytes) */
        bool limit_is_error;    /* a longer list is -EFBIG, not the end */
        bool eof;
        size_t digest_len;
        ImaByteOrder order;
        ImaTemplateCache cache;
        uint64_t records;       /* returned so far */
} ImaReader;

/* fd stays the caller's. limit: UINT64_MAX for none. */
void ima_reader_init_fd(ImaReader *r, int fd, size_t digest_len, ImaByteOrder order, uint64_t limit,
                        bool limit_is_error);
void ima_reader_init_memory(ImaReader *r, const uint8_t *buf, size_t size, size_t digest_len, ImaByteOrder order);
void ima_reader_done(ImaReader *r);

/* 1 and *rec (valid until the next call) for a record, 0 at the end of the
 * list, -EBADMSG with *err for a malformed list, -EFBIG past the limit,
 * -errno for read errors. */
int ima_reader_next(ImaReader *r, ImaRecord *rec, ImaParseError *err);
