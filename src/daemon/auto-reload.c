/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Automatic reloads: when the memory or CPU layout changed (coalesced
 * hotplug batches), or when the kernel discarded an image behind kexecd's
 * back. Rules (docs/hotplug.md):
 *   - the kexec image carries a memory map: stale on memory changes;
 *   - the kdump image carries an ELF core header listing RAM and CPUs: stale
 *     on memory or CPU changes, unless the kernel updates that header itself
 *     (crash_hotplug reads 1 for the loaded image);
 *   - a reload replaces the image with one load (never unload first), from
 *     the spec that loaded last (the last-known-good one); failures retry
 *     with exponential backoff and mark the image Degraded;
 *   - the last load the kernel's kexec_load_limit_* allows is never spent on
 *     an automatic reload: that one belongs to the administrator. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "auto-reload.h"
#include "errors.h"
#include "log.h"
#include "macro.h"

#define RETRY_FIRST_USEC (1ULL * 1000000ULL)
#define RETRY_MAX_USEC   (60ULL * 1000000ULL)
#define RETRY_MAX_ATTEMPTS 6

static int on_retry_timer(sd_event_source *s, uint64_t usec, void *userdata);

static void schedule_retry(Image *i) {
        Manager *m = i->manager;
        if (i->retry_attempts >= RETRY_MAX_ATTEMPTS) {
                log_error("Giving up reloading the %s image after %u attempts; it stays degraded until the next change or an explicit Reload.",
                          image_type_to_string(i->type), i->retry_attempts);
                manager_record(m, i, "reload-gave-up", "after %u attempts", i->retry_attempts);
                return;
        }
        uint64_t delay = RETRY_FIRST_USEC << i->retry_attempts;
        if (delay > RETRY_MAX_USEC)
                delay = RETRY_MAX_USEC;
        i->retry_attempts++;
        i->retry_source = sd_event_source_unref(i->retry_source);
        int r = sd_event_add_time_relative(m->event, &i->retry_source, CLOCK_MONOTONIC, delay, 0, on_retry_timer, i);
        if (r < 0)
                log_warning_errno(r, "Failed to schedule reload retry: %m");
}

/* Returns 0 on success, negative on failure (already recorded). */
int image_auto_reload(Image *i, const char *reason) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        Manager *m = i->manager;
        int r;

        if (!i->has_state)
                return 0; /* nothing kexecd loaded: nothing to keep fresh */

        int64_t left = manager_load_limit(m, i->type == IMAGE_KDUMP);
        if (left >= 0 && left <= 1) {
                i->degraded = true;
                free(i->last_error);
                i->last_error = strdup(KEXECD_ERROR_LOAD_LIMIT_REACHED
                                       ": automatic reload skipped, the kernel allows only the administrator's last load");
                log_warning("Not reloading the %s image (%s): the kernel's kexec load limit has %" PRId64 " load(s) left.",
                            image_type_to_string(i->type), reason, left);
                manager_record(m, i, "reload-skipped", "%s; load limit has %" PRId64 " left", reason, left);
                image_emit_changed(i);
                return -EDQUOT;
        }

        r = image_reload(i, reason, &error);
        if (r < 0) {
                i->degraded = true;
                /* image_load() recorded the failure and LastError. */
                schedule_retry(i);
                image_emit_changed(i);
                return r;
        }
        log_event(LOG_INFO, KEXECD_MESSAGE_RELOADED, image_type_to_string(i->type), "Reloaded %s image: %s",
                  image_type_to_string(i->type), reason);
        manager_record(m, i, "reloaded", "%s", reason); /* image_reload() emitted the change */
        return 0;
}

static int on_retry_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Image *i = userdata;
        _cleanup_free_ char *reason = NULL;
        /* The cause is the failure itself (LastError), not the reason of
         * the last successful reload. */
        if (asprintf(&reason, "retry %u after failure: %s", i->retry_attempts, strna(i->last_error)) < 0)
                return 0;
        (void) image_auto_reload(i, reason);
        return 0;
}

/* The kernel may drop a loaded image on its own (some kernels discard the
 * kexec image on memory hotplug). Put it back, and say so. */
bool image_check_discarded(Image *i) {
        bool was = i->loaded;
        if (image_refresh_loaded(i) < 0)
                return false;
        if (!i->has_state || i->loaded)
                return false;
        log_event(LOG_WARNING, KEXECD_MESSAGE_DISCARDED, image_type_to_string(i->type),
                  "The kernel discarded the %s image %s without kexecd unloading it%s.",
                  image_type_to_string(i->type), strempty(i->state.spec.kernel), was ? "" : " (seen at check)");
        manager_record(i->manager, i, "discarded", "kernel dropped %s", strempty(i->state.spec.kernel));
        return true;
}

