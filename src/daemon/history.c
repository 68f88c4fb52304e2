/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "history.h"
#include "log.h"
#include "macro.h"
#include "utf8.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put)

static void entry_done(HistoryEntry *e) {
        free(e->image);
        free(e->event);
        free(e->detail);
}

void history_done(History *h) {
        for (size_t i = 0; i < h->n; i++)
                entry_done(&h->entries[i]);
        free(h->entries);
        free(h->path);
        *h = (History) {};
}

static int push(History *h, uint64_t t, const char *image, const char *event, const char *detail) {
        if (h->n == h->allocated) {
                size_t n = h->allocated ? h->allocated * 2 : 64;
                HistoryEntry *e = realloc(h->entries, n * sizeof(HistoryEntry));
                if (!e)
                        return -ENOMEM;
                h->entries = e;
                h->allocated = n;
        }
        HistoryEntry *e = &h->entries[h->n];
        /* Details quote paths and kexec-tools' output; an entry goes out
         * over D-Bus (GetHistory, HistoryEvent), so it is kept escaped,
         * whether it was just recorded or read from an older file. */
        *e = (HistoryEntry) { .time_usec = t, .image = utf8_escape_invalid(strempty(image)),
                              .event = utf8_escape_invalid(strempty(event)),
                              .detail = utf8_escape_invalid(strempty(detail)) };
        if (!e->image || !e->event || !e->detail) {
                entry_done(e);
                return -ENOMEM;
        }
        h->n++;
        return 0;
}

/* Keeps only the newest HISTORY_MAX_ENTRIES in memory. */
static void trim(History *h) {
        if (h->n <= HISTORY_MAX_ENTRIES)
                return;
        size_t drop = h->n - HISTORY_MAX_ENTRIES;
        for (size_t i = 0; i < drop; i++)
                entry_done(&h->entries[i]);
        memmove(h->entries, h->entries + drop, HISTORY_MAX_ENTRIES * sizeof(HistoryEntry));
        h->n = HISTORY_MAX_ENTRIES;
}

static char *entry_to_line(uint64_t t, const char *image, const char *event, const char *detail) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        if (!o)
                return NULL;
        json_object_object_add(o, "time", json_object_new_uint64(t));
        json_object_object_add(o, "image", json_object_new_string(strempty(image)));
        json_object_object_add(o, "event", json_object_new_string(strempty(event)));
        json_object_object_add(o, "detail", json_object_new_string(strempty(detail)));
        char *line;
        if (asprintf(&line, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN)) < 0)
                return NULL;
        return line;
}

int history_parse(History *h, char *text) {
        int r;

        for (char *line = text, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                h->lines_in_file++;
                _cleanup_(json_object_putp) json_object *o = json_tokener_parse(line);
                json_object *t, *img, *ev, *det;
                if (!o || !json_object_object_get_ex(o, "time", &t) || !json_object_object_get_ex(o, "image", &img) ||
                    !json_object_object_get_ex(o, "event", &ev) || !json_object_object_get_ex(o, "detail", &det)) {
                        log_debug("Skipping unreadable history line %zu.", h->lines_in_file);
                        continue;
                }
                r = push(h, json_object_get_uint64(t), json_object_get_string(img),
                         json_object_get_string(ev), json_object_get_string(det));
                if (r < 0)
                        return r;
        }
        trim(h);
        return 0;
}

int history_open(History *h, const char *state_dir) {
        _cleanup_free_ char *text = NULL;
        int r;

        *h = (History) {};
        if (asprintf(&h->path, "%s/history.jsonl", state_dir) < 0)
                return -ENOMEM;
        r = read_full_file(h->path, 64 * 1024 * 1024, &text, NULL);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        return history_parse(h, text);
}

static int compact(History *h) {
        size_t size = 0;
        _cleanup_free_ char *all = NULL;
        for (size_t i = 0; i < h->n; i++) {
                _cleanup_free_ char *line = entry_to_line(h->entries[i].time_usec, h->entries[i].image,
                                                          h->entries[i].event, h->entries[i].detail);
                if (!line)
                        return -ENOMEM;
                size_t l = strlen(line);
                char *t = realloc(all, size + l + 1);
                if (!t)
                        return -ENOMEM;
                all = t;
                memcpy(all + size, line, l + 1);
                size += l;
        }
        int r = write_file_atomic(h->path, all ?: "", size, 0644);
        if (r >= 0)
                h->lines_in_file = h->n;
        return r;
}

int history_add(History *h, uint64_t time_usec, const char *image, const char *event, const char *detail) {
        _cleanup_free_ char *line = NULL, *shortened = NULL;
        int r;

        /* Bounded, so the file stays far below what history_open() reads
         * (HISTORY_MAX_ENTRIES * 2 lines before compaction). */
        if (detail && strlen(detail) > HISTORY_DETAIL_MAX) {
                if (asprintf(&shortened, "%.*s...", HISTORY_DETAIL_MAX, detail) < 0)
                        return -ENOMEM;
                detail = shortened;
        }
        line = entry_to_line(time_usec, image, event, detail);
        if (!line)
                return -ENOMEM;
        r = push(h, time_usec, image, event, detail);
        if (r < 0)
                return r;
        trim(h);

        if (h->lines_in_file >= 2 * HISTORY_MAX_ENTRIES)
                return compact(h);

        /* O_NONBLOCK: a FIFO in place of the file fails (ENXIO) instead of
         * blocking the daemon until someone reads it. */
        _cleanup_close_ int fd = open(h->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
        if (fd < 0)
                return -errno;
        size_t len = strlen(line);
        if (write(fd, line, len) != (ssize_t) len)
                return errno > 0 ? -errno : -EIO;
        h->lines_in_file++;
        /* fdatasync: the history is what admins read after a crash. */
        return fdatasync(fd) < 0 ? -errno : 0;
}

size_t history_first_of_newest(const History *h, size_t max) {
        return max == 0 || max >= h->n ? 0 : h->n - max;
}
