/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* KernelsChanged(): the kernel package hooks (data/kernel-hooks/,
 * data/kernel-install/) say that kernels were installed or removed and the
 * upgrade's files are complete. Every image that follows a boot entry is
 * resolved again and reloaded when the entry now names other files; an
 * image whose files were replaced under it (Stale from file-watch.c) is
 * reloaded too. An image loaded by path whose files did not change is left
 * alone: it is what the administrator asked for. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "log.h"
#include "macro.h"
#include "manager.h"

static bool strv_equal(char *const *a, char *const *b) {
        size_t n = strv_length(a);
        if (n != strv_length(b))
                return false;
        for (size_t k = 0; k < n; k++)
                if (!streq(a[k], b[k]))
                        return false;
        return true;
}

/* > 0 when the image's entry now resolves to other files or options;
 * 0 when not (or the image follows no entry); < 0 when the entry cannot be
 * resolved (`error` says why: the entry was removed, ...). */
static int entry_moved(Image *i, char **ret_kernel, sd_bus_error *error) {
        _cleanup_(image_spec_done) ImageSpec now = {};
        const ImageSpec *was = &i->state.spec;
        int r;

        if (isempty(was->entry))
                return 0;
        r = manager_resolve_entry(i->manager, i->type, was, &now, error);
        if (r < 0)
                return r;
        if (streq_ptr(now.kernel, was->kernel) && strv_equal(now.initrds, was->initrds) &&
            streq_ptr(now.entry_options, was->entry_options))
                return 0;
        *ret_kernel = TAKE_PTR(now.kernel);
        return 1;
}

static int kernel_changed_one(Image *i, const char *reason, sd_bus_error *error) {
        Manager *m = i->manager;
        const char *name = image_type_to_string(i->type);
        _cleanup_free_ char *old = NULL, *target = NULL, *why = NULL;
        int r;

        if (!i->has_state) {
                /* Configured but never loaded (say the load at start found
                 * no kernel yet, a fresh installation): load it now. */
                ImageConfig *ic = &m->config.images[i->type];
                if (i->loaded || !ic->load_on_start || !image_spec_is_set(&ic->spec))
                        return 0;
                r = image_load(i, &ic->spec, "kernels changed, configured in kexecd.conf", error);
                if (r >= 0)
                        manager_record(m, i, "kernel-changed", "%s: (none) → %s", name, i->state.spec.kernel);
                return r;
        }

        r = entry_moved(i, &target, error);
        if (r < 0) {
                /* The loaded kernel stays (the kernel still holds it), but it
                 * is no longer what the entry names: say so. */
                image_mark_stale(i, "boot entry '%s' cannot be resolved: %s", i->state.spec.entry,
                                 error->message ?: strerror(-r));
                manager_record(m, i, "kernel-change-failed", "%s: %s", name, error->message ?: strerror(-r));
                return r;
        }
        if (r == 0 && !i->stale_reason) {
                log_debug("%s image: kernels changed, %s is still current.", name, strna(i->state.spec.kernel));
                return 0;
        }

        old = strdup(strempty(i->state.spec.kernel));
        if (!old)
                return -ENOMEM;
        if (asprintf(&why, "kernels changed (%s)", reason) < 0)
                return -ENOMEM;
        r = image_reload(i, why, error);
        if (r < 0) {
                image_mark_stale(i, "reloading after the kernels changed failed: %s", error->message ?: strerror(-r));
                manager_record(m, i, "kernel-change-failed", "%s: %s", name, error->message ?: strerror(-r));
                return r;
        }
        log_info("The %s image follows the kernel change: %s → %s.", name, old, i->state.spec.kernel);
        manager_record(m, i, "kernel-changed", "%s: %s → %s%s", name, old, i->state.spec.kernel,
                       streq(old, i->state.spec.kernel) ? " (file replaced)" : "");
        return 0;
}

int manager_kernels_changed(Manager *m, const char *reason, sd_bus_error *error) {
        int ret = 0;

        log_info("Kernels changed: %s.", reason);
        manager_record(m, NULL, "kernels-changed", "%s", reason);
        for (int t = 0; t < _IMAGE_TYPE_MAX; t++) {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                int r = kernel_changed_one(m->images[t], reason, &e);
                /* Every image gets its turn; the first failure is returned. */
                if (r < 0 && ret == 0) {
                        ret = r;
                        if (sd_bus_error_is_set(&e))
                                sd_bus_error_move(error, &e);
                        else
                                sd_bus_error_set_errno(error, r);
                }
        }
        return ret;
}
