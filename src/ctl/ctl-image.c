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
 * without touching the file: kexecd opens and checks it itself. */
static char *absolutize(const char *path) {
        char cwd[PATH_MAX], *s;
        if (path[0] == '/')
                return strdup(path);
        if (!getcwd(cwd, sizeof(cwd)))
                return NULL;
        return asprintf(&s, "%s/%s", cwd, path) < 0 ? NULL : s;
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

        if (argc != 2) {
                fprintf(stderr, "load needs exactly one KERNEL argument (see kexecctl --help).\n");
                return EXIT_USAGE;
        }
        /* Like kexec-tools: --append alone is the whole command line;
         * with --reuse-cmdline it is added to the running one (by kexecd).
         * Neither: the empty command line, which kexecd reuses. */
        if (load_arg.append && !load_arg.reuse)
                cmdline = load_arg.append;

        kernel = absolutize(argv[1]);
        if (!kernel || asprintf(&action, "load %s image", ctl_image_name()) < 0)
                return EXIT_FAILED;

        r = ctl_bus_open(&bus);
        if (r < 0)
                return -r;
        r = sd_bus_message_new_method_call(bus, &m, "org.kexecd1", "/org/kexecd1", "org.kexecd1.Manager", "Load");
        if (r >= 0)
                r = sd_bus_message_append(m, "ss", ctl_image_name(), kernel);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "s");
        for (size_t i = 0; r >= 0 && i < load_arg.n_initrds; i++) {
                _cleanup_free_ char *p = absolutize(load_arg.initrds[i]);
                r = p ? sd_bus_message_append(m, "s", p) : -ENOMEM;
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
        if (r >= 0 && load_arg.append && load_arg.reuse)
                r = sd_bus_message_append(m, "{sv}", "append", "s", load_arg.append);
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

int verb_prepare(int argc, char *argv[]) {
        if (argc > 1) {
                fprintf(stderr, "prepare-kexec takes no arguments.\n");
                return EXIT_USAGE;
        }
        return call_simple("PrepareKexec", "prepare the kexec");
}
