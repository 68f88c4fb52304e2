/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kexecctl: the command line face of kexecd (org.kexecd1). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build-config.h"
#include "ctl.h"
#include "ctl-image.h"
#include "errors.h"

CtlContext arg = { .ask_password = true, .legend = true };
static char **ima_tail = NULL;
static int ima_tail_n = 0;

static void help(void) {
        printf("Usage: kexecctl [OPTIONS...] COMMAND ...\n"
               "\n"
               "Query and control kexecd, the daemon that keeps the kexec image (the next kernel\n"
               "for 'systemctl kexec') and the kdump image (the crash kernel) loaded and fresh.\n"
               "\n"
               "Commands:\n"
               "  status                  Show both images and the kernel's kexec settings\n"
               "                          (the default command; needs no privileges)\n"
               "  load KERNEL             Load KERNEL as the kexec image, or with --kdump as\n"
               "                          the crash kernel; kexecd remembers it and keeps it\n"
               "                          loaded across hotplug and daemon restarts\n"
               "  load --entry=ID         Load a boot entry's kernel, initrds and options; ID is\n"
               "                          an id from list-entries, 'default' (what the boot\n"
               "                          loader boots next: reloads follow it) or 'running'\n"
               "  list-entries            List the boot entries (BLS, UKIs, /vmlinuz, /boot)\n"
               "  unload                  Unload the kexec image (--kdump: the crash kernel)\n"
               "  reload                  Load the remembered image again\n"
               "  prepare-kexec [--if-kexec-queued]\n"
               "                          Last-moment check before a kexec reboot: reload the\n"
               "                          kexec image if it is missing or stale (with the\n"
               "                          option: only when systemd has kexec.target queued)\n"
               "  reboot                  Reboot into the kexec image (starts kexec.target,\n"
               "                          like 'systemctl kexec'); refused while a logind\n"
               "                          inhibitor blocks shutdown\n"
               "  is-ready [kexec|kdump]  Print ready, not-loaded, stale or degraded; exit 0\n"
               "                          only when the image is loaded and fresh\n"
               "  history [N]             Show the last N (default all) loads, reloads,\n"
               "                          discards and failures, with reasons\n"
               "  monitor                 Print kexecd events as they happen, until Ctrl-C\n"
               "  crash [list]            List the crash dumps the crash kernel saved\n"
               "  crash show|dmesg|remove ID\n"
               "                          One dump's record, the crashed kernel's log, or\n"
               "                          remove the dump\n"
               "  check-kdump             Would a crash now be captured? (reservation, crash\n"
               "                          kernel loaded and fresh, capture, dump directory)\n"
               "  test-kdump --yes        Crash the machine on purpose (sysrq c); after the\n"
               "                          capture and reboot 'status' shows whether it passed\n"
               "  estimate-crashkernel    The crashkernel= reservation the kdump image needs,\n"
               "                          item by item, against what is reserved\n"
               "  ima status|verify|export FORMAT|replay FILE...\n"
               "                          IMA measurement log chain across kexec reboots\n"
               "                          ('kexecctl ima --help' for details)\n"
               "\n"
               "Options:\n"
               "  -h --help               Show this help\n"
               "     --version            Show the version\n"
               "  -k --kdump              Act on the kdump (crash kernel) image\n"
               "     --initrd=FILE        Initrd for load; repeat to concatenate several\n"
               "     --append=STRING      Command line for load (with --reuse-cmdline: text\n"
               "                          appended to the running kernel's command line)\n"
               "     --reuse-cmdline      Reuse the running kernel's command line (the default\n"
               "                          when --append is not given): BOOT_IMAGE= and initrd=\n"
               "                          are dropped; for kdump also what a crash kernel\n"
               "                          cannot use (crashkernel=, hugepages=, cma=, ...), and\n"
               "                          what it needs and the kdump extras (irqpoll nr_cpus=1\n"
               "                          reset_devices) are added (docs/configuration.md)\n"
               "     --entry=ID           Load the boot entry ID instead of a KERNEL path\n"
               "     --syscall=MODE       auto (default), file or legacy: which syscall loads;\n"
               "                          auto uses kexec_file_load(2) and falls back to\n"
               "                          kexec-tools only when the kernel cannot use it\n"
               "     --json=MODE          Output JSON: short, pretty or off (status, history,\n"
               "                          monitor, list-entries, crash, check-kdump,\n"
               "                          estimate-crashkernel, ima status,\n"
               "                          ima verify)\n"
               "  -q --quiet              is-ready: print nothing, only the exit status\n"
               "     --yes                test-kdump: do not ask, crash the machine\n"
               "  -i --ignore-inhibitors  reboot: reboot even when logind inhibitors block it\n"
               "     --force              reboot: like 'systemctl --force kexec': ignore\n"
               "                          inhibitors, kill processes instead of stopping units\n"
               "  -H --host=[USER@]HOST   Operate on a remote host (over SSH)\n"
               "     --no-ask-password    Never ask for a password (polkit); without it, one\n"
               "                          is asked for only when stdin is a terminal\n"
               "\n"
               "Exit status:\n"
               "  0  success                       5  command line, option or image name refused\n"
               "  1  other failure                 6  the kernel cannot or will not load it\n"
               "  2  wrong kexecctl usage          7  kexecd not reachable\n"
               "  3  not authorized (polkit)       8  nothing to reload\n"
               "  4  kernel/initrd file refused    9  IMA verification mismatch\n"
               "  is-ready: 10 not loaded, 11 stale, 12 degraded, 14 kdump reservation too small\n"
               "  reboot: 13 blocked by a logind inhibitor\n"
               "\n"
               "Examples:\n"
               "  kexecctl load /boot/vmlinuz --initrd /boot/initrd.img\n"
               "  kexecctl load --entry=default\n"
               "  kexecctl load --kdump /boot/vmlinuz --reuse-cmdline --append 'console=ttyS0'\n"
               "  kexecctl --json=pretty status\n"
               "  kexecctl reboot\n"
               "\n"
               "See kexecctl(1), docs/kexecctl.md and docs/dbus-api.md.\n");
}

typedef struct Verb {
        const char *name;
        int (*run)(int argc, char *argv[]);
} Verb;

static const Verb verbs[] = {
        { "status",        verb_status },
        { "load",          verb_load },
        { "unload",        verb_unload },
        { "reload",        verb_reload },
        { "prepare-kexec", verb_prepare },
        { "reboot",        verb_reboot },
        { "history",       verb_history },
        { "monitor",       verb_monitor },
        { "ima",           verb_ima },
        { "is-ready",      verb_is_ready },
        { "list-entries",  verb_list_entries },
        { "crash",         verb_crash },
        { "check-kdump",   verb_check_kdump },
        { "test-kdump",    verb_test_kdump },
        { "estimate-crashkernel", verb_estimate_crashkernel },
};

static int push_initrd(const char *path) {
        char **t = realloc(load_arg.initrds, sizeof(char *) * (load_arg.n_initrds + 1));
        if (!t)
                return -ENOMEM;
        load_arg.initrds = t;
        load_arg.initrds[load_arg.n_initrds++] = (char *) path;
        return 0;
}

static int parse_argv(int argc, char *argv[]) {
        enum { ARG_VERSION = 0x100, ARG_INITRD, ARG_APPEND, ARG_REUSE, ARG_SYSCALL, ARG_JSON, ARG_NO_ASK, ARG_IF_QUEUED, ARG_FORCE, ARG_ENTRY, ARG_YES };
        static const struct option options[] = {
                { "help",            no_argument,       NULL, 'h' },
                { "version",         no_argument,       NULL, ARG_VERSION },
                { "kdump",           no_argument,       NULL, 'k' },
                { "initrd",          required_argument, NULL, ARG_INITRD },
                { "append",          required_argument, NULL, ARG_APPEND },
                { "reuse-cmdline",   no_argument,       NULL, ARG_REUSE },
                { "syscall",         required_argument, NULL, ARG_SYSCALL },
                { "json",            required_argument, NULL, ARG_JSON },
                { "host",            required_argument, NULL, 'H' },
                { "no-ask-password", no_argument,       NULL, ARG_NO_ASK },
                { "if-kexec-queued", no_argument,       NULL, ARG_IF_QUEUED },
                { "quiet",           no_argument,       NULL, 'q' },
                { "ignore-inhibitors", no_argument,     NULL, 'i' },
                { "force",           no_argument,       NULL, ARG_FORCE },
                { "entry",           required_argument, NULL, ARG_ENTRY },
                { "yes",             no_argument,       NULL, ARG_YES },
                {}
        };
        int c;

        /* "ima" has its own options: stop at it and hand the rest over. */
        for (int i = 1; i < argc; i++)
                if (streq(argv[i], "ima")) {
                        ima_tail = argv + i;
                        ima_tail_n = argc - i;
                        argc = i + 1;
                        break;
                }

        while ((c = getopt_long(argc, argv, "hkH:qi", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("kexecctl %s\n", PACKAGE_VERSION);
                        return 0;
                case 'k':
                        arg.kdump = true;
                        break;
                case ARG_INITRD:
                        if (push_initrd(optarg) < 0) {
                                fprintf(stderr, "Out of memory.\n");
                                return -ENOMEM;
                        }
                        break;
                case ARG_APPEND:
                        load_arg.append = optarg;
                        break;
                case ARG_REUSE:
                        load_arg.reuse = true;
                        break;
                case ARG_SYSCALL:
                        if (!streq(optarg, "auto") && !streq(optarg, "file") && !streq(optarg, "legacy")) {
                                fprintf(stderr, "--syscall= must be auto, file or legacy, not '%s'.\n", optarg);
                                return -EINVAL;
                        }
                        load_arg.syscall = optarg;
                        break;
                case ARG_JSON:
                        if (ctl_parse_json_mode(optarg, &arg.json) < 0)
                                return -EINVAL;
                        break;
                case 'H':
                        arg.host = optarg;
                        break;
                case ARG_NO_ASK:
                        arg.ask_password = false;
                        break;
                case ARG_ENTRY:
                        load_arg.entry = optarg;
                        break;
                case ARG_IF_QUEUED:
                        arg.if_kexec_queued = true;
                        break;
                case 'q':
                        arg.quiet = true;
                        break;
                case 'i':
                        arg.ignore_inhibitors = true;
                        break;
                case ARG_FORCE:
                        arg.force = true;
                        break;
                case ARG_YES:
                        arg.yes = true;
                        break;
                default:
                        return -EINVAL;
                }
        return 1;
}

int main(int argc, char *argv[]) {
        int r;

        (void) kexecd_error_map_register();
        /* parse_argv() printed why it failed. */
        r = parse_argv(argc, argv);
        if (r <= 0)
                return r == -ENOMEM ? EXIT_FAILED : r < 0 ? EXIT_USAGE : EXIT_OK;

        /* getopt permuted the non-option arguments to the end. */
        int n = argc - optind;
        char **rest = argv + optind;
        if (n == 0) {
                static char *status_argv[] = { (char *) "status", NULL };
                return verb_status(1, status_argv);
        }
        if (ima_tail && streq(rest[0], "ima"))
                return verb_ima(ima_tail_n, ima_tail);
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(rest[0], verbs[i].name)) {
                        if (!streq(rest[0], "load") && (load_arg.n_initrds > 0 || load_arg.append || load_arg.reuse || load_arg.syscall || load_arg.entry)) {
                                fprintf(stderr, "--initrd, --append, --reuse-cmdline, --syscall and --entry only apply to load.\n");
                                return EXIT_USAGE;
                        }
                        if (!streq(rest[0], "reboot") && (arg.ignore_inhibitors || arg.force)) {
                                fprintf(stderr, "--ignore-inhibitors and --force only apply to reboot.\n");
                                return EXIT_USAGE;
                        }
                        if (!streq(rest[0], "is-ready") && arg.quiet) {
                                fprintf(stderr, "--quiet only applies to is-ready.\n");
                                return EXIT_USAGE;
                        }
                        return verbs[i].run(n, rest);
                }
        fprintf(stderr, "Unknown command '%s'. See 'kexecctl --help'.\n", rest[0]);
        return EXIT_USAGE;
}
