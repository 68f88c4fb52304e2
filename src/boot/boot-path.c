/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot-path.h"
#include "kexecd-limits.h"
#include "macro.h"

#define SYMLINKS_MAX 32

/* Appends component c (length n) to the resolved path buffer. */
static int push_component(char *resolved, size_t *len, const char *c, size_t n) {
        if (*len + 1 + n > KEXECD_PATH_MAX)
                return -ENAMETOOLONG;
        resolved[(*len)++] = '/';
        memcpy(resolved + *len, c, n);
        *len += n;
        resolved[*len] = 0;
        return 0;
}

static void pop_component(char *resolved, size_t *len) {
        while (*len > 0 && resolved[*len - 1] != '/')
                (*len)--;
        if (*len > 0)
                (*len)--; /* the '/' itself */
        resolved[*len] = 0;
}

/* Whether `path` equals `dir` or lies below it (both normalized). */
static bool path_is_inside(const char *path, const char *dir) {
        size_t n = strlen(dir);
        while (n > 0 && dir[n - 1] == '/')
                n--;
        if (n == 0)
                return true;
        return strncmp(path, dir, n) == 0 && (path[n] == 0 || path[n] == '/');
}

int boot_path_resolve(const char *root, const char *path, const char *inside, char **ret) {
        char resolved[KEXECD_PATH_MAX + 1] = "";
        size_t len = 0, root_len = strlen(root);
        unsigned symlinks = 0;
        /* What is still to walk; symlink targets are spliced in front. */
        _cleanup_free_ char *todo = strdup(path);
        int r;

        if (!todo)
                return -ENOMEM;
        if (path[0] != '/')
                return -EINVAL;

        char *p = todo;
        for (;;) {
                while (*p == '/')
                        p++;
                if (!*p)
                        break;
                size_t n = strcspn(p, "/");
                if (n == 1 && p[0] == '.') {
                        p += n;
                        continue;
                }
                if (n == 2 && p[0] == '.' && p[1] == '.') {
                        /* As in the kernel: ".." at the root stays there. */
                        pop_component(resolved, &len);
                        p += n;
                        continue;
                }
                r = push_component(resolved, &len, p, n);
                if (r < 0)
                        return r;
                p += n;

                _cleanup_free_ char *full = NULL;
                struct stat st;
                if (asprintf(&full, "%s%s", root, resolved) < 0)
                        return -ENOMEM;
                if (lstat(full, &st) < 0)
                        return -errno;
                if (!S_ISLNK(st.st_mode))
                        continue;

                if (++symlinks > SYMLINKS_MAX)
                        return -ELOOP;
                char target[KEXECD_PATH_MAX + 1];
                ssize_t k = readlink(full, target, sizeof(target) - 1);
                if (k < 0)
                        return -errno;
                if ((size_t) k >= sizeof(target) - 1)
                        return -ENAMETOOLONG;
                target[k] = 0;
                if (target[0] == '/')
                        len = 0; /* absolute: starts again at the root */
                else
                        pop_component(resolved, &len); /* relative to the link's directory */
                resolved[len] = 0;

                _cleanup_free_ char *rest = NULL;
                if (asprintf(&rest, "%s/%s", target, p) < 0)
                        return -ENOMEM;
                if (strlen(rest) > KEXECD_PATH_MAX * 2)
                        return -ENAMETOOLONG;
                free(todo);
                todo = TAKE_PTR(rest);
                p = todo;
        }

        if (len == 0)
                strcpy(resolved, "/");
        if (!path_is_inside(resolved, inside))
                return -EXDEV;
        if (root_len + strlen(resolved) > KEXECD_PATH_MAX)
                return -ENAMETOOLONG;
        if (asprintf(ret, "%s%s", root, resolved) < 0)
                return -ENOMEM;
        return 0;
}

int boot_path_join_entry(const char *partition, const char *entry_path, char **ret) {
        if (isempty(entry_path))
                return -EINVAL;
        for (const char *s = entry_path; *s; s++)
                if ((unsigned char) *s < 0x20 || *s == 0x7f || *s == '\\')
                        return -EINVAL;
        /* ".." is refused outright rather than resolved: no boot loader
         * needs it, and it is the obvious way out of the partition. */
        for (const char *s = entry_path; *s;) {
                while (*s == '/')
                        s++;
                size_t n = strcspn(s, "/");
                if (n == 2 && s[0] == '.' && s[1] == '.')
                        return -EINVAL;
                s += n;
        }
        while (*entry_path == '/')
                entry_path++;
        if (strlen(partition) + 1 + strlen(entry_path) > KEXECD_PATH_MAX)
                return -ENAMETOOLONG;
        if (asprintf(ret, "%s/%s", streq(partition, "/") ? "" : partition, entry_path) < 0)
                return -ENOMEM;
        return 0;
}

static int cmp_int(int a, int b) {
        return (a > b) - (a < b);
}

int boot_version_compare(const char *a, const char *b) {
        if (!a || !b)
                return cmp_int(!!a, !!b);
        for (;;) {
                /* Punctuation other than the meaningful separators is noise. */
                while (*a && !isalnum((unsigned char) *a) && !strchr("~-.", *a))
                        a++;
                while (*b && !isalnum((unsigned char) *b) && !strchr("~-.", *b))
                        b++;

                /* '~' marks a pre-release: older than anything, even the end. */
                if (*a == '~' || *b == '~') {
                        if (*a != '~')
                                return 1;
                        if (*b != '~')
                                return -1;
                        a++, b++;
                        continue;
                }
                if (!*a || !*b)
                        return cmp_int(*a != 0, *b != 0); /* the longer one is newer */
                if (*a == '-' || *b == '-') {
                        if (*a != '-')
                                return 1;
                        if (*b != '-')
                                return -1;
                        a++, b++;
                        continue;
                }
                if (*a == '.' || *b == '.') {
                        if (*a != '.')
                                return -1;
                        if (*b != '.')
                                return 1;
                        a++, b++;
                        continue;
                }
                if (isdigit((unsigned char) *a) || isdigit((unsigned char) *b)) {
                        if (!isdigit((unsigned char) *a))
                                return -1; /* letters sort before digits */
                        if (!isdigit((unsigned char) *b))
                                return 1;
                        while (*a == '0')
                                a++;
                        while (*b == '0')
                                b++;
                        size_t na = strspn(a, "0123456789"), nb = strspn(b, "0123456789");
                        if (na != nb)
                                return cmp_int(na, nb);
                        int r = memcmp(a, b, na);
                        if (r != 0)
                                return cmp_int(r, 0);
                        a += na, b += nb;
                        continue;
                }
                size_t na = 0, nb = 0;
                while (isalpha((unsigned char) a[na]))
                        na++;
                while (isalpha((unsigned char) b[nb]))
                        nb++;
                int r = memcmp(a, b, na < nb ? na : nb);
                if (r != 0)
                        return cmp_int(r, 0);
                if (na != nb)
                        return cmp_int(na, nb);
                a += na, b += nb;
        }
}
