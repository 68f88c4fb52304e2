/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the boot loader would boot next, and what else it could boot: Boot
 * Loader Specification type 1 entries and type 2 unified kernel images,
 * Debian's /vmlinuz symlinks, and the kernels installed in /boot. The
 * discovery order, the sort rules and the limits are in docs/boot-entries.md.
 *
 * Every path is read below `root` (the backend root: "" on a real machine,
 * the fixture tree with --fake-root), and every path an entry names must
 * resolve inside the partition (or /boot) it belongs to (boot-path.h).
 *
 * For the kernel-install hooks of issue 14 item 2: after a kernel is added
 * or removed, a hook only has to ask kexecd to Reload() the images whose
 * spec names an entry ("default", "running"): the reload discovers again
 * (boot_entries_discover) and loads what the default is now. */

#include <stdbool.h>
#include <stddef.h>

typedef enum BootEntrySource {
        BOOT_ENTRY_TYPE1,     /* loader/entries/\*.conf */
        BOOT_ENTRY_TYPE2,     /* EFI/Linux/\*.efi */
        BOOT_ENTRY_SYMLINK,   /* Debian's /vmlinuz, /boot/vmlinuz (and .old) */
        BOOT_ENTRY_INSTALLED, /* /boot/vmlinuz-<release> */
        _BOOT_ENTRY_SOURCE_MAX,
} BootEntrySource;

typedef struct BootEntry {
        char *id;           /* unique in the list; type 1/2: the file name */
        char *title;        /* valid UTF-8 (escaped if the file was not) */
        char *version;      /* may be NULL */
        char *kernel;       /* path to open (root-prefixed, resolved) */
        char **initrds;     /* resolved like kernel; never NULL */
        char *options;      /* type 1: the options lines joined by a space; else "" */
        char *sort_key;     /* type 1 only, may be NULL */
        char *machine_id;   /* type 1 only, may be NULL */
        char *architecture; /* type 1 only, may be NULL */
        char *path;         /* the file that defines the entry (root-prefixed) */
        BootEntrySource source;
        int tries_left;     /* boot counting ("+LEFT[-DONE]" in the name), -1 if none */
        bool is_default;
} BootEntry;

/* An entry file or kernel that was found but cannot be booted. */
typedef struct BootEntrySkipped {
        char *path;
        char *reason;
} BootEntrySkipped;

typedef struct BootEntries {
        BootEntry *entries;  /* type 1 and 2 in boot loader order, then symlinks, then installed (newest first) */
        size_t n;
        BootEntrySkipped *skipped;
        size_t n_skipped;
        const char *default_reason; /* static: why the default is the default */
} BootEntries;

const char *boot_entry_source_to_string(BootEntrySource s);

/* Discovers every entry below `root`. Unreadable or malformed entries are
 * skipped (listed in ->skipped), never fatal; only -ENOMEM fails. */
int boot_entries_discover(const char *root, BootEntries *ret);
void boot_entries_done(BootEntries *e);

/* The entry the boot loader would boot next, NULL if there is none. */
const BootEntry *boot_entries_default(const BootEntries *e);
const BootEntry *boot_entries_find(const BootEntries *e, const char *id);
/* The installed kernel of `release` (/boot/vmlinuz-<release>): what a
 * kdump image must match, as the dump is of the running kernel. */
const BootEntry *boot_entries_find_release(const BootEntries *e, const char *release);

/* Boot loader selection, exposed for tests: whether the glob `pattern`
 * selects entry `id` (matched against the id, and against it without its
 * ".conf" / ".efi" suffix). */
bool boot_entry_id_matches(const char *pattern, const char *id);
/* Decodes an efivarfs file (4-byte attributes, then UTF-16LE, optionally
 * NUL-terminated) into UTF-8. -EINVAL for odd sizes, surrogate errors,
 * NULs in the middle, or characters that no entry id contains. */
int boot_efivar_decode(const char *data, size_t size, char **ret);
