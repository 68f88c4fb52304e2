/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "json-util.h"

static int add(json_object *o, const char *key, json_object *v) {
        if (!v)
                return -ENOMEM;
        if (json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

int json_add_string(json_object *o, const char *key, const char *value) {
        return value ? add(o, key, json_object_new_string(value)) : 0;
}

int json_add_u64(json_object *o, const char *key, uint64_t value) {
        return add(o, key, json_object_new_uint64(value));
}

int json_add_int(json_object *o, const char *key, int value) {
        return add(o, key, json_object_new_int(value));
}
