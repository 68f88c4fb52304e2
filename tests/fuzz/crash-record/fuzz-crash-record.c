/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: the crash.json reader (written in the crash kernel, read by
 * kexecd on the next boot) must survive any text, and a record it accepts
 * must come back from the writer in a form it accepts again, unchanged. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crash-record.h"
#include "kexecd-limits.h"
#include "utf8.h"

static bool streq_null(const char *a, const char *b) {
        return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size > KEXECD_CRASH_RECORD_MAX)
                return 0; /* crash_record_load() reads no more */
        char *text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = 0;

        CrashRecord r;
        if (crash_record_parse(text, size, &r) < 0) {
                free(text);
                return 0;
        }
        /* What the daemon will put on the bus must be UTF-8. */
        const char *strings[] = { r.id, r.reason, r.crashed_boot_id, r.kernel_release, r.panic_line,
                                  r.compression, r.dump_file, r.dump_command, r.dump_sha256,
                                  r.makedumpfile_version, r.test_id };
        for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
                if (strings[i] && !utf8_is_valid(strings[i]))
                        abort();
        if (!crash_id_is_valid(r.id) || (!r.complete && !r.reason))
                abort();

        char *out = NULL;
        int k = crash_record_format(&r, &out);
        if (k == -E2BIG) { /* pretty-printing a packed input can outgrow the bound */
                crash_record_done(&r);
                free(text);
                return 0;
        }
        if (k < 0)
                abort();
        CrashRecord again;
        if (crash_record_parse(out, strlen(out), &again) < 0)
                abort(); /* accepted, written, then refused */
        if (!streq_null(r.id, again.id) || r.complete != again.complete || !streq_null(r.reason, again.reason) ||
            !streq_null(r.panic_line, again.panic_line) || !streq_null(r.dump_sha256, again.dump_sha256) ||
            !streq_null(r.dump_command, again.dump_command) || r.dump_size != again.dump_size ||
            r.crash_time_usec != again.crash_time_usec || r.dump_level != again.dump_level ||
            r.makedumpfile_status != again.makedumpfile_status || r.command_status != again.command_status ||
            r.n_hooks != again.n_hooks)
                abort();
        for (size_t i = 0; i < r.n_hooks; i++)
                if (!streq_null(r.hooks[i].name, again.hooks[i].name) || r.hooks[i].exit_status != again.hooks[i].exit_status)
                        abort();
        crash_record_done(&again);
        free(out);
        crash_record_done(&r);
        free(text);
        return 0;
}
