/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dmesg-scan.h"
#include "kexecd-limits.h"
#include "macro.h"
#include "utf8.h"

/* A log line longer than this is cut: the kernel's own limit is 1024. */
#define DMESG_LINE_MAX 4096

char *dmesg_sanitize_line(const char *line, size_t max) {
        size_t n = strnlen(line, max);
        _cleanup_free_ char *cut = strndup(line, n), *esc = NULL;
        if (!cut)
                return NULL;
        /* Control characters (a stray \r, escape sequences) must not reach a
         * terminal through kexecctl; invalid UTF-8 cannot go over D-Bus. */
        esc = utf8_escape_invalid(cut);
        if (!esc)
                return NULL;
        char *out = malloc(strlen(esc) * 4 + 1), *o = out;
        if (!out)
                return NULL;
        for (const unsigned char *p = (const unsigned char *) esc; *p; p++) {
                if (*p < 0x20 || *p == 0x7f)
                        o += sprintf(o, "\\x%02x", *p);
                else
                        *o++ = (char) *p;
        }
        *o = 0;
        return out;
}

static const char *skip_timestamp(const char *s) {
        if (*s != '[')
                return s;
        const char *e = strchr(s, ']');
        if (!e || e - s > 20)
                return s;
        e++;
        while (*e == ' ')
                e++;
        return e;
}

static char *release_from(const char *line) {
        const char *p = strstr(line, "Linux version ");
        if (!p)
                return NULL;
        p += strlen("Linux version ");
        size_t n = 0;
        /* uname -r characters; 64 is the kernel's __NEW_UTS_LEN. */
        while (p[n] && n <= 64 && (strchr("._+-~", p[n]) || (p[n] >= '0' && p[n] <= '9') ||
                                   (p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z')))
                n++;
        if (n == 0 || n > 64 || (p[n] != ' ' && p[n] != 0))
                return NULL;
        return strndup(p, n);
}

int dmesg_scan_fd(int fd, char **ret_panic_line, char **ret_release) {
        _cleanup_free_ char *panic = NULL, *bug = NULL, *release = NULL, *line = NULL;
        int dfd = dup(fd);
        if (dfd < 0)
                return -errno;
        _cleanup_fclose_ FILE *f = fdopen(dfd, "r");
        if (!f) {
                close(dfd);
                return -errno;
        }
        size_t allocated = 0;
        ssize_t len;

        while (!panic && (len = getline(&line, &allocated, f)) >= 0) {
                if (len > DMESG_LINE_MAX)
                        line[DMESG_LINE_MAX] = 0;
                line[strcspn(line, "\n")] = 0;
                const char *msg = skip_timestamp(line);
                if (!release && strstr(msg, "Linux version "))
                        release = release_from(msg);
                if (strstr(msg, "Kernel panic - not syncing:")) {
                        if (!(panic = dmesg_sanitize_line(msg, KEXECD_CRASH_PANIC_LINE_MAX)))
                                return -ENOMEM;
                } else if (!bug && (strncmp(msg, "BUG:", 4) == 0 || strncmp(msg, "Oops", 4) == 0 ||
                                    strstr(msg, " BUG: "))) {
                        if (!(bug = dmesg_sanitize_line(msg, KEXECD_CRASH_PANIC_LINE_MAX)))
                                return -ENOMEM;
                }
        }
        *ret_panic_line = panic ? TAKE_PTR(panic) : TAKE_PTR(bug);
        *ret_release = TAKE_PTR(release);
        return 0;
}
