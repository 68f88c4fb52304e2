/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kexecctl reboot: what `systemctl kexec` does, with kexecd's last-moment
 * check first, and logind's shutdown inhibitors honoured the same way
 * (docs/kexecctl.md, "reboot"). */
#include <errno.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "fileio.h"

/* "shutdown" among the colon-separated kinds of an inhibitor. */
static bool what_has_shutdown(const char *what) {
        for (const char *p = what; p && *p;) {
                size_t n = strcspn(p, ":");
                if (n == 8 && strncmp(p, "shutdown", 8) == 0)
                        return true;
                p += n + (p[n] == ':');
        }
        return false;
}

static void print_blocker(const char *who, const char *why, uint32_t uid, uint32_t pid) {
        _cleanup_free_ char *comm = NULL;
        const struct passwd *pw = NULL;
        char path[64];

        /* Names are looked up only on this machine: over -H the numbers
         * are the other machine's. */
        if (!arg.host) {
                snprintf(path, sizeof(path), "/proc/%" PRIu32 "/comm", pid);
                if (read_full_file(path, 64, &comm, NULL) >= 0)
                        comm[strcspn(comm, "\n")] = 0;
                pw = getpwuid(uid);
        }
        fprintf(stderr, "  \"%s\" (pid %" PRIu32 "%s%s%s, uid %" PRIu32 "%s%s%s): %s\n", who,
                pid, comm ? " \"" : "", strempty(comm), comm ? "\"" : "",
                uid, pw ? " \"" : "", pw ? pw->pw_name : "", pw ? "\"" : "", why);
}

/* EXIT_OK when nothing blocks a shutdown (or logind is not there to ask:
 * then nothing can); EXIT_INHIBITED after listing what does. */
static int check_inhibitors(sd_bus *bus) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *what, *who, *why, *mode;
        uint32_t uid, pid;
        unsigned n = 0;
        int r;

        r = sd_bus_call_method(bus, "org.freedesktop.login1", "/org/freedesktop/login1", "org.freedesktop.login1.Manager",
                               "ListInhibitors", &error, &reply, "");
        if (r < 0)
                return EXIT_OK;
        r = sd_bus_message_enter_container(reply, 'a', "(ssssuu)");
        if (r < 0)
                goto bad_reply;
        while ((r = sd_bus_message_read(reply, "(ssssuu)", &what, &who, &why, &mode, &uid, &pid)) > 0) {
                /* Delay inhibitors only postpone a shutdown that logind
                 * runs; they never refuse one. */
                if (!streq(mode, "block") || !what_has_shutdown(what))
                        continue;
                if (n++ == 0)
                        fprintf(stderr, "A kexec reboot is blocked by logind inhibitors (who (pid, uid): why):\n");
                print_blocker(who, why, uid, pid);
        }
        if (r < 0)
                goto bad_reply;
        if (n == 0)
                return EXIT_OK;
        fprintf(stderr, "Not rebooting. End them, or run 'kexecctl reboot --ignore-inhibitors' to reboot anyway.\n");
        return EXIT_INHIBITED;

bad_reply:
        fprintf(stderr, "Failed to read logind's inhibitor list: %s\n", strerror(-r));
        return EXIT_FAILED;
}

int verb_reboot(int argc, char *argv[]) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        if (argc > 1) {
                fprintf(stderr, "reboot takes no arguments.\n");
                return EXIT_USAGE;
        }
        r = ctl_bus_open(&bus);
        if (r < 0)
                return -r;
        /* As systemctl: --force skips the check as well, and -i asks for
         * exactly that. Unlike systemctl, root and scripts without a tty
         * are not exempt: a kexec reboot in the middle of what an inhibitor
         * protects (a backup, an upgrade) is just as bad when root asks. */
        if (!arg.ignore_inhibitors && !arg.force) {
                r = check_inhibitors(bus);
                if (r != EXIT_OK)
                        return r;
        }
        /* Check (and reload) now as well: systemd refuses a kexec when
         * nothing is loaded, so a discarded image must be back before
         * kexec.target is queued. kexecd-prepare.service checks again while
         * the system goes down (not with --force, which skips the units). */
        r = sd_bus_call_method(bus, "org.kexecd1", "/org/kexecd1", "org.kexecd1.Manager", "PrepareKexec", &error, NULL,
                               "b", ctl_interactive());
        if (r < 0)
                return ctl_report_error("prepare the kexec", &error, r);
        sd_bus_error_free(&error);
        if (arg.force) {
                /* What `systemctl --force kexec` does: no orderly stop of
                 * the units, processes are killed, file systems unmounted,
                 * the system-shutdown hooks (kexecd-shutdown) still run. */
                r = sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                       "org.freedesktop.systemd1.Manager", "KExec", &error, NULL, "");
                if (r < 0)
                        return ctl_report_error("kexec", &error, r);
                return EXIT_OK;
        }
        /* What `systemctl kexec` does. */
        r = sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                               "org.freedesktop.systemd1.Manager", "StartUnit", &error, NULL,
                               "ss", "kexec.target", "replace-irreversibly");
        if (r < 0)
                return ctl_report_error("start kexec.target", &error, r);
        return EXIT_OK;
}
