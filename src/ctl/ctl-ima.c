/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kexecctl ima status | verify | export FORMAT | replay FILE... */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus-json.h"
#include "ctl.h"
#include "ima-cli.h"

static void ima_help(void) {
        printf("Usage: kexecctl ima COMMAND\n\n"
               "The IMA measurement list chain kexecd keeps across kexec reboots.\n\n"
               "Commands:\n"
               "  status               Chain status from kexecd (needs no privileges)\n"
               "  verify               Verify now: the saved chain plus the current list\n"
               "                       against the TPM's PCRs (exit 9 on gap or mismatch)\n"
               "  export binary|ascii  Write the whole chain to standard output, in the\n"
               "                       kernel's binary or ASCII list format (needs\n"
               "                       authorization: org.kexecd1.export-ima)\n"
               "  replay FILE...       Replay saved lists offline, no daemon needed\n"
               "                       ('kexecctl ima replay --help')\n");
}

static int print_verification(sd_bus_message *reply) {
        _cleanup_(json_object_putp) json_object *o = NULL;
        int r = bus_message_read_json(reply, &o);
        if (r <= 0)
                return EXIT_FAILED;
        if (arg.json != JSON_OFF)
                puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_NOSLASHESCAPE |
                                                    (arg.json == JSON_PRETTY ? JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN)));
        else {
                printf("%18s: %s\n", "IMA chain", json_get_string(o, "Status"));
                if (*json_get_string(o, "Method"))
                        printf("%18s: %s\n", "Verified by", json_get_string(o, "Method"));
                printf("%18s: %" PRIu64 "\n", "Boots in chain", json_get_u64(o, "BootsInChain"));
                printf("%18s: %" PRIu64 "\n", "Measurements", json_get_u64(o, "Measurements"));
                if (*json_get_string(o, "GapBoot"))
                        printf("%18s: boot %s after record %" PRIu64 "\n", "Gap", json_get_string(o, "GapBoot"),
                               json_get_u64(o, "GapAfterRecord"));
                printf("%18s: %s\n", "Details", json_get_string(o, "Detail"));
        }
        const char *status = json_get_string(o, "Status");
        return streq(status, "verified") ? EXIT_OK : (streq(status, "gap") || streq(status, "mismatch")) ? EXIT_MISMATCH : EXIT_FAILED;
}

int verb_ima(int argc, char *argv[]) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h")) {
                ima_help();
                return argc < 2 ? EXIT_USAGE : EXIT_OK;
        }
        if (streq(argv[1], "replay"))
                return ima_cli_replay(argc - 1, argv + 1);

        if (streq(argv[1], "status")) {
                if (argc != 2)
                        return EXIT_USAGE;
                _cleanup_(json_object_putp) json_object *o = NULL;
                r = ctl_fetch_status(&o);
                if (r != EXIT_OK)
                        return r;
                if (arg.json != JSON_OFF) {
                        json_object *s = json_object_new_object();
                        json_object_object_add(s, "ImaStatus", json_object_new_string(json_get_string(o, "ImaStatus")));
                        json_object_object_add(s, "ImaBootsInChain", json_object_new_uint64(json_get_u64(o, "ImaBootsInChain")));
                        json_object_object_add(s, "ImaMeasurements", json_object_new_uint64(json_get_u64(o, "ImaMeasurements")));
                        puts(json_object_to_json_string_ext(s, JSON_C_TO_STRING_PLAIN));
                        json_object_put(s);
                } else
                        printf("%18s: %s\n%18s: %" PRIu64 "\n%18s: %" PRIu64 "\n", "IMA chain", json_get_string(o, "ImaStatus"),
                               "Boots in chain", json_get_u64(o, "ImaBootsInChain"), "Measurements",
                               json_get_u64(o, "ImaMeasurements"));
                return EXIT_OK;
        }
        if (streq(argv[1], "verify")) {
                if (argc != 2)
                        return EXIT_USAGE;
                r = ctl_bus_open(&bus);
                if (r < 0)
                        return -r;
                r = sd_bus_call_method(bus, "org.kexecd1", "/org/kexecd1", "org.kexecd1.Manager", "VerifyIma", &error, &reply, "");
                if (r < 0)
                        return ctl_report_error("verify the IMA chain", &error, r);
                return print_verification(reply);
        }
        if (streq(argv[1], "export")) {
                int fd;
                if (argc != 3 || (!streq(argv[2], "binary") && !streq(argv[2], "ascii"))) {
                        fprintf(stderr, "Usage: kexecctl ima export binary|ascii > FILE\n");
                        return EXIT_USAGE;
                }
                r = ctl_bus_open(&bus);
                if (r < 0)
                        return -r;
                r = sd_bus_call_method(bus, "org.kexecd1", "/org/kexecd1", "org.kexecd1.Manager", "ExportImaLog", &error, &reply,
                                       "s", argv[2]);
                if (r < 0)
                        return ctl_report_error("export the IMA chain", &error, r);
                r = sd_bus_message_read(reply, "h", &fd);
                if (r < 0)
                        return ctl_report_error("read the exported chain", NULL, r);
                char buf[65536];
                ssize_t n;
                while ((n = read(fd, buf, sizeof(buf))) > 0)
                        if (fwrite(buf, 1, (size_t) n, stdout) != (size_t) n)
                                return EXIT_FAILED;
                return n < 0 ? EXIT_FAILED : EXIT_OK;
        }
        fprintf(stderr, "Unknown ima command '%s'. See 'kexecctl ima --help'.\n", argv[1]);
        return EXIT_USAGE;
}
