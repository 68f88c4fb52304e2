/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What kexecd publishes for node_exporter's textfile collector, and when
 * (docs/metrics.md). There is no timer: every place that changes published
 * state calls manager_metrics_changed(), which renders the text once per
 * event-loop iteration (a Reload changes an image several times in a row)
 * and writes the file only if the text differs from the last one. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "build-config.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "metrics.h"

#define LABELS(...) ((const char *const[]) { __VA_ARGS__, NULL })

/* Every value ImaStatus can take (docs/dbus-api.md), each its own series so
 * that an alert can match one without knowing the others. */
static const char *const ima_statuses[] = {
        "verified", "gap", "mismatch", "no-tpm", "disabled", "malformed", "too-large", "unknown",
};

typedef struct ImageMetric {
        const char *name;
        MetricType type;
        bool usec;   /* value is microseconds, published as seconds */
        const char *help;
        uint64_t (*get)(const Image *i);
} ImageMetric;

static uint64_t image_loaded(const Image *i) { return i->loaded; }
static uint64_t image_stale(const Image *i) { return i->stale; }
static uint64_t image_degraded(const Image *i) { return i->degraded; }
static uint64_t image_reloads(const Image *i) { return i->reload_count; }
static uint64_t image_loaded_at(const Image *i) { return i->state.loaded_at_usec; }
static uint64_t image_load_duration(const Image *i) { return i->state.load_duration_usec; }

static const ImageMetric image_metrics[] = {
        { "kexecd_image_loaded", METRIC_GAUGE, false,
          "1 if the kernel holds the image (kexec_loaded, kexec_crash_loaded), else 0.", image_loaded },
        { "kexecd_image_stale", METRIC_GAUGE, false,
          "1 if the memory or CPU layout changed since the image was loaded and it was not reloaded yet.", image_stale },
        { "kexecd_image_degraded", METRIC_GAUGE, false,
          "1 if an automatic reload failed or was skipped; kexecd retries.", image_degraded },
        { "kexecd_image_reloads_total", METRIC_COUNTER, false,
          "Reloads since kexecd started (Reload, hotplug, last-moment check).", image_reloads },
        { "kexecd_image_last_load_timestamp_seconds", METRIC_GAUGE, true,
          "When kexecd last loaded the image, in seconds since the epoch; 0 if it knows of no load.", image_loaded_at },
        { "kexecd_image_last_load_duration_seconds", METRIC_GAUGE, true,
          "How long kexecd's last load of the image took.", image_load_duration },
};

int manager_metrics_render(Manager *m, char **ret) {
        _cleanup_(metrics_text_done) MetricsText t = {};
        const char *ima = m->ima.status[0] ? m->ima.status : "unknown";
        bool ima_listed = false;

        metrics_text_family(&t, "kexecd_info", METRIC_GAUGE, "kexecd's version, as a label; always 1.");
        metrics_text_sample_u64(&t, LABELS("version", PACKAGE_VERSION), 1);

        for (size_t k = 0; k < ELEMENTSOF(image_metrics); k++) {
                const ImageMetric *im = &image_metrics[k];
                metrics_text_family(&t, im->name, im->type, im->help);
                for (int type = 0; type < _IMAGE_TYPE_MAX; type++) {
                        const char *const *labels = LABELS("image", image_type_to_string(type));
                        uint64_t v = im->get(m->images[type]);
                        if (im->usec)
                                metrics_text_sample_usec(&t, labels, v);
                        else
                                metrics_text_sample_u64(&t, labels, v);
                }
        }

        metrics_text_family(&t, "kexecd_layout_generation", METRIC_GAUGE,
                            "Bumped whenever the memory/CPU layout fingerprint changes (LayoutGeneration).");
        metrics_text_sample_u64(&t, NULL, m->layout_generation);

        /* As of the last write: kexecd does not watch kexec_crash_size, it
         * reads it whenever something else changed. */
        metrics_text_family(&t, "kexecd_crash_kernel_reserved_bytes", METRIC_GAUGE,
                            "Memory reserved for the crash kernel (/sys/kernel/kexec_crash_size); 0 if none.");
        metrics_text_sample_u64(&t, NULL, manager_crash_reserved(m));

        metrics_text_family(&t, "kexecd_crash_kernel_sufficient", METRIC_GAUGE,
                            "1 if the reservation fits the kdump image by EstimateCrashKernel(), else 0 "
                            "(also 0 without a reservation or a kdump image).");
        metrics_text_sample_u64(&t, NULL, manager_crash_sufficient(m));
        metrics_text_family(&t, "kexecd_crash_kernel_recommended_bytes", METRIC_GAUGE,
                            "The crashkernel= reservation the kdump image needs (EstimateCrashKernel()); 0 if unknown.");
        metrics_text_sample_u64(&t, NULL, m->crash_recommended);
        /* From the listing of DumpDir at start-up and after RemoveCrash:
         * captures happen in the crash kernel, never while kexecd runs. */
        metrics_text_family(&t, "kexecd_crash_dumps", METRIC_GAUGE,
                            "Crash dumps kexecd-capture saved in DumpDir=, by whether the dump is complete.");
        metrics_text_sample_u64(&t, LABELS("complete", "yes"), m->crash_counts.complete);
        metrics_text_sample_u64(&t, LABELS("complete", "no"), m->crash_counts.incomplete);
        metrics_text_family(&t, "kexecd_last_crash_timestamp_seconds", METRIC_GAUGE,
                            "Time of the newest crash dump in DumpDir= (unix seconds); 0 if there is none.");
        metrics_text_sample_usec(&t, NULL, m->crash_counts.last_usec);

        metrics_text_family(&t, "kexecd_ima_status", METRIC_GAUGE,
                            "Verdict of the last IMA chain verification: 1 for the current status, 0 for the others.");
        for (size_t k = 0; k < ELEMENTSOF(ima_statuses); k++) {
                metrics_text_sample_u64(&t, LABELS("status", ima_statuses[k]), streq(ima, ima_statuses[k]));
                ima_listed = ima_listed || streq(ima, ima_statuses[k]);
        }
        /* A status added to ima-chain.c but not above still shows. */
        if (!ima_listed)
                metrics_text_sample_u64(&t, LABELS("status", ima), 1);
        metrics_text_family(&t, "kexecd_ima_boots_in_chain", METRIC_GAUGE,
                            "Boots whose IMA measurement lists the verified chain covers.");
        metrics_text_sample_u64(&t, NULL, m->ima.boots_in_chain);

        return metrics_text_finish(&t, ret);
}

static int on_metrics_defer(sd_event_source *s, void *userdata) {
        Manager *m = userdata;
        _cleanup_free_ char *text = NULL;
        int r = manager_metrics_render(m, &text);
        if (r < 0) {
                log_warning_errno(r, "Failed to render metrics: %m");
                return 0;
        }
        r = metrics_file_write(&m->metrics, text);
        if (r > 0)
                log_debug("Wrote %s.", m->metrics.path);
        return 0;
}

void manager_metrics_changed(Manager *m) {
        int r;
        if (!m->metrics.path || !m->event)
                return;
        if (m->metrics_defer)
                r = sd_event_source_set_enabled(m->metrics_defer, SD_EVENT_ONESHOT);
        else
                r = sd_event_add_defer(m->event, &m->metrics_defer, on_metrics_defer, m); /* ONESHOT */
        if (r < 0)
                log_warning_errno(r, "Failed to schedule a metrics update: %m");
}

void manager_metrics_start(Manager *m) {
        const char *dir = m->config.metrics_textfile_dir ?: m->metrics_default_dir;
        metrics_file_done(&m->metrics);
        if (metrics_file_init(&m->metrics, dir) < 0) {
                log_oom();
                return;
        }
        if (m->metrics.path)
                log_debug("Metrics go to %s (when its directory exists).", m->metrics.path);
        manager_metrics_changed(m);
}

void manager_metrics_stop(Manager *m) {
        m->metrics_defer = sd_event_source_disable_unref(m->metrics_defer);
        metrics_file_remove(&m->metrics);
}
