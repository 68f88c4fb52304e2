/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Adding members to a json-c object with allocation failures reported:
 * 0 or -ENOMEM. A NULL string adds nothing (an absent key). Shared by the
 * state files and crash records. */

#include <json-c/json.h>
#include <stdint.h>

int json_add_string(json_object *o, const char *key, const char *value);
int json_add_u64(json_object *o, const char *key, uint64_t value);
int json_add_int(json_object *o, const char *key, int value);
