/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kexecctl list-entries: the boot entries kexecd knows (ListBootEntries). */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-json.h"
#include "ctl.h"

typedef struct Row {
        const char *id, *title, *version, *kernel, *options, *source;
        int is_default;
} Row;

static json_object *row_to_json(const Row *row, char **initrds) {
        json_object *o = json_object_new_object(), *a = json_object_new_array();
        if (!o || !a) {
                json_object_put(o);
                json_object_put(a);
                return NULL;
        }
        for (char **i = initrds; i && *i; i++)
                json_object_array_add(a, json_object_new_string(*i));
        json_object_object_add(o, "id", json_object_new_string(row->id));
        json_object_object_add(o, "title", json_object_new_string(row->title));
        json_object_object_add(o, "version", json_object_new_string(row->version));
        json_object_object_add(o, "kernel", json_object_new_string(row->kernel));
        json_object_object_add(o, "initrds", a);
        json_object_object_add(o, "options", json_object_new_string(row->options));
        json_object_object_add(o, "source", json_object_new_string(row->source));
        json_object_object_add(o, "default", json_object_new_boolean(row->is_default));
        return o;
}

int verb_list_entries(int argc, char *argv[]) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(json_object_putp) json_object *all = NULL;
        unsigned n = 0;
        int r;

        if (argc > 1) {
                fprintf(stderr, "list-entries takes no arguments.\n");
                return EXIT_USAGE;
        }
        r = ctl_bus_open(&bus);
        if (r < 0)
                return -r;
        r = sd_bus_call_method(bus, "org.kexecd1", "/org/kexecd1", "org.kexecd1.Manager", "ListBootEntries", &error,
                               &reply, "");
        if (r < 0)
                return ctl_report_error("list boot entries", &error, r);
        if (arg.json != JSON_OFF && !(all = json_object_new_array())) {
                fprintf(stderr, "Out of memory.\n");
                return EXIT_FAILED;
        }
        r = sd_bus_message_enter_container(reply, 'a', "(ssssasssb)");
        if (r >= 0 && arg.json == JSON_OFF && arg.legend)
                printf("%-3s %-32s %-24s %-9s %s\n", "", "ID", "VERSION", "SOURCE", "TITLE");
        while (r >= 0) {
                _cleanup_strv_free_ char **initrds = NULL;
                Row row = {};
                r = sd_bus_message_enter_container(reply, 'r', "ssssasssb");
                if (r <= 0)
                        break;
                r = sd_bus_message_read(reply, "ssss", &row.id, &row.title, &row.version, &row.kernel);
                if (r >= 0)
                        r = sd_bus_message_read_strv(reply, &initrds);
                if (r >= 0)
                        r = sd_bus_message_read(reply, "ssb", &row.options, &row.source, &row.is_default);
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        break;
                n++;
                if (all) {
                        json_object *o = row_to_json(&row, initrds);
                        if (!o || json_object_array_add(all, o) < 0) {
                                json_object_put(o);
                                r = -ENOMEM;
                        }
                        continue;
                }
                printf("%s%-3s %-32s %-24s %-9s %s%s\n", row.is_default ? ansi_highlight() : "",
                       row.is_default ? " * " : "", row.id, *row.version ? row.version : "-", row.source, row.title,
                       row.is_default ? ansi_normal() : "");
        }
        if (r < 0)
                return ctl_report_error("parse boot entries", NULL, r);
        if (all)
                ctl_print_json(all);
        else if (n == 0)
                printf("No boot entries found.\n");
        else if (arg.legend)
                printf("\n%u entries; * marks the one the boot loader boots next (kexecctl load --entry=default).\n", n);
        return EXIT_OK;
}
