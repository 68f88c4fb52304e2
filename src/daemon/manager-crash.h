/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "manager.h"

const char *manager_dump_dir(Manager *m);
bool manager_capture_enabled(Manager *m);

/* What kexecd adds to a kdump command line so that the crash kernel runs
 * kexecd-capture: 1 and *ret, or 0 (capture off, or the line names a unit
 * of its own). */
int manager_kdump_capture_args(Manager *m, const char *cmdline, char **ret);

/* At start-up: reports each crash dump not reported before, settles a
 * pending kdump test. */
int manager_crash_scan(Manager *m);

int manager_append_last_crash(sd_bus_message *reply, void *userdata);
void manager_last_crash_done(Manager *m);
int manager_append_kdump_test(sd_bus_message *reply, void *userdata);
int property_get_last_crash(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error);
int property_get_kdump_test(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error);
int method_list_crashes(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_remove_crash(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_test_kdump(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_check_kdump(sd_bus_message *msg, void *userdata, sd_bus_error *error);
