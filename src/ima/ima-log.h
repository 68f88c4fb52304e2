/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Parser of the kernel's binary IMA measurement list
 * (/sys/kernel/security/ima/binary_runtime_measurements and the per-bank
 * binary_runtime_measurements_<algo> files). Bounds are checked before
 * every read; a malformed or truncated list is an error naming the byte
 * offset, never a crash. Records point into the caller's buffer. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IMA_DIGEST_MAX 64
#define IMA_EVENT_NAME_LEN_MAX 255
#define IMA_PCR_MAX 24

typedef enum ImaByteOrder {
        IMA_ORDER_AUTO,     /* guess from the first record's PCR index */
        IMA_ORDER_LITTLE,   /* x86/arm64 native, and ima_canonical_fmt everywhere */
        IMA_ORDER_BIG,
} ImaByteOrder;

typedef struct ImaRecord {
        size_t offset;                 /* of the record in the list */
        uint32_t pcr;
        uint8_t digest[IMA_DIGEST_MAX];/* template digest as logged */
        size_t digest_len;
        char template_name[64];
        bool ima_template;             /* the original "ima" template (no length field) */
        const uint8_t *data;           /* template data (for "ima": digest + u32 + name) */
        size_t data_len;
        const char *event_name;        /* the n-ng / n field, not NUL-terminated */
        size_t event_name_len;
        bool violation;                /* all-zero template digest */
        const uint8_t *raw;            /* the whole record as listed */
        size_t raw_len;
} ImaRecord;

typedef struct ImaLog {
        ImaRecord *records;
        size_t n;
        ImaByteOrder order;
} ImaLog;

typedef struct ImaParseError {
        size_t offset;
        char reason[160];
} ImaParseError;

/* A template's layout, decided once per template name: a list repeats the
 * same one or two names, so the field count is not recomputed per record. */
typedef struct ImaTemplateCache {
        char name[64];
        size_t fields;
} ImaTemplateCache;

/* Decodes the one record at the start of buf[0, avail), which sits at byte
 * `base` of the list. Returns 0 (rec->raw_len is its length); -ENODATA when avail ends
 * inside the record (*err then says what was cut, for a list that really
 * ends there); -EBADMSG with *err filled when it is malformed. The record
 * points into buf. */
int ima_record_decode(const uint8_t *buf, size_t avail, size_t base, size_t digest_len, ImaByteOrder order,
                      ImaTemplateCache *cache, ImaRecord *rec, ImaParseError *err);

/* The byte order of a list from its first 4 bytes (PCR indexes are small). */
ImaByteOrder ima_guess_order(const uint8_t *buf, size_t size);

/* digest_len: 20 for binary_runtime_measurements, the bank's size for a
 * per-bank file. Returns -EBADMSG with *err filled on malformed input. */
int ima_log_parse(const uint8_t *buf, size_t size, size_t digest_len, ImaByteOrder order,
                  ImaLog *ret, ImaParseError *err);
void ima_log_done(ImaLog *log);

/* The bytes the kernel hashes for the template digest: the template data
 * as logged, except for the "ima" template (digest ‖ name zero-padded to
 * 256 bytes). Writes at most `size` bytes to buf; returns the length. */
size_t ima_record_hashed_bytes(const ImaRecord *r, uint8_t *buf, size_t size);

/* The format string of a template name ("ima-ng" -> "d-ng|n-ng"); custom
 * formats are their own name. */
const char *ima_template_format(const char *name);
