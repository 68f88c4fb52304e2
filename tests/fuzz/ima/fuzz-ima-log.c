/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: the IMA list parser, replay and digest checks must survive
 * any input. Tries both byte orders and a per-bank digest size. */
#include <stdint.h>
#include <stdlib.h>

#include "ima-log.h"
#include "ima-replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const struct {
                size_t digest;
                ImaByteOrder order;
        } modes[] = { { 20, IMA_ORDER_AUTO }, { 20, IMA_ORDER_BIG }, { 32, IMA_ORDER_LITTLE } };

        for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
                ImaLog log;
                ImaParseError err;
                if (ima_log_parse(data, size, modes[m].digest, modes[m].order, &log, &err) < 0) {
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
                ima_log_done(&log);
        }
        return 0;
}
