/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "macro.h"

int read_full_fd(int fd, size_t max_size, char **ret, size_t *ret_size) {
        _cleanup_free_ char *buf = NULL;
        size_t allocated = 0, size = 0;

        for (;;) {
                if (size + 1 >= allocated) {
                        size_t n = allocated ? allocated * 2 : 4096;
                        if (n > max_size + 1)
                                n = max_size + 1;
                        if (size + 1 >= n)
                                return -EFBIG;
                        char *p = realloc(buf, n + 1);
                        if (!p)
                                return -ENOMEM;
                        buf = p;
                        allocated = n;
                }
                ssize_t k = read(fd, buf + size, allocated - size);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                size += (size_t) k;
                if (size > max_size)
                        return -EFBIG;
        }
        if (!buf) {
                buf = malloc(1);
                if (!buf)
                        return -ENOMEM;
        }
        buf[size] = 0;
        *ret = TAKE_PTR(buf);
        if (ret_size)
                *ret_size = size;
        return 0;
}

int read_full_file(const char *path, size_t max_size, char **ret, size_t *ret_size) {
        return read_full_file_at(AT_FDCWD, path, 0, max_size, ret, ret_size);
}

int read_full_file_at(int dir_fd, const char *path, int open_flags, size_t max_size, char **ret, size_t *ret_size) {
        struct stat st;
        /* O_NONBLOCK: a FIFO planted where a file should be must not make
         * the daemon hang in open(); it is refused below. */
        _cleanup_close_ int fd = openat(dir_fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | open_flags);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        /* Only regular files: a FIFO would block, a symlink to /dev/zero
         * would never end. procfs and sysfs files are regular. */
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        if ((uint64_t) st.st_size > max_size)
                return -EFBIG;
        if (fcntl(fd, F_SETFL, 0) < 0)
                return -errno;
        return read_full_fd(fd, max_size, ret, ret_size);
}

int pread_exact(int fd, void *buf, size_t size, uint64_t offset) {
        uint8_t *p = buf;
        while (size > 0) {
                ssize_t k = pread(fd, p, size, (off_t) offset);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        return -ENODATA;
                p += k;
                size -= (size_t) k;
                offset += (uint64_t) k;
        }
        return 0;
}

static int fsync_directory_of(const char *path) {
        _cleanup_free_ char *copy = strdup(path);
        if (!copy)
                return -ENOMEM;
        _cleanup_close_ int dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        return fsync(dfd) < 0 ? -errno : 0;
}

int write_file_atomic(const char *path, const void *data, size_t size, unsigned mode) {
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int fd = -EBADF;
        const uint8_t *p = data;
        int r;

        if (asprintf(&tmp, "%s.tmp.%ld", path, (long) getpid()) < 0)
                return -ENOMEM;

        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd < 0)
                return -errno;

        while (size > 0) {
                ssize_t k = write(fd, p, size);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        goto fail;
                }
                p += k;
                size -= (size_t) k;
        }
        /* Data must be on disk before the rename makes it visible, or a crash
         * could leave a zero-length file under the final name. */
        if (fsync(fd) < 0) {
                r = -errno;
                goto fail;
        }
        if (rename(tmp, path) < 0) {
                r = -errno;
                goto fail;
        }
        return fsync_directory_of(path);

fail:
        (void) unlink(tmp);
        return r;
}

int mkdir_parents_and_self(const char *path, unsigned mode) {
        _cleanup_free_ char *p = strdup(path);
        if (!p)
                return -ENOMEM;
        for (char *s = p + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = 0;
                if (mkdir(p, mode) < 0 && errno != EEXIST)
                        return -errno;
                *s = '/';
        }
        if (mkdir(p, mode) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

void strip_trailing_newlines(char *s) {
        size_t n = strlen(s);
        while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
                s[--n] = 0;
}
