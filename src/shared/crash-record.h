/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* crash.json: what kexecd-capture found and did in the crash kernel, one
 * file per crash directory (DumpDir/ID/crash.json). kexecd-capture writes
 * it, kexecd and kexecctl read it on the next boot. Whoever wrote the file,
 * the reader trusts nothing: size, types, string lengths and UTF-8 are
 * checked, and an unknown key is ignored (newer writers). The schema is
 * tabled in docs/capture.md. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* YYYYMMDDTHHMMSSZ-<12 hex of the crashed boot id | "unknown">. */
#define CRASH_ID_MAX 32u
#define CRASH_PARTIAL_SUFFIX ".partial"

typedef struct CrashHookResult {
        char *name;
        char *phase;      /* "pre" | "post" */
        char *result;     /* "ok" | "failed" | "timeout" | "error" */
        int exit_status;  /* exit code, 128+signal, or -1 if it never ran */
} CrashHookResult;

typedef struct CrashRecord {
        char *id;
        bool complete;
        char *reason;                 /* when !complete */
        char *crashed_boot_id;        /* 32 hex or "unknown" */
        char *kernel_release;
        char *kernel_release_source;  /* "dmesg" | "crash-kernel" */
        uint64_t crash_time_usec;
        char *panic_line;
        int dump_level;               /* -1: not recorded */
        char *compression;
        char *dump_file;
        char *dump_command;
        uint64_t dump_size;
        char *dump_sha256;
        uint64_t dmesg_size;
        uint64_t capture_usec;
        char *makedumpfile_version;
        int makedumpfile_status;      /* -1: not run */
        int command_status;           /* -1: not run */
        CrashHookResult *hooks;
        size_t n_hooks;
        char *test_id;
} CrashRecord;

void crash_record_init(CrashRecord *r);
void crash_record_done(CrashRecord *r);

/* Text of crash.json (pretty-printed). -E2BIG if it would exceed
 * KEXECD_CRASH_RECORD_MAX (the reader's bound). */
int crash_record_format(const CrashRecord *r, char **ret);
/* -EBADMSG for anything but a well-formed record within bounds. */
int crash_record_parse(const char *text, size_t size, CrashRecord *ret);
/* Reads DIR_FD/crash.json (no symlink followed, regular file, bounded). */
int crash_record_load_at(int dir_fd, CrashRecord *ret);
int crash_record_load(const char *dir, CrashRecord *ret);

bool crash_id_is_valid(const char *s);
bool crash_boot_id_is_valid(const char *s);
/* Builds the id from a time (µs since the epoch, UTC) and a boot id
 * (32 hex) or NULL/"unknown". buf holds CRASH_ID_MAX bytes. */
int crash_id_make(uint64_t usec, const char *boot_id, char buf[static CRASH_ID_MAX]);

typedef struct CrashEntry {
        char *id;
        bool partial;          /* an ID.partial directory: a capture that never finished */
        int load_error;        /* 0, or why crash.json could not be read */
        CrashRecord record;    /* valid when load_error == 0 */
} CrashEntry;

/* Lists crash directories in dump_dir, oldest first: names matching the id
 * pattern (with or without .partial), real directories only (symlinks are
 * skipped). At most KEXECD_CRASH_DIRS_MAX, the newest. */
int crash_dir_list(const char *dump_dir, CrashEntry **ret, size_t *ret_n);
void crash_entries_free(CrashEntry *e, size_t n);
