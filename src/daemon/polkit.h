/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Asynchronous polkit checks with the public sd-bus API only. A method
 * handler validates its arguments, then calls polkit_check_async() with a
 * continuation and returns; the daemon keeps serving other calls while
 * polkit decides (it may be asking an admin for a password). The
 * continuation runs once, with the decision, and sends the reply. */

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "manager.h"

/* The continuation runs only for authorized callers (root, or polkit said
 * yes); any other caller got AccessDenied, InteractiveAuthorizationRequired,
 * TooManyRequests or another error already (sent by this module or, for a
 * negative return, by sd-bus). It must reply.
 * free_userdata, if set, is called on userdata once the check is over,
 * whichever way it went. */
typedef int (*PolkitContinuation)(Manager *m, sd_bus_message *request, void *userdata);
typedef void (*PolkitFreeUserdata)(void *userdata);

int polkit_check_async(Manager *m, sd_bus_message *request, const char *action, bool interactive,
                       PolkitContinuation continuation, void *userdata, PolkitFreeUserdata free_userdata);

void polkit_queries_free_all(Manager *m);
