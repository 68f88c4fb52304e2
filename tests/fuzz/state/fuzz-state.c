/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: the state file parser (/var/lib/kexecd/<image>.json) must
 * survive any text, and a state it accepts must come back from the writer
 * in a form it accepts again: whatever kexecd adopted at start-up, it can
 * save and read back after the next restart. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kexecd-limits.h"
#include "state.h"

static bool streq_null(const char *a, const char *b) {
        return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        /* image_state_load() reads no more than this. */
        if (size > KEXECD_STATE_FILE_MAX)
                return 0;
        char *text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = 0;

        ImageState s = {};
        if (image_state_parse(text, &s) < 0) {
                free(text);
                return 0;
        }

        char *out = NULL;
        if (image_state_format(&s, &out) < 0)
                abort(); /* only -ENOMEM, which libFuzzer does not simulate */
        if (strlen(out) > KEXECD_STATE_FILE_MAX)
                abort(); /* image_state_load() would refuse it (EFBIG) */
        ImageState again = {};
        if (image_state_parse(out, &again) < 0)
                abort(); /* accepted, written, and then refused */
        /* ...and it is the same state. */
        if (!streq_null(s.spec.kernel, again.spec.kernel) ||
            !streq_null(s.spec.cmdline, again.spec.cmdline) ||
            !streq_null(s.spec.append, again.spec.append) ||
            !streq_null(s.effective_cmdline, again.effective_cmdline) ||
            !streq_null(s.kernel_sha256, again.kernel_sha256) ||
            !streq_null(s.kernel_format, again.kernel_format) ||
            !streq_null(s.syscall_used, again.syscall_used) ||
            !streq_null(s.syscall_reason, again.syscall_reason) ||
            !streq_null(s.layout_fingerprint, again.layout_fingerprint) ||
            s.spec.syscall != again.spec.syscall || s.pending != again.pending ||
            s.loaded_at_usec != again.loaded_at_usec || s.load_duration_usec != again.load_duration_usec ||
            s.layout_generation != again.layout_generation)
                abort();
        for (size_t i = 0; s.spec.initrds[i] || again.spec.initrds[i]; i++)
                if (!streq_null(s.spec.initrds[i], again.spec.initrds[i]))
                        abort();

        image_state_done(&again);
        free(out);
        image_state_done(&s);
        free(text);
        return 0;
}
