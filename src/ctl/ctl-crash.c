/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kexecctl crash list|show|dmesg|remove, test-kdump, check-kdump
 * (docs/capture.md). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus-json.h"
#include "ctl.h"

static int call(const char *method, const char *action, json_object **ret, const char *types, ...) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        va_list ap;
        int r = ctl_bus_open(&bus);
        if (r < 0)
                return -r;
        r = sd_bus_message_new_method_call(bus, &m, "org.kexecd1", "/org/kexecd1", "org.kexecd1.Manager", method);
        if (r >= 0 && types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(m, types, ap);
                va_end(ap);
        }
        if (r >= 0)
                r = sd_bus_message_set_allow_interactive_authorization(m, arg.ask_password);
        if (r < 0)
                return ctl_report_error(action, NULL, r);
        /* Long enough for an authentication prompt. */
        r = sd_bus_call(bus, m, 120 * 1000000ULL, &error, &reply);
        if (r < 0)
                return ctl_report_error(action, &error, r);
        if (ret) {
                r = bus_message_read_json(reply, ret);
                if (r < 0)
                        return ctl_report_error(action, NULL, r);
        }
        return EXIT_OK;
}

static int fetch_crashes(json_object **ret) {
        return call("ListCrashes", "list crashes", ret, NULL);
}

static json_object *find_crash(json_object *list, const char *id) {
        for (size_t i = 0; i < json_object_array_length(list); i++) {
                json_object *c = json_object_array_get_idx(list, i);
                if (streq(json_get_string(c, "Id"), id))
                        return c;
        }
        return NULL;
}

static void print_crash(json_object *c, bool details) {
        _cleanup_free_ char *ts = json_get_u64(c, "Time") ? format_timestamp(json_get_u64(c, "Time")) : NULL;
        _cleanup_free_ char *size = format_bytes(json_get_u64(c, "DumpSize"));
        bool complete = json_get_bool(c, "Complete") > 0;
        const char *panic = json_get_string(c, "PanicLine");

        if (!details) {
                printf("%-30s %-29s %s%-10s%s %-9s %s\n", json_get_string(c, "Id"), strna(ts),
                       complete ? "" : ansi_red(), complete ? "complete" : "incomplete", complete ? "" : ansi_normal(),
                       complete ? strna(size) : "-", *panic ? panic : "(no panic line)");
                return;
        }
        printf("%16s: %s\n", "Crash", json_get_string(c, "Id"));
        printf("%16s: %s\n", "Time", strna(ts));
        printf("%16s: %s%s%s\n", "Dump", complete ? ansi_green() : ansi_red(), complete ? "complete" : "incomplete",
               ansi_normal());
        if (!complete && *json_get_string(c, "Reason"))
                printf("%16s: %s\n", "Why", json_get_string(c, "Reason"));
        printf("%16s: %s\n", "Panic", *panic ? panic : "(not found in the log)");
        printf("%16s: %s\n", "Kernel", json_get_string(c, "KernelRelease"));
        printf("%16s: %s\n", "Directory", json_get_string(c, "Path"));
        if (json_get_u64(c, "DumpSize"))
                printf("%16s: %s, dump level %" PRId64 ", sha256 %s\n", "Size", strna(size), json_get_i64(c, "DumpLevel"),
                       json_get_string(c, "DumpSHA256"));
        if (json_get_u64(c, "CaptureUSec"))
                printf("%16s: %.1f s\n", "Capture took", (double) json_get_u64(c, "CaptureUSec") / 1e6);
        if (*json_get_string(c, "CrashedBootId"))
                printf("%16s: %s\n", "Boot that crashed", json_get_string(c, "CrashedBootId"));
        if (*json_get_string(c, "TestId"))
                printf("%16s: %s (kexecctl test-kdump)\n", "Test", json_get_string(c, "TestId"));
}

static int crash_list(void) {
        _cleanup_(json_object_putp) json_object *list = NULL;
        int r = fetch_crashes(&list);
        if (r != EXIT_OK)
                return r;
        if (arg.json != JSON_OFF) {
                /* Shell completion reads "id" keys (data/shell-completion). */
                _cleanup_(json_object_putp) json_object *out = json_object_new_array();
                for (size_t i = 0; i < json_object_array_length(list); i++) {
                        json_object *c = json_object_get(json_object_array_get_idx(list, i));
                        json_object_object_add(c, "id", json_object_new_string(json_get_string(c, "Id")));
                        json_object_array_add(out, c);
                }
                ctl_print_json(out);
                return EXIT_OK;
        }
        if (json_object_array_length(list) == 0) {
                printf("No crash dumps.\n");
                return EXIT_OK;
        }
        if (arg.legend)
                printf("%s%-30s %-29s %-10s %-9s %s%s\n", ansi_highlight(), "ID", "TIME", "DUMP", "SIZE", "PANIC", ansi_normal());
        for (size_t i = 0; i < json_object_array_length(list); i++)
                print_crash(json_object_array_get_idx(list, i), false);
        return EXIT_OK;
}

static int crash_show(const char *id, bool dmesg) {
        _cleanup_(json_object_putp) json_object *list = NULL;
        int r = fetch_crashes(&list);
        if (r != EXIT_OK)
                return r;
        json_object *c = find_crash(list, id);
        if (!c) {
                fprintf(stderr, "No crash %s (kexecctl crash list shows them).\n", id);
                return EXIT_NOTHING;
        }
        if (!dmesg) {
                if (arg.json != JSON_OFF)
                        ctl_print_json(c);
                else
                        print_crash(c, true);
                return EXIT_OK;
        }
        /* The log is read here, from the file: the dump directory is root's
         * (it holds what the kernel had in memory). */
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/vmcore-dmesg.txt", json_get_string(c, "Path")) < 0)
                return EXIT_FAILED;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0) {
                fprintf(stderr, "Cannot read %s: %s%s\n", path, strerror(errno),
                        errno == EACCES ? " (dumps are readable by root only)" : "");
                return EXIT_FAILED;
        }
        char buf[65536];
        ssize_t k;
        while ((k = read(fd, buf, sizeof(buf))) > 0)
                if (fwrite(buf, 1, (size_t) k, stdout) != (size_t) k)
                        return EXIT_FAILED;
        return k < 0 ? EXIT_FAILED : EXIT_OK;
}

int verb_crash(int argc, char *argv[]) {
        if (argc < 2 || streq(argv[1], "list")) {
                if (argc > 2) {
                        fprintf(stderr, "crash list takes no arguments.\n");
                        return EXIT_USAGE;
                }
                return crash_list();
        }
        if ((streq(argv[1], "show") || streq(argv[1], "dmesg") || streq(argv[1], "remove")) && argc != 3) {
                fprintf(stderr, "crash %s needs one crash id (kexecctl crash list shows them).\n", argv[1]);
                return EXIT_USAGE;
        }
        if (streq(argv[1], "show"))
                return crash_show(argv[2], false);
        if (streq(argv[1], "dmesg"))
                return crash_show(argv[2], true);
        if (streq(argv[1], "remove")) {
                int r = call("RemoveCrash", "remove the crash dump", NULL, "sb", argv[2], (int) ctl_interactive());
                if (r == EXIT_OK && arg.json == JSON_OFF)
                        printf("Removed crash %s.\n", argv[2]);
                return r;
        }
        fprintf(stderr, "Unknown crash command '%s': list, show ID, dmesg ID or remove ID.\n", argv[1]);
        return EXIT_USAGE;
}

int verb_test_kdump(int argc, char *argv[]) {
        if (argc > 1) {
                fprintf(stderr, "test-kdump takes no arguments.\n");
                return EXIT_USAGE;
        }
        if (!arg.yes) {
                char answer[16] = "";
                if (!isatty(STDIN_FILENO)) {
                        fprintf(stderr, "test-kdump crashes this machine on purpose: pass --yes to confirm.\n");
                        return EXIT_USAGE;
                }
                fprintf(stderr, "This crashes the machine now (sysrq c) to test the crash kernel; the dump is "
                        "saved and the machine reboots.\nType 'yes' to go on: ");
                if (!fgets(answer, sizeof(answer), stdin) || !streq(answer, "yes\n")) {
                        fprintf(stderr, "Not crashing.\n");
                        return EXIT_USAGE;
                }
        }
        _cleanup_(json_object_putp) json_object *id = NULL;
        int r = call("TestKdump", "start the kdump test", &id, "b", (int) ctl_interactive());
        if (r != EXIT_OK)
                return r;
        if (arg.json != JSON_OFF)
                ctl_print_json(id);
        else
                printf("kdump test %s: the machine crashes now. After the reboot, 'kexecctl status' shows the result.\n",
                       strna(json_object_get_string(id)));
        fflush(stdout);
        return EXIT_OK;
}

int verb_check_kdump(int argc, char *argv[]) {
        _cleanup_(json_object_putp) json_object *checks = NULL;
        if (argc > 1) {
                fprintf(stderr, "check-kdump takes no arguments.\n");
                return EXIT_USAGE;
        }
        int r = call("CheckKdump", "check kdump", &checks, NULL);
        if (r != EXIT_OK)
                return r;
        bool all = true;
        for (size_t i = 0; i < json_object_array_length(checks); i++) {
                json_object *c = json_object_array_get_idx(checks, i);
                all = all && json_object_get_boolean(json_object_array_get_idx(c, 1));
        }
        if (arg.json != JSON_OFF) {
                ctl_print_json(checks);
                return all ? EXIT_OK : EXIT_FAILED;
        }
        for (size_t i = 0; i < json_object_array_length(checks); i++) {
                json_object *c = json_object_array_get_idx(checks, i);
                bool ok = json_object_get_boolean(json_object_array_get_idx(c, 1));
                printf("%s%-4s%s %-13s %s\n", ok ? ansi_green() : ansi_red(), ok ? "ok" : "FAIL", ansi_normal(),
                       strna(json_object_get_string(json_object_array_get_idx(c, 0))),
                       strna(json_object_get_string(json_object_array_get_idx(c, 2))));
        }
        printf("%s\n", all ? "kdump is ready: a crash now would be captured." : "kdump is NOT ready.");
        return all ? EXIT_OK : EXIT_FAILED;
}
