/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kexecd: keeps the kexec and kdump images loaded and fresh, and answers
 * org.kexecd1 on the system bus. */
#include <errno.h>
#include <malloc.h>
#include <getopt.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "build-config.h"
#include "log.h"
#include "macro.h"
#include "manager.h"

static const char *arg_fake_root = NULL;
static const char *arg_config_dir = SYSCONFDIR "/kexecd";
static const char *arg_state_dir = NULL;

static void help(void) {
        printf("Usage: kexecd [OPTIONS]\n\n"
               "The kexec lifecycle daemon: keeps a kexec image (the next kernel for\n"
               "'systemctl kexec') and a kdump image (the crash kernel) loaded, reloads\n"
               "them when memory or CPUs are hot-plugged, and offers Load, Unload,\n"
               "Reload and Status as org.kexecd1 on the system bus (see kexecctl(1)).\n"
               "It is normally started by systemd (kexecd.service) or D-Bus activation.\n\n"
               "Options:\n"
               "  -h --help              Show this help and exit\n"
               "     --version           Show the version and exit\n"
               "     --config-dir=DIR    Read kexecd.conf and kexecd.conf.d/ from DIR\n"
               "                         (default: %s/kexecd)\n"
               "     --state-dir=DIR     Keep state in DIR (default: $STATE_DIRECTORY,\n"
               "                         else %s/lib/kexecd)\n"
               "     --fake-root=DIR     Use the fake kernel rooted at DIR instead of the\n"
               "                         running kernel (tests and demos; see docs/testing.md)\n"
               "     --log-level=LEVEL   debug, info (default), notice, warning, err\n\n"
               "Environment:\n"
               "  DBUS_SYSTEM_BUS_ADDRESS  system bus to connect to\n\n"
               "See kexecd(8), kexecd.conf(5) and org.kexecd1(5).\n",
               SYSCONFDIR, LOCALSTATEDIR);
}

static int parse_log_level(const char *s) {
        static const struct { const char *name; int level; } levels[] = {
                { "debug", LOG_DEBUG }, { "info", LOG_INFO }, { "notice", LOG_NOTICE },
                { "warning", LOG_WARNING }, { "err", LOG_ERR }, { "error", LOG_ERR },
        };
        for (size_t i = 0; i < ELEMENTSOF(levels); i++)
                if (streq(s, levels[i].name))
                        return levels[i].level;
        return -EINVAL;
}

static int parse_argv(int argc, char *argv[]) {
        enum { ARG_VERSION = 0x100, ARG_CONFIG_DIR, ARG_STATE_DIR, ARG_FAKE_ROOT, ARG_LOG_LEVEL };
        static const struct option options[] = {
                { "help",       no_argument,       NULL, 'h' },
                { "version",    no_argument,       NULL, ARG_VERSION },
                { "config-dir", required_argument, NULL, ARG_CONFIG_DIR },
                { "state-dir",  required_argument, NULL, ARG_STATE_DIR },
                { "fake-root",  required_argument, NULL, ARG_FAKE_ROOT },
                { "log-level",  required_argument, NULL, ARG_LOG_LEVEL },
                {}
        };
        int c, level;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("kexecd %s\n", PACKAGE_VERSION);
                        return 0;
                case ARG_CONFIG_DIR:
                        arg_config_dir = optarg;
                        break;
                case ARG_STATE_DIR:
                        arg_state_dir = optarg;
                        break;
                case ARG_FAKE_ROOT:
                        arg_fake_root = optarg;
                        break;
                case ARG_LOG_LEVEL:
                        level = parse_log_level(optarg);
                        if (level < 0) {
                                log_error("Unknown log level: %s", optarg);
                                return -EINVAL;
                        }
                        log_set_max_level(level);
                        break;
                default:
                        return -EINVAL;
                }
        if (optind < argc) {
                log_error("kexecd takes no positional arguments.");
                return -EINVAL;
        }
        return 1;
}

/* Stopping at shutdown is the last chance to save this boot's IMA list
 * before a kexec that did not go through PrepareKexec. */
static int on_terminate(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;
        manager_ima_snapshot(m, "daemon stopping");
        manager_metrics_stop(m);
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

/* SIGHUP and SIGUSR1/2 would otherwise kill the daemon (without the IMA
 * snapshot SIGTERM takes). kexecd has no configuration reload: say so. */
static int on_ignored_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        log_notice("Received %s: ignored (kexecd reads kexecd.conf only at start; restart it to apply changes).",
                   strsignal((int) si->ssi_signo));
        return 0;
}

static const char *default_state_dir(void) {
        /* systemd's StateDirectory=kexecd sets this. */
        const char *e = getenv("STATE_DIRECTORY");
        return e && e[0] == '/' && !strchr(e, ':') ? e : LOCALSTATEDIR "/lib/kexecd";
}

int main(int argc, char *argv[]) {
        _cleanup_(manager_freep) Manager *m = NULL;
        Backend *backend = NULL;
        sigset_t mask;
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;

        /* Large buffers (a kernel file, a decoder's window) come from mmap
         * and go back to the kernel when freed. glibc would otherwise raise
         * its mmap threshold after the first large free and keep later ones
         * on the heap, where any small allocation made meanwhile pins their
         * pages: an idle kexecd stays at its start-up size (test_memory). */
        (void) mallopt(M_MMAP_THRESHOLD, 256 * 1024);

        r = arg_fake_root ? backend_new_fake(arg_fake_root, &backend) : backend_new_real(&backend);
        if (r < 0) {
                log_error_errno(r, "Failed to set up the %s kernel backend: %m", arg_fake_root ? "fake" : "real");
                return EXIT_FAILURE;
        }
        r = manager_new(&m, backend, arg_config_dir, arg_state_dir ?: default_state_dir());
        if (r < 0) {
                backend_free(backend);
                log_error_errno(r, "Failed to allocate manager: %m");
                return EXIT_FAILURE;
        }

        /* The fake kernel is not this host's: publish its metrics only
         * where TextfileDirectory= explicitly says. */
        if (arg_fake_root)
                m->metrics_default_dir = NULL;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigaddset(&mask, SIGUSR1);
        sigaddset(&mask, SIGUSR2);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        /* A write to a client that went away must not kill the daemon. */
        signal(SIGPIPE, SIG_IGN);
        (void) sd_event_add_signal(m->event, NULL, SIGTERM, on_terminate, m);
        (void) sd_event_add_signal(m->event, NULL, SIGINT, on_terminate, m);
        (void) sd_event_add_signal(m->event, NULL, SIGHUP, on_ignored_signal, m);
        (void) sd_event_add_signal(m->event, NULL, SIGUSR1, on_ignored_signal, m);
        (void) sd_event_add_signal(m->event, NULL, SIGUSR2, on_ignored_signal, m);

        r = manager_connect_bus(m);
        if (r < 0)
                return EXIT_FAILURE;
        r = manager_startup(m);
        if (r < 0)
                return EXIT_FAILURE;
        r = manager_take_bus_name(m);
        if (r < 0)
                return EXIT_FAILURE;

        log_info("kexecd %s running (%s kernel backend).", PACKAGE_VERSION, backend->ops->name);
        (void) sd_notify(false, "READY=1\nSTATUS=Watching kexec and kdump images.");

        r = sd_event_loop(m->event);
        (void) sd_notify(false, "STOPPING=1\nSTATUS=Shutting down.");
        if (r < 0) {
                log_error_errno(r, "Event loop failed: %m");
                return EXIT_FAILURE;
        }
        return EXIT_SUCCESS;
}
