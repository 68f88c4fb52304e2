/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "macro.h"
#include "utf8.h"

int cmdline_validate(const char *cmdline) {
        if (!cmdline)
                return 0;
        if (strlen(cmdline) > KEXECD_CMDLINE_MAX)
                return -E2BIG;
        /* Control characters (C0, DEL and C1, U+0080..U+009F) would be
         * interpreted by a terminal showing the line; bytes that are not
         * UTF-8 could not be shown over D-Bus at all (utf8.h). */
        for (const unsigned char *p = (const unsigned char *) cmdline; *p;) {
                size_t n = utf8_sequence_length(p);
                if (n == 0 || *p < 0x20 || *p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
                        return -EILSEQ;
                p += n;
        }
        return 0;
}

static int strv_push(char ***l, size_t *n, char *s) {
        char **t = realloc(*l, sizeof(char *) * (*n + 2));
        if (!t) {
                free(s);
                return -ENOMEM;
        }
        t[(*n)++] = s;
        t[*n] = NULL;
        *l = t;
        return 0;
}

int cmdline_split(const char *cmdline, char ***ret) {
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
        size_t n = 0;
        const char *p = cmdline;

        if (!l)
                return -ENOMEM;
        for (;;) {
                while (*p == ' ' || *p == '\t' || *p == '\n')
                        p++;
                if (!*p)
                        break;
                /* The kernel's own parser (next_arg()) treats a double quote
                 * as toggling "inside quotes" where spaces don't split. */
                const char *start = p;
                bool quoted = false;
                while (*p && (quoted || (*p != ' ' && *p != '\t' && *p != '\n'))) {
                        if (*p == '"')
                                quoted = !quoted;
                        p++;
                }
                char *arg = strndup(start, (size_t) (p - start));
                if (!arg)
                        return -ENOMEM;
                int r = strv_push(&l, &n, arg);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

/* "key=value" and "key" both have key "key". */
static size_t arg_key_len(const char *arg) {
        const char *eq = strchr(arg, '=');
        return eq ? (size_t) (eq - arg) : strlen(arg);
}

static bool arg_has_key(const char *arg, const char *key, size_t key_len) {
        return arg_key_len(arg) == key_len && strncmp(arg, key, key_len) == 0;
}

static bool args_contain_key(char **args, const char *arg) {
        size_t k = arg_key_len(arg);
        for (char **a = args; a && *a; a++)
                if (arg_has_key(*a, arg, k))
                        return true;
        return false;
}

static int append_arg(char **buf, size_t *len, const char *arg) {
        size_t a = strlen(arg);
        char *t = realloc(*buf, *len + a + 2);
        if (!t)
                return -ENOMEM;
        if (*len > 0)
                t[(*len)++] = ' ';
        memcpy(t + *len, arg, a + 1);
        *len += a;
        *buf = t;
        return 0;
}

int cmdline_reuse(const char *running, bool kdump, const char *kdump_extra, const char *append, char **ret) {
        _cleanup_strv_free_ char **args = NULL, **extra = NULL;
        _cleanup_free_ char *out = strdup("");
        size_t len = 0;
        int r;

        if (!out)
                return -ENOMEM;
        r = cmdline_split(strempty(running), &args);
        if (r < 0)
                return r;
        if (kdump) {
                r = cmdline_split(strempty(kdump_extra), &extra);
                if (r < 0)
                        return r;
        }

        for (char **a = args; *a; a++) {
                /* The boot loader's note of which file it loaded is a lie
                 * for a kexec'd kernel. */
                if (arg_has_key(*a, "BOOT_IMAGE", 10))
                        continue;
                if (kdump) {
                        /* A crash kernel must not reserve memory for another
                         * crash kernel, and the extras override same keys. */
                        if (arg_has_key(*a, "crashkernel", 11) || args_contain_key(extra, *a))
                                continue;
                }
                r = append_arg(&out, &len, *a);
                if (r < 0)
                        return r;
        }
        for (char **a = extra; a && *a; a++) {
                r = append_arg(&out, &len, *a);
                if (r < 0)
                        return r;
        }
        if (!isempty(append)) {
                r = append_arg(&out, &len, append);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(out);
        return 0;
}
