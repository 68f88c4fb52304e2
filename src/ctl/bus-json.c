/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bus-json.h"
#include "macro.h"

static int read_basic(sd_bus_message *m, char type, json_object **ret) {
        union {
                uint8_t u8;
                int i32;
                uint32_t u32;
                int64_t i64;
                uint64_t u64;
                double d;
                const char *s;
                int16_t i16;
                uint16_t u16;
        } v;
        int r = sd_bus_message_read_basic(m, type, &v);
        if (r < 0)
                return r;
        switch (type) {
        case 'y': *ret = json_object_new_int(v.u8); break;
        case 'b': *ret = json_object_new_boolean(v.i32); break;
        case 'n': *ret = json_object_new_int(v.i16); break;
        case 'q': *ret = json_object_new_int(v.u16); break;
        case 'i': *ret = json_object_new_int(v.i32); break;
        case 'u': *ret = json_object_new_int64(v.u32); break;
        case 'x': *ret = json_object_new_int64(v.i64); break;
        case 't': *ret = json_object_new_uint64(v.u64); break;
        case 'd': *ret = json_object_new_double(v.d); break;
        case 's': case 'o': case 'g': *ret = json_object_new_string(v.s); break;
        case 'h': *ret = json_object_new_int(v.i32); break;
        default: return -EINVAL;
        }
        return *ret ? 1 : -ENOMEM;
}

int bus_message_read_json(sd_bus_message *m, json_object **ret) {
        const char *contents;
        char type;
        int r;

        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r <= 0)
                return r;
        if (type != SD_BUS_TYPE_ARRAY && type != SD_BUS_TYPE_VARIANT &&
            type != SD_BUS_TYPE_STRUCT && type != SD_BUS_TYPE_DICT_ENTRY)
                return read_basic(m, type, ret);

        r = sd_bus_message_enter_container(m, type, contents);
        if (r < 0)
                return r;

        json_object *o = NULL;
        if (type == SD_BUS_TYPE_VARIANT) {
                r = bus_message_read_json(m, &o);
        } else if (type == SD_BUS_TYPE_ARRAY && contents[0] == '{') {
                /* Dictionary: keys become object member names. */
                char entry[256];
                size_t len = strlen(contents);
                if (len < 4 || len - 2 >= sizeof(entry))
                        return -EINVAL;
                memcpy(entry, contents + 1, len - 2); /* "{sv}" -> "sv" */
                entry[len - 2] = 0;
                o = json_object_new_object();
                while (o && (r = sd_bus_message_enter_container(m, SD_BUS_TYPE_DICT_ENTRY, entry)) > 0) {
                        json_object *key = NULL, *value = NULL;
                        r = bus_message_read_json(m, &key);
                        if (r > 0)
                                r = bus_message_read_json(m, &value);
                        if (r > 0) {
                                const char *k = json_object_get_string(key);
                                json_object_object_add(o, k, value);
                                value = NULL;
                        }
                        json_object_put(key);
                        json_object_put(value);
                        if (r < 0)
                                break;
                        r = sd_bus_message_exit_container(m);
                        if (r < 0)
                                break;
                }
        } else {
                o = json_object_new_array();
                for (;;) {
                        json_object *item = NULL;
                        r = bus_message_read_json(m, &item);
                        if (r <= 0)
                                break;
                        json_object_array_add(o, item);
                }
        }
        if (!o && r >= 0)
                r = -ENOMEM;
        if (r < 0) {
                json_object_put(o);
                return r;
        }
        r = sd_bus_message_exit_container(m);
        if (r < 0) {
                json_object_put(o);
                return r;
        }
        *ret = o;
        return 1;
}

const char *json_get_string(json_object *o, const char *key) {
        json_object *v;
        if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return "";
        return json_object_get_string(v);
}

uint64_t json_get_u64(json_object *o, const char *key) {
        json_object *v;
        if (!o || !json_object_object_get_ex(o, key, &v))
                return 0;
        return json_object_get_uint64(v);
}

int64_t json_get_i64(json_object *o, const char *key) {
        json_object *v;
        if (!o || !json_object_object_get_ex(o, key, &v))
                return -1;
        return json_object_get_int64(v);
}

int json_get_bool(json_object *o, const char *key) {
        json_object *v;
        if (!o || !json_object_object_get_ex(o, key, &v))
                return 0;
        return json_object_get_boolean(v);
}
