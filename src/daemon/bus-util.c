/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Small sd-bus helpers shared by the Manager and Image objects. */
#include "manager.h"

int bus_append_dict_entry(sd_bus_message *reply, const char *key, const char *signature,
                          BusAppender append, void *userdata) {
        int r = sd_bus_message_open_container(reply, 'e', "sv");
        if (r >= 0)
                r = sd_bus_message_append(reply, "s", key);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'v', signature);
        if (r >= 0)
                r = append(reply, userdata);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r;
}
