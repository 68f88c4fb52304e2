/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Prometheus text format and the kexecd.prom file node_exporter's
 * textfile collector reads (docs/metrics.md). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "metrics.h"
#include "utf8.h"

static void strv_array_free(char **l, size_t n) {
        for (size_t k = 0; k < n; k++)
                free(l[k]);
        free(l);
}

void metrics_text_done(MetricsText *t) {
        free(t->buf);
        free(t->family);
        strv_array_free(t->series, t->n_series);
        strv_array_free(t->families, t->n_families);
        *t = (MetricsText) {};
}

static void append_mem(MetricsText *t, const char *s, size_t n) {
        if (t->error)
                return;
        if (t->size + n + 1 > t->allocated) {
                size_t a = MAX(MAX(t->allocated * 2, t->size + n + 1), (size_t) 1024);
                char *b = realloc(t->buf, a);
                if (!b) {
                        t->error = -ENOMEM;
                        return;
                }
                t->buf = b;
                t->allocated = a;
        }
        memcpy(t->buf + t->size, s, n);
        t->size += n;
        t->buf[t->size] = 0;
}

static void append(MetricsText *t, const char *s) {
        append_mem(t, s, strlen(s));
}

/* `quote`: also escape '"' (label values; HELP text keeps it as is). */
static void append_escaped(MetricsText *t, const char *s, bool quote) {
        for (const char *p = s; *p; p++) {
                if (*p == '\\')
                        append(t, "\\\\");
                else if (*p == '\n')
                        append(t, "\\n");
                else if (*p == '"' && quote)
                        append(t, "\\\"");
                else
                        append_mem(t, p, 1);
        }
}

static bool name_ok(const char *s, bool colon) {
        if (!s || !s[0])
                return false;
        for (const char *p = s; *p; p++) {
                bool alpha = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' || (colon && *p == ':');
                if (!alpha && !(p > s && *p >= '0' && *p <= '9'))
                        return false;
        }
        return true;
}

static int strv_array_push(char ***l, size_t *n, const char *s) {
        char **a = realloc(*l, sizeof(char *) * (*n + 1));
        if (!a)
                return -ENOMEM;
        *l = a;
        if (!(a[*n] = strdup(s)))
                return -ENOMEM;
        (*n)++;
        return 0;
}

static bool strv_array_contains(char **l, size_t n, const char *s) {
        for (size_t k = 0; k < n; k++)
                if (streq(l[k], s))
                        return true;
        return false;
}

static int family(MetricsText *t, const char *name, MetricType type, const char *help) {
        int r;

        if (!name_ok(name, true) || !help || !utf8_is_valid(help))
                return -EINVAL;
        if (strv_array_contains(t->families, t->n_families, name))
                return -EEXIST;
        r = strv_array_push(&t->families, &t->n_families, name);
        if (r < 0)
                return r;
        free(t->family);
        if (!(t->family = strdup(name)))
                return -ENOMEM;
        strv_array_free(t->series, t->n_series);
        t->series = NULL;
        t->n_series = 0;

        append(t, "# HELP ");
        append(t, name);
        append(t, " ");
        append_escaped(t, help, false);
        append(t, "\n# TYPE ");
        append(t, name);
        append(t, type == METRIC_COUNTER ? " counter\n" : " gauge\n");
        return 0;
}

void metrics_text_family(MetricsText *t, const char *name, MetricType type, const char *help) {
        if (t->error == 0)
                t->error = family(t, name, type, help);
}

/* The label set as written between the name and the value, "" for none:
 * also the series' key. */
static int render_labels(const char *const *labels, char **ret) {
        _cleanup_(metrics_text_done) MetricsText l = {};

        for (size_t k = 0; labels && labels[k]; k += 2) {
                const char *v = labels[k + 1];
                /* "__" names are reserved for Prometheus itself. */
                if (!name_ok(labels[k], false) || strncmp(labels[k], "__", 2) == 0 || !v || !utf8_is_valid(v))
                        return -EINVAL;
                append(&l, k == 0 ? "{" : ",");
                append(&l, labels[k]);
                append(&l, "=\"");
                append_escaped(&l, v, true);
                append(&l, "\"");
                if (!labels[k + 2])
                        append(&l, "}");
        }
        if (l.error)
                return l.error;
        *ret = l.buf ? TAKE_PTR(l.buf) : strdup("");
        return *ret ? 0 : -ENOMEM;
}

static int sample(MetricsText *t, const char *const *labels, const char *value) {
        _cleanup_free_ char *key = NULL;
        int r;

        if (!t->family)
                return -EINVAL;
        r = render_labels(labels, &key);
        if (r < 0)
                return r;
        if (strv_array_contains(t->series, t->n_series, key))
                return -EEXIST;
        r = strv_array_push(&t->series, &t->n_series, key);
        if (r < 0)
                return r;
        append(t, t->family);
        append(t, key);
        append(t, " ");
        append(t, value);
        append(t, "\n");
        return 0;
}

void metrics_text_sample_u64(MetricsText *t, const char *const *labels, uint64_t value) {
        char s[32];
        snprintf(s, sizeof(s), "%" PRIu64, value);
        if (t->error == 0)
                t->error = sample(t, labels, s);
}

void metrics_text_sample_usec(MetricsText *t, const char *const *labels, uint64_t usec) {
        char s[48];
        int n = snprintf(s, sizeof(s), "%" PRIu64 ".%06" PRIu64, usec / 1000000, usec % 1000000);
        /* "1.500000" -> "1.5", "2.000000" -> "2" */
        while (n > 0 && s[n - 1] == '0')
                s[--n] = 0;
        if (n > 0 && s[n - 1] == '.')
                s[--n] = 0;
        if (t->error == 0)
                t->error = sample(t, labels, s);
}

int metrics_text_finish(MetricsText *t, char **ret) {
        if (t->error)
                return t->error;
        char *s = t->buf ? TAKE_PTR(t->buf) : strdup("");
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int metrics_file_init(MetricsFile *f, const char *dir) {
        *f = (MetricsFile) {};
        if (isempty(dir))
                return 0;
        if (asprintf(&f->path, "%s/" METRICS_FILE_NAME, dir) < 0) {
                f->path = NULL;
                return -ENOMEM;
        }
        return 0;
}

void metrics_file_done(MetricsFile *f) {
        free(f->path);
        free(f->last);
        *f = (MetricsFile) {};
}

int metrics_file_write(MetricsFile *f, const char *text) {
        if (!f->path)
                return 0;
        if (f->last && streq(f->last, text))
                return 0;
        /* 0644: node_exporter runs as its own user. The temporary name
         * (kexecd.prom.tmp.PID) does not end in .prom: the collector
         * ignores it. */
        int r = write_file_atomic(f->path, text, strlen(text), 0644);
        if (r < 0) {
                /* Logged once per kind of failure, not on every change. */
                if (r != f->last_error) {
                        if (r == -ENOENT)
                                log_debug("Not writing metrics: the directory of %s does not exist.", f->path);
                        else
                                log_warning_errno(r, "Failed to write metrics to %s: %m", f->path);
                }
                f->last_error = r;
                return r;
        }
        if (f->last_error)
                log_info("Writing metrics to %s again.", f->path);
        f->last_error = 0;
        free(f->last);
        f->last = strdup(text); /* on ENOMEM the next write is simply not skipped */
        return 1;
}

void metrics_file_remove(MetricsFile *f) {
        if (!f->path)
                return;
        if (unlink(f->path) < 0 && errno != ENOENT)
                log_warning_errno(-errno, "Failed to remove %s: %m", f->path);
        free(f->last);
        f->last = NULL;
}
