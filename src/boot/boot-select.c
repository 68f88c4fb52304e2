/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Which entry the boot loader picks: the one-shot EFI variable, the default
 * EFI variable, loader.conf's `default` glob, else the first in order (as
 * systemd-boot does). Kept apart from discovery: this is policy. */
#include <errno.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot-entries.h"
#include "macro.h"

static bool strip_suffix_eq(const char *pattern, const char *id, const char *suffix) {
        size_t n = strlen(id), k = strlen(suffix);
        if (n <= k || !streq(id + n - k, suffix))
                return false;
        _cleanup_free_ char *base = strndup(id, n - k);
        return base && fnmatch(pattern, base, 0) == 0;
}

bool boot_entry_id_matches(const char *pattern, const char *id) {
        if (isempty(pattern) || !id)
                return false;
        /* systemd-boot matches ids with their suffix; people write
         * `default debian-*` as often as `default debian-*.conf`. */
        return fnmatch(pattern, id, 0) == 0 ||
               strip_suffix_eq(pattern, id, ".conf") ||
               strip_suffix_eq(pattern, id, ".efi");
}

int boot_efivar_decode(const char *data, size_t size, char **ret) {
        if (size < 4 || (size - 4) % 2 != 0)
                return -EINVAL;
        const uint8_t *p = (const uint8_t *) data + 4;
        size_t n = (size - 4) / 2;
        /* Entry ids are file names: ASCII in practice, at most three UTF-8
         * bytes per UTF-16 unit for the BMP. Surrogates (astral planes) are
         * refused rather than decoded: no id needs them. */
        _cleanup_free_ char *out = malloc(n * 3 + 1);
        size_t len = 0;
        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                uint16_t c = (uint16_t) (p[2 * i] | (p[2 * i + 1] << 8));
                if (c == 0) {
                        /* The terminating NUL must be the last unit. */
                        if (i != n - 1)
                                return -EINVAL;
                        break;
                }
                if (c < 0x20 || c == 0x7f || (c >= 0xd800 && c <= 0xdfff))
                        return -EINVAL;
                if (c < 0x80)
                        out[len++] = (char) c;
                else if (c < 0x800) {
                        out[len++] = (char) (0xc0 | (c >> 6));
                        out[len++] = (char) (0x80 | (c & 0x3f));
                } else {
                        out[len++] = (char) (0xe0 | (c >> 12));
                        out[len++] = (char) (0x80 | ((c >> 6) & 0x3f));
                        out[len++] = (char) (0x80 | (c & 0x3f));
                }
        }
        out[len] = 0;
        if (len == 0)
                return -EINVAL;
        *ret = TAKE_PTR(out);
        return 0;
}
