/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Reads a whole file (at most max_size bytes; -EFBIG beyond) from an fd or a
 * path. The buffer is NUL-terminated for convenience; *ret_size excludes it. */
int read_full_fd(int fd, size_t max_size, char **ret, size_t *ret_size);
/* read_full_file() reads regular files only (-EBADFD for FIFOs, devices,
 * sockets; -EISDIR for directories) and never blocks in open(). */
int read_full_file(const char *path, size_t max_size, char **ret, size_t *ret_size);
/* The same relative to dir_fd, with extra open flags (O_NOFOLLOW where a
 * symlink must not redirect the read). */
int read_full_file_at(int dir_fd, const char *path, int open_flags, size_t max_size, char **ret, size_t *ret_size);

/* pread()s exactly `size` bytes at `offset`; -ENODATA if the file ends
 * first (it was truncated under us), so callers never read past the end. */
int pread_exact(int fd, void *buf, size_t size, uint64_t offset);

/* Writes `data` to `path` atomically: a temporary file in the same directory,
 * fsync, rename over the target, fsync of the directory. A crash at any
 * moment leaves either the old or the new content, never a torn file. */
int write_file_atomic(const char *path, const void *data, size_t size, unsigned mode);

/* mkdir -p, mode for created directories. */
int mkdir_parents_and_self(const char *path, unsigned mode);

/* Strips trailing whitespace/newlines in place. */
void strip_trailing_newlines(char *s);
