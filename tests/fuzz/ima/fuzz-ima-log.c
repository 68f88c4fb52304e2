/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: the IMA list parser, replay and digest checks must survive
 * any input. Tries both byte orders and a per-bank digest size. */
#include <stdint.h>
#include <stdlib.h>

#include "ima-log.h"
#include "ima-reader.h"
#include "ima-replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const struct {
                size_t digest;
                ImaByteOrder order;
        } modes[] = { { 20, IMA_ORDER_AUTO }, { 20, IMA_ORDER_BIG }, { 32, IMA_ORDER_LITTLE } };

        for (size_t k = 0; k < sizeof(modes) / sizeof(modes[0]); k++) {
                ImaLog log;
                ImaParseError err;
                if (ima_log_parse(data, size, modes[k].digest, modes[k].order, &log, &err) < 0) {
                        if (err.offset > size)
                                abort(); /* an error must point inside the input */
                        continue;
                }
                ImaPcrs p;
                size_t bad, prefix;
                ima_pcrs_init_zero(&p, 3);
                ima_replay(&p, 3, &log, 0, log.n, IMA_REPLAY_PER_BANK);
                (void) ima_check_template_digests(&log, &bad);
                (void) ima_replay_match(&p, 3, &log, IMA_REPLAY_PADDED, &p, 1u << 10, &prefix, NULL);
                /* The streaming reader and matcher see the same records. */
                ImaReader reader;
                ImaRecord rec;
                ImaMatcher m;
                ImaRecordDigests d;
                size_t n = 0;
                ima_reader_init_memory(&reader, data, size, modes[k].digest, modes[k].order);
                ima_matcher_init(&m, &p, IMA_BANK_SHA256, IMA_REPLAY_PER_BANK, &p, log.n / 2);
                while (ima_reader_next(&reader, &rec, &err) > 0) {
                        if (n >= log.n || rec.offset != log.records[n].offset || rec.raw_len == 0)
                                abort();
                        ima_record_digests(&rec, 3, true, &d);
                        ima_matcher_feed(&m, &rec, &d);
                        n++;
                }
                if (n != log.n)
                        abort();
                (void) ima_matcher_finish(&m, ima_log_pcr_indexes(&log));
                ima_reader_done(&reader);
                ima_log_done(&log);
        }
        return 0;
}
