/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What a user asked kexecd to load into one image slot. The same structure
 * comes from D-Bus Load(), from kexecd.conf and from the state file, so that
 * Reload and a restarted daemon load exactly what was asked. */

#include <stdbool.h>

typedef enum ImageType {
        IMAGE_KEXEC,
        IMAGE_KDUMP,
        _IMAGE_TYPE_MAX,
        _IMAGE_TYPE_INVALID = -1,
} ImageType;

typedef enum SyscallMode {
        SYSCALL_AUTO,
        SYSCALL_FILE,
        SYSCALL_LEGACY,
        _SYSCALL_MODE_MAX,
        _SYSCALL_MODE_INVALID = -1,
} SyscallMode;

typedef struct ImageSpec {
        char *kernel;    /* absolute path */
        char **initrds;  /* NULL-terminated, may be empty */
        char *cmdline;   /* as requested: "" means "reuse the running one" */
        char *append;    /* appended to a reused command line, may be NULL */
        SyscallMode syscall;
        /* A boot entry to follow instead of a fixed kernel (src/boot/):
         * "default" (what the boot loader boots next), "running" (the
         * installed kernel of the running release, for kdump) or an entry
         * id. Resolved at every load, so a Reload follows the boot loader;
         * `kernel` and `initrds` then hold what it resolved to last, and
         * initrds given with the request win over the entry's. */
        char *entry;
        char *entry_options; /* the entry's options as resolved: the command line when `cmdline` is empty */
        /* `initrds` are the entry's as resolved, not the request's: the
         * next resolution replaces them (a new kernel brings its own
         * initrd) instead of keeping them as given. */
        bool entry_initrds;
} ImageSpec;

/* Longest entry selector accepted (a file name). */
#define IMAGE_SPEC_ENTRY_MAX 255u

const char *image_type_to_string(ImageType t);
ImageType image_type_from_string(const char *s);
const char *syscall_mode_to_string(SyscallMode m);
SyscallMode syscall_mode_from_string(const char *s);

void image_spec_done(ImageSpec *s);
int image_spec_copy(ImageSpec *dst, const ImageSpec *src);
/* Whether the spec names something to load: a kernel or a boot entry. */
bool image_spec_is_set(const ImageSpec *s);
/* Whether `s` is an acceptable entry selector: 1..IMAGE_SPEC_ENTRY_MAX
 * bytes of printable UTF-8 without '/'. */
bool image_spec_entry_valid(const char *s);
