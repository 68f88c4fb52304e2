/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Opening the files a caller names for loading. kexecd opens each file
 * itself, checks the opened fd (not the path: no TOCTOU), and hands that
 * very fd to the kernel. Errors are kexecd's errnos (src/shared/errors.h):
 * -EISDIR InvalidPath, -ENOENT FileNotFound, -EACCES FileNotReadable,
 * -ENODATA EmptyFile; *ret_message says what was wrong, for the caller. */

#include <stddef.h>
#include <stdint.h>

int input_file_open(const char *path, const char *what, int *ret_fd, char **ret_message);

/* Multiple initrds are concatenated (the kernel accepts concatenated cpio
 * archives, each at a 4-byte boundary: kexecd pads with zeros) into a sealed memfd, so that nobody can change the bytes
 * between check and load. One initrd is passed by its own fd. */
int initrds_open(char *const *paths, int *ret_fd, char **ret_message);

/* Seals a memfd written by the caller and rewinds it to 0. */
int memfd_seal(int fd);

/* Returns a sealed memfd with the given contents, positioned at 0. */
int memfd_new_sealed(const char *name, const void *data, size_t size);

/* Hex SHA-256 of the whole file behind fd (reads with pread, offset kept). */
int fd_sha256_hex(int fd, char **ret);

/* SHA-256 in pieces, for a pass that already has the bytes in hand (an
 * unpacker writing them out): no second pass over them. */
typedef struct Sha256 Sha256;
int sha256_new(Sha256 **ret);
void sha256_add(Sha256 *h, const void *data, size_t size);
/* Writes the 64 hex digits and a NUL; frees h. */
void sha256_finish_hex(Sha256 *h, char out[static 65]);
void sha256_free(Sha256 *h);
