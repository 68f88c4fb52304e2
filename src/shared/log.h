/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Logging: to the journal when running under systemd (JOURNAL_STREAM set),
 * to stderr otherwise (tests, the demo, a terminal). Events that admins
 * search for (load, unload, failure, reload) carry stable MESSAGE_IDs; see
 * docs/journal.md for the catalogue. */

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

#include "macro.h"

/* MESSAGE_IDs (128-bit, stable forever). */
#define KEXECD_MESSAGE_LOADED       "3c0a4d55b2e54b2a9e6c2a8f1d7b0e01"
#define KEXECD_MESSAGE_UNLOADED     "3c0a4d55b2e54b2a9e6c2a8f1d7b0e02"
#define KEXECD_MESSAGE_LOAD_FAILED  "3c0a4d55b2e54b2a9e6c2a8f1d7b0e03"
#define KEXECD_MESSAGE_RELOADED     "3c0a4d55b2e54b2a9e6c2a8f1d7b0e04"
#define KEXECD_MESSAGE_DISCARDED    "3c0a4d55b2e54b2a9e6c2a8f1d7b0e05"
#define KEXECD_MESSAGE_STALE        "3c0a4d55b2e54b2a9e6c2a8f1d7b0e06"
#define KEXECD_MESSAGE_ADOPTED      "3c0a4d55b2e54b2a9e6c2a8f1d7b0e07"
#define KEXECD_MESSAGE_IMA          "3c0a4d55b2e54b2a9e6c2a8f1d7b0e08"
#define KEXECD_MESSAGE_CRASH        "3c0a4d55b2e54b2a9e6c2a8f1d7b0e09"

void log_set_max_level(int level);
int log_get_max_level(void);

void log_internal(int level, const char *fmt, ...) _printf_(2, 3);
/* Logs and returns `error` (negative errno), for `return log_error_errno(r, ...)`.
 * %m in fmt expands to strerror(-error). */
int log_internal_errno(int level, int error, const char *fmt, ...) _printf_(3, 4);

/* A structured event: MESSAGE_ID plus IMAGE= and the message. */
void log_event(int level, const char *message_id, const char *image, const char *fmt, ...) _printf_(4, 5);

#define log_debug(...)   log_internal(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)    log_internal(LOG_INFO, __VA_ARGS__)
#define log_notice(...)  log_internal(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_internal(LOG_WARNING, __VA_ARGS__)
#define log_error(...)   log_internal(LOG_ERR, __VA_ARGS__)
#define log_error_errno(e, ...)   log_internal_errno(LOG_ERR, (e), __VA_ARGS__)
#define log_warning_errno(e, ...) log_internal_errno(LOG_WARNING, (e), __VA_ARGS__)
#define log_oom() log_internal_errno(LOG_ERR, -ENOMEM, "Out of memory.")

/* Rate limiting for messages an unprivileged caller can trigger at will
 * (denied requests, VerifyIma): a flood must not hide real messages behind
 * journald's own rate limit. At most `burst` messages per `interval_usec`;
 * the first message after a suppressed stretch says how many were dropped. */
typedef struct RateLimit {
        uint64_t interval_usec;
        unsigned burst;
        uint64_t begin_usec;
        unsigned num;
        unsigned suppressed;
} RateLimit;
#define RATELIMIT_INIT(interval, b) { .interval_usec = (interval), .burst = (b) }

/* true if a message may be logged now; false counts it as suppressed. */
bool ratelimit_below(RateLimit *rl);

#define log_ratelimited(rl, level, ...)                                         \
        do {                                                                    \
                if (ratelimit_below(rl)) {                                      \
                        if ((rl)->suppressed > 0) {                             \
                                log_internal((level), "(%u similar messages suppressed)", (rl)->suppressed); \
                                (rl)->suppressed = 0;                           \
                        }                                                       \
                        log_internal((level), __VA_ARGS__);                     \
                }                                                               \
        } while (0)
