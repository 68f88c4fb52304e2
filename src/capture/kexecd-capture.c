/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kexecd-capture: runs in the crash kernel (kexecd-capture.service, selected
 * by systemd.unit= on the kdump command line), saves the crashed kernel's
 * log and memory into DumpDir/ID/ with a crash.json record, then reboots
 * (FinalAction=/FailureAction=). docs/capture.md. */
#include <gcrypt.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build-config.h"
#include "capture.h"
#include "config.h"
#include "log.h"
#include "macro.h"
#include "makedumpfile.h"
#include "spawn.h"

/* systemctl is given this long to queue the action. */
#define ACTION_TIMEOUT_USEC (60ULL * 1000000ULL)

static void help(void) {
        printf("Usage: kexecd-capture [OPTIONS]\n\n"
               "Saves a crash dump from /proc/vmcore, then reboots (runs in the crash kernel).\n\n"
               "Options:\n"
               "  -h --help         Show this help\n"
               "     --version      Show the version\n"
               "     --show-config  Print the effective [Capture] settings and what the\n"
               "                    installed makedumpfile supports, then exit (no dump, no action)\n"
               "     --no-action    Do not run FinalAction=/FailureAction= (for trying it by hand)\n"
               "\nSee kexecd-capture(8).\n");
}

static int run_action(const CapturePaths *paths, CaptureAction a) {
        /* shell: emergency.target gives a root shell on the console and
         * stops the capture's own transaction; the admin leaves it with
         * `systemctl reboot`. --no-block everywhere: this service itself is
         * part of what the job stops. */
        char *argv[5] = { (char *) paths->systemctl, (char *) "--no-block", NULL, NULL, NULL };
        switch (a) {
        case CAPTURE_ACTION_SHELL:
                argv[2] = (char *) "isolate";
                argv[3] = (char *) "emergency.target";
                break;
        default:
                argv[2] = (char *) capture_action_to_string(a);
        }
        SpawnResult res;
        log_notice("Final action: %s", capture_action_to_string(a));
        int r = spawn_run(argv, NULL, ACTION_TIMEOUT_USEC, &res);
        if (r < 0 || res.exec_errno != 0)
                return log_error_errno(r < 0 ? r : -res.exec_errno, "Cannot run %s: %m", paths->systemctl);
        if (res.status != 0) {
                log_error("%s %s failed with exit status %d", paths->systemctl, argv[2], res.status);
                return -EIO;
        }
        return 0;
}

static int show_config(const CaptureConfig *cc, const CapturePaths *paths) {
        MakedumpfileInfo info;
        int r = makedumpfile_probe(paths->makedumpfile, &info);
        printf("DumpDir=%s\n", cc->dump_dir ?: KEXECD_CAPTURE_DUMP_DIR_DEFAULT);
        printf("DumpLevel=%u\n", cc->dump_level);
        printf("Compression=%s\n", capture_compression_to_string(cc->compression));
        printf("KeepDumps=%u\n", cc->keep_dumps);
        printf("MinFreeSpace=%llu\n", (unsigned long long) cc->min_free_space);
        printf("DumpCommand=%s\n", strempty(cc->dump_command));
        printf("FinalAction=%s\n", capture_action_to_string(cc->final_action));
        printf("FailureAction=%s\n", capture_action_to_string(cc->failure_action));
        printf("HookTimeoutSec=%.1f\n", cc->hook_timeout_usec / 1e6);
        printf("makedumpfile=%s\n", paths->makedumpfile);
        if (r < 0) {
                printf("makedumpfile_version=\nmakedumpfile_error=%s\n", strerror(-r));
                return 0;
        }
        printf("makedumpfile_version=%s\n", strempty(info.version));
        printf("makedumpfile_compressions=");
        for (CaptureCompression c = 0; c < _CAPTURE_COMPRESSION_MAX; c++)
                if (info.supports[c])
                        printf("%s%s", c == 0 ? "" : " ", capture_compression_to_string(c));
        printf("\neffective_compression=%s\n",
               capture_compression_to_string(makedumpfile_pick_compression(&info, cc->compression)));
        makedumpfile_info_done(&info);
        return 0;
}

int main(int argc, char *argv[]) {
        enum { ARG_VERSION = 0x100, ARG_SHOW_CONFIG, ARG_NO_ACTION };
        static const struct option options[] = {
                { "help",        no_argument, NULL, 'h' },
                { "version",     no_argument, NULL, ARG_VERSION },
                { "show-config", no_argument, NULL, ARG_SHOW_CONFIG },
                { "no-action",   no_argument, NULL, ARG_NO_ACTION },
                {}
        };
        bool arg_show_config = false, arg_no_action = false;
        CapturePaths paths;
        KexecdConfig config;
        int c, r;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return EXIT_SUCCESS;
                case ARG_VERSION:
                        printf("kexecd-capture %s\n", PACKAGE_VERSION);
                        return EXIT_SUCCESS;
                case ARG_SHOW_CONFIG:
                        arg_show_config = true;
                        break;
                case ARG_NO_ACTION:
                        arg_no_action = true;
                        break;
                default:
                        return EXIT_FAILURE;
                }
        if (optind != argc) {
                fprintf(stderr, "kexecd-capture: no arguments expected; see --help.\n");
                return EXIT_FAILURE;
        }

        /* Messages go to stderr even under systemd: the unit sends stderr to
         * journal+console, and in a crash kernel the console is where the
         * admin looks (the journal there is on a tmpfs and gone after reboot). */
        unsetenv("JOURNAL_STREAM");
        /* A DumpCommand that stops reading must show as EPIPE, not kill us. */
        signal(SIGPIPE, SIG_IGN);
        gcry_check_version(NULL);
        gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);

        capture_paths_from_env(&paths);
        kexecd_config_init(&config);
        r = kexecd_config_load(&config, paths.config_dir);
        if (r < 0)
                log_warning("Using the default [Capture] settings");
        if (!config.capture.dump_dir && !(config.capture.dump_dir = strdup(KEXECD_CAPTURE_DUMP_DIR_DEFAULT)))
                return log_oom(), EXIT_FAILURE;

        if (arg_show_config) {
                show_config(&config.capture, &paths);
                kexecd_config_done(&config);
                return EXIT_SUCCESS;
        }

        bool ok = capture_run(&config.capture, &paths);
        CaptureAction action = ok ? config.capture.final_action : config.capture.failure_action;
        r = arg_no_action ? 0 : run_action(&paths, action);
        kexecd_config_done(&config);
        /* Exit 0 once the action is queued, whatever the capture's outcome
         * (crash.json tells it): the unit's FailureAction=reboot is only the
         * safety net for a capture that could not even ask to reboot. */
        if (r < 0)
                return EXIT_FAILURE;
        return arg_no_action && !ok ? EXIT_FAILURE : EXIT_SUCCESS;
}
