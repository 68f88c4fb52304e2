/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The real kernel: kexec_file_load(2) and kexec-tools for the legacy path. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend.h"
#include "build-config.h"
#include "fileio.h"
#include "macro.h"

static int real_file_load(Backend *b, int kernel_fd, int initrd_fd, const char *cmdline, unsigned long flags) {
#ifdef SYS_kexec_file_load
        /* The kernel wants the length including the terminating NUL, and no
         * command line at all is expressed as length 0. */
        unsigned long len = cmdline ? strlen(cmdline) + 1 : 0;
        if (syscall(SYS_kexec_file_load, kernel_fd, initrd_fd, len, cmdline, flags) < 0)
                return -errno;
        return 0;
#else
        return -ENOSYS;
#endif
}

/* Runs the loader with stdout+stderr captured, without a shell. */
int backend_run_loader(const char *loader, char *const *argv, char **ret_output);
int backend_run_loader(const char *loader, char *const *argv, char **ret_output) {
        int pipefd[2];
        pid_t pid;
        int status;

        if (access(loader, X_OK) < 0)
                return errno == ENOENT ? -ENOPKG : -errno;
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;

        pid = fork();
        if (pid < 0) {
                int r = -errno;
                close(pipefd[0]);
                close(pipefd[1]);
                return r;
        }
        if (pid == 0) {
                /* Child: only async-signal-safe calls from here on. */
                int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (devnull >= 0)
                        dup2(devnull, STDIN_FILENO);
                dup2(pipefd[1], STDOUT_FILENO);
                dup2(pipefd[1], STDERR_FILENO);
                execv(loader, argv);
                _exit(127);
        }

        close(pipefd[1]);
        _cleanup_close_ int rfd = pipefd[0];
        _cleanup_free_ char *output = NULL;
        size_t size = 0;
        int r = read_full_fd(rfd, 64 * 1024, &output, &size);

        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        if (r < 0 && r != -EFBIG)
                return r;
        if (output)
                strip_trailing_newlines(output);
        if (ret_output)
                *ret_output = TAKE_PTR(output);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return WIFEXITED(status) && WEXITSTATUS(status) == 127 ? -ENOPKG : -EIO;
        return 0;
}

static int real_legacy_load(Backend *b, char *const *argv, char **ret_output) {
        return backend_run_loader(b->legacy_loader, argv, ret_output);
}

static int real_legacy_help(Backend *b, char **ret_output) {
        char *argv[] = { (char *) "kexec", (char *) "--help", NULL };
        return backend_run_loader(b->legacy_loader, argv, ret_output);
}

static const BackendOps real_ops = {
        .name = "real",
        .file_load = real_file_load,
        .legacy_load = real_legacy_load,
        .legacy_help = real_legacy_help,
};

int backend_new_real(Backend **ret) {
        _cleanup_(backend_freep) Backend *b = calloc(1, sizeof(Backend));
        if (!b)
                return -ENOMEM;
        b->ops = &real_ops;
        b->root = strdup("");
        b->legacy_loader = strdup(KEXEC_TOOLS_PATH);
        if (!b->root || !b->legacy_loader)
                return -ENOMEM;
        *ret = TAKE_PTR(b);
        return 0;
}
