/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The parts of the backend that do not depend on which kernel is behind it:
 * path prefixing and reading of kernel interface files. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "fileio.h"
#include "macro.h"

/* sysfs/procfs files are small; /proc/iomem on a machine with thousands of
 * memory blocks is the largest thing read through here. */
#define KERNEL_FILE_MAX (16u * 1024u * 1024u)

void backend_free(Backend *b) {
        if (!b)
                return;
        if (b->ops && b->ops->free)
                b->ops->free(b);
        free(b->root);
        free(b->legacy_loader);
        free(b);
}

char *backend_path(Backend *b, const char *path) {
        char *p;
        if (asprintf(&p, "%s%s", b->root, path) < 0)
                return NULL;
        return p;
}

int backend_open(Backend *b, const char *path, int flags) {
        _cleanup_free_ char *p = backend_path(b, path);
        if (!p)
                return -ENOMEM;
        int fd = open(p, flags | O_CLOEXEC | O_NOCTTY);
        return fd < 0 ? -errno : fd;
}

int backend_read_full(Backend *b, const char *path, char **ret, size_t *ret_size) {
        _cleanup_free_ char *p = backend_path(b, path);
        if (!p)
                return -ENOMEM;
        return read_full_file(p, KERNEL_FILE_MAX, ret, ret_size);
}

int backend_read_full_max(Backend *b, const char *path, size_t max_size, char **ret, size_t *ret_size) {
        _cleanup_free_ char *p = backend_path(b, path);
        if (!p)
                return -ENOMEM;
        return read_full_file(p, max_size, ret, ret_size);
}

int backend_read_string(Backend *b, const char *path, char **ret) {
        char *s;
        int r = backend_read_full(b, path, &s, NULL);
        if (r < 0)
                return r;
        strip_trailing_newlines(s);
        *ret = s;
        return 0;
}

int backend_read_u64(Backend *b, const char *path, uint64_t *ret) {
        _cleanup_free_ char *s = NULL;
        char *end;
        int r = backend_read_string(b, path, &s);
        if (r < 0)
                return r;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 0);
        if (errno != 0 || end == s || *end != 0 || s[0] == '-')
                return -EBADMSG;
        *ret = v;
        return 0;
}

int backend_read_bool(Backend *b, const char *path, bool *ret) {
        uint64_t v;
        int r = backend_read_u64(b, path, &v);
        if (r < 0)
                return r;
        *ret = v != 0;
        return 0;
}
