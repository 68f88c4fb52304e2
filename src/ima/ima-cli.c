/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ima-cli.h"
#include "ima-log.h"
#include "ima-reader.h"
#include "ima-replay.h"
#include "macro.h"

#define MAX_EXPECT 64

typedef struct Expect {
        ImaBank bank;
        unsigned index;
        uint8_t value[IMA_DIGEST_MAX];
} Expect;

static void help(void) {
        printf("Usage: kexecctl ima replay FILE... [OPTIONS]\n\n"
               "Replay binary IMA measurement lists (binary_runtime_measurements, or saved\n"
               "boots of a chain, in boot order: each file continues from the PCR values the\n"
               "previous one left) and print the resulting PCR values per bank and index.\n\n"
               "Options:\n"
               "  --pcr=BANK:INDEX=HEX   Check a PCR (e.g. sha256:10=ab12...); repeatable.\n"
               "                         A value reached after any prefix of the records\n"
               "                         counts (PCRs read before the list ran ahead)\n"
               "  --bank=LIST            Banks to compute: sha1,sha256 (default), sha384,\n"
               "                         sha512, sm3\n"
               "  --padded               Kernels 4.10-5.7: every bank extended with the\n"
               "                         zero-padded SHA-1 digest\n"
               "  --list-digest=BANK     FILEs are per-bank lists (binary_runtime_measurements_BANK)\n"
               "  --big-endian           Lists from a big-endian host without ima_canonical_fmt\n"
               "  --json                 Print JSON\n"
               "  -h --help              Show this help\n\n"
               "Exit status: 0 computed / all checks match, 1 a check does not match,\n"
               "2 usage error or malformed list (the message names the byte offset).\n\n"
               "See kexecctl(1).\n");
}

static int parse_expect(const char *s, Expect *e) {
        char bank[16];
        unsigned idx;
        int n = 0;
        const char *colon = strchr(s, ':');
        if (!colon || (size_t) (colon - s) >= sizeof(bank))
                return -EINVAL;
        memcpy(bank, s, (size_t) (colon - s));
        bank[colon - s] = 0;
        int b = ima_bank_from_name(bank);
        if (b < 0 || sscanf(colon + 1, "%u=%n", &idx, &n) != 1 || n == 0 || idx >= IMA_PCR_MAX)
                return -EINVAL;
        e->bank = (ImaBank) b;
        e->index = idx;
        return ima_unhex(colon + 1 + n, e->value, ima_bank_size(b));
}

int ima_cli_replay(int argc, char *argv[]) {
        enum { ARG_PCR = 0x100, ARG_BANK, ARG_PADDED, ARG_LIST_DIGEST, ARG_BIG, ARG_JSON };
        static const struct option options[] = {
                { "help",        no_argument,       NULL, 'h' },
                { "pcr",         required_argument, NULL, ARG_PCR },
                { "bank",        required_argument, NULL, ARG_BANK },
                { "padded",      no_argument,       NULL, ARG_PADDED },
                { "list-digest", required_argument, NULL, ARG_LIST_DIGEST },
                { "big-endian",  no_argument,       NULL, ARG_BIG },
                { "json",        no_argument,       NULL, ARG_JSON },
                {}
        };
        Expect expect[MAX_EXPECT];
        size_t n_expect = 0, digest_len = 20;
        unsigned banks = (1u << IMA_BANK_SHA1) | (1u << IMA_BANK_SHA256);
        ImaReplayMode mode = IMA_REPLAY_PER_BANK;
        ImaByteOrder order = IMA_ORDER_AUTO;
        bool json = false;
        int c;

        optind = 0;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_PCR:
                        if (n_expect >= MAX_EXPECT || parse_expect(optarg, &expect[n_expect]) < 0) {
                                fprintf(stderr, "Invalid --pcr=%s (expected BANK:INDEX=HEX with the bank's digest size).\n", optarg);
                                return 2;
                        }
                        banks |= 1u << expect[n_expect].bank;
                        n_expect++;
                        break;
                case ARG_BANK: {
                        _cleanup_free_ char *copy = strdup(optarg);
                        banks = 0;
                        for (char *t = strtok(copy, ","); t; t = strtok(NULL, ",")) {
                                int b = ima_bank_from_name(t);
                                if (b < 0) {
                                        fprintf(stderr, "Unknown bank '%s'.\n", t);
                                        return 2;
                                }
                                banks |= 1u << b;
                        }
                        break;
                }
                case ARG_PADDED:
                        mode = IMA_REPLAY_PADDED;
                        break;
                case ARG_LIST_DIGEST: {
                        int b = ima_bank_from_name(optarg);
                        if (b < 0) {
                                fprintf(stderr, "Unknown bank '%s'.\n", optarg);
                                return 2;
                        }
                        digest_len = ima_bank_size(b);
                        break;
                }
                case ARG_BIG:
                        order = IMA_ORDER_BIG;
                        break;
                case ARG_JSON:
                        json = true;
                        break;
                default:
                        return 2;
                }
        if (optind >= argc) {
                fprintf(stderr, "ima replay needs at least one FILE (see --help).\n");
                return 2;
        }
        for (size_t i = 0; i < n_expect; i++)
                banks |= 1u << expect[i].bank;

        ImaPcrs state, tpm = {};
        ima_pcrs_init_zero(&state, banks);
        for (size_t i = 0; i < n_expect; i++) {
                memcpy(tpm.value[expect[i].bank][expect[i].index], expect[i].value, ima_bank_size(expect[i].bank));
                tpm.valid[expect[i].bank] |= 1u << expect[i].index;
        }

        uint32_t used = 0;
        size_t total = 0, bad_digests = 0;
        bool matched_any = false;
        size_t match_prefix = 0;
        /* Per-bank mode hashes the record for every bank; padded mode only
         * with SHA-1. Each hash is taken once per record and serves the
         * extends of every bank and the template digest check. */
        unsigned hashed = mode == IMA_REPLAY_PADDED ? 0 : banks;
        for (int f = optind; f < argc; f++) {
                _cleanup_(ima_reader_done) ImaReader reader = {};
                ImaRecord rec;
                ImaParseError err = {};
                size_t bad = 0, first_bad = 0, first_bad_offset = 0;
                /* A command-line tool may read a pipe (/dev/stdin, <(...)):
                 * unlike the daemon, it opens whatever it is given. The
                 * list is streamed: memory stays the size of one record. */
                _cleanup_close_ int fd = open(argv[f], O_RDONLY | O_CLOEXEC | O_NOCTTY);
                if (fd < 0) {
                        fprintf(stderr, "%s: %s\n", argv[f], strerror(errno));
                        return 2;
                }
                ima_reader_init_fd(&reader, fd, digest_len, order, UINT64_MAX, false);
                /* The values read may predate this whole file. */
                if (n_expect > 0 && ima_pcrs_match(&state, &tpm, banks, ~0u))
                        matched_any = true, match_prefix = total;
                int r;
                while ((r = ima_reader_next(&reader, &rec, &err)) > 0) {
                        ImaRecordDigests d;
                        ima_record_digests(&rec, hashed, mode == IMA_REPLAY_PADDED, &d);
                        if (!ima_record_template_digest_ok(&rec, &d, hashed, mode == IMA_REPLAY_PADDED) && bad++ == 0) {
                                first_bad = (size_t) reader.records - 1;
                                first_bad_offset = rec.offset;
                        }
                        for (int b = 0; b < _IMA_BANK_MAX; b++)
                                if (banks & (1u << b))
                                        ima_extend(&state, (ImaBank) b, &rec, &d, mode);
                        used |= 1u << rec.pcr;
                        total++;
                        /* The PCRs were read before the list: any prefix
                         * may match; the longest wins. */
                        if (n_expect > 0 && ima_pcrs_match(&state, &tpm, banks, ~0u))
                                matched_any = true, match_prefix = total;
                }
                if (r == -EBADMSG) {
                        fprintf(stderr, "%s: malformed measurement list at byte %zu: %s\n", argv[f], err.offset, err.reason);
                        return 2;
                }
                if (r < 0) {
                        fprintf(stderr, "%s: %s\n", argv[f], strerror(-r));
                        return 2;
                }
                if (bad > 0)
                        fprintf(stderr, "%s: %zu record(s) whose template digest does not match their data (first: record %zu at byte %zu)\n",
                                argv[f], bad, first_bad, first_bad_offset);
                bad_digests += bad;
        }

        int rc = 0;
        if (json) {
                json_object *o = json_object_new_object(), *pcrs = json_object_new_object();
                for (int b = 0; b < _IMA_BANK_MAX; b++) {
                        if (!(banks & (1u << b)))
                                continue;
                        json_object *bo = json_object_new_object();
                        for (int i = 0; i < IMA_PCR_MAX; i++)
                                if (used & (1u << i)) {
                                        char hex[2 * IMA_DIGEST_MAX + 1], key[4];
                                        ima_hex(state.value[b][i], ima_bank_size(b), hex);
                                        snprintf(key, sizeof(key), "%d", i);
                                        json_object_object_add(bo, key, json_object_new_string(hex));
                                }
                        json_object_object_add(pcrs, ima_bank_name(b), bo);
                }
                json_object_object_add(o, "records", json_object_new_uint64(total));
                json_object_object_add(o, "template_digest_mismatches", json_object_new_uint64(bad_digests));
                json_object_object_add(o, "pcrs", pcrs);
                if (n_expect > 0) {
                        json_object_object_add(o, "match", json_object_new_boolean(matched_any));
                        if (matched_any)
                                json_object_object_add(o, "match_after_records", json_object_new_uint64(match_prefix));
                }
                puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
                json_object_put(o);
        } else {
                printf("%zu records replayed (%s mode)\n", total, mode == IMA_REPLAY_PADDED ? "padded" : "per-bank");
                for (int b = 0; b < _IMA_BANK_MAX; b++) {
                        if (!(banks & (1u << b)))
                                continue;
                        for (int i = 0; i < IMA_PCR_MAX; i++)
                                if (used & (1u << i)) {
                                        char hex[2 * IMA_DIGEST_MAX + 1];
                                        ima_hex(state.value[b][i], ima_bank_size(b), hex);
                                        printf("%s:%d=%s\n", ima_bank_name(b), i, hex);
                                }
                }
                if (n_expect > 0) {
                        if (matched_any)
                                printf("match: the given PCR values are reached after %zu of %zu records\n", match_prefix, total);
                        else
                                printf("MISMATCH: no prefix of the records replays to the given PCR values\n");
                }
        }
        if (n_expect > 0 && !matched_any)
                rc = 1;
        return rc;
}
