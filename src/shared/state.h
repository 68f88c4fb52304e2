/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The daemon's memory of what it loaded: one JSON file per image in the
 * state directory (/var/lib/kexecd/<image>.json), so that a restarted
 * daemon can adopt an image the kernel still holds and Reload knows what to
 * load. Written atomically (temp file, fsync, rename). */

#include <stdbool.h>
#include <stdint.h>

#include "image-spec.h"

typedef struct ImageState {
        ImageSpec spec;            /* what was asked */
        char *effective_cmdline;   /* what the kernel got */
        char *kernel_sha256;
        char *kernel_format;
        char *syscall_used;        /* "file" or "legacy" */
        char *syscall_reason;
        uint64_t loaded_at_usec;   /* CLOCK_REALTIME */
        uint64_t load_duration_usec;
        uint64_t layout_generation;
        char *layout_fingerprint;  /* memory/CPU layout at load time */
        /* Written before the syscall, cleared after it: a state file still
         * pending at start-up means kexecd stopped in between, so whatever
         * the kernel holds is not known to match the spec. */
        bool pending;
} ImageState;

void image_state_done(ImageState *s);

/* The file's text as image_state_save() writes it (pretty-printed JSON);
 * *ret is freed by the caller. */
int image_state_format(const ImageState *s, char **ret);
/* Parses a state file's text (NUL-terminated): -EBADMSG for anything not
 * ours. Whatever it accepts, image_state_format() writes back in a form it
 * accepts again (tests/fuzz/state checks this). */
int image_state_parse(const char *text, ImageState *ret);

int image_state_save(const char *state_dir, ImageType type, const ImageState *s);
/* -ENOENT when nothing is saved; -EBADMSG for a file that is not ours. */
int image_state_load(const char *state_dir, ImageType type, ImageState *ret);
int image_state_remove(const char *state_dir, ImageType type);
