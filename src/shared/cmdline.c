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

/* The kernel's parameq() and systemd's proc_cmdline_key_streq() take '-'
 * and '_' as the same: "nr-cpus=2" is nr_cpus=. */
static bool keys_equal(const char *a, size_t a_len, const char *b, size_t b_len) {
        if (a_len != b_len)
                return false;
        for (size_t i = 0; i < a_len; i++) {
                char x = a[i] == '-' ? '_' : a[i], y = b[i] == '-' ? '_' : b[i];
                if (x != y)
                        return false;
        }
        return true;
}

static bool args_same_key(const char *a, const char *b) {
        return keys_equal(a, arg_key_len(a), b, arg_key_len(b));
}

static bool args_contain_key(char **args, const char *arg) {
        for (char **a = args; a && *a; a++)
                if (args_same_key(*a, arg))
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

CmdlineArch cmdline_arch_from_kernel_format(const char *inner) {
        if (streq_ptr(inner, "bzImage"))
                return CMDLINE_ARCH_X86_64;
        if (streq_ptr(inner, "arm64-Image"))
                return CMDLINE_ARCH_AARCH64;
        return CMDLINE_ARCH_UNKNOWN;
}

static bool rule_applies(const CmdlineRule *rule, bool kdump, CmdlineArch arch) {
        if (!(rule->images & (kdump ? CMDLINE_IMAGE_KDUMP : CMDLINE_IMAGE_KEXEC)))
                return false;
        /* Unknown architecture: only what holds everywhere. */
        return rule->arches == CMDLINE_ARCH_ALL || (arch != CMDLINE_ARCH_UNKNOWN && (rule->arches & arch));
}

/* Whether a running argument stays in the reused line. */
static bool running_arg_kept(const char *arg, bool kdump, CmdlineArch arch, char **extra) {
        size_t n;
        const CmdlineRule *rules = cmdline_rules(&n);

        for (size_t k = 0; k < n; k++)
                if (rule_applies(&rules[k], kdump, arch) && args_same_key(arg, rules[k].arg))
                        return false;   /* dropped, or set by an addition */
        /* The extras override same keys. */
        return !(kdump && args_contain_key(extra, arg));
}

int cmdline_reuse(const char *running, bool kdump, CmdlineArch arch, const char *kdump_extra, const char *append,
                  char **ret) {
        _cleanup_strv_free_ char **args = NULL, **extra = NULL, **appended = NULL;
        _cleanup_free_ char *out = strdup("");
        size_t len = 0, n_rules;
        const CmdlineRule *rules = cmdline_rules(&n_rules);
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
        r = cmdline_split(strempty(append), &appended);
        if (r < 0)
                return r;

        for (char **a = args; *a; a++) {
                if (!running_arg_kept(*a, kdump, arch, extra))
                        continue;
                r = append_arg(&out, &len, *a);
                if (r < 0)
                        return r;
        }
        /* The user's ExtraCmdline= and Append= win over the rules' additions. */
        for (size_t k = 0; k < n_rules; k++) {
                const CmdlineRule *rule = &rules[k];
                if (rule->action != CMDLINE_RULE_ADD || !rule_applies(rule, kdump, arch) ||
                    args_contain_key(extra, rule->arg) || args_contain_key(appended, rule->arg))
                        continue;
                r = append_arg(&out, &len, rule->arg);
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
