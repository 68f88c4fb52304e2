/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ima-log.h"
#include "macro.h"

static const struct {
        const char *name, *format;
} templates[] = {
        { "ima",        "d|n" },
        { "ima-ng",     "d-ng|n-ng" },
        { "ima-sig",    "d-ng|n-ng|sig" },
        { "ima-buf",    "d-ng|n-ng|buf" },
        { "ima-modsig", "d-ng|n-ng|sig|d-modsig|modsig" },
        { "ima-ngv2",   "d-ngv2|n-ng" },
        { "ima-sigv2",  "d-ngv2|n-ng|sig" },
};

const char *ima_template_format(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(templates); i++)
                if (streq(name, templates[i].name))
                        return templates[i].format;
        return name;
}

static const char *const known_fields[] = {
        "d", "n", "d-ng", "n-ng", "d-ngv2", "sig", "buf", "d-modsig", "modsig", "evmsig", "xattrnames",
        "xattrlengths", "xattrvalues", "iuid", "igid", "imode",
};

/* A custom template name must be a '|'-separated list of known fields. */
static int template_field_count(const char *name, size_t *ret) {
        const char *f = ima_template_format(name);
        size_t n = 0;
        for (const char *p = f; *p;) {
                const char *bar = strchr(p, '|');
                size_t len = bar ? (size_t) (bar - p) : strlen(p);
                bool known = false;
                for (size_t i = 0; i < ELEMENTSOF(known_fields); i++)
                        if (strlen(known_fields[i]) == len && !strncmp(p, known_fields[i], len))
                                known = true;
                if (!known)
                        return -EBADMSG;
                n++;
                p += len;
                if (*p == '|')
                        p++;
        }
        if (n == 0)
                return -EBADMSG;
        *ret = n;
        return 0;
}

static int fail(ImaParseError *err, size_t offset, const char *fmt, ...) _printf_(3, 4);
static int fail(ImaParseError *err, size_t offset, const char *fmt, ...) {
        if (err) {
                va_list ap;
                err->offset = offset;
                va_start(ap, fmt);
                vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
                va_end(ap);
        }
        return -EBADMSG;
}

/* Template names come from the list: escape them before printing. */
static const char *printable(const char *s, char *buf, size_t size) {
        size_t n = 0;
        for (; *s && n + 5 < size; s++)
                n += (size_t) snprintf(buf + n, size - n, (unsigned char) *s >= 0x20 && (unsigned char) *s < 0x7f ? "%c" : "\\x%02x",
                                       (unsigned char) *s);
        buf[n] = 0;
        return buf;
}

static uint32_t get_u32(const uint8_t *p, ImaByteOrder o) {
        if (o == IMA_ORDER_BIG)
                return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
        return (uint32_t) p[3] << 24 | (uint32_t) p[2] << 16 | (uint32_t) p[1] << 8 | p[0];
}

typedef struct Cursor {
        const uint8_t *buf;
        size_t size, pos;
        ImaByteOrder order;
} Cursor;

static bool need(const Cursor *c, size_t n) {
        return n <= c->size - c->pos;
}

/* Walks the fields of a template's data, checking every length. Finds the
 * event name (n or n-ng), the second field in every standard template. */
static int parse_fields(const uint8_t *data, size_t len, ImaByteOrder o, size_t expected_fields, ImaRecord *r,
                        size_t base, ImaParseError *err) {
        size_t pos = 0, n = 0;
        while (pos < len) {
                if (len - pos < 4)
                        return fail(err, base + pos, "truncated field length in template data");
                uint32_t flen = get_u32(data + pos, o);
                pos += 4;
                if (flen > len - pos)
                        return fail(err, base + pos - 4, "field %zu length %u exceeds template data", n, flen);
                if (n == 1) {
                        r->event_name = (const char *) data + pos;
                        r->event_name_len = flen;
                }
                pos += flen;
                n++;
        }
        if (n != expected_fields)
                return fail(err, base, "template data has %zu fields, expected %zu", n, expected_fields);
        return 0;
}

/* A record cut short: malformed at the end of a list, or more to read. */
static int cut(ImaParseError *err, size_t offset, const char *what) {
        (void) fail(err, offset, "truncated %s", what);
        return -ENODATA;
}

ImaByteOrder ima_guess_order(const uint8_t *buf, size_t size) {
        if (size >= 4 && get_u32(buf, IMA_ORDER_LITTLE) >= IMA_PCR_MAX && get_u32(buf, IMA_ORDER_BIG) < IMA_PCR_MAX)
                return IMA_ORDER_BIG;
        return IMA_ORDER_LITTLE;
}

static int template_fields(ImaTemplateCache *cache, const char *name, size_t *ret) {
        if (cache && cache->fields > 0 && streq(cache->name, name)) {
                *ret = cache->fields;
                return 0;
        }
        int r = template_field_count(name, ret);
        if (r >= 0 && cache) {
                snprintf(cache->name, sizeof(cache->name), "%s", name);
                cache->fields = *ret;
        }
        return r;
}

int ima_record_decode(const uint8_t *buf, size_t avail, size_t base, size_t digest_len, ImaByteOrder order,
                      ImaTemplateCache *cache, ImaRecord *rec, ImaParseError *err) {
        Cursor c = { .buf = buf, .size = avail, .order = order };

        *rec = (ImaRecord) { .offset = base, .digest_len = digest_len, .raw = buf };
        if (!need(&c, 4 + digest_len + 4))
                return cut(err, base, "record header");
        rec->pcr = get_u32(buf, order);
        if (rec->pcr >= IMA_PCR_MAX)
                return fail(err, base, "PCR index %u out of range", rec->pcr);
        c.pos += 4;
        memcpy(rec->digest, buf + c.pos, digest_len);
        c.pos += digest_len;
        uint32_t name_len = get_u32(buf + c.pos, order);
        c.pos += 4;
        if (name_len == 0 || name_len >= sizeof(rec->template_name))
                return fail(err, base + c.pos - 4, "bad template name length %u", name_len);
        if (!need(&c, name_len))
                return cut(err, base + c.pos - 4, "template name");
        memcpy(rec->template_name, buf + c.pos, name_len);
        rec->template_name[name_len] = 0;
        if (strlen(rec->template_name) != name_len)
                return fail(err, base + c.pos, "template name contains NUL");
        c.pos += name_len;

        rec->violation = true;
        for (size_t i = 0; i < digest_len; i++)
                if (rec->digest[i]) {
                        rec->violation = false;
                        break;
                }

        if (streq(rec->template_name, "ima")) {
                /* 20-byte file digest, u32 name length, name: no overall
                 * length field. */
                rec->ima_template = true;
                if (!need(&c, 20 + 4))
                        return cut(err, base + c.pos, "ima template data");
                uint32_t l = get_u32(buf + c.pos + 20, order);
                if (l > IMA_EVENT_NAME_LEN_MAX)
                        return fail(err, base + c.pos + 20, "bad ima template name length %u", l);
                if (!need(&c, 24 + (size_t) l))
                        return cut(err, base + c.pos + 20, "ima template name");
                rec->data = buf + c.pos;
                rec->data_len = 24 + (size_t) l;
                rec->event_name = (const char *) buf + c.pos + 24;
                rec->event_name_len = l;
                c.pos += rec->data_len;
        } else {
                size_t fields;
                if (template_fields(cache, rec->template_name, &fields) < 0) {
                        char safe[128];
                        return fail(err, base, "unknown template or field in '%s'",
                                    printable(rec->template_name, safe, sizeof(safe)));
                }
                if (!need(&c, 4))
                        return cut(err, base + c.pos, "template data length");
                uint32_t dlen = get_u32(buf + c.pos, order);
                c.pos += 4;
                if (!need(&c, dlen)) {
                        (void) fail(err, base + c.pos - 4, "template data length %u exceeds the list", dlen);
                        return -ENODATA;
                }
                rec->data = buf + c.pos;
                rec->data_len = dlen;
                int r = parse_fields(rec->data, dlen, order, fields, rec, base + c.pos, err);
                if (r < 0)
                        return r;
                c.pos += dlen;
        }
        rec->raw_len = c.pos;
        return 0;
}

int ima_log_parse(const uint8_t *buf, size_t size, size_t digest_len, ImaByteOrder order,
                  ImaLog *ret, ImaParseError *err) {
        ImaLog log = {};
        ImaTemplateCache cache = {};
        size_t allocated = 0, pos = 0;
        int r;

        if (digest_len == 0 || digest_len > IMA_DIGEST_MAX)
                return -EINVAL;
        if (order == IMA_ORDER_AUTO)
                order = ima_guess_order(buf, size);

        while (pos < size) {
                ImaRecord rec;
                r = ima_record_decode(buf + pos, size - pos, pos, digest_len, order, &cache, &rec, err);
                if (r < 0) {
                        r = -EBADMSG; /* cut short here is the end of the list */
                        goto fail;
                }
                pos += rec.raw_len;
                if (log.n == allocated) {
                        allocated = allocated ? allocated * 2 : 1024;
                        ImaRecord *t = realloc(log.records, allocated * sizeof(ImaRecord));
                        if (!t) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        log.records = t;
                }
                log.records[log.n++] = rec;
        }
        log.order = order;
        *ret = log;
        return 0;

fail:
        free(log.records);
        return r;
}

void ima_log_done(ImaLog *log) {
        free(log->records);
        *log = (ImaLog) {};
}

size_t ima_record_hashed_bytes(const ImaRecord *r, uint8_t *buf, size_t size) {
        if (!r->ima_template) {
                size_t n = r->data_len < size ? r->data_len : size;
                memcpy(buf, r->data, n);
                return r->data_len;
        }
        /* ima: digest(20) ‖ name padded with zeros to IMA_EVENT_NAME_LEN_MAX + 1. */
        const size_t total = 20 + IMA_EVENT_NAME_LEN_MAX + 1;
        if (size < total)
                return total;
        memset(buf, 0, total);
        memcpy(buf, r->data, 20);
        memcpy(buf + 20, r->event_name, r->event_name_len);
        return total;
}
