/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: the configuration parser (kexecd.conf and drop-ins, INI via
 * inih) must survive any text, and whatever it keeps must be what Status
 * can report: absolute UTF-8 paths of bounded length, a bounded initrd list.
 * The input is copied and NUL-terminated; an input with a NUL byte is seen
 * up to its first NUL (the daemon refuses such files before parsing). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "kexecd-limits.h"
#include "log.h"
#include "utf8.h"

static void check_path(const char *p, bool empty_ok) {
        if (!p)
                return;
        if (empty_ok && p[0] == 0)
                return;
        if (p[0] != '/' || strlen(p) > KEXECD_PATH_MAX || !utf8_is_valid(p))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        /* kexecd_config_parse_file() reads no more than this. */
        if (size > KEXECD_CONFIG_FILE_MAX)
                return 0;
        log_set_max_level(LOG_EMERG);

        char *text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = 0;

        KexecdConfig c;
        kexecd_config_init(&c);
        (void) kexecd_config_parse_text(&c, "fuzz.conf", text);
        for (int i = 0; i < _IMAGE_TYPE_MAX; i++) {
                const ImageSpec *s = &c.images[i].spec;
                size_t n = 0;
                check_path(s->kernel, true); /* "Kernel=" empties it */
                for (char **p = s->initrds; p && *p; p++, n++)
                        check_path(*p, false);
                if (n > KEXECD_INITRDS_MAX)
                        abort();
                if ((s->cmdline && !utf8_is_valid(s->cmdline)) || (s->append && !utf8_is_valid(s->append)))
                        abort();
        }
        if (c.kdump_extra_cmdline && !utf8_is_valid(c.kdump_extra_cmdline))
                abort();
        kexecd_config_done(&c);
        free(text);
        return 0;
}
