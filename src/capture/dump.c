/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <gcrypt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dump.h"
#include "log.h"
#include "macro.h"
#include "makedumpfile.h"
#include "spawn.h"

#define COPY_CHUNK (1024u * 1024u)

static int close_fd(int fd) {
        if (fd >= 0)
                close(fd);
        return -EBADF;
}

void dump_result_done(DumpResult *r) {
        free(r->reason);
        r->reason = NULL;
}

_printf_(2, 3) static void set_reason(DumpResult *r, const char *fmt, ...) {
        va_list ap;
        free(r->reason);
        va_start(ap, fmt);
        if (vasprintf(&r->reason, fmt, ap) < 0)
                r->reason = NULL;
        va_end(ap);
        log_error("%s", r->reason ?: "dump failed");
}

static void hex(const unsigned char *d, char out[static 65]) {
        for (int i = 0; i < 32; i++)
                sprintf(out + 2 * i, "%02x", d[i]);
}

int sha256_file(int fd, char out[static 65], uint64_t *ret_size) {
        _cleanup_free_ unsigned char *buf = malloc(COPY_CHUNK);
        gcry_md_hd_t h;
        uint64_t total = 0;

        if (!buf || gcry_md_open(&h, GCRY_MD_SHA256, 0) != 0)
                return -ENOMEM;
        for (;;) {
                ssize_t n = read(fd, buf, COPY_CHUNK);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        int e = -errno;
                        gcry_md_close(h);
                        return e;
                }
                if (n == 0)
                        break;
                gcry_md_write(h, buf, (size_t) n);
                total += (uint64_t) n;
        }
        hex(gcry_md_read(h, GCRY_MD_SHA256), out);
        gcry_md_close(h);
        *ret_size = total;
        return 0;
}

/* argv for makedumpfile: [-F] [-l|-z|-p|-c] -d L --message-level 7 VMCORE [OUT] */
static void build_argv(const DumpRequest *req, bool flattened, char *level, const char *out, char *argv[static 10]) {
        size_t i = 0;
        argv[i++] = (char *) req->makedumpfile;
        if (flattened)
                argv[i++] = (char *) "-F";
        const char *flag = makedumpfile_compression_flag(req->compression);
        if (flag)
                argv[i++] = (char *) flag;
        argv[i++] = (char *) "-d";
        argv[i++] = level;
        /* 7: progress, common messages and errors: the console shows the dump moving. */
        argv[i++] = (char *) "--message-level";
        argv[i++] = (char *) "7";
        argv[i++] = (char *) req->vmcore;
        if (out)
                argv[i++] = (char *) out;
        argv[i] = NULL;
}

int dump_dmesg(const DumpRequest *req, int *ret_status) {
        _cleanup_free_ char *out = NULL;
        SpawnResult res;
        if (asprintf(&out, "%s/vmcore-dmesg.txt", req->dir) < 0)
                return -ENOMEM;
        char *argv[] = { (char *) req->makedumpfile, (char *) "--dump-dmesg", (char *) req->vmcore, out, NULL };
        log_info("Saving the crashed kernel's log: %s --dump-dmesg %s %s", req->makedumpfile, req->vmcore, out);
        int r = spawn_run(argv, NULL, 0, &res);
        if (r < 0)
                return r;
        if (res.exec_errno != 0)
                return -res.exec_errno;
        *ret_status = res.status;
        return 0;
}

static int dump_local(const DumpRequest *req, DumpResult *res) {
        _cleanup_free_ char *out = NULL;
        char level[4], *argv[10];
        SpawnResult sr;
        int r;

        if (asprintf(&out, "%s/vmcore", req->dir) < 0)
                return -ENOMEM;
        snprintf(level, sizeof(level), "%u", req->dump_level);
        build_argv(req, false, level, out, argv);
        log_info("Dumping %s to %s (dump level %u, %s)", req->vmcore, out, req->dump_level,
                 capture_compression_to_string(req->compression));
        r = spawn_run(argv, NULL, 0, &sr);
        if (r < 0 || sr.exec_errno != 0) {
                r = r < 0 ? r : -sr.exec_errno;
                set_reason(res, "cannot run %s: %s", req->makedumpfile, strerror(-r));
                return r;
        }
        res->makedumpfile_status = sr.status;
        if (sr.status != 0) {
                set_reason(res, "makedumpfile failed with exit status %d", sr.status);
                /* A half-written dump is unreadable and may be what filled
                 * the disk: the log next to it is what remains useful. */
                (void) unlink(out);
                return -EIO;
        }
        _cleanup_close_ int fd = open(out, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
                set_reason(res, "makedumpfile succeeded but wrote no dump file");
                return -ENOENT;
        }
        log_info("Computing the dump's sha256");
        r = sha256_file(fd, res->sha256, &res->size);
        if (r < 0) {
                set_reason(res, "cannot read back the dump: %s", strerror(-r));
                return r;
        }
        if (fsync(fd) < 0) {
                r = -errno;
                set_reason(res, "cannot sync the dump to disk: %s", strerror(-r));
                return r;
        }
        return 0;
}

/* Copies makedumpfile's stdout into the command's stdin, hashing it. */
static int relay(int from, int to, gcry_md_hd_t h, uint64_t *total, bool *ret_epipe) {
        _cleanup_free_ unsigned char *buf = malloc(COPY_CHUNK);
        if (!buf)
                return -ENOMEM;
        *ret_epipe = false;
        for (;;) {
                ssize_t n = read(from, buf, COPY_CHUNK);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return 0;
                gcry_md_write(h, buf, (size_t) n);
                for (ssize_t off = 0; off < n;) {
                        ssize_t w = write(to, buf + off, (size_t) (n - off));
                        if (w < 0 && errno == EINTR)
                                continue;
                        if (w < 0) {
                                /* The command stopped reading: it died or quit half way. */
                                *ret_epipe = errno == EPIPE;
                                return -errno;
                        }
                        off += w;
                        *total += (uint64_t) w;
                }
        }
}

static int dump_command(const DumpRequest *req, DumpResult *res) {
        _cleanup_close_ int mdf_out = -EBADF, cmd_in = -EBADF;
        char level[4], *argv[10];
        char *sh_argv[] = { (char *) req->shell, (char *) "-c", (char *) req->command, NULL };
        gcry_md_hd_t h;
        SpawnResult mr = { .status = -1 }, cr = { .status = -1 };
        bool epipe = false;
        int r;

        snprintf(level, sizeof(level), "%u", req->dump_level);
        build_argv(req, true, level, NULL, argv);
        if (gcry_md_open(&h, GCRY_MD_SHA256, 0) != 0)
                return -ENOMEM;

        /* The command first: makedumpfile must not start writing into nothing. */
        int cmd_pid = spawn_piped(sh_argv, req->env, true, &cmd_in);
        if (cmd_pid < 0) {
                gcry_md_close(h);
                set_reason(res, "cannot start the dump command: %s", strerror(-cmd_pid));
                return cmd_pid;
        }
        log_info("Dumping %s (flattened, dump level %u, %s) into: %s", req->vmcore, req->dump_level,
                 capture_compression_to_string(req->compression), req->command);
        int mdf_pid = spawn_piped(argv, NULL, false, &mdf_out);
        if (mdf_pid < 0) {
                r = mdf_pid;
                set_reason(res, "cannot start %s: %s", req->makedumpfile, strerror(-r));
                cmd_in = close_fd(cmd_in);
                (void) spawn_wait(cmd_pid, 0, &cr);
                gcry_md_close(h);
                return r;
        }
        r = relay(mdf_out, cmd_in, h, &res->size, &epipe);
        /* EOF for the command; a makedumpfile still writing gets EPIPE. */
        cmd_in = close_fd(cmd_in);
        mdf_out = close_fd(mdf_out);
        (void) spawn_wait(mdf_pid, 0, &mr);
        (void) spawn_wait(cmd_pid, 0, &cr);
        hex(gcry_md_read(h, GCRY_MD_SHA256), res->sha256);
        gcry_md_close(h);

        res->makedumpfile_status = mr.status;
        res->command_status = cr.status;
        if (cr.status != 0) {
                set_reason(res, "dump command failed with exit status %d after %llu bytes", cr.status,
                           (unsigned long long) res->size);
                return -EIO;
        }
        if (r < 0) {
                set_reason(res, "copying the dump to the command failed after %llu bytes: %s",
                           (unsigned long long) res->size, epipe ? "the command stopped reading" : strerror(-r));
                return r;
        }
        if (mr.status == 127 && res->size == 0) {
                set_reason(res, "cannot run %s", req->makedumpfile);
                return -ENOENT;
        }
        if (mr.status != 0) {
                set_reason(res, "makedumpfile failed with exit status %d", mr.status);
                return -EIO;
        }
        return 0;
}

int dump_run(const DumpRequest *req, DumpResult *res) {
        *res = (DumpResult) { .makedumpfile_status = -1, .command_status = -1 };
        return isempty(req->command) ? dump_local(req, res) : dump_command(req, res);
}
