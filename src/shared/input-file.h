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

/* fd_sha256_hex() in a thread of its own, so that the hash is taken while
 * the caller does something else with the same file (kexecd: while the
 * kernel reads it in kexec_file_load(2)). The job reads its own duplicate
 * of fd with pread(): the caller may use and close fd meanwhile. */
typedef struct Sha256Job Sha256Job;
int fd_sha256_hex_start(int fd, Sha256Job **ret);
/* Waits for the job and frees it; returns and sets *ret as fd_sha256_hex(). */
int fd_sha256_hex_finish(Sha256Job *job, char **ret);
/* Waits for a job whose result is not wanted (a failed load) and frees it. */
void sha256_job_freep(Sha256Job **job);

/* SHA-256 in pieces, for a pass that already has the bytes in hand (an
 * unpacker writing them out): no second pass over them. */
typedef struct Sha256 Sha256;
int sha256_new(Sha256 **ret);
void sha256_add(Sha256 *h, const void *data, size_t size);
/* Writes the 64 hex digits and a NUL; frees h. */
void sha256_finish_hex(Sha256 *h, char out[static 65]);
void sha256_free(Sha256 *h);
