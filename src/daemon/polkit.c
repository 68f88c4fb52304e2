/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "kexecd-limits.h"
#include "log.h"
#include "macro.h"
#include "polkit.h"

/* An interactive check may wait for a human typing a password. */
#define POLKIT_TIMEOUT_INTERACTIVE_USEC (5ULL * 60ULL * 1000000ULL)
#define POLKIT_TIMEOUT_USEC (25ULL * 1000000ULL)
#define POLKIT_CHECK_ALLOW_USER_INTERACTION 1u

struct PolkitQuery {
        Manager *manager;
        sd_bus_message *request;
        sd_bus_slot *slot;
        char *action;
        PolkitContinuation continuation;
        void *userdata;
        PolkitFreeUserdata free_userdata;
        uid_t uid;            /* the caller's, for the per-user bound */
        PolkitQuery *next, *prev;
};

/* Denials and polkit failures can be provoked by anyone: log a few. */
static RateLimit polkit_log_ratelimit = RATELIMIT_INIT(10ULL * 1000000ULL, 10);

static void polkit_query_free(PolkitQuery *q) {
        if (!q)
                return;
        if (q->prev)
                q->prev->next = q->next;
        else if (q->manager && q->manager->polkit_queries == q)
                q->manager->polkit_queries = q->next;
        if (q->next)
                q->next->prev = q->prev;
        sd_bus_slot_unref(q->slot);
        sd_bus_message_unref(q->request);
        if (q->free_userdata)
                q->free_userdata(q->userdata);
        free(q->action);
        free(q);
}

void polkit_queries_free_all(Manager *m) {
        while (m->polkit_queries)
                polkit_query_free(m->polkit_queries);
}

static int reply_denied(PolkitQuery *q, bool challenge, const char *why) {
        if (challenge)
                return sd_bus_reply_method_errorf(q->request, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED,
                                                  "Interactive authentication required for %s.", q->action);
        return sd_bus_reply_method_errorf(q->request, SD_BUS_ERROR_ACCESS_DENIED,
                                          "Access denied to %s%s%s.", q->action, why ? ": " : "", strempty(why));
}

static int on_polkit_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        PolkitQuery *q = userdata;
        int authorized = 0, challenge = 0, r;

        q->slot = sd_bus_slot_unref(q->slot);

        if (sd_bus_message_is_method_error(reply, NULL)) {
                const sd_bus_error *e = sd_bus_message_get_error(reply);
                log_ratelimited(&polkit_log_ratelimit, LOG_WARNING, "polkit check for %s failed: %s",
                                q->action, e->message ?: e->name);
                if (sd_bus_error_has_name(e, SD_BUS_ERROR_LIMITS_EXCEEDED))
                        /* The bus, not polkit, refused: a load problem, not
                         * a decision. Say so; the caller may retry. */
                        (void) sd_bus_reply_method_errorf(q->request, KEXECD_ERROR_TOO_MANY_REQUESTS,
                                                          "The system bus refused the authorization check for %s (too many pending requests); try again.",
                                                          q->action);
                else if (sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
                        /* No polkit on the bus means nobody can authorize:
                         * deny rather than hang or, worse, allow. */
                        (void) reply_denied(q, false, "polkit is not available");
                else if (sd_bus_error_has_names(e, SD_BUS_ERROR_NO_REPLY, SD_BUS_ERROR_TIMEOUT))
                        (void) reply_denied(q, false, "polkit did not answer in time");
                else
                        (void) reply_denied(q, false, "the polkit check failed");
                goto finish;
        }

        r = sd_bus_message_enter_container(reply, 'r', "bba{ss}");
        if (r >= 0)
                r = sd_bus_message_read(reply, "bb", &authorized, &challenge);
        if (r < 0) {
                log_warning("Malformed reply from polkit for %s: %s", q->action, strerror(-r));
                (void) reply_denied(q, false, "malformed polkit reply");
                goto finish;
        }

        if (!authorized) {
                log_ratelimited(&polkit_log_ratelimit, LOG_INFO, "Denied %s to %s (uid " UID_FMT ")%s.", q->action,
                                strna(sd_bus_message_get_sender(q->request)), q->uid, challenge ? ", authentication required" : "");
                (void) reply_denied(q, challenge && sd_bus_message_get_allow_interactive_authorization(q->request), NULL);
                goto finish;
        }

        r = q->continuation(q->manager, q->request, q->userdata);
        if (r < 0)
                (void) sd_bus_reply_method_errno(q->request, r, NULL);

finish:
        polkit_query_free(q);
        return 0;
}

/* The caller's effective uid as the bus saw it. sd-bus asks the bus
 * driver (GetConnectionCredentials): a unique name is never reused, so the
 * answer belongs to the caller. */
static int sender_uid(sd_bus_message *request, uid_t *ret) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        int r = sd_bus_query_sender_creds(request, SD_BUS_CREDS_EUID, &creds);
        if (r < 0)
                return r;
        return sd_bus_creds_get_euid(creds, ret);
}

static unsigned pending_checks(Manager *m, uid_t uid, unsigned *ret_for_uid) {
        unsigned all = 0, mine = 0;
        for (PolkitQuery *q = m->polkit_queries; q; q = q->next) {
                all++;
                mine += q->uid == uid;
        }
        *ret_for_uid = mine;
        return all;
}

int polkit_check_async(Manager *m, sd_bus_message *request, const char *action, bool interactive,
                       PolkitContinuation continuation, void *userdata, PolkitFreeUserdata free_userdata) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        PolkitQuery *q;
        const char *sender;
        uid_t uid = (uid_t) -1;
        unsigned mine, all;
        int r;

        r = sender_uid(request, &uid);
        if (r < 0)
                log_debug("Cannot tell the uid of %s, asking polkit: %s",
                          strna(sd_bus_message_get_sender(request)), strerror(-r));
        if (r >= 0 && uid == 0) {
                /* root may do anything kexecd offers anyway (it could call
                 * kexec_file_load itself), as in systemd's daemons: no polkit
                 * round trip, so no flood of unprivileged checks and no
                 * missing polkitd (stopped late in a shutdown) can make a
                 * privileged call fail. */
                r = continuation(m, request, userdata);
                if (free_userdata)
                        free_userdata(userdata);
                return r;
        }

        /* Bounded before any work: every pending check is a reply kexecd
         * waits for, and the bus caps those per connection. Past the cap,
         * kexecd's own checks would fail for everyone. */
        all = pending_checks(m, uid, &mine);
        if (all >= KEXECD_POLKIT_PENDING_MAX || mine >= KEXECD_POLKIT_PENDING_PER_UID_MAX) {
                if (free_userdata)
                        free_userdata(userdata);
                log_ratelimited(&polkit_log_ratelimit, LOG_NOTICE,
                                "Refusing %s from uid " UID_FMT ": %u authorization checks pending (%u from this user).",
                                action, uid, all, mine);
                return sd_bus_reply_method_errorf(request, KEXECD_ERROR_TOO_MANY_REQUESTS,
                                                  "Too many authorization checks pending (%s); try again later.",
                                                  mine >= KEXECD_POLKIT_PENDING_PER_UID_MAX ? "for this user" : "in all");
        }

        q = calloc(1, sizeof(PolkitQuery));
        if (!q) {
                if (free_userdata)
                        free_userdata(userdata);
                return -ENOMEM;
        }
        q->manager = m;
        q->uid = uid;
        q->request = sd_bus_message_ref(request);
        q->continuation = continuation;
        q->userdata = userdata;
        q->free_userdata = free_userdata;
        q->action = strdup(action);
        q->next = m->polkit_queries;
        if (q->next)
                q->next->prev = q;
        m->polkit_queries = q;
        if (!q->action) {
                r = -ENOMEM;
                goto fail;
        }

        sender = sd_bus_message_get_sender(request);
        if (!sender) {
                r = -EBADMSG;
                goto fail;
        }
        /* The caller may also ask for interaction through the message flag
         * (sd_bus_set_allow_interactive_authorization), as systemctl does. */
        interactive = interactive || sd_bus_message_get_allow_interactive_authorization(request);

        r = sd_bus_message_new_method_call(m->bus, &call,
                                           "org.freedesktop.PolicyKit1",
                                           "/org/freedesktop/PolicyKit1/Authority",
                                           "org.freedesktop.PolicyKit1.Authority",
                                           "CheckAuthorization");
        if (r < 0)
                goto fail;
        r = sd_bus_message_append(call, "(sa{sv})sa{ss}us",
                                  "system-bus-name", 1, "name", "s", sender,
                                  action,
                                  0,
                                  interactive ? POLKIT_CHECK_ALLOW_USER_INTERACTION : 0u,
                                  "");
        if (r < 0)
                goto fail;
        r = sd_bus_call_async(m->bus, &q->slot, call, on_polkit_reply, q,
                              interactive ? POLKIT_TIMEOUT_INTERACTIVE_USEC : POLKIT_TIMEOUT_USEC);
        if (r < 0)
                goto fail;
        return 1;

fail:
        polkit_query_free(q);
        return r;
}
