/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "image-spec.h"
#include "macro.h"
#include "utf8.h"

static const char *const image_type_table[_IMAGE_TYPE_MAX] = {
        [IMAGE_KEXEC] = "kexec",
        [IMAGE_KDUMP] = "kdump",
};

static const char *const syscall_mode_table[_SYSCALL_MODE_MAX] = {
        [SYSCALL_AUTO] = "auto",
        [SYSCALL_FILE] = "file",
        [SYSCALL_LEGACY] = "legacy",
};

const char *image_type_to_string(ImageType t) {
        return t >= 0 && t < _IMAGE_TYPE_MAX ? image_type_table[t] : NULL;
}

ImageType image_type_from_string(const char *s) {
        for (int i = 0; s && i < _IMAGE_TYPE_MAX; i++)
                if (streq(s, image_type_table[i]))
                        return (ImageType) i;
        return _IMAGE_TYPE_INVALID;
}

const char *syscall_mode_to_string(SyscallMode m) {
        return m >= 0 && m < _SYSCALL_MODE_MAX ? syscall_mode_table[m] : NULL;
}

SyscallMode syscall_mode_from_string(const char *s) {
        for (int i = 0; s && i < _SYSCALL_MODE_MAX; i++)
                if (streq(s, syscall_mode_table[i]))
                        return (SyscallMode) i;
        return _SYSCALL_MODE_INVALID;
}

void image_spec_done(ImageSpec *s) {
        free(s->kernel);
        strv_free(s->initrds);
        free(s->cmdline);
        free(s->append);
        free(s->entry);
        free(s->entry_options);
        *s = (ImageSpec) {};
}

static char **strv_copy(char *const *l) {
        size_t n = strv_length(l);
        char **c = calloc(n + 1, sizeof(char *));
        if (!c)
                return NULL;
        for (size_t i = 0; i < n; i++)
                if (!(c[i] = strdup(l[i]))) {
                        strv_free(c);
                        return NULL;
                }
        return c;
}

int image_spec_copy(ImageSpec *dst, const ImageSpec *src) {
        ImageSpec c = { .syscall = src->syscall, .entry_initrds = src->entry_initrds };
        c.kernel = src->kernel ? strdup(src->kernel) : NULL;
        c.initrds = strv_copy(src->initrds);
        c.cmdline = strdup(strempty(src->cmdline));
        c.append = src->append ? strdup(src->append) : NULL;
        c.entry = src->entry ? strdup(src->entry) : NULL;
        c.entry_options = src->entry_options ? strdup(src->entry_options) : NULL;
        if ((src->kernel && !c.kernel) || !c.initrds || !c.cmdline || (src->append && !c.append) ||
            (src->entry && !c.entry) || (src->entry_options && !c.entry_options)) {
                image_spec_done(&c);
                return -ENOMEM;
        }
        *dst = c;
        return 0;
}

bool image_spec_is_set(const ImageSpec *s) {
        return s && (!isempty(s->kernel) || !isempty(s->entry));
}

bool image_spec_entry_valid(const char *s) {
        size_t n = s ? strlen(s) : 0;
        if (n == 0 || n > IMAGE_SPEC_ENTRY_MAX || strchr(s, '/') || !utf8_is_valid(s))
                return false;
        for (const char *p = s; *p; p++)
                if ((unsigned char) *p < 0x20 || *p == 0x7f)
                        return false;
        return true;
}
