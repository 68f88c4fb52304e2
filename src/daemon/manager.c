/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "manager-crash.h"
#include "auto-reload.h"
#include "polkit.h"

int manager_new(Manager **ret, Backend *backend, const char *config_dir, const char *state_dir) {
        _cleanup_(manager_freep) Manager *m = calloc(1, sizeof(Manager));
        int r;

        if (!m)
                return -ENOMEM;
        kexecd_config_init(&m->config);
        m->config_dir = strdup(config_dir);
        m->state_dir = strdup(state_dir);
        /* systemd's RuntimeDirectory=kexecd sets this. */
        const char *runtime = getenv("RUNTIME_DIRECTORY");
        if (runtime && runtime[0] == '/' && !strchr(runtime, ':') && !(m->runtime_dir = strdup(runtime)))
                return -ENOMEM;
        if (!m->config_dir || !m->state_dir)
                return -ENOMEM;
        for (int t = 0; t < _IMAGE_TYPE_MAX; t++) {
                r = image_new(m, t, &m->images[t]);
                if (r < 0)
                        return r;
        }
        r = sd_event_default(&m->event);
        if (r < 0)
                return r;
        m->backend = backend;
        m->metrics_default_dir = KEXECD_METRICS_TEXTFILE_DIR_DEFAULT;
        *ret = TAKE_PTR(m);
        return 0;
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        polkit_queries_free_all(m);
        hotplug_monitor_free(m->hotplug);
        sd_event_source_disable_unref(m->metrics_defer);
        metrics_file_done(&m->metrics);
        file_watch_free(m->file_watch);
        for (int t = 0; t < _IMAGE_TYPE_MAX; t++)
                image_free(m->images[t]);
        sd_bus_flush_close_unref(m->bus);
        sd_event_unref(m->event);
        backend_free(m->backend);
        kexecd_config_done(&m->config);
        history_done(&m->history);
        manager_crash_cache_done(m);
        manager_facts_done(m);
        manager_last_crash_done(m);
        free(m->config_dir);
        free(m->state_dir);
        free(m->runtime_dir);
        free(m->ima_verified_key);
        free(m);
        return NULL;
}

const char *manager_lockdown_word(Manager *m, char buf[static MANAGER_LOCKDOWN_MAX]) {
        if (backend_read_small(m->backend, KERNEL_LOCKDOWN, buf, MANAGER_LOCKDOWN_MAX) < 0)
                return "unsupported";
        /* "none [integrity] confidentiality": the bracketed word is active. */
        char *open = strchr(buf, '['), *close = open ? strchr(open, ']') : NULL;
        if (!open || !close)
                return "unsupported";
        *close = 0;
        return open + 1;
}

char *manager_lockdown(Manager *m) {
        char buf[MANAGER_LOCKDOWN_MAX];
        return strdup(manager_lockdown_word(m, buf));
}

bool manager_load_disabled(Manager *m) {
        bool v = false;
        (void) backend_read_bool(m->backend, KERNEL_KEXEC_LOAD_DISABLED, &v);
        return v;
}

int64_t manager_load_limit(Manager *m, bool crash) {
        char s[64], *end;
        if (backend_read_small(m->backend, crash ? KERNEL_KEXEC_LIMIT_PANIC : KERNEL_KEXEC_LIMIT_REBOOT, s, sizeof s) < 0)
                return -1;
        long long v = strtoll(s, &end, 10);
        return end == s ? -1 : (int64_t) v;
}

int manager_connect_bus(Manager *m) {
        int r;

        r = sd_bus_open_system(&m->bus);
        if (r < 0)
                return log_error_errno(r, "Failed to connect to the system bus: %m");
        r = kexecd_error_map_register();
        if (r < 0)
                return log_error_errno(r, "Failed to register error map: %m");
        r = sd_bus_add_object_vtable(m->bus, NULL, KEXECD_MANAGER_PATH, KEXECD_MANAGER_IFACE, manager_vtable, m);
        if (r < 0)
                return log_error_errno(r, "Failed to register manager object: %m");
        for (int t = 0; t < _IMAGE_TYPE_MAX; t++) {
                r = image_register(m->images[t]);
                if (r < 0)
                        return log_error_errno(r, "Failed to register image object: %m");
        }
        r = sd_bus_attach_event(m->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Failed to attach bus to event loop: %m");
        /* The name is taken only after start-up (manager_take_bus_name()),
         * but a second kexecd must not touch the images the first one
         * owns: give up now if the name has an owner. */
        {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                int owned = 0;
                r = sd_bus_call_method(m->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "NameHasOwner", &error, &reply, "s", KEXECD_BUS_NAME);
                if (r >= 0)
                        r = sd_bus_message_read(reply, "b", &owned);
                if (r >= 0 && owned)
                        return log_error_errno(-EEXIST, "Failed to acquire bus name " KEXECD_BUS_NAME
                                               ": another kexecd owns it.");
        }
        return 0;
}

int manager_take_bus_name(Manager *m) {
        /* Only once start-up has restored and adopted the images: a client
         * (or systemd, for Type=dbus) that sees the name may trust what
         * Status says. Fails if another kexecd already owns it. */
        int r = sd_bus_request_name(m->bus, KEXECD_BUS_NAME, 0);
        if (r < 0)
                return log_error_errno(r, "Failed to acquire bus name " KEXECD_BUS_NAME ": %m");
        return 0;
}

static int startup_image(Manager *m, Image *i) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(image_state_done) ImageState saved = {};
        const char *name = image_type_to_string(i->type);
        ImageConfig *ic = &m->config.images[i->type];
        int r, s;

        r = image_refresh_loaded(i);
        if (r < 0)
                return log_warning_errno(r, "Cannot read whether a %s image is loaded: %m", name);

        s = image_state_load(m->state_dir, i->type, &saved);
        if (s < 0 && s != -ENOENT)
                log_warning_errno(s, "Ignoring unreadable state file for the %s image: %m", name);

        if (i->loaded && s >= 0 && saved.pending) {
                /* kexecd stopped between recording a request and learning
                 * its outcome: the kernel's image may be the old one or the
                 * new one. Load the recorded (newest) spec again. */
                log_notice("The %s image's state was not committed before kexecd stopped; loading %s again.",
                           name, saved.spec.kernel);
                return image_load(i, &saved.spec, "state not committed before kexecd stopped", &error);
        }
        if (i->loaded && s >= 0) {
                /* The kernel still holds what we loaded before a restart:
                 * keep it, do not unload and reload. */
                i->state = saved;
                saved = (ImageState) {};
                i->has_state = true;
                /* Whether the kernel keeps this crash image's header current
                 * is a property of the loaded image: read it as a fresh
                 * load does, or every hotplug would reload it. */
                if (i->type == IMAGE_KDUMP)
                        image_read_crash_hotplug(i);
                log_event(LOG_INFO, KEXECD_MESSAGE_ADOPTED, name, "Adopted loaded %s image %s", name, i->state.spec.kernel);
                manager_record(m, i, "adopted", "kernel still holds %s loaded by kexecd", i->state.spec.kernel);
                return 0;
        }
        if (i->loaded) {
                log_event(LOG_NOTICE, KEXECD_MESSAGE_ADOPTED, name,
                          "The kernel has a %s image that kexecd did not load; keeping it as it is.", name);
                manager_record(m, i, "adopted", "image loaded by someone else, kept as it is");
                return 0;
        }
        if (s >= 0) {
                r = image_load(i, &saved.spec, "restoring the image loaded before", &error);
                return r;
        }
        if (ic->load_on_start && image_spec_is_set(&ic->spec))
                return image_load(i, &ic->spec, "configured in kexecd.conf", &error);
        return 0;
}

void manager_record(Manager *m, Image *i, const char *event, const char *fmt, ...) {
        _cleanup_free_ char *detail = NULL;
        struct timespec ts;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&detail, fmt, ap);
        va_end(ap);
        if (r < 0)
                return;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t t = (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
        const char *image = i ? image_type_to_string(i->type) : "";

        r = history_add(&m->history, t, image, event, detail);
        if (r < 0)
                log_warning_errno(r, "Failed to persist history entry: %m");
        if (m->bus) {
                r = sd_bus_emit_signal(m->bus, KEXECD_MANAGER_PATH, KEXECD_MANAGER_IFACE, "HistoryEvent",
                                       "tsss", t, image, event, detail);
                if (r < 0)
                        log_debug("Failed to emit HistoryEvent: %s", strerror(-r));
        }
}

static int startup_crash_estimate(sd_event_source *s, void *userdata) {
        Manager *m = userdata;
        /* A kdump load at start-up has estimated already. */
        if (m->crash_recommended == 0)
                manager_update_crash_estimate(m);
        return 0;
}

int manager_startup(Manager *m) {
        int r = mkdir_parents_and_self(m->state_dir, 0755);
        if (r < 0)
                log_warning_errno(r, "Cannot create state directory %s: %m", m->state_dir);
        r = history_open(&m->history, m->state_dir);
        if (r < 0)
                log_warning_errno(r, "Cannot read history, starting a new one: %m");
        r = kexecd_config_load(&m->config, m->config_dir);
        if (r < 0)
                log_warning_errno(r, "Configuration could not be read completely, continuing with what was read: %m");
        manager_metrics_start(m);
        /* The layout first: loads at start-up record the fingerprint. */
        (void) manager_start_hotplug(m);
        for (int t = 0; t < _IMAGE_TYPE_MAX; t++)
                (void) startup_image(m, m->images[t]);
        /* An adopted image may predate a hotplug that happened while kexecd
         * was not running. */
        manager_check_images(m, "checked at start-up");
        /* Adopted, restored or configured: the kdump image's need, for
         * CrashKernelSufficient. Deferred until the bus name is taken:
         * unpacking a large initrd must not delay start-up. */
        r = sd_event_add_defer(m->event, NULL, startup_crash_estimate, m);
        if (r < 0)
                log_warning_errno(r, "Cannot schedule the crash kernel estimate: %m");
        /* Adopted images are watched too (loads re-arm the watch themselves). */
        manager_watch_files(m);
        /* The previous boot's tail first, then verify before saving this
         * boot's list, then save it. */
        manager_ima_import_handover(m);
        manager_ima_verify(m);
        manager_ima_snapshot(m, "start-up");
        (void) manager_crash_scan(m);
        return 0;
}
