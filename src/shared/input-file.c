/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <gcrypt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input-file.h"
#include "kexecd-limits.h"
#include "macro.h"

static int fail(char **ret_message, int error, const char *fmt, const char *what, const char *path) {
        if (ret_message && asprintf(ret_message, fmt, what, path) < 0)
                *ret_message = NULL;
        return error;
}

int input_file_open(const char *path, const char *what, int *ret_fd, char **ret_message) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        if (isempty(path) || path[0] != '/')
                return fail(ret_message, -EISDIR, "%s path must be absolute: '%s'", what, strempty(path));

        /* O_NONBLOCK so that a FIFO cannot make the daemon hang in open(). */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                switch (errno) {
                case ENOENT:
                case ENOTDIR:
                        return fail(ret_message, -ENOENT, "%s not found: %s", what, path);
                case EACCES:
                case EPERM:
                        return fail(ret_message, -EACCES, "%s is not readable: %s", what, path);
                case ENAMETOOLONG:
                        return fail(ret_message, -EISDIR, "%s path has a component longer than the file system allows: %s", what, path);
                default: /* ENXIO (socket), ELOOP, ENODEV, ... */
                        return fail(ret_message, -EISDIR, "%s cannot be opened as a regular file: %s", what, path);
                }
        }
        if (fstat(fd, &st) < 0)
                return fail(ret_message, -EACCES, "%s cannot be inspected: %s", what, path);
        if (S_ISDIR(st.st_mode))
                return fail(ret_message, -EISDIR, "%s is a directory: %s", what, path);
        if (!S_ISREG(st.st_mode))
                return fail(ret_message, -EISDIR, "%s is not a regular file: %s", what, path);
        if (st.st_size == 0)
                return fail(ret_message, -ENODATA, "%s is empty: %s", what, path);

        /* Back to blocking mode for the reads that follow. */
        if (fcntl(fd, F_SETFL, 0) < 0)
                return -errno;
        /* A permission check at open time is not a read: make sure the
         * file really yields bytes (e.g. EIO on a broken medium). */
        char byte;
        ssize_t n = pread(fd, &byte, 1, 0);
        if (n == 0) /* truncated since fstat() */
                return fail(ret_message, -ENODATA, "%s is empty: %s", what, path);
        if (n != 1)
                return fail(ret_message, -EACCES, "%s cannot be read: %s", what, path);

        *ret_fd = TAKE_FD(fd);
        return 0;
}

static int copy_fd_to(int from, int to) {
        char buf[65536];
        off_t off = 0;
        for (;;) {
                ssize_t n = pread(from, buf, sizeof(buf), off);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        return 0;
                off += n;
                for (ssize_t done = 0; done < n;) {
                        ssize_t k = write(to, buf + done, (size_t) (n - done));
                        if (k < 0) {
                                if (errno == EINTR)
                                        continue;
                                return -errno;
                        }
                        done += k;
                }
        }
}

int memfd_seal(int fd) {
        if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
                return -errno;
        if (lseek(fd, 0, SEEK_SET) < 0)
                return -errno;
        return 0;
}

int memfd_new_sealed(const char *name, const void *data, size_t size) {
        _cleanup_close_ int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
        const char *p = data;
        if (fd < 0)
                return -errno;
        while (size > 0) {
                ssize_t k = write(fd, p, size);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += k;
                size -= (size_t) k;
        }
        int r = memfd_seal(fd);
        if (r < 0)
                return r;
        return TAKE_FD(fd);
}

int initrds_open(char *const *paths, int *ret_fd, char **ret_message) {
        size_t n = strv_length(paths);
        int r;

        if (n == 0) {
                *ret_fd = -EBADF;
                return 0;
        }
        if (n > KEXECD_INITRDS_MAX)
                return fail(ret_message, -EMSGSIZE, "%s: more than %s given", "initrds", "the accepted number");
        if (n == 1) {
                _cleanup_close_ int fd = -EBADF;
                struct stat st;
                r = input_file_open(paths[0], "initrd", &fd, ret_message);
                if (r < 0)
                        return r;
                if (fstat(fd, &st) < 0)
                        return -errno;
                if ((uint64_t) st.st_size > KEXECD_INITRDS_TOTAL_MAX)
                        return fail(ret_message, -EMSGSIZE, "%s is larger than kexecd accepts (1 GiB): %s", "initrd", paths[0]);
                *ret_fd = TAKE_FD(fd);
                return 0;
        }

        _cleanup_close_ int memfd = memfd_create("kexecd-initrds", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (memfd < 0)
                return -errno;
        uint64_t total = 0;
        for (size_t i = 0; i < n; i++) {
                _cleanup_close_ int fd = -EBADF;
                struct stat st;
                r = input_file_open(paths[i], "initrd", &fd, ret_message);
                if (r < 0)
                        return r;
                /* Checked before copying: a sparse multi-GiB file would
                 * otherwise fill memory and block the daemon while copied. */
                if (fstat(fd, &st) < 0)
                        return -errno;
                total += (uint64_t) st.st_size + 3;
                if (total > KEXECD_INITRDS_TOTAL_MAX)
                        return fail(ret_message, -EMSGSIZE, "%s together are larger than kexecd accepts (1 GiB), at %s",
                                    "initrds", paths[i]);
                r = copy_fd_to(fd, memfd);
                if (r < 0)
                        return r;
                /* The kernel looks for the next archive only at a 4-byte
                 * boundary and skips zeros: pad each initrd accordingly. */
                off_t end = lseek(memfd, 0, SEEK_CUR);
                static const char zeros[3] = {};
                if (end < 0)
                        return -errno;
                if (i + 1 < n && end % 4 != 0 && write(memfd, zeros, (size_t) (4 - end % 4)) != (ssize_t) (4 - end % 4))
                        return -EIO;
        }
        r = memfd_seal(memfd);
        if (r < 0)
                return r;
        *ret_fd = TAKE_FD(memfd);
        return 0;
}

/* A thin wrapper: callers need not know the hash library. */
struct Sha256 {
        gcry_md_hd_t md;
};

int sha256_new(Sha256 **ret) {
        Sha256 *h = calloc(1, sizeof(Sha256));
        if (!h)
                return -ENOMEM;
        if (gcry_md_open(&h->md, GCRY_MD_SHA256, 0) != 0) {
                free(h);
                return -EIO;
        }
        *ret = h;
        return 0;
}

void sha256_add(Sha256 *h, const void *data, size_t size) {
        gcry_md_write(h->md, data, size);
}

void sha256_free(Sha256 *h) {
        if (!h)
                return;
        gcry_md_close(h->md);
        free(h);
}

void sha256_finish_hex(Sha256 *h, char out[static 65]) {
        static const char hex[] = "0123456789abcdef";
        const unsigned char *d = gcry_md_read(h->md, GCRY_MD_SHA256);
        for (int i = 0; i < 32; i++) {
                out[2 * i] = hex[d[i] >> 4];
                out[2 * i + 1] = hex[d[i] & 15];
        }
        out[64] = 0;
        sha256_free(h);
}

int fd_sha256_hex(int fd, char **ret) {
        /* Large reads: fewer syscalls, and libgcrypt hashes long runs. */
        const size_t bufsize = 1u << 20;
        _cleanup_free_ uint8_t *buf = malloc(bufsize);
        Sha256 *h = NULL;
        off_t off = 0;
        int r;

        if (!buf)
                return -ENOMEM;
        r = sha256_new(&h);
        if (r < 0)
                return r;
        for (;;) {
                ssize_t n = pread(fd, buf, bufsize, off);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        sha256_free(h);
                        return r;
                }
                if (n == 0)
                        break;
                sha256_add(h, buf, (size_t) n);
                off += n;
        }
        char *s = malloc(65);
        if (!s) {
                sha256_free(h);
                return -ENOMEM;
        }
        sha256_finish_hex(h, s);
        *ret = s;
        return 0;
}

struct Sha256Job {
        pthread_t thread;
        int fd;
        int r;
        char *hex;
};

static void *sha256_job_run(void *p) {
        Sha256Job *job = p;
        job->r = fd_sha256_hex(job->fd, &job->hex);
        return NULL;
}

int fd_sha256_hex_start(int fd, Sha256Job **ret) {
        Sha256Job *job = calloc(1, sizeof(Sha256Job));
        if (!job)
                return -ENOMEM;
        job->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (job->fd < 0) {
                int r = -errno;
                free(job);
                return r;
        }
        int r = pthread_create(&job->thread, NULL, sha256_job_run, job);
        if (r != 0) {
                close(job->fd);
                free(job);
                return -r;
        }
        *ret = job;
        return 0;
}

int fd_sha256_hex_finish(Sha256Job *job, char **ret) {
        (void) pthread_join(job->thread, NULL);
        close(job->fd);
        int r = job->r;
        if (r >= 0)
                *ret = job->hex;
        else
                free(job->hex);
        free(job);
        return r;
}

void sha256_job_freep(Sha256Job **job) {
        _cleanup_free_ char *unused = NULL;
        if (*job)
                (void) fd_sha256_hex_finish(*job, &unused);
        *job = NULL;
}
