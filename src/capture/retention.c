/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crash-record.h"
#include "dmesg-scan.h"
#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "retention.h"

/* A dump directory holds files only; anything deeper than this is not ours. */
#define RM_DEPTH_MAX 8u

int rm_rf_at(int dir_fd, const char *name, unsigned depth) {
        struct stat st;

        if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (!S_ISDIR(st.st_mode))
                return unlinkat(dir_fd, name, 0) < 0 ? -errno : 0;
        if (depth >= RM_DEPTH_MAX)
                return -ELOOP;

        /* O_NOFOLLOW: had the directory been swapped for a symlink since
         * the fstatat, this fails instead of emptying the target. */
        int fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return -errno;
        }
        int r = 0;
        for (struct dirent *de; (de = readdir(d));) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                int k = rm_rf_at(dirfd(d), de->d_name, depth + 1);
                if (k < 0 && r == 0)
                        r = k;
        }
        closedir(d);
        if (r < 0)
                return r;
        return unlinkat(dir_fd, name, AT_REMOVEDIR) < 0 ? -errno : 0;
}

static int fsync_dir(const char *path) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        return fsync(fd) < 0 ? -errno : 0;
}

static int recover_one(const char *dump_dir, const char *id) {
        _cleanup_free_ char *partial = NULL, *final = NULL, *json_path = NULL, *text = NULL;
        struct stat st;
        CrashRecord rec;
        int r;

        if (asprintf(&partial, "%s/%s%s", dump_dir, id, CRASH_PARTIAL_SUFFIX) < 0 ||
            asprintf(&final, "%s/%s", dump_dir, id) < 0 ||
            asprintf(&json_path, "%s/crash.json", partial) < 0)
                return -ENOMEM;
        if (lstat(final, &st) >= 0) {
                log_warning("Both %s and %s exist, leaving them alone", partial, final);
                return 0;
        }

        crash_record_init(&rec);
        if (crash_record_load(partial, &rec) == 0 && streq(rec.id, id)) {
                /* Interrupted between writing the record and the rename. */
                log_info("Finishing the interrupted capture %s", id);
        } else {
                crash_record_done(&rec);
                crash_record_init(&rec);
                rec.id = strdup(id);
                rec.complete = false;
                rec.reason = strdup("capture interrupted: the directory was found unfinished by a later capture");
                if (!rec.id || !rec.reason) {
                        crash_record_done(&rec);
                        return -ENOMEM;
                }
                /* What the log says is still worth keeping. */
                _cleanup_close_ int dfd = open(partial, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                _cleanup_close_ int lfd = dfd < 0 ? -EBADF :
                        openat(dfd, "vmcore-dmesg.txt", O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
                if (lfd >= 0 && fstat(lfd, &st) >= 0 && S_ISREG(st.st_mode)) {
                        rec.dmesg_size = (uint64_t) st.st_size;
                        (void) dmesg_scan_fd(lfd, &rec.panic_line, &rec.kernel_release);
                        if (rec.kernel_release)
                                rec.kernel_release_source = strdup("dmesg");
                }
                log_warning("Found the unfinished capture %s%s, recording it as incomplete", id, CRASH_PARTIAL_SUFFIX);
                r = crash_record_format(&rec, &text);
                if (r >= 0)
                        r = write_file_atomic(json_path, text, strlen(text), 0600);
                if (r < 0) {
                        crash_record_done(&rec);
                        return log_error_errno(r, "Cannot write %s: %m", json_path);
                }
        }
        crash_record_done(&rec);
        if (rename(partial, final) < 0)
                return log_error_errno(-errno, "Cannot rename %s: %m", partial);
        return fsync_dir(dump_dir);
}

int retention_recover_stale(const char *dump_dir, const char *own_id) {
        CrashEntry *e;
        size_t n;
        int r = crash_dir_list(dump_dir, &e, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                if (e[i].partial && !streq_ptr(e[i].id, own_id)) {
                        int k = recover_one(dump_dir, e[i].id);
                        if (k < 0 && r == 0)
                                r = k;
                }
        crash_entries_free(e, n);
        return r;
}

static int remove_entry(const char *dump_dir, const char *id, const char *what) {
        _cleanup_close_ int dfd = open(dump_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        log_info("Removing %s %s/%s (retention)", what, dump_dir, id);
        int r = rm_rf_at(dfd, id, 0);
        if (r < 0)
                return log_warning_errno(r, "Cannot remove %s/%s: %m", dump_dir, id);
        return fsync(dfd) < 0 ? -errno : 0;
}

int retention_prune(const char *dump_dir, unsigned keep_complete) {
        CrashEntry *e;
        size_t n, complete = 0, incomplete = 0;
        int r = crash_dir_list(dump_dir, &e, &n);
        if (r < 0)
                return r;
        /* Partial directories and unreadable records are never removed
         * here: they are explained (recover_stale) or left to the admin. */
        for (size_t i = 0; i < n; i++)
                if (!e[i].partial && e[i].load_error == 0) {
                        if (e[i].record.complete)
                                complete++;
                        else
                                incomplete++;
                }
        /* Oldest first: the list is sorted by id, i.e. by time. */
        for (size_t i = 0; i < n; i++) {
                if (e[i].partial || e[i].load_error != 0)
                        continue;
                int k = 0;
                if (e[i].record.complete && complete > keep_complete) {
                        k = remove_entry(dump_dir, e[i].id, "the dump");
                        complete--;
                } else if (!e[i].record.complete && incomplete > CAPTURE_INCOMPLETE_KEEP) {
                        k = remove_entry(dump_dir, e[i].id, "the failed capture record");
                        incomplete--;
                }
                if (k < 0 && r == 0)
                        r = k;
        }
        crash_entries_free(e, n);
        return r;
}
