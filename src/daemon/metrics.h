/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Prometheus' text exposition format (version 0.0.4, what node_exporter's
 * textfile collector reads) and the file kexecd publishes it in. No bus and
 * no Manager here: manager-metrics.c decides what to say, this file how.
 * See docs/metrics.md. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum MetricType {
        METRIC_GAUGE,
        METRIC_COUNTER,
} MetricType;

/* A text being built. Errors are sticky: the first one is kept, later calls
 * do nothing, and metrics_text_finish() returns it, so callers write a
 * whole family without checking each line. */
typedef struct MetricsText {
        char *buf;
        size_t size, allocated;
        int error;
        char *family;     /* name of the family samples go to */
        char **series;    /* label sets already written in it */
        size_t n_series;
        char **families;  /* every family name written so far */
        size_t n_families;
} MetricsText;

void metrics_text_done(MetricsText *t);

/* Starts a family: "# HELP" and "# TYPE" lines. -EINVAL for a name that is
 * not [a-zA-Z_:][a-zA-Z0-9_:]* or help that is not UTF-8, -EEXIST for a
 * family already written (its samples must stay together). */
void metrics_text_family(MetricsText *t, const char *name, MetricType type, const char *help);

/* One sample of the current family. `labels` is NULL or a NULL-terminated
 * list of name, value, name, value, ... Label values are escaped (\\, \",
 * \n) and must be UTF-8. -EEXIST when the same label set was already
 * written in this family: one sample per series. */
void metrics_text_sample_u64(MetricsText *t, const char *const *labels, uint64_t value);
/* A duration or time in microseconds, written exactly as seconds
 * ("0.212", "1732463402.5"), without going through floating point. */
void metrics_text_sample_usec(MetricsText *t, const char *const *labels, uint64_t usec);

/* Hands over the text (NUL-terminated) or returns the first error. */
int metrics_text_finish(MetricsText *t, char **ret);

/* The published file, DIR/kexecd.prom, and what was last written to it. */
typedef struct MetricsFile {
        char *path;       /* NULL: metrics are off */
        char *last;       /* text last written, to skip identical rewrites */
        int last_error;   /* last failure logged, to log each kind once */
} MetricsFile;

#define METRICS_FILE_NAME "kexecd.prom"

/* dir NULL or "": off. */
int metrics_file_init(MetricsFile *f, const char *dir);
void metrics_file_done(MetricsFile *f);
/* Writes the text atomically (temporary file in the same directory, then
 * rename: node_exporter never reads half a file) unless it is byte-identical
 * to what was last written. 1 written, 0 unchanged or off, -errno on
 * failure (-ENOENT: the directory does not exist). */
int metrics_file_write(MetricsFile *f, const char *text);
/* Removes the file (kexecd stopping): a monitor sees no kexecd metrics
 * rather than frozen ones. */
void metrics_file_remove(MetricsFile *f);
