/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Small helpers every kexecd source file uses: scope-bound cleanup in the
 * style of systemd, ownership transfer, and a few array/string helpers.
 * Kept header-only so that every library and test links nothing extra. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _warn_unused_result_ __attribute__((warn_unused_result))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#endif
#ifndef MAX
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#endif

/* Move a pointer (or fd) out of a _cleanup_ variable so that it is not freed
 * at scope exit: the ownership moves to whoever receives the value. */
#define TAKE_PTR(p)                            \
        ({                                     \
                __typeof__(p) _p_ = (p);       \
                (p) = NULL;                    \
                _p_;                           \
        })
#define TAKE_FD(fd)                            \
        ({                                     \
                int _fd_ = (fd);               \
                (fd) = -EBADF;                 \
                _fd_;                          \
        })

static inline void freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void closep(int *fd) {
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
        }
}
#define _cleanup_close_ _cleanup_(closep)

static inline void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

/* NULL-terminated string vectors ("strv"), as used for initrd lists. */
static inline void strv_free(char **l) {
        if (!l)
                return;
        for (char **i = l; *i; i++)
                free(*i);
        free(l);
}
static inline void strv_freep(char ***l) {
        strv_free(*l);
}
#define _cleanup_strv_free_ _cleanup_(strv_freep)

static inline size_t strv_length(char *const *l) {
        size_t n = 0;
        if (l)
                while (l[n])
                        n++;
        return n;
}

#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)               \
        static inline void func##p(type *p) {                 \
                if (*p)                                       \
                        func(*p);                             \
        }

static inline const char *strempty(const char *s) {
        return s ? s : "";
}
static inline const char *strna(const char *s) {
        return s ? s : "n/a";
}
#define UID_FMT "%u"
static inline int streq_ptr(const char *a, const char *b) {
        if (!a || !b)
                return a == b;
        return strcmp(a, b) == 0;
}
#define streq(a, b) (strcmp((a), (b)) == 0)
#define isempty(s) (!(s) || !*(s))

/* Return -errno of the last failed libc call, never 0 (a failing call that
 * forgot to set errno must still be reported as a failure). */
static inline int negative_errno(void) {
        return errno > 0 ? -errno : -EIO;
}
