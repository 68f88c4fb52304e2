/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: the history parser (history.jsonl, one JSON object a line)
 * must survive any text, and every string it keeps must be valid UTF-8:
 * entries go out over D-Bus (GetHistory), where one bad byte would make the
 * reply unsendable. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "log.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        log_set_max_level(LOG_EMERG);

        char *text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = 0;

        History h = {};
        (void) history_parse(&h, text);
        if (h.n > HISTORY_MAX_ENTRIES)
                abort();
        for (size_t i = 0; i < h.n; i++) {
                const HistoryEntry *e = &h.entries[i];
                if (!e->image || !e->event || !e->detail)
                        abort();
                if (!utf8_is_valid(e->image) || !utf8_is_valid(e->event) || !utf8_is_valid(e->detail))
                        abort();
        }
        history_done(&h);
        free(text);
        return 0;
}
