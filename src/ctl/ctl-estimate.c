/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kexecctl estimate-crashkernel: EstimateCrashKernel() as a table or JSON. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-json.h"
#include "ctl.h"

/* Whole MiB, as crashkernel= is written. */
static void print_mib(uint64_t bytes) {
        printf("%7" PRIu64 "M", (bytes + (1u << 20) - 1) >> 20);
}

int verb_estimate_crashkernel(int argc, char *argv[]) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(json_object_putp) json_object *items = NULL;
        uint64_t recommended, reserved;
        int sufficient, r;

        if (argc > 1) {
                fprintf(stderr, "estimate-crashkernel takes no arguments.\n");
                return EXIT_USAGE;
        }
        r = ctl_bus_open(&bus);
        if (r < 0)
                return -r;
        r = sd_bus_call_method(bus, "org.kexecd1", "/org/kexecd1", "org.kexecd1.Manager", "EstimateCrashKernel",
                               &error, &reply, "");
        if (r < 0)
                return ctl_report_error("estimate the crash kernel's memory", &error, r);
        r = sd_bus_message_read(reply, "ttb", &recommended, &reserved, &sufficient);
        if (r >= 0)
                r = bus_message_read_json(reply, &items);
        if (r <= 0 || !json_object_is_type(items, json_type_array))
                return ctl_report_error("parse the estimate", NULL, r < 0 ? r : -EBADMSG);

        if (arg.json != JSON_OFF) {
                _cleanup_(json_object_putp) json_object *o = json_object_new_object(), *list = json_object_new_array();
                for (size_t k = 0; k < json_object_array_length(items); k++) {
                        json_object *it = json_object_array_get_idx(items, k), *e = json_object_new_object();
                        json_object_object_add(e, "Item", json_object_get(json_object_array_get_idx(it, 0)));
                        json_object_object_add(e, "Bytes", json_object_get(json_object_array_get_idx(it, 1)));
                        json_object_object_add(e, "Explanation", json_object_get(json_object_array_get_idx(it, 2)));
                        json_object_array_add(list, e);
                }
                json_object_object_add(o, "Recommended", json_object_new_uint64(recommended));
                json_object_object_add(o, "Reserved", json_object_new_uint64(reserved));
                json_object_object_add(o, "Sufficient", json_object_new_boolean(sufficient));
                json_object_object_add(o, "Items", TAKE_PTR(list));
                ctl_print_json(o);
                return EXIT_OK;
        }

        if (arg.legend)
                printf("%s%-16s %8s  %s%s\n", ansi_highlight(), "ITEM", "SIZE", "WHY", ansi_normal());
        for (size_t k = 0; k < json_object_array_length(items); k++) {
                json_object *it = json_object_array_get_idx(items, k);
                printf("%-16s ", strempty(json_object_get_string(json_object_array_get_idx(it, 0))));
                print_mib(json_object_get_uint64(json_object_array_get_idx(it, 1)));
                printf("  %s\n", strempty(json_object_get_string(json_object_array_get_idx(it, 2))));
        }
        printf("\n%-16s ", "Recommended");
        print_mib(recommended);
        printf("  crashkernel=%" PRIu64 "M\n%-16s ", recommended >> 20, "Reserved");
        print_mib(reserved);
        if (reserved == 0)
                printf("  %snone: boot with crashkernel=%" PRIu64 "M to use kdump%s\n", ansi_red(), recommended >> 20, ansi_normal());
        else if (!sufficient)
                printf("  %sNOT sufficient: %" PRIu64 "M short; raise crashkernel= (docs/crashkernel.md)%s\n", ansi_red(),
                       (recommended - reserved + (1u << 20) - 1) >> 20, ansi_normal());
        else
                printf("  %ssufficient%s\n", ansi_green(), ansi_normal());
        return EXIT_OK;
}
