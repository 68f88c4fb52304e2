/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"
#include "spawn.h"

extern char **environ;

uint64_t now_usec(int clock) {
        struct timespec ts;
        clock_gettime(clock, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

int exit_status_of(int wstatus) {
        if (WIFEXITED(wstatus))
                return WEXITSTATUS(wstatus);
        if (WIFSIGNALED(wstatus))
                return 128 + WTERMSIG(wstatus);
        return 255;
}

/* In the child: never returns. The exec errno goes back through err_fd
 * (close-on-exec, so a successful exec closes it with nothing written). */
_Noreturn static void child_exec(char *const argv[], char *const env_extra[], int stdin_fd, int stdout_fd, int err_fd) {
        (void) setpgid(0, 0);
        /* kexecd-capture ignores SIGPIPE for itself; children get the default. */
        signal(SIGPIPE, SIG_DFL);
        if (stdin_fd < 0)
                stdin_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (stdin_fd >= 0 && dup2(stdin_fd, STDIN_FILENO) < 0)
                _exit(127);
        if (stdout_fd >= 0 && dup2(stdout_fd, STDOUT_FILENO) < 0)
                _exit(127);
        for (char *const *e = env_extra; e && *e; e++)
                (void) putenv(*e);
        execv(argv[0], argv);
        int e = errno;
        if (write(err_fd, &e, sizeof(e)) < 0)
                _exit(127);
        _exit(127);
}

/* Forks; returns the pid and, if the exec failed, its errno in *ret_exec_errno. */
static int fork_exec(char *const argv[], char *const env_extra[], int stdin_fd, int stdout_fd,
                     int close_in_child, int *ret_exec_errno) {
        int errpipe[2];
        if (pipe2(errpipe, O_CLOEXEC) < 0)
                return -errno;
        fflush(stdout);
        fflush(stderr);
        pid_t pid = fork();
        if (pid < 0) {
                int e = -errno;
                close(errpipe[0]);
                close(errpipe[1]);
                return e;
        }
        if (pid == 0) {
                close(errpipe[0]);
                if (close_in_child >= 0)
                        close(close_in_child);
                child_exec(argv, env_extra, stdin_fd, stdout_fd, errpipe[1]);
        }
        /* Also set here: a kill before the child ran setpgid must still hit it. */
        (void) setpgid(pid, pid);
        close(errpipe[1]);
        int e = 0;
        ssize_t n;
        do
                n = read(errpipe[0], &e, sizeof(e));
        while (n < 0 && errno == EINTR);
        close(errpipe[0]);
        *ret_exec_errno = n == sizeof(e) ? e : 0;
        return pid;
}

int spawn_wait(int pid, uint64_t timeout_usec, SpawnResult *ret) {
        uint64_t deadline = timeout_usec ? now_usec(CLOCK_MONOTONIC) + timeout_usec : 0;
        int wstatus;

        ret->timed_out = false;
        for (;;) {
                pid_t k = waitpid(pid, &wstatus, deadline ? WNOHANG : 0);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == pid)
                        break;
                if (now_usec(CLOCK_MONOTONIC) >= deadline) {
                        /* The whole group: a hook's own children go too. */
                        (void) kill(-pid, SIGKILL);
                        (void) kill(pid, SIGKILL);
                        ret->timed_out = true;
                        deadline = 0; /* now wait for it to go */
                        continue;
                }
                (void) usleep(20000);
        }
        ret->status = exit_status_of(wstatus);
        return 0;
}

int spawn_run(char *const argv[], char *const env_extra[], uint64_t timeout_usec, SpawnResult *ret) {
        *ret = (SpawnResult) { .status = -1 };
        int pid = fork_exec(argv, env_extra, -1, -1, -1, &ret->exec_errno);
        if (pid < 0)
                return pid;
        return spawn_wait(pid, timeout_usec, ret);
}

int spawn_piped(char *const argv[], char *const env_extra[], bool to_child, int *ret_fd) {
        int p[2], e;
        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        /* p[0] read end, p[1] write end. The child gets one end as its
         * stdin/stdout (dup2 clears close-on-exec); we keep the other. */
        int pid = to_child ? fork_exec(argv, env_extra, p[0], -1, p[1], &e)
                           : fork_exec(argv, env_extra, -1, p[1], p[0], &e);
        if (pid < 0) {
                close(p[0]);
                close(p[1]);
                return pid;
        }
        close(to_child ? p[0] : p[1]);
        *ret_fd = to_child ? p[1] : p[0];
        return pid;
}

int spawn_output(char *const argv[], uint64_t timeout_usec, size_t max, char **ret_out, SpawnResult *ret) {
        _cleanup_free_ char *buf = malloc(max + 1);
        _cleanup_close_ int fd = -EBADF;
        uint64_t deadline = now_usec(CLOCK_MONOTONIC) + timeout_usec;
        size_t size = 0;
        int p[2];

        *ret = (SpawnResult) { .status = -1 };
        if (!buf)
                return -ENOMEM;
        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        int pid = fork_exec(argv, NULL, -1, p[1], p[0], &ret->exec_errno);
        close(p[1]);
        fd = p[0];
        if (pid < 0)
                return pid;

        for (;;) {
                uint64_t n = now_usec(CLOCK_MONOTONIC);
                if (n >= deadline)
                        break; /* spawn_wait() below kills it */
                struct pollfd pfd = { .fd = fd, .events = POLLIN };
                int k = poll(&pfd, 1, (int) ((deadline - n) / 1000 + 1));
                if (k < 0 && errno != EINTR)
                        break;
                if (k <= 0)
                        continue;
                char chunk[4096];
                ssize_t got = read(fd, chunk, sizeof(chunk));
                if (got < 0 && errno == EINTR)
                        continue;
                if (got <= 0)
                        break;
                size_t take = (size_t) got < max - size ? (size_t) got : max - size;
                memcpy(buf + size, chunk, take);
                size += take;
        }
        buf[size] = 0;
        uint64_t n = now_usec(CLOCK_MONOTONIC);
        int k = spawn_wait(pid, n < deadline ? deadline - n : 1, ret);
        if (k < 0)
                return k;
        *ret_out = TAKE_PTR(buf);
        return 0;
}
