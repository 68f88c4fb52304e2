/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kexecctl history | monitor */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-json.h"
#include "ctl.h"

static void print_entry(uint64_t t, const char *image, const char *event, const char *detail) {
        if (arg.json != JSON_OFF) {
                _cleanup_(json_object_putp) json_object *o = json_object_new_object();
                json_object_object_add(o, "time", json_object_new_uint64(t));
                json_object_object_add(o, "image", json_object_new_string(image));
                json_object_object_add(o, "event", json_object_new_string(event));
                json_object_object_add(o, "detail", json_object_new_string(detail));
                ctl_print_json(o);
        } else {
                _cleanup_free_ char *ts = format_timestamp(t);
                const char *color = strstr(event, "fail") || streq(event, "discarded") ? ansi_red() :
                                    streq(event, "stale") || strstr(event, "skipped") ? ansi_yellow() : "";
                printf("%s  %-5s  %s%-20s%s %s\n", strna(ts), *image ? image : "-", color, event, *color ? ansi_normal() : "", detail);
        }
        fflush(stdout);
}

int verb_history(int argc, char *argv[]) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        unsigned long max = 0;
        int r;

        if (argc > 2) {
                fprintf(stderr, "history takes at most one argument, the number of entries.\n");
                return EXIT_USAGE;
        }
        if (argc == 2) {
                char *end;
                errno = 0;
                max = strtoul(argv[1], &end, 10);
                if (errno || *end || argv[1][0] == '-' || max > UINT32_MAX) {
                        fprintf(stderr, "Not a number of entries: %s\n", argv[1]);
                        return EXIT_USAGE;
                }
        }
        r = ctl_bus_open(&bus);
        if (r < 0)
                return -r;
        r = sd_bus_call_method(bus, "org.kexecd1", "/org/kexecd1", "org.kexecd1.Manager", "GetHistory", &error, &reply,
                               "u", (uint32_t) max);
        if (r < 0)
                return ctl_report_error("read history", &error, r);
        r = sd_bus_message_enter_container(reply, 'a', "(tsss)");
        if (r < 0)
                return ctl_report_error("parse history", NULL, r);
        uint64_t t;
        const char *image, *event, *detail;
        unsigned n = 0;
        while ((r = sd_bus_message_read(reply, "(tsss)", &t, &image, &event, &detail)) > 0) {
                print_entry(t, image, event, detail);
                n++;
        }
        if (r < 0)
                return ctl_report_error("parse history", NULL, r);
        if (n == 0 && arg.json == JSON_OFF)
                printf("No history yet.\n");
        return EXIT_OK;
}

static int on_history_event(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        uint64_t t;
        const char *image, *event, *detail;
        if (sd_bus_message_read(m, "tsss", &t, &image, &event, &detail) >= 0)
                print_entry(t, image, event, detail);
        return 0;
}

static volatile sig_atomic_t stop_requested = 0;
static void on_signal(int sig) {
        stop_requested = 1;
}

int verb_monitor(int argc, char *argv[]) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        if (argc > 1) {
                fprintf(stderr, "monitor takes no arguments.\n");
                return EXIT_USAGE;
        }
        r = ctl_bus_open(&bus);
        if (r < 0)
                return -r;
        r = sd_bus_match_signal(bus, NULL, "org.kexecd1", "/org/kexecd1", "org.kexecd1.Manager", "HistoryEvent",
                                on_history_event, NULL);
        if (r < 0)
                return ctl_report_error("subscribe to kexecd events", NULL, r);
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        if (arg.json == JSON_OFF)
                fprintf(stderr, "Watching kexecd events, press Ctrl-C to stop.\n");
        while (!stop_requested) {
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return ctl_report_error("read events", NULL, r);
                if (r > 0)
                        continue;
                r = sd_bus_wait(bus, UINT64_MAX);
                if (r < 0 && r != -EINTR)
                        return ctl_report_error("wait for events", NULL, r);
        }
        return EXIT_OK;
}
