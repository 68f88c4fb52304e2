/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kexecctl ima status | verify | export FORMAT | replay FILE... */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus-json.h"
#include "ctl.h"
#include "ima-cli.h"

static void ima_help(void) {
        printf("Usage: kexecctl [OPTIONS...] ima COMMAND [OPTIONS...]\n\n"
               "The IMA measurement list chain kexecd keeps across kexec reboots.\n\n"
               "Commands:\n"
               "  status               Chain status from kexecd (needs no privileges)\n"
               "  verify               Verify now: the saved chain plus the current list\n"
               "                       against the TPM's PCRs (exit 9 on gap or mismatch)\n"
               "  export binary|ascii  Write the whole chain to standard output, in the\n"
               "                       kernel's binary or ASCII list format (needs\n"
               "                       authorization: org.kexecd1.export-ima)\n"
               "  replay FILE...       Replay saved lists offline, no daemon needed\n"
               "                       ('kexecctl ima replay --help')\n\n"
               "Options (before or after status, verify and export):\n"
               "     --json=MODE       short, pretty or off (status, verify)\n"
               "  -H --host=[USER@]HOST\n"
               "                       Operate on a remote host (over SSH)\n"
               "     --no-ask-password Never ask for a password (polkit)\n\n"
               "See kexecctl(1).\n");
}

static int print_verification(sd_bus_message *reply) {
        _cleanup_(json_object_putp) json_object *o = NULL;
        int r = bus_message_read_json(reply, &o);
        if (r <= 0) {
                fprintf(stderr, "Failed to parse the VerifyIma reply: %s\n", strerror(r < 0 ? -r : EBADMSG));
                return EXIT_FAILED;
        }
        if (arg.json != JSON_OFF)
                ctl_print_json(o);
        else {
                printf("%18s: %s\n", "IMA chain", json_get_string(o, "Status"));
                if (*json_get_string(o, "Method"))
                        printf("%18s: %s\n", "Verified by", json_get_string(o, "Method"));
                printf("%18s: %" PRIu64 "\n", "Boots in chain", json_get_u64(o, "BootsInChain"));
                printf("%18s: %" PRIu64 "\n", "Measurements", json_get_u64(o, "Measurements"));
                if (*json_get_string(o, "Banks"))
                        printf("%18s: %s\n", "Banks compared", json_get_string(o, "Banks"));
                if (*json_get_string(o, "GapBoot") && json_get_u64(o, "GapBeforeRecord") > 0)
                        printf("%18s: boot %s between record %" PRIu64 " and record %" PRIu64 "\n", "Gap",
                               json_get_string(o, "GapBoot"), json_get_u64(o, "GapAfterRecord"),
                               json_get_u64(o, "GapBeforeRecord"));
                else if (*json_get_string(o, "GapBoot"))
                        printf("%18s: boot %s after record %" PRIu64 "\n", "Gap", json_get_string(o, "GapBoot"),
                               json_get_u64(o, "GapAfterRecord"));
                if (*json_get_string(o, "GapBoot")) {
                        int64_t u = json_get_i64(o, "GapUnaccounted");
                        if (u >= 0)
                                printf("%18s: %" PRId64 " extend(s)\n", "Unaccounted", u);
                        else
                                printf("%18s: unknown (only their sum is in the TPM)\n", "Unaccounted");
                }
                printf("%18s: %s\n", "Details", json_get_string(o, "Detail"));
        }
        const char *status = json_get_string(o, "Status");
        return streq(status, "verified") ? EXIT_OK : (streq(status, "gap") || streq(status, "mismatch")) ? EXIT_MISMATCH : EXIT_FAILED;
}

/* The options of kexecctl itself that apply to status, verify and export,
 * also accepted after the command ('kexecctl ima status --json=pretty'):
 * kexecctl stops its own option parsing at "ima" because replay has
 * options of its own. Returns the number of arguments left after the
 * command (argv[optind]...), or -1 after printing what is wrong. */
static int parse_ima_options(int argc, char *argv[]) {
        enum { ARG_JSON = 0x100, ARG_NO_ASK };
        static const struct option options[] = {
                { "json",            required_argument, NULL, ARG_JSON },
                { "host",            required_argument, NULL, 'H' },
                { "no-ask-password", no_argument,       NULL, ARG_NO_ASK },
                {}
        };
        int c;

        optind = 0; /* kexecctl's own getopt ran before: start afresh */
        opterr = 0; /* the messages below name the command */
        while ((c = getopt_long(argc, argv, ":H:", options, NULL)) >= 0)
                switch (c) {
                case ARG_JSON:
                        if (ctl_parse_json_mode(optarg, &arg.json) < 0)
                                return -1;
                        break;
                case 'H':
                        arg.host = optarg;
                        break;
                case ARG_NO_ASK:
                        arg.ask_password = false;
                        break;
                case ':':
                        fprintf(stderr, "Option '%s' of 'kexecctl ima %s' needs an argument.\n", argv[optind - 1], argv[0]);
                        return -1;
                default:
                        if (optopt > 0)
                                fprintf(stderr, "Unknown option '-%c' for 'kexecctl ima %s'. See 'kexecctl ima --help'.\n",
                                        optopt, argv[0]);
                        else
                                fprintf(stderr, "Unknown option '%s' for 'kexecctl ima %s'. See 'kexecctl ima --help'.\n",
                                        argv[optind - 1], argv[0]);
                        return -1;
                }
        return argc - optind;
}

int verb_ima(int argc, char *argv[]) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r, n;

        if (argc < 2) {
                fprintf(stderr, "kexecctl ima needs a command: status, verify, export or replay. See 'kexecctl ima --help'.\n");
                return EXIT_USAGE;
        }
        if (streq(argv[1], "--help") || streq(argv[1], "-h")) {
                ima_help();
                return EXIT_OK;
        }
        if (streq(argv[1], "replay"))
                return ima_cli_replay(argc - 1, argv + 1);
        if (!streq(argv[1], "status") && !streq(argv[1], "verify") && !streq(argv[1], "export")) {
                fprintf(stderr, "Unknown ima command '%s'. See 'kexecctl ima --help'.\n", argv[1]);
                return EXIT_USAGE;
        }

        /* From here on argv[0] is the command, the rest its arguments. */
        argc--;
        argv++;
        n = parse_ima_options(argc, argv);
        if (n < 0)
                return EXIT_USAGE;
        char **rest = argv + optind;

        if (streq(argv[0], "status")) {
                if (n != 0) {
                        fprintf(stderr, "'kexecctl ima status' takes no arguments, got '%s'.\n", rest[0]);
                        return EXIT_USAGE;
                }
                _cleanup_(json_object_putp) json_object *o = NULL;
                r = ctl_fetch_status(&o);
                if (r != EXIT_OK)
                        return r;
                if (arg.json != JSON_OFF) {
                        _cleanup_(json_object_putp) json_object *s = json_object_new_object();
                        if (!s) {
                                fprintf(stderr, "Out of memory.\n");
                                return EXIT_FAILED;
                        }
                        json_object_object_add(s, "ImaStatus", json_object_new_string(json_get_string(o, "ImaStatus")));
                        json_object_object_add(s, "ImaBootsInChain", json_object_new_uint64(json_get_u64(o, "ImaBootsInChain")));
                        json_object_object_add(s, "ImaMeasurements", json_object_new_uint64(json_get_u64(o, "ImaMeasurements")));
                        ctl_print_json(s);
                } else
                        printf("%18s: %s\n%18s: %" PRIu64 "\n%18s: %" PRIu64 "\n", "IMA chain", json_get_string(o, "ImaStatus"),
                               "Boots in chain", json_get_u64(o, "ImaBootsInChain"), "Measurements",
                               json_get_u64(o, "ImaMeasurements"));
                return EXIT_OK;
        }
        if (streq(argv[0], "verify")) {
                if (n != 0) {
                        fprintf(stderr, "'kexecctl ima verify' takes no arguments, got '%s'.\n", rest[0]);
                        return EXIT_USAGE;
                }
                r = ctl_bus_open(&bus);
                if (r < 0)
                        return -r;
                r = sd_bus_call_method(bus, "org.kexecd1", "/org/kexecd1", "org.kexecd1.Manager", "VerifyIma", &error, &reply, "");
                if (r < 0)
                        return ctl_report_error("verify the IMA chain", &error, r);
                return print_verification(reply);
        }

        /* export */
        int fd;
        if (n != 1 || (!streq(rest[0], "binary") && !streq(rest[0], "ascii"))) {
                fprintf(stderr, "Usage: kexecctl ima export binary|ascii > FILE\n");
                return EXIT_USAGE;
        }
        r = ctl_bus_open(&bus);
        if (r < 0)
                return -r;
        r = sd_bus_call_method(bus, "org.kexecd1", "/org/kexecd1", "org.kexecd1.Manager", "ExportImaLog", &error, &reply,
                               "s", rest[0]);
        if (r < 0)
                return ctl_report_error("export the IMA chain", &error, r);
        r = sd_bus_message_read(reply, "h", &fd);
        if (r < 0)
                return ctl_report_error("read the exported chain", NULL, r);
        char buf[65536];
        ssize_t k;
        while ((k = read(fd, buf, sizeof(buf))) > 0)
                if (fwrite(buf, 1, (size_t) k, stdout) != (size_t) k) {
                        fprintf(stderr, "Failed to write the exported chain to standard output: %s\n", strerror(errno));
                        return EXIT_FAILED;
                }
        if (k < 0) {
                fprintf(stderr, "Failed to read the exported chain from kexecd: %s\n", strerror(errno));
                return EXIT_FAILED;
        }
        if (fflush(stdout) != 0) {
                fprintf(stderr, "Failed to write the exported chain to standard output: %s\n", strerror(errno));
                return EXIT_FAILED;
        }
        return EXIT_OK;
}
