/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Prometheus text formatter and the published file (src/daemon/metrics.c). */
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "metrics.h"
#include "test-util.h"

#define LABELS(...) ((const char *const[]) { __VA_ARGS__, NULL })

static char *render(MetricsText *t) {
        char *s = NULL;
        ASSERT_EQ(metrics_text_finish(t, &s), 0);
        metrics_text_done(t);
        return s;
}

TEST(test_help_type_and_samples) {
        MetricsText t = {};
        metrics_text_family(&t, "kexecd_image_loaded", METRIC_GAUGE, "1 if loaded.");
        metrics_text_sample_u64(&t, LABELS("image", "kexec"), 1);
        metrics_text_sample_u64(&t, LABELS("image", "kdump"), 0);
        metrics_text_family(&t, "kexecd_image_reloads_total", METRIC_COUNTER, "Reloads.");
        metrics_text_sample_u64(&t, LABELS("image", "kexec", "why", "x"), UINT64_MAX);
        metrics_text_family(&t, "kexecd_layout_generation", METRIC_GAUGE, "Generation.");
        metrics_text_sample_u64(&t, NULL, 7);
        char *s = render(&t);
        ASSERT_STREQ(s,
                     "# HELP kexecd_image_loaded 1 if loaded.\n"
                     "# TYPE kexecd_image_loaded gauge\n"
                     "kexecd_image_loaded{image=\"kexec\"} 1\n"
                     "kexecd_image_loaded{image=\"kdump\"} 0\n"
                     "# HELP kexecd_image_reloads_total Reloads.\n"
                     "# TYPE kexecd_image_reloads_total counter\n"
                     "kexecd_image_reloads_total{image=\"kexec\",why=\"x\"} 18446744073709551615\n"
                     "# HELP kexecd_layout_generation Generation.\n"
                     "# TYPE kexecd_layout_generation gauge\n"
                     "kexecd_layout_generation 7\n");
        free(s);
}

TEST(test_escaping) {
        MetricsText t = {};
        /* HELP escapes backslash and newline only; label values also '"'. */
        metrics_text_family(&t, "x", METRIC_GAUGE, "a \\ b\nc \"d\"");
        metrics_text_sample_u64(&t, LABELS("v", "C:\\dir \"q\"\nnext \u00e9"), 1);
        char *s = render(&t);
        ASSERT_STREQ(s,
                     "# HELP x a \\\\ b\\nc \"d\"\n"
                     "# TYPE x gauge\n"
                     "x{v=\"C:\\\\dir \\\"q\\\"\\nnext \u00e9\"} 1\n");
        free(s);
}

TEST(test_seconds_from_usec) {
        MetricsText t = {};
        metrics_text_family(&t, "d", METRIC_GAUGE, "durations");
        metrics_text_sample_usec(&t, LABELS("k", "zero"), 0);
        metrics_text_sample_usec(&t, LABELS("k", "whole"), 2000000);
        metrics_text_sample_usec(&t, LABELS("k", "ms"), 212000);
        metrics_text_sample_usec(&t, LABELS("k", "us"), 1732463402000001ULL);
        char *s = render(&t);
        ASSERT_STREQ(s,
                     "# HELP d durations\n"
                     "# TYPE d gauge\n"
                     "d{k=\"zero\"} 0\n"
                     "d{k=\"whole\"} 2\n"
                     "d{k=\"ms\"} 0.212\n"
                     "d{k=\"us\"} 1732463402.000001\n");
        free(s);
}

static int render_error(void (*build)(MetricsText *t)) {
        MetricsText t = {};
        char *s = NULL;
        build(&t);
        int r = metrics_text_finish(&t, &s);
        metrics_text_done(&t);
        free(s);
        return r;
}

static void duplicate_series(MetricsText *t) {
        metrics_text_family(t, "a", METRIC_GAUGE, "h");
        metrics_text_sample_u64(t, LABELS("image", "kexec"), 1);
        metrics_text_sample_u64(t, LABELS("image", "kexec"), 2);
}
static void duplicate_unlabelled(MetricsText *t) {
        metrics_text_family(t, "a", METRIC_GAUGE, "h");
        metrics_text_sample_u64(t, NULL, 1);
        metrics_text_sample_u64(t, NULL, 1);
}
static void duplicate_family(MetricsText *t) {
        metrics_text_family(t, "a", METRIC_GAUGE, "h");
        metrics_text_sample_u64(t, NULL, 1);
        metrics_text_family(t, "b", METRIC_GAUGE, "h");
        metrics_text_family(t, "a", METRIC_GAUGE, "h");
}
static void sample_without_family(MetricsText *t) {
        metrics_text_sample_u64(t, NULL, 1);
}
static void bad_metric_name(MetricsText *t) {
        metrics_text_family(t, "1kexecd", METRIC_GAUGE, "h");
}
static void bad_label_name(MetricsText *t) {
        metrics_text_family(t, "a", METRIC_GAUGE, "h");
        metrics_text_sample_u64(t, LABELS("im-age", "x"), 1);
}
static void reserved_label_name(MetricsText *t) {
        metrics_text_family(t, "a", METRIC_GAUGE, "h");
        metrics_text_sample_u64(t, LABELS("__name__", "x"), 1);
}
static void label_not_utf8(MetricsText *t) {
        metrics_text_family(t, "a", METRIC_GAUGE, "h");
        metrics_text_sample_u64(t, LABELS("v", "\xff"), 1);
}
static void same_labels_in_two_families(MetricsText *t) {
        metrics_text_family(t, "a", METRIC_GAUGE, "h");
        metrics_text_sample_u64(t, LABELS("image", "kexec"), 1);
        metrics_text_family(t, "b", METRIC_GAUGE, "h");
        metrics_text_sample_u64(t, LABELS("image", "kexec"), 1);
}

TEST(test_one_sample_per_series_and_bad_names) {
        ASSERT_EQ(render_error(duplicate_series), -EEXIST);
        ASSERT_EQ(render_error(duplicate_unlabelled), -EEXIST);
        ASSERT_EQ(render_error(duplicate_family), -EEXIST);
        ASSERT_EQ(render_error(sample_without_family), -EINVAL);
        ASSERT_EQ(render_error(bad_metric_name), -EINVAL);
        ASSERT_EQ(render_error(bad_label_name), -EINVAL);
        ASSERT_EQ(render_error(reserved_label_name), -EINVAL);
        ASSERT_EQ(render_error(label_not_utf8), -EINVAL);
        ASSERT_EQ(render_error(same_labels_in_two_families), 0);
}

TEST(test_file_written_only_on_change) {
        char *dir = test_tmpdir();
        char path[4096];
        struct stat st1, st2;
        MetricsFile f;
        char *text;

        snprintf(path, sizeof(path), "%s/" METRICS_FILE_NAME, dir);
        ASSERT_EQ(metrics_file_init(&f, dir), 0);
        ASSERT_EQ(metrics_file_write(&f, "a 1\n"), 1);
        text = test_read(dir, METRICS_FILE_NAME);
        ASSERT_STREQ(text, "a 1"); /* test_read() strips the newline */
        free(text);
        ASSERT_EQ(stat(path, &st1), 0);
        ASSERT_EQ(st1.st_mode & 0777, 0644); /* node_exporter is another user */
        /* Identical text: not even a new inode (the rename would make one). */
        ASSERT_EQ(metrics_file_write(&f, "a 1\n"), 0);
        ASSERT_EQ(stat(path, &st2), 0);
        ASSERT_EQ(st1.st_ino, st2.st_ino);
        ASSERT_EQ(metrics_file_write(&f, "a 2\n"), 1);
        text = test_read(dir, METRICS_FILE_NAME);
        ASSERT_STREQ(text, "a 2"); /* test_read() strips the newline */
        free(text);
        ASSERT_EQ(stat(path, &st2), 0);
        ASSERT_TRUE(st1.st_ino != st2.st_ino); /* renamed over, not rewritten in place */
        metrics_file_remove(&f);
        ASSERT_EQ(access(path, F_OK), -1);
        /* After a removal the same text is written again. */
        ASSERT_EQ(metrics_file_write(&f, "a 2\n"), 1);
        metrics_file_done(&f);

        /* A missing directory: metrics off, and not remembered as written. */
        snprintf(path, sizeof(path), "%s/missing", dir);
        ASSERT_EQ(metrics_file_init(&f, path), 0);
        ASSERT_EQ(metrics_file_write(&f, "a 1\n"), -ENOENT);
        ASSERT_TRUE(f.last == NULL);
        metrics_file_done(&f);

        /* Empty or no directory: off. */
        ASSERT_EQ(metrics_file_init(&f, ""), 0);
        ASSERT_EQ(metrics_file_write(&f, "a 1\n"), 0);
        metrics_file_done(&f);
}

int main(void) {
        log_set_max_level(LOG_ERR);
        RUN(test_help_type_and_samples);
        RUN(test_escaping);
        RUN(test_seconds_from_usec);
        RUN(test_one_sample_per_series_and_bad_names);
        RUN(test_file_written_only_on_change);
        return test_finish("test-metrics");
}
