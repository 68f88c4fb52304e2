/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Child processes of kexecd-capture: makedumpfile, the DumpCommand shell,
 * hooks, systemctl. Each runs in its own process group so that a timeout
 * kills everything it started, not only the first process. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An exit code (0..255) as a shell reports it: 128+N for death by signal N. */
int exit_status_of(int wstatus);

typedef struct SpawnResult {
        int status;        /* exit_status_of(), or -1 if it never ran */
        bool timed_out;    /* killed after the timeout */
        int exec_errno;    /* errno of a failed execve (e.g. ENOENT), else 0 */
} SpawnResult;

/* Runs argv (argv[0] a path) with stdin from /dev/null, stdout and stderr
 * inherited, the extra "KEY=value" strings added to the environment;
 * waits at most timeout_usec (0: no limit). Returns -errno only if the
 * child could not be started; everything else is in *ret. */
int spawn_run(char *const argv[], char *const env_extra[], uint64_t timeout_usec, SpawnResult *ret);

/* Same, with stdout collected (at most max bytes; the rest is read and
 * dropped so the child never blocks). */
int spawn_output(char *const argv[], uint64_t timeout_usec, size_t max, char **ret_out, SpawnResult *ret);

/* Forks argv with stdout on a pipe (its read end in *ret_fd), or stdin from
 * a pipe (write end in *ret_fd) if to_child. Returns the pid. */
int spawn_piped(char *const argv[], char *const env_extra[], bool to_child, int *ret_fd);
/* Waits for pid (timeout 0: forever) and fills *ret. */
int spawn_wait(int pid, uint64_t timeout_usec, SpawnResult *ret);

uint64_t now_usec(int clock);
