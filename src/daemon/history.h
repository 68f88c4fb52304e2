/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The answer to "did I load it, what changed and when?": every load,
 * reload, discard, failure and hotplug decision, with reasons and times,
 * kept in the state directory as JSON lines (history.jsonl) so that it
 * survives daemon restarts and reboots. Appends are O_APPEND writes of one
 * line; a torn last line (crash mid-write) is skipped when reading. The file
 * is compacted (atomically rewritten) when it grows past twice the cap. */

#include <stddef.h>
#include <stdint.h>

#define HISTORY_MAX_ENTRIES 1000
#define HISTORY_DETAIL_MAX 2048

typedef struct HistoryEntry {
        uint64_t time_usec; /* CLOCK_REALTIME */
        char *image;        /* "kexec", "kdump" or "" */
        char *event;
        char *detail;
} HistoryEntry;

typedef struct History {
        char *path;
        HistoryEntry *entries;
        size_t n, allocated;
        size_t lines_in_file;
} History;

int history_open(History *h, const char *state_dir);
/* Adds the entries of a history file's text (NUL-terminated, modified in
 * place) to h, as history_open() does after reading the file: unreadable
 * lines are skipped, strings are kept with invalid UTF-8 escaped, and only
 * the newest HISTORY_MAX_ENTRIES stay. */
int history_parse(History *h, char *text);
void history_done(History *h);
int history_add(History *h, uint64_t time_usec, const char *image, const char *event, const char *detail);
/* Index of the first of the newest `max` entries (max == 0: all). */
size_t history_first_of_newest(const History *h, size_t max);
