/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reloading an image with what kexecd knows of it: the one primitive
 * behind Reload(), the last-moment check before a kexec reboot, and the
 * automatic reloads after hotplug (auto-reload.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "log.h"
#include "macro.h"
#include "manager.h"

int image_reload(Image *i, const char *reason, sd_bus_error *error) {
        Manager *m = i->manager;
        _cleanup_(image_spec_done) ImageSpec spec = {};
        int r;

        /* The spec that loaded last (the last-known-good one), else the
         * configured one. Copied: a successful load replaces i->state. */
        if (i->has_state)
                r = image_spec_copy(&spec, &i->state.spec);
        else if (image_spec_is_set(&m->config.images[i->type].spec))
                r = image_spec_copy(&spec, &m->config.images[i->type].spec);
        else
                return kexecd_error_setf(error, -ENOMEDIUM,
                                         "Nothing to reload: no %s image was loaded by kexecd and none is configured.",
                                         image_type_to_string(i->type));
        if (r < 0)
                return r;
        r = image_load(i, &spec, reason, error);
        if (r < 0)
                return r;
        i->reload_count++;
        free(i->last_reload_reason);
        i->last_reload_reason = strdup(reason);
        image_emit_changed(i);
        return 0;
}

/* The last-moment check before a kexec reboot (kexecd-prepare.service runs
 * it before systemd-kexec.service): the kexec image must be loaded and
 * describe the machine as it is now, or be reloaded synchronously. */
int manager_prepare_kexec(Manager *m, sd_bus_error *error) {
        Image *i = m->images[IMAGE_KEXEC];
        _cleanup_free_ char *reason = NULL;
        const char *why;
        int r;

        /* As late as possible before the jump: the next kernel starts a new
         * list (or carries an incomplete one). */
        manager_ima_snapshot(m, "before kexec");
        (void) image_refresh_loaded(i);
        manager_refresh_staleness(m);
        if (i->loaded && !i->stale) {
                manager_record(m, i, "prepare-kexec", "image loaded and fresh, nothing to do");
                return 0;
        }
        why = !i->loaded ? "no kexec image is loaded" : "the loaded kexec image is stale";

        if (!i->has_state && !image_spec_is_set(&m->config.images[IMAGE_KEXEC].spec)) {
                log_error("kexec reboot requested but %s and none is configured: the kexec will fail.", why);
                manager_record(m, i, "prepare-kexec-failed", "%s and nothing to load", why);
                return sd_bus_error_setf(error, KEXECD_ERROR_NOTHING_TO_RELOAD,
                                         "Cannot prepare the kexec: %s and no image is known to kexecd.", why);
        }
        if (asprintf(&reason, "last-moment check: %s", why) < 0)
                return -ENOMEM;
        r = image_reload(i, reason, error);
        if (r < 0) {
                log_error("Last-moment reload of the kexec image failed: %s", error->message ?: strerror(-r));
                manager_record(m, i, "prepare-kexec-failed", "%s", error->message ?: strerror(-r));
                return r;
        }
        return 0;
}
