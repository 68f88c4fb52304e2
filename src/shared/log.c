/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-journal.h>
#include <time.h>

#include "log.h"

static int max_level = LOG_INFO;

void log_set_max_level(int level) {
        max_level = level;
}

int log_get_max_level(void) {
        return max_level;
}

static int use_journal(void) {
        /* systemd sets JOURNAL_STREAM when stderr is connected to journald. */
        return getenv("JOURNAL_STREAM") != NULL;
}

static void log_write(int level, const char *text) {
        if (use_journal())
                sd_journal_print(level, "%s", text);
        else
                fprintf(stderr, "%s\n", text);
}

void log_internal(int level, const char *fmt, ...) {
        char buf[2048];
        va_list ap;
        if (level > max_level)
                return;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        log_write(level, buf);
}

int log_internal_errno(int level, int error, const char *fmt, ...) {
        char buf[2048];
        va_list ap;
        if (level <= max_level) {
                int saved = errno;
                errno = error < 0 ? -error : error; /* so %m names this error */
                va_start(ap, fmt);
                vsnprintf(buf, sizeof(buf), fmt, ap);
                va_end(ap);
                errno = saved;
                log_write(level, buf);
        }
        return error < 0 ? error : -error;
}

void log_event(int level, const char *message_id, const char *image, const char *fmt, ...) {
        char buf[2048];
        va_list ap;
        if (level > max_level)
                return;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        if (use_journal())
                sd_journal_send("MESSAGE=%s", buf,
                                "MESSAGE_ID=%s", message_id,
                                "PRIORITY=%d", level,
                                "KEXECD_IMAGE=%s", image ? image : "",
                                NULL);
        else
                fprintf(stderr, "%s\n", buf);
}

bool ratelimit_below(RateLimit *rl) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        uint64_t now = (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;

        if (rl->begin_usec == 0 || now - rl->begin_usec >= rl->interval_usec) {
                rl->begin_usec = now;
                rl->num = 0;
        }
        if (rl->num < rl->burst) {
                rl->num++;
                return true;
        }
        rl->suppressed++;
        return false;
}
