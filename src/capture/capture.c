/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "build-config.h"
#include "capture.h"
#include "cmdline.h"
#include "crash-record.h"
#include "dmesg-scan.h"
#include "dump.h"
#include "fileio.h"
#include "hooks.h"
#include "log.h"
#include "macro.h"
#include "makedumpfile.h"
#include "retention.h"
#include "spawn.h"

#define CMDLINE_FILE_MAX (64u * 1024u)
#define TEST_ID_MAX 128u

static const char *startswith_str(const char *s, const char *prefix) {
        size_t n = strlen(prefix);
        return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

static const char *env_or(const char *name, const char *def) {
        const char *v = getenv(name);
        return isempty(v) ? def : v;
}

void capture_paths_from_env(CapturePaths *p) {
        *p = (CapturePaths) {
                .vmcore = env_or("KEXECD_CAPTURE_VMCORE", "/proc/vmcore"),
                .cmdline = env_or("KEXECD_CAPTURE_CMDLINE", "/proc/cmdline"),
                .hooks_dir = env_or("KEXECD_CAPTURE_HOOKS_DIR", SYSCONFDIR "/kexecd/capture.d"),
                .makedumpfile = env_or("KEXECD_CAPTURE_MAKEDUMPFILE", MAKEDUMPFILE_PATH),
                .systemctl = env_or("KEXECD_CAPTURE_SYSTEMCTL", SYSTEMCTL_PATH),
                .config_dir = env_or("KEXECD_CAPTURE_CONFIG_DIR", SYSCONFDIR "/kexecd"),
                .shell = "/bin/sh",
        };
}

void capture_cmdline_done(CaptureCmdline *c) {
        free(c->crashed_boot_id);
        free(c->test_id);
        *c = (CaptureCmdline) {};
}

static bool test_id_ok(const char *s) {
        size_t n = strlen(s);
        if (n == 0 || n > TEST_ID_MAX)
                return false;
        for (; *s; s++)
                if (!strchr("._-", *s) && !(*s >= '0' && *s <= '9') && !(*s >= 'a' && *s <= 'z') &&
                    !(*s >= 'A' && *s <= 'Z'))
                        return false;
        return true;
}

int capture_cmdline_parse(const char *cmdline, CaptureCmdline *ret) {
        _cleanup_strv_free_ char **args = NULL;
        CaptureCmdline c = {};
        int r = cmdline_split(cmdline, &args);
        if (r < 0)
                return r;
        for (char **a = args; a && *a; a++) {
                const char *v;
                if ((v = startswith_str(*a, "kexecd.crashed_boot_id="))) {
                        char lower[33];
                        size_t n = strlen(v);
                        for (size_t i = 0; i < n && i < 32; i++)
                                lower[i] = (char) (v[i] >= 'A' && v[i] <= 'F' ? v[i] - 'A' + 'a' : v[i]);
                        lower[n < 32 ? n : 32] = 0;
                        free(c.crashed_boot_id);
                        c.crashed_boot_id = NULL;
                        if (n == 32 && crash_boot_id_is_valid(lower))
                                c.crashed_boot_id = strdup(lower);
                        else
                                log_warning("Ignoring kexecd.crashed_boot_id=: not 32 hex digits");
                } else if ((v = startswith_str(*a, "kexecd.test_id="))) {
                        free(c.test_id);
                        c.test_id = NULL;
                        if (test_id_ok(v))
                                c.test_id = strdup(v);
                        else
                                log_warning("Ignoring kexecd.test_id=: empty, longer than %u or not [A-Za-z0-9._-]",
                                            TEST_ID_MAX);
                }
        }
        if (!c.crashed_boot_id)
                c.crashed_boot_id = strdup("unknown");
        if (!c.crashed_boot_id) {
                capture_cmdline_done(&c);
                return -ENOMEM;
        }
        *ret = c;
        return 0;
}

/* ---- one capture ---- */

typedef struct Capture {
        const CaptureConfig *cfg;
        const CapturePaths *paths;
        CrashRecord rec;
        char id[CRASH_ID_MAX];
        char *partial_dir;
        char *final_dir;
        uint64_t start_mono;
        char *env[8];
} Capture;

static void capture_done(Capture *c) {
        crash_record_done(&c->rec);
        free(c->partial_dir);
        free(c->final_dir);
        for (size_t i = 0; i < ELEMENTSOF(c->env); i++)
                free(c->env[i]);
}

_printf_(2, 3) static void fail(Capture *c, const char *fmt, ...) {
        va_list ap;
        char *s = NULL;
        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
                s = NULL;
        va_end(ap);
        log_error("Capture %s: %s", c->id, s ?: "failed");
        /* The first reason is the one that explains the others. */
        if (c->rec.complete || !c->rec.reason) {
                free(c->rec.reason);
                c->rec.reason = s;
        } else
                free(s);
        c->rec.complete = false;
}

static int fsync_path(const char *path, int flags) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | flags);
        if (fd < 0)
                return -errno;
        return fsync(fd) < 0 ? -errno : 0;
}

static int write_record(Capture *c, const char *dir) {
        _cleanup_free_ char *text = NULL, *path = NULL;
        c->rec.capture_usec = now_usec(CLOCK_MONOTONIC) - c->start_mono;
        int r = crash_record_format(&c->rec, &text);
        if (r == -E2BIG) {
                /* Too many hook results to stay within what readers take:
                 * the hooks' own output is in the journal anyway. */
                log_warning("Crash record too large, dropping the hook results from it");
                for (size_t i = 0; i < c->rec.n_hooks; i++) {
                        free(c->rec.hooks[i].name);
                        free(c->rec.hooks[i].phase);
                        free(c->rec.hooks[i].result);
                }
                c->rec.n_hooks = 0;
                r = crash_record_format(&c->rec, &text);
        }
        if (r < 0)
                return r;
        if (asprintf(&path, "%s/crash.json", dir) < 0)
                return -ENOMEM;
        return write_file_atomic(path, text, strlen(text), 0600);
}

static int make_env(Capture *c) {
        const char *release = c->rec.kernel_release ?: "unknown";
        if (asprintf(&c->env[0], "KEXECD_CRASH_ID=%s", c->id) < 0 ||
            asprintf(&c->env[1], "KEXECD_CRASHED_BOOT_ID=%s", c->rec.crashed_boot_id) < 0 ||
            asprintf(&c->env[2], "KEXECD_KERNEL_RELEASE=%s", release) < 0 ||
            asprintf(&c->env[3], "KEXECD_DUMP_LEVEL=%u", c->cfg->dump_level) < 0 ||
            asprintf(&c->env[4], "KEXECD_CRASH_DIR=%s", c->partial_dir) < 0)
                return -ENOMEM;
        return 0;
}

/* How much the dump may take. makedumpfile cannot say before it is done,
 * so this is a rule of thumb (docs/capture.md): the whole vmcore for an
 * unfiltered, uncompressed dump; a quarter of it otherwise (filtering free,
 * cache and zero pages and compressing leaves far less on a typical
 * machine; a full disk is still caught by makedumpfile failing). */
static uint64_t dump_estimate(uint64_t vmcore_size, unsigned level, CaptureCompression comp) {
        if (level == 0 && comp == CAPTURE_COMPRESSION_NONE)
                return vmcore_size;
        return vmcore_size / 4;
}

static bool enough_space(Capture *c, CaptureCompression comp) {
        struct statvfs sv;
        struct stat st;
        if (statvfs(c->partial_dir, &sv) < 0) {
                fail(c, "cannot tell the free space in %s: %m", c->cfg->dump_dir);
                return false;
        }
        uint64_t free_bytes = (uint64_t) sv.f_bavail * sv.f_frsize;
        uint64_t size = stat(c->paths->vmcore, &st) >= 0 ? (uint64_t) st.st_size : 0;
        uint64_t need = dump_estimate(size, c->cfg->dump_level, comp);
        if (free_bytes < need || free_bytes - need < c->cfg->min_free_space) {
                fail(c, "not enough space in %s: %llu bytes free, the dump needs about %llu and MinFreeSpace=%llu must remain",
                     c->cfg->dump_dir, (unsigned long long) free_bytes, (unsigned long long) need,
                     (unsigned long long) c->cfg->min_free_space);
                return false;
        }
        return true;
}

static void read_dmesg(Capture *c) {
        _cleanup_free_ char *path = NULL;
        struct stat st;
        if (asprintf(&path, "%s/vmcore-dmesg.txt", c->partial_dir) < 0)
                return;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                return;
        c->rec.dmesg_size = (uint64_t) st.st_size;
        (void) fsync(fd);
        if (dmesg_scan_fd(fd, &c->rec.panic_line, &c->rec.kernel_release) >= 0 && c->rec.kernel_release)
                c->rec.kernel_release_source = strdup("dmesg");
        if (c->rec.panic_line)
                log_notice("The crashed kernel said: %s", c->rec.panic_line);
}

static int create_partial(Capture *c) {
        /* Two captures in the same second of the same boot (only by hand):
         * wait for the next second rather than share a directory. */
        for (int attempt = 0; attempt < 3; attempt++) {
                int r = crash_id_make(c->rec.crash_time_usec, c->rec.crashed_boot_id, c->id);
                if (r < 0)
                        return r;
                free(c->partial_dir);
                free(c->final_dir);
                c->partial_dir = c->final_dir = NULL;
                if (asprintf(&c->partial_dir, "%s/%s%s", c->cfg->dump_dir, c->id, CRASH_PARTIAL_SUFFIX) < 0 ||
                    asprintf(&c->final_dir, "%s/%s", c->cfg->dump_dir, c->id) < 0)
                        return -ENOMEM;
                if (access(c->final_dir, F_OK) < 0 && mkdir(c->partial_dir, 0700) >= 0)
                        return 0;
                if (errno != EEXIST && access(c->final_dir, F_OK) < 0)
                        return -errno;
                sleep(1);
                c->rec.crash_time_usec = now_usec(CLOCK_REALTIME);
        }
        return -EEXIST;
}

bool capture_run(const CaptureConfig *cfg, const CapturePaths *paths) {
        _cleanup_free_ char *cmdline_text = NULL;
        CaptureCmdline cl = {};
        MakedumpfileInfo mdf = {};
        Capture c = { .cfg = cfg, .paths = paths, .start_mono = now_usec(CLOCK_MONOTONIC) };
        struct utsname u;
        int r, status;

        crash_record_init(&c.rec);
        c.rec.complete = true;
        c.rec.crash_time_usec = now_usec(CLOCK_REALTIME);
        snprintf(c.id, sizeof(c.id), "unknown");

        r = read_full_file(paths->cmdline, CMDLINE_FILE_MAX, &cmdline_text, NULL);
        if (r < 0)
                log_warning_errno(r, "Cannot read %s: %m", paths->cmdline);
        if (capture_cmdline_parse(strempty(cmdline_text), &cl) < 0 && !(cl.crashed_boot_id = strdup("unknown"))) {
                log_oom();
                goto out;
        }
        c.rec.crashed_boot_id = TAKE_PTR(cl.crashed_boot_id);
        c.rec.test_id = TAKE_PTR(cl.test_id);
        c.rec.dump_level = (int) cfg->dump_level;

        r = mkdir_parents_and_self(cfg->dump_dir, 0700);
        if (r < 0) {
                log_error_errno(r, "Cannot create the dump directory %s: %m; no dump and no record possible", cfg->dump_dir);
                goto out;
        }
        /* Earlier crashes first: explain what they left before adding more. */
        (void) retention_recover_stale(cfg->dump_dir, NULL);
        r = create_partial(&c);
        if (r < 0) {
                log_error_errno(r, "Cannot create a directory in %s: %m; no dump and no record possible", cfg->dump_dir);
                goto out;
        }
        c.rec.id = strdup(c.id);
        log_notice("Capturing crash %s of boot %s into %s", c.id, c.rec.crashed_boot_id, c.partial_dir);

        r = makedumpfile_probe(paths->makedumpfile, &mdf);
        CaptureCompression comp = makedumpfile_pick_compression(&mdf, cfg->compression);
        c.rec.compression = strdup(capture_compression_to_string(comp));
        if (mdf.version)
                c.rec.makedumpfile_version = strdup(mdf.version);

        DumpRequest req = {
                .makedumpfile = paths->makedumpfile,
                .vmcore = paths->vmcore,
                .dir = c.partial_dir,
                .dump_level = cfg->dump_level,
                .compression = comp,
                .command = isempty(cfg->dump_command) ? NULL : cfg->dump_command,
                .shell = paths->shell,
        };

        if (r < 0) {
                fail(&c, "cannot run makedumpfile (%s): %s", paths->makedumpfile, strerror(-r));
                goto record;
        }
        if (access(paths->vmcore, R_OK) < 0) {
                fail(&c, "no readable %s: %m (not running in a crash kernel?)", paths->vmcore);
                goto record;
        }

        /* 1. The log first: it explains the crash even if the dump fails. */
        r = dump_dmesg(&req, &status);
        if (r < 0)
                fail(&c, "cannot run makedumpfile --dump-dmesg: %s", strerror(-r));
        else if (status != 0)
                log_warning("makedumpfile --dump-dmesg failed with exit status %d; continuing with the dump", status);
        read_dmesg(&c);
        if (!c.rec.kernel_release && uname(&u) >= 0) {
                /* kexecd loads the running kernel as the crash kernel by default. */
                c.rec.kernel_release = strdup(u.release);
                c.rec.kernel_release_source = strdup("crash-kernel");
        }
        if (make_env(&c) < 0) {
                fail(&c, "out of memory");
                goto record;
        }

        /* Make room before the dump, not after: space is what a crash kernel lacks. */
        if (cfg->keep_dumps > 0)
                (void) retention_prune(cfg->dump_dir, cfg->keep_dumps - 1);

        (void) hooks_run(paths->hooks_dir, "pre", c.id, c.partial_dir, NULL, c.env, cfg->hook_timeout_usec, &c.rec);

        /* 2. The dump. */
        if (!c.rec.reason && (req.command || enough_space(&c, comp))) {
                DumpResult res;
                req.env = c.env;
                r = dump_run(&req, &res);
                c.rec.makedumpfile_status = res.makedumpfile_status;
                c.rec.command_status = res.command_status;
                c.rec.dump_size = res.size;
                if (req.command)
                        c.rec.dump_command = strdup(req.command);
                if (r < 0)
                        fail(&c, "%s", res.reason ?: "dump failed");
                else {
                        if (!req.command)
                                c.rec.dump_file = strdup("vmcore");
                        c.rec.dump_sha256 = strdup(res.sha256);
                        log_notice("Dump of %llu bytes taken, sha256 %s", (unsigned long long) res.size, res.sha256);
                }
                dump_result_done(&res);
        }

record:
        /* 3. The record, always; then the directory gets its final name. */
        (void) fsync_path(c.partial_dir, O_DIRECTORY);
        r = write_record(&c, c.partial_dir);
        if (r < 0) {
                log_error_errno(r, "Cannot write the crash record in %s: %m", c.partial_dir);
                c.rec.complete = false;
                goto out;
        }
        if (rename(c.partial_dir, c.final_dir) < 0) {
                log_error_errno(-errno, "Cannot rename %s to %s: %m", c.partial_dir, c.final_dir);
                c.rec.complete = false;
                goto out;
        }
        (void) fsync_path(cfg->dump_dir, O_DIRECTORY);
        log_notice("Crash %s recorded in %s (%s)", c.id, c.final_dir, c.rec.complete ? "complete" : c.rec.reason);

        /* 4. Hooks after, with the final directory; their results join the record. */
        if (!c.env[0])
                (void) make_env(&c);
        if (c.env[0]) {
                free(c.env[4]);
                c.env[4] = NULL;
                if (asprintf(&c.env[4], "KEXECD_CRASH_DIR=%s", c.final_dir) < 0)
                        c.env[4] = NULL;
        }
        size_t before = c.rec.n_hooks;
        (void) hooks_run(paths->hooks_dir, "post", c.id, c.final_dir, c.rec.complete ? "complete" : "failed",
                         c.env[0] ? c.env : NULL, cfg->hook_timeout_usec, &c.rec);
        if (c.rec.n_hooks != before) {
                r = write_record(&c, c.final_dir);
                if (r < 0)
                        log_warning_errno(r, "Cannot add the post hooks' results to the record: %m");
        }

out:;
        bool ok = c.rec.complete && c.rec.id;
        capture_cmdline_done(&cl);
        makedumpfile_info_done(&mdf);
        capture_done(&c);
        return ok;
}
