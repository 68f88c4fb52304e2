/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The parts of the backend that do not depend on which kernel is behind it:
 * path prefixing and reading of kernel interface files. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
        for (size_t k = 0; k < b->n_kept; k++) {
                (void) close(b->kept[k].fd);
                free(b->kept[k].path);
        }
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

/* The descriptor kept for `path`, or -1 (also when the table is full). */
static int kept_fd(Backend *b, const char *path) {
        for (size_t k = 0; k < b->n_kept; k++)
                if (streq(b->kept[k].path, path))
                        return b->kept[k].fd;
        return -1;
}

static void kept_drop(Backend *b, const char *path) {
        for (size_t k = 0; k < b->n_kept; k++)
                if (streq(b->kept[k].path, path)) {
                        (void) close(b->kept[k].fd);
                        free(b->kept[k].path);
                        b->kept[k] = b->kept[--b->n_kept];
                        return;
                }
}

/* The files kept open: those Status() reads on every call, which the
 * kernel creates at boot and never removes (kexec core, sysctl, the
 * lockdown LSM). Others are opened per read: crash_hotplug and friends are
 * looked for again after a load, memory block files come and go. */
static bool path_is_kept(const char *path) {
        static const char *const kept[] = {
                KERNEL_KEXEC_LOADED, KERNEL_KEXEC_CRASH_LOADED, KERNEL_KEXEC_CRASH_SIZE, KERNEL_LOCKDOWN,
                KERNEL_KEXEC_LOAD_DISABLED, KERNEL_KEXEC_LIMIT_PANIC, KERNEL_KEXEC_LIMIT_REBOOT,
        };
        for (size_t k = 0; k < ELEMENTSOF(kept); k++)
                if (streq(path, kept[k]))
                        return true;
        return false;
}

/* Keeps fd for the next read of path; closes it when there is no room. */
static void kept_add(Backend *b, const char *path, int fd) {
        char *copy = b->n_kept < BACKEND_KEPT_MAX && path_is_kept(path) ? strdup(path) : NULL;
        if (!copy) {
                (void) close(fd);
                return;
        }
        b->kept[b->n_kept++] = (BackendKeptFile) { .path = copy, .fd = fd };
}

static int read_small_fd(int fd, char *buf, size_t size) {
        /* One read at offset 0: sysfs, procfs (sysctl) and securityfs
         * attributes produce their whole text anew for a read at offset 0,
         * in one go, and so does a small regular file (the fake backend's,
         * which it and the tests rewrite in place as the kernel would). */
        ssize_t k = pread(fd, buf, size, 0);
        if (k < 0)
                return -errno;
        if ((size_t) k >= size)
                return -EFBIG;
        buf[k] = 0;
        while (k > 0 && buf[k - 1] == '\n')
                buf[--k] = 0;
        return (int) k;
}

int backend_read_small(Backend *b, const char *path, char *buf, size_t size) {
        char p[PATH_MAX];
        int fd, r;

        if (size < 2)
                return -EINVAL;
        fd = kept_fd(b, path);
        if (fd >= 0) {
                r = read_small_fd(fd, buf, size);
                if (r >= 0 || r == -EFBIG)
                        return r;
                kept_drop(b, path); /* and try a fresh open below */
        }
        r = snprintf(p, sizeof p, "%s%s", b->root, path);
        if (r < 0 || (size_t) r >= sizeof p)
                return -ENAMETOOLONG;
        /* O_NONBLOCK: a FIFO planted where a kernel file should be reads as
         * EAGAIN or nothing instead of blocking the daemon; a device that
         * never ends (/dev/zero) fills the buffer and is refused. */
        fd = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno; /* absent: looked for again next time */
        r = read_small_fd(fd, buf, size);
        if (r >= 0)
                kept_add(b, path, fd);
        else
                (void) close(fd);
        return r;
}

int backend_read_u64(Backend *b, const char *path, uint64_t *ret) {
        char s[64], *end;
        int r = backend_read_small(b, path, s, sizeof s);
        if (r == -EFBIG)
                return -EBADMSG;
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
