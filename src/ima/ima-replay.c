/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <gcrypt.h>
#include <string.h>

#include "ima-replay.h"
#include "macro.h"

static const struct {
        const char *name;
        int algo;
        size_t size;
} banks_table[_IMA_BANK_MAX] = {
        [IMA_BANK_SHA1] = { "sha1", GCRY_MD_SHA1, 20 },
        [IMA_BANK_SHA256] = { "sha256", GCRY_MD_SHA256, 32 },
        [IMA_BANK_SHA384] = { "sha384", GCRY_MD_SHA384, 48 },
        [IMA_BANK_SHA512] = { "sha512", GCRY_MD_SHA512, 64 },
        [IMA_BANK_SM3] = { "sm3", GCRY_MD_SM3, 32 },
};

const char *ima_bank_name(ImaBank b) {
        return b < _IMA_BANK_MAX ? banks_table[b].name : NULL;
}

int ima_bank_from_name(const char *name) {
        for (int i = 0; i < _IMA_BANK_MAX; i++)
                if (streq(name, banks_table[i].name))
                        return i;
        return -EINVAL;
}

size_t ima_bank_size(ImaBank b) {
        return b < _IMA_BANK_MAX ? banks_table[b].size : 0;
}

void ima_pcrs_init_zero(ImaPcrs *p, unsigned banks) {
        memset(p, 0, sizeof(*p));
        for (int b = 0; b < _IMA_BANK_MAX; b++)
                if (banks & (1u << b))
                        p->valid[b] = (1u << IMA_PCR_MAX) - 1;
}

static bool state_matches(const ImaPcrs *s, const ImaPcrs *tpm, unsigned banks, uint32_t indexes);

static void hash_record(const ImaRecord *r, int algo, uint8_t *out) {
        if (r->ima_template) {
                uint8_t buf[20 + IMA_EVENT_NAME_LEN_MAX + 1];
                size_t n = ima_record_hashed_bytes(r, buf, sizeof(buf));
                gcry_md_hash_buffer(algo, out, buf, n);
        } else
                gcry_md_hash_buffer(algo, out, r->data, r->data_len);
}

int ima_replay_record(ImaPcrs *p, unsigned banks, const ImaRecord *r, ImaReplayMode mode) {
        uint8_t sha1[20];
        bool have_sha1 = false;

        for (int b = 0; b < _IMA_BANK_MAX; b++) {
                if (!(banks & (1u << b)))
                        continue;
                size_t size = banks_table[b].size;
                uint8_t ext[IMA_DIGEST_MAX] = {};
                uint8_t cat[2 * IMA_DIGEST_MAX];

                if (r->violation) {
                        /* The kernel extends all-ones for a violation. */
                        memset(ext, 0xff, mode == IMA_REPLAY_PADDED ? 20 : size);
                } else if (mode == IMA_REPLAY_PADDED) {
                        if (!have_sha1) {
                                hash_record(r, GCRY_MD_SHA1, sha1);
                                have_sha1 = true;
                        }
                        memcpy(ext, sha1, 20);
                } else
                        hash_record(r, banks_table[b].algo, ext);

                memcpy(cat, p->value[b][r->pcr], size);
                memcpy(cat + size, ext, size);
                gcry_md_hash_buffer(banks_table[b].algo, p->value[b][r->pcr], cat, 2 * size);
                p->valid[b] |= 1u << r->pcr;
        }
        return 0;
}

void ima_record_digests(const ImaRecord *r, unsigned banks, bool padded, ImaRecordDigests *ret) {
        if (r->violation)
                return; /* extended as all-ones: nothing to hash */
        for (int b = 0; b < _IMA_BANK_MAX; b++)
                if (banks & (1u << b))
                        hash_record(r, banks_table[b].algo, ret->bank[b]);
        if (padded) {
                if (banks & (1u << IMA_BANK_SHA1))
                        memcpy(ret->sha1, ret->bank[IMA_BANK_SHA1], 20);
                else
                        hash_record(r, GCRY_MD_SHA1, ret->sha1);
        }
}

void ima_extend(ImaPcrs *p, ImaBank b, const ImaRecord *r, const ImaRecordDigests *d, ImaReplayMode mode) {
        size_t size = banks_table[b].size;
        uint8_t cat[2 * IMA_DIGEST_MAX];

        memcpy(cat, p->value[b][r->pcr], size);
        memset(cat + size, 0, size);
        if (r->violation)
                memset(cat + size, 0xff, mode == IMA_REPLAY_PADDED ? 20 : size);
        else if (mode == IMA_REPLAY_PADDED)
                memcpy(cat + size, d->sha1, 20);
        else
                memcpy(cat + size, d->bank[b], size);
        gcry_md_hash_buffer(banks_table[b].algo, p->value[b][r->pcr], cat, 2 * size);
        p->valid[b] |= 1u << r->pcr;
}

static bool bank_matches(const ImaPcrs *s, const ImaPcrs *tpm, ImaBank b, uint32_t indexes) {
        uint32_t m = tpm->valid[b] & indexes;
        if (m == 0)
                return false;
        for (int i = 0; i < IMA_PCR_MAX; i++)
                if ((m & (1u << i)) && memcmp(s->value[b][i], tpm->value[b][i], banks_table[b].size) != 0)
                        return false;
        return true;
}

/* IMA's own PCR is compared even before the list extends it. */
#define IMA_PCR_BIT (1u << 10)

void ima_matcher_init(ImaMatcher *m, const ImaPcrs *start, ImaBank bank, ImaReplayMode mode, const ImaPcrs *tpm,
                      uint64_t start_at) {
        m->state = *start;
        m->start = *start;
        m->tpm = tpm;
        m->bank = bank;
        m->mode = mode;
        m->start_at = start_at;
        m->seen = 0;
        m->active = true;
        m->found = false;
        m->prefix = 0;
        m->touched = m->touched_at_match = 0;
        if (start_at == 0 && bank_matches(&m->state, tpm, bank, IMA_PCR_BIT))
                m->found = true;
}

void ima_matcher_feed(ImaMatcher *m, const ImaRecord *r, const ImaRecordDigests *d) {
        if (!m->active)
                return;
        if (m->seen++ < m->start_at)
                return;
        if (m->seen - 1 == m->start_at && m->start_at > 0 && bank_matches(&m->state, m->tpm, m->bank, IMA_PCR_BIT))
                m->found = true, m->prefix = 0, m->touched_at_match = 0;
        ima_extend(&m->state, m->bank, r, d, m->mode);
        m->touched |= 1u << r->pcr;
        /* The PCRs were read before the list: the list may have grown
         * since, so every prefix is a candidate; the longest wins. */
        if (bank_matches(&m->state, m->tpm, m->bank, m->touched | IMA_PCR_BIT)) {
                m->found = true;
                m->prefix = m->seen - m->start_at;
                m->touched_at_match = m->touched;
        }
}

bool ima_matcher_finish(ImaMatcher *m, uint32_t used) {
        /* A view that starts at the very end was never fed its first record. */
        if (m->active && m->start_at > 0 && m->seen == m->start_at && bank_matches(&m->state, m->tpm, m->bank, IMA_PCR_BIT))
                m->found = true, m->prefix = 0, m->touched_at_match = 0;
        if (!m->active || !m->found)
                return false;
        /* PCRs the list extends only after the match must still hold their
         * start value in the TPM (an earlier match compares fewer PCRs, so
         * it cannot do better). */
        uint32_t later = (used | IMA_PCR_BIT) & m->tpm->valid[m->bank] & ~m->touched_at_match;
        for (int i = 0; i < IMA_PCR_MAX; i++)
                if ((later & (1u << i)) &&
                    memcmp(m->start.value[m->bank][i], m->tpm->value[m->bank][i], banks_table[m->bank].size) != 0)
                        return false;
        return true;
}

int ima_replay(ImaPcrs *p, unsigned banks, const ImaLog *log, size_t from, size_t to, ImaReplayMode mode) {
        if (to > log->n)
                to = log->n;
        for (size_t i = from; i < to; i++) {
                int r = ima_replay_record(p, banks, &log->records[i], mode);
                if (r < 0)
                        return r;
        }
        return 0;
}

size_t ima_check_template_digests(const ImaLog *log, size_t *first_bad) {
        size_t bad = 0;
        for (size_t i = 0; i < log->n; i++) {
                const ImaRecord *r = &log->records[i];
                uint8_t d[IMA_DIGEST_MAX];
                int algo = r->digest_len == 20 ? GCRY_MD_SHA1 : r->digest_len == 32 ? GCRY_MD_SHA256 :
                           r->digest_len == 48 ? GCRY_MD_SHA384 : GCRY_MD_SHA512;
                if (r->violation)
                        continue;
                hash_record(r, algo, d);
                if (memcmp(d, r->digest, r->digest_len) != 0) {
                        if (bad++ == 0 && first_bad)
                                *first_bad = i;
                }
        }
        return bad;
}

bool ima_record_template_digest_ok(const ImaRecord *r, const ImaRecordDigests *d, unsigned hashed_banks, bool padded) {
        int b = r->digest_len == 20 ? IMA_BANK_SHA1 : r->digest_len == 32 ? IMA_BANK_SHA256 :
                r->digest_len == 48 ? IMA_BANK_SHA384 : IMA_BANK_SHA512;
        uint8_t own[IMA_DIGEST_MAX];
        const uint8_t *h;

        if (r->violation)
                return true;
        if (hashed_banks & (1u << b))
                h = d->bank[b];
        else if (padded && b == IMA_BANK_SHA1)
                h = d->sha1;
        else {
                hash_record(r, banks_table[b].algo, own);
                h = own;
        }
        return memcmp(h, r->digest, r->digest_len) == 0;
}

bool ima_pcrs_match(const ImaPcrs *s, const ImaPcrs *tpm, unsigned banks, uint32_t indexes) {
        return state_matches(s, tpm, banks, indexes);
}

static bool state_matches(const ImaPcrs *s, const ImaPcrs *tpm, unsigned banks, uint32_t indexes) {
        bool compared = false;
        for (int b = 0; b < _IMA_BANK_MAX; b++) {
                if (!(banks & (1u << b)))
                        continue;
                uint32_t m = tpm->valid[b] & indexes;
                for (int i = 0; i < IMA_PCR_MAX; i++)
                        if (m & (1u << i)) {
                                if (memcmp(s->value[b][i], tpm->value[b][i], banks_table[b].size) != 0)
                                        return false;
                                compared = true;
                        }
        }
        return compared;
}

bool ima_replay_match(const ImaPcrs *start, unsigned banks, const ImaLog *log, ImaReplayMode mode,
                      const ImaPcrs *tpm, uint32_t indexes, size_t *ret_prefix, ImaPcrs *ret_state) {
        ImaPcrs s = *start;
        bool found = false;

        /* The PCRs were read before the list: the list may have grown
         * since, so every prefix is a candidate; the longest wins. */
        if (state_matches(&s, tpm, banks, indexes)) {
                found = true;
                *ret_prefix = 0;
                if (ret_state)
                        *ret_state = s;
        }
        for (size_t i = 0; i < log->n; i++) {
                (void) ima_replay_record(&s, banks, &log->records[i], mode);
                if (!(indexes & (1u << log->records[i].pcr)))
                        continue;
                if (state_matches(&s, tpm, banks, indexes)) {
                        found = true;
                        *ret_prefix = i + 1;
                        if (ret_state)
                                *ret_state = s;
                }
        }
        return found;
}

uint32_t ima_log_pcr_indexes(const ImaLog *log) {
        uint32_t m = 0;
        for (size_t i = 0; i < log->n; i++)
                m |= 1u << log->records[i].pcr;
        return m;
}

void ima_hex(const uint8_t *d, size_t n, char *out) {
        static const char hex[] = "0123456789abcdef";
        for (size_t i = 0; i < n; i++) {
                out[2 * i] = hex[d[i] >> 4];
                out[2 * i + 1] = hex[d[i] & 15];
        }
        out[2 * n] = 0;
}

int ima_unhex(const char *s, uint8_t *out, size_t n) {
        size_t len = strlen(s);
        while (len > 0 && isspace((unsigned char) s[len - 1]))
                len--;
        if (len != 2 * n)
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                int v = 0;
                for (int k = 0; k < 2; k++) {
                        char c = (char) tolower((unsigned char) s[2 * i + k]);
                        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
                        if (d < 0)
                                return -EINVAL;
                        v = v * 16 + d;
                }
                out[i] = (uint8_t) v;
        }
        return 0;
}
