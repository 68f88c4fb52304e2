/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Replays IMA records into PCR values per bank (libgcrypt), the way the
 * kernel extends them:
 *   per-bank mode (kernels >= 5.8): PCR_B = H_B(PCR_B ‖ H_B(hashed bytes)),
 *   padded mode (4.10-5.7): every bank extended with the SHA-1 digest
 *     zero-padded to the bank size;
 *   violations (all-zero digest) extend 0xFF over the bank size (padded:
 *     0xFF × 20 then zeros). */

#include <stdbool.h>
#include <stdint.h>

#include "ima-log.h"

typedef enum ImaBank {
        IMA_BANK_SHA1,
        IMA_BANK_SHA256,
        IMA_BANK_SHA384,
        IMA_BANK_SHA512,
        IMA_BANK_SM3,
        _IMA_BANK_MAX,
} ImaBank;

typedef enum ImaReplayMode {
        IMA_REPLAY_PER_BANK,
        IMA_REPLAY_PADDED,
} ImaReplayMode;

typedef struct ImaPcrs {
        uint8_t value[_IMA_BANK_MAX][IMA_PCR_MAX][IMA_DIGEST_MAX];
        uint32_t valid[_IMA_BANK_MAX]; /* bit i: value[b][i] is known (read or extended) */
} ImaPcrs;

const char *ima_bank_name(ImaBank b);
int ima_bank_from_name(const char *name);
size_t ima_bank_size(ImaBank b);

/* All-zero PCRs for the given banks (bitmask of 1 << ImaBank) and every index. */
void ima_pcrs_init_zero(ImaPcrs *p, unsigned banks);

int ima_replay_record(ImaPcrs *p, unsigned banks, const ImaRecord *r, ImaReplayMode mode);
int ima_replay(ImaPcrs *p, unsigned banks, const ImaLog *log, size_t from, size_t to, ImaReplayMode mode);

/* Checks each record's logged template digest against the hash of its
 * data (SHA-1 for the classic list, the bank's hash for per-bank lists).
 * Returns the number of mismatches; *first_bad is the first index. */
size_t ima_check_template_digests(const ImaLog *log, size_t *first_bad);

/* Replays `log` from `start` and looks for the longest prefix after which
 * every (bank, index) that `tpm` knows and `indexes` selects equals the
 * replayed value. Returns true if one exists; *ret_prefix = records used. */
bool ima_replay_match(const ImaPcrs *start, unsigned banks, const ImaLog *log, ImaReplayMode mode,
                      const ImaPcrs *tpm, uint32_t indexes, size_t *ret_prefix, ImaPcrs *ret_state);

/* A record's extend values, each hash computed once however many replays
 * use it: per bank (per-bank mode) and SHA-1 (padded mode). */
typedef struct ImaRecordDigests {
        uint8_t bank[_IMA_BANK_MAX][IMA_DIGEST_MAX];
        uint8_t sha1[20];
} ImaRecordDigests;

/* Computes the digests for `banks` in per-bank mode and, if `padded`, the
 * SHA-1 one. */
void ima_record_digests(const ImaRecord *r, unsigned banks, bool padded, ImaRecordDigests *ret);
/* Whether a record's logged template digest is the hash of its data (as
 * ima_check_template_digests), reusing the digest in d when the record's
 * algorithm is among `hashed_banks` (or SHA-1 with `padded`). */
bool ima_record_template_digest_ok(const ImaRecord *r, const ImaRecordDigests *d, unsigned hashed_banks, bool padded);
/* Every (bank, index) of `banks` that tpm knows and `indexes` selects
 * equals s; false when there is nothing to compare. */
bool ima_pcrs_match(const ImaPcrs *s, const ImaPcrs *tpm, unsigned banks, uint32_t indexes);
/* Extends one bank of p with a record whose digests were computed. */
void ima_extend(ImaPcrs *p, ImaBank b, const ImaRecord *r, const ImaRecordDigests *d, ImaReplayMode mode);

/* ima_replay_match() for a stream: one bank, one mode, fed record by record.
 * A matcher may start after the first `start_at` records (a carried-over
 * prefix). Because later records may extend PCRs a match did not compare
 * yet, the verdict is known only at the end (ima_matcher_finish). */
typedef struct ImaMatcher {
        ImaPcrs state, start;
        const ImaPcrs *tpm;
        ImaBank bank;
        ImaReplayMode mode;
        uint64_t start_at, seen;
        bool active, found;
        uint64_t prefix;        /* records of its own view used by the longest match */
        uint32_t touched, touched_at_match;
} ImaMatcher;

void ima_matcher_init(ImaMatcher *m, const ImaPcrs *start, ImaBank bank, ImaReplayMode mode, const ImaPcrs *tpm,
                      uint64_t start_at);
void ima_matcher_feed(ImaMatcher *m, const ImaRecord *r, const ImaRecordDigests *d);
/* used: every PCR index the list extends. Returns whether a prefix matched. */
bool ima_matcher_finish(ImaMatcher *m, uint32_t used);

/* Indexes the log uses (bitmask). */
uint32_t ima_log_pcr_indexes(const ImaLog *log);

void ima_hex(const uint8_t *d, size_t n, char *out /* 2n+1 */);
int ima_unhex(const char *s, uint8_t *out, size_t n);
