/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kexecctl load | unload | reload | prepare */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "ctl-image.h"

LoadArgs load_arg = {};

/* Relative paths are made absolute against the current directory here,
 * without touching the file: kexecd opens and checks it itself. Prints why
 * it cannot (the current directory was removed, ...) and returns NULL. */
static char *absolutize(const char *what, const char *path) {
        char cwd[PATH_MAX], *s;
        if (path[0] == '/') {
                s = strdup(path);
                if (!s)
                        fprintf(stderr, "Out of memory.\n");
                return s;
        }
        if (!getcwd(cwd, sizeof(cwd))) {
                fprintf(stderr, "Cannot make the %s path '%s' absolute: the current directory is unknown (%s).\n",
                        what, path, strerror(errno));
                return NULL;
        }
        if (asprintf(&s, "%s/%s", cwd, path) < 0) {
                fprintf(stderr, "Out of memory.\n");
                return NULL;
        }
        return s;
}

static int call_simple(const char *method, const char *action) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r = ctl_bus_open(&bus);
        if (r < 0)
                return -r;
        if (streq(method, "PrepareKexec"))
                r = sd_bus_call_method(bus, "org.kexecd1", "/org/kexecd1", "org.kexecd1.Manager", method, &error, NULL,
                                       "b", ctl_interactive());
        else
                r = sd_bus_call_method(bus, "org.kexecd1", "/org/kexecd1", "org.kexecd1.Manager", method, &error, NULL,
                                       "sb", ctl_image_name(), ctl_interactive());
        if (r < 0)
                return ctl_report_error(action, &error, r);
        return EXIT_OK;
}

int verb_load(int argc, char *argv[]) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_free_ char *kernel = NULL, *action = NULL;
        const char *cmdline = "";
        int r;

        if (load_arg.entry ? argc != 1 : argc != 2) {
                fprintf(stderr, load_arg.entry ? "load --entry takes no KERNEL argument: the entry names the kernel.\n"
                                               : "load needs exactly one KERNEL argument, or --entry=ID (see kexecctl --help).\n");
                return EXIT_USAGE;
        }
        /* Like kexec-tools: --append alone is the whole command line;
         * with --reuse-cmdline it is added to the running one (by kexecd).
         * Neither: the empty command line, which kexecd reuses. With
         * --entry, --append is always added to the entry's options. */
        if (load_arg.append && !load_arg.reuse && !load_arg.entry)
                cmdline = load_arg.append;

        kernel = load_arg.entry ? strdup("") : absolutize("kernel", argv[1]);
        if (!kernel)
                return EXIT_FAILED;
        if (asprintf(&action, "load %s image", ctl_image_name()) < 0) {
                fprintf(stderr, "Out of memory.\n");
                return EXIT_FAILED;
        }

        r = ctl_bus_open(&bus);
        if (r < 0)
                return -r;
        r = sd_bus_message_new_method_call(bus, &m, "org.kexecd1", "/org/kexecd1", "org.kexecd1.Manager", "Load");
        if (r >= 0)
                r = sd_bus_message_append(m, "ss", ctl_image_name(), kernel);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "s");
        for (size_t i = 0; r >= 0 && i < load_arg.n_initrds; i++) {
                _cleanup_free_ char *p = absolutize("initrd", load_arg.initrds[i]);
                if (!p)
                        return EXIT_FAILED;
                r = sd_bus_message_append(m, "s", p);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_append(m, "s", cmdline);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r >= 0)
                r = sd_bus_message_append(m, "{sv}", "interactive", "b", ctl_interactive());
        if (r >= 0 && load_arg.syscall)
                r = sd_bus_message_append(m, "{sv}", "syscall", "s", load_arg.syscall);
        if (r >= 0 && load_arg.append && (load_arg.reuse || load_arg.entry))
                r = sd_bus_message_append(m, "{sv}", "append", "s", load_arg.append);
        if (r >= 0 && load_arg.entry)
                r = sd_bus_message_append(m, "{sv}", "entry", "s", load_arg.entry);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r < 0) {
                fprintf(stderr, "Failed to build request: %s\n", strerror(-r));
                return EXIT_FAILED;
        }
        /* Loading reads and hashes the kernel; allow for slow media. */
        r = sd_bus_call(bus, m, 120ULL * 1000000ULL, &error, NULL);
        if (r < 0)
                return ctl_report_error(action, &error, r);
        return EXIT_OK;
}

int verb_unload(int argc, char *argv[]) {
        char action[64];
        if (argc > 1) {
                fprintf(stderr, "unload takes no arguments (use --kdump for the crash kernel).\n");
                return EXIT_USAGE;
        }
        snprintf(action, sizeof(action), "unload %s image", ctl_image_name());
        return call_simple("Unload", action);
}

int verb_reload(int argc, char *argv[]) {
        char action[64];
        if (argc > 1) {
                fprintf(stderr, "reload takes no arguments (use --kdump for the crash kernel).\n");
                return EXIT_USAGE;
        }
        snprintf(action, sizeof(action), "reload %s image", ctl_image_name());
        return call_simple("Reload", action);
}

static uint64_t image_reload_count(const char *image) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        char path[64];
        uint64_t v = 0;
        if (ctl_bus_open(&bus) < 0)
                return 0;
        snprintf(path, sizeof(path), "/org/kexecd1/image/%s", image);
        (void) sd_bus_get_property_trivial(bus, "org.kexecd1", path, "org.kexecd1.Image", "ReloadCount", &error, 't', &v);
        return v;
}

static char *image_string_property(const char *image, const char *name) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        char path[64], *v = NULL;
        if (ctl_bus_open(&bus) < 0)
                return NULL;
        snprintf(path, sizeof(path), "/org/kexecd1/image/%s", image);
        (void) sd_bus_get_property_string(bus, "org.kexecd1", path, "org.kexecd1.Image", name, &error, &v);
        return v;
}

/* Whether systemd has a job for kexec.target queued: the shutdown
 * transaction of `systemctl kexec` / `kexecctl reboot`. */
static int kexec_queued(void) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        const char *unit, *type, *state, *job_path, *unit_path;
        uint32_t id;
        int r;

        r = sd_bus_open_system(&bus);
        if (r < 0)
                return r;
        r = sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                               "org.freedesktop.systemd1.Manager", "ListJobs", &error, &reply, "");
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "(usssoo)");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(reply, "(usssoo)", &id, &unit, &type, &state, &job_path, &unit_path)) > 0)
                if (streq(unit, "kexec.target"))
                        return 1;
        return r < 0 ? r : 0;
}

int verb_prepare(int argc, char *argv[]) {
        int r;
        if (argc > 1) {
                fprintf(stderr, "Usage: kexecctl prepare-kexec [--if-kexec-queued]\n");
                return EXIT_USAGE;
        }
        if (arg.if_kexec_queued) {
                r = kexec_queued();
                if (r < 0) {
                        fprintf(stderr, "Cannot ask systemd for queued jobs: %s\n", strerror(-r));
                        return EXIT_FAILED;
                }
                if (r == 0)
                        return EXIT_OK; /* an ordinary reboot or poweroff */
        }
        uint64_t before = image_reload_count("kexec");
        r = call_simple("PrepareKexec", "prepare the kexec");
        if (r != EXIT_OK)
                return r;
        if (image_reload_count("kexec") > before) {
                _cleanup_free_ char *reason = image_string_property("kexec", "LastReloadReason");
                printf("kexecd: reloaded the kexec image (%s).\n", strempty(reason));
        }
        printf("kexecd: the kexec image is loaded and matches the machine's current layout.\n");
        return r;
}
