/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Converts D-Bus values to json-c objects: a{sv} becomes an object, arrays
 * become arrays, structs become arrays, 64-bit integers stay integers.
 * kexecctl's JSON output is therefore exactly what kexecd replied. */

#include <json-c/json.h>
#include <systemd/sd-bus.h>

/* Reads the next complete value from m. */
int bus_message_read_json(sd_bus_message *m, json_object **ret);

static inline void json_object_putp(json_object **o) {
        if (*o)
                json_object_put(*o);
}

/* Accessors that tolerate missing keys. */
const char *json_get_string(json_object *o, const char *key);
uint64_t json_get_u64(json_object *o, const char *key);
int64_t json_get_i64(json_object *o, const char *key);
int json_get_bool(json_object *o, const char *key);
