/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Crashes on the next boot: kexecd-capture (src/capture/) saved a dump and a
 * crash.json in the crash kernel; kexecd finds the new ones at start-up,
 * reports each once (history, journal, CrashCaptured), lists and removes
 * them, and runs the kdump test (crash on purpose, check the capture on the
 * next boot). docs/capture.md. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "build-config.h"
#include "crash-record.h"
#include "errors.h"
#include "fileio.h"
#include "kexecd-limits.h"
#include "log.h"
#include "manager-crash.h"
#include "polkit.h"
#include "utf8.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put)

#define REPORTED_FILE "crashes-reported"
#define KDUMP_TEST_FILE "kdump-test.json"
#define CAPTURE_UNIT "kexecd-capture.service"

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

const char *manager_dump_dir(Manager *m) {
        return m->config.capture.dump_dir ?: KEXECD_CAPTURE_DUMP_DIR_DEFAULT;
}

bool manager_capture_enabled(Manager *m) {
        if (m->config.capture.enabled >= 0)
                return m->config.capture.enabled;
        /* auto: a crash kernel told to start a unit that does not exist
         * would just boot to its default target. */
        return access(KEXECD_CAPTURE_PATH, X_OK) == 0;
}

/* The boot id as the crash kernel's kexecd-capture wants it: 32 hex. */
static int read_boot_id_hex(Manager *m, char ret[33]) {
        _cleanup_free_ char *id = NULL;
        size_t n = 0;
        int r = backend_read_string(m->backend, KERNEL_BOOT_ID, &id);
        if (r < 0)
                return r;
        for (const char *p = id; *p; p++) {
                if (*p == '-')
                        continue;
                if (n >= 32 || !((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
                        return -EBADMSG;
                ret[n++] = *p;
        }
        ret[n] = 0;
        return n == 32 ? 0 : -EBADMSG;
}

int manager_kdump_capture_args(Manager *m, const char *cmdline, char **ret) {
        char boot_id[33];

        *ret = NULL;
        /* An admin who names a unit of their own keeps it. */
        if (!manager_capture_enabled(m) || strstr(cmdline, "systemd.unit="))
                return 0;
        if (read_boot_id_hex(m, boot_id) < 0)
                snprintf(boot_id, sizeof(boot_id), "unknown");
        if (asprintf(ret, "systemd.unit=" CAPTURE_UNIT " kexecd.crashed_boot_id=%s%s%s", boot_id,
                     m->kdump_test.armed ? " kexecd.test_id=" : "", m->kdump_test.armed ? m->kdump_test.id : "") < 0)
                return -ENOMEM;
        return 1;
}

/* ---- the kdump test's state (kdump-test.json) ---- */

static void kdump_test_save(Manager *m) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        _cleanup_free_ char *path = NULL;
        if (!o || asprintf(&path, "%s/" KDUMP_TEST_FILE, m->state_dir) < 0)
                return;
        KdumpTest *t = &m->kdump_test;
        json_object_object_add(o, "id", json_object_new_string(t->id));
        json_object_object_add(o, "result", json_object_new_string(t->result));
        json_object_object_add(o, "requested_usec", json_object_new_uint64(t->requested_usec));
        json_object_object_add(o, "boot_id", json_object_new_string(t->boot_id));
        json_object_object_add(o, "crash_id", json_object_new_string(t->crash_id));
        json_object_object_add(o, "panic_to_dump_usec", json_object_new_uint64(t->panic_to_dump_usec));
        json_object_object_add(o, "detail", json_object_new_string(t->detail));
        const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);
        int r = write_file_atomic(path, text, strlen(text), 0600);
        if (r < 0)
                log_warning_errno(r, "Cannot save the kdump test's state to %s: %m", path);
}

static void copy_field(json_object *o, const char *key, char *buf, size_t size) {
        json_object *v;
        if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) &&
            strlen(json_object_get_string(v)) < size && utf8_is_valid(json_object_get_string(v)))
                snprintf(buf, size, "%s", json_object_get_string(v));
}

static void kdump_test_load(Manager *m) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        _cleanup_(json_object_putp) json_object *o = NULL;
        json_object *v;
        KdumpTest *t = &m->kdump_test;

        *t = (KdumpTest) {};
        if (asprintf(&path, "%s/" KDUMP_TEST_FILE, m->state_dir) < 0 ||
            read_full_file(path, 64 * 1024, &text, NULL) < 0)
                return;
        o = json_tokener_parse(text);
        if (!o || !json_object_is_type(o, json_type_object))
                return;
        copy_field(o, "id", t->id, sizeof(t->id));
        copy_field(o, "result", t->result, sizeof(t->result));
        copy_field(o, "boot_id", t->boot_id, sizeof(t->boot_id));
        copy_field(o, "crash_id", t->crash_id, sizeof(t->crash_id));
        copy_field(o, "detail", t->detail, sizeof(t->detail));
        if (json_object_object_get_ex(o, "requested_usec", &v) && json_object_is_type(v, json_type_int))
                t->requested_usec = json_object_get_uint64(v);
        if (json_object_object_get_ex(o, "panic_to_dump_usec", &v) && json_object_is_type(v, json_type_int))
                t->panic_to_dump_usec = json_object_get_uint64(v);
}

/* ---- reporting ---- */

static int reported_load(Manager *m, char ***ret) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        char **l = NULL;
        size_t n = 0;

        *ret = NULL;
        if (asprintf(&path, "%s/" REPORTED_FILE, m->state_dir) < 0)
                return -ENOMEM;
        int r = read_full_file(path, 64 * 1024, &text, NULL);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        l = calloc(KEXECD_CRASH_DIRS_MAX + 1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        for (char *save = NULL, *tok = strtok_r(text, "\n", &save); tok && n < KEXECD_CRASH_DIRS_MAX;
             tok = strtok_r(NULL, "\n", &save))
                if (crash_id_is_valid(tok) && !(l[n++] = strdup(tok))) {
                        strv_free(l);
                        return -ENOMEM;
                }
        *ret = l;
        return 0;
}

static bool strv_contains(char **l, const char *s) {
        for (char **i = l; i && *i; i++)
                if (streq(*i, s))
                        return true;
        return false;
}

/* Only ids still on disk are remembered, so the file stays bounded. */
static void reported_save(Manager *m, const CrashEntry *e, size_t n) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        size_t len = 0;
        FILE *f;

        if (asprintf(&path, "%s/" REPORTED_FILE, m->state_dir) < 0 || !(f = open_memstream(&text, &len)))
                return;
        for (size_t i = 0; i < n; i++)
                fprintf(f, "%s\n", e[i].id);
        if (fclose(f) != 0)
                return;
        int r = write_file_atomic(path, text, len, 0600);
        if (r < 0)
                log_warning_errno(r, "Cannot save which crashes were reported to %s: %m", path);
}

static void kdump_test_settle(Manager *m, const CrashEntry *e) {
        KdumpTest *t = &m->kdump_test;
        const CrashRecord *c = &e->record;

        /* A record is the evidence: it settles an armed test, and also one
         * declared failed only for want of a record (DumpDir was not there
         * at the first start, e.g. mounted late). */
        bool open_test = streq(t->result, "armed") || (streq(t->result, "failed") && !*t->crash_id);
        if (!open_test || e->load_error || !c->test_id || !streq(c->test_id, t->id))
                return;
        snprintf(t->crash_id, sizeof(t->crash_id), "%s", e->id);
        if (c->complete) {
                uint64_t done = c->crash_time_usec + c->capture_usec;
                t->panic_to_dump_usec = done > t->requested_usec ? done - t->requested_usec : 0;
                snprintf(t->result, sizeof(t->result), "passed");
                snprintf(t->detail, sizeof(t->detail), "dump %s complete %.1f s after the panic", e->id,
                         (double) t->panic_to_dump_usec / 1e6);
        } else {
                snprintf(t->result, sizeof(t->result), "failed");
                snprintf(t->detail, sizeof(t->detail), "the crash kernel ran but the capture failed: %s",
                         c->reason ?: "no reason recorded");
        }
        manager_record(m, m->images[IMAGE_KDUMP], "kdump-test", "%s %s: %s", t->id, t->result, t->detail);
        kdump_test_save(m);
}

static void report_crash(Manager *m, const CrashEntry *e) {
        _cleanup_free_ char *dir = NULL;
        const CrashRecord *c = &e->record;
        const char *panic = !e->load_error && c->panic_line ? c->panic_line : "";

        if (asprintf(&dir, "%s/%s%s", manager_dump_dir(m), e->id, e->partial ? CRASH_PARTIAL_SUFFIX : "") < 0)
                return;
        bool complete = !e->partial && !e->load_error && c->complete;
        if (e->load_error)
                manager_record(m, m->images[IMAGE_KDUMP], "crash-captured", "%s: its record cannot be read (%s); %s", e->id,
                               strerror(-e->load_error), dir);
        else
                manager_record(m, m->images[IMAGE_KDUMP], "crash-captured", "%s: %s%s%s; panic: %s; %s", e->id,
                               complete ? "complete" : "incomplete", complete ? "" : ": ",
                               complete ? "" : (e->partial ? "the capture never finished" : strempty(c->reason)),
                               *panic ? panic : "(no panic line found)", dir);
        log_event(complete ? LOG_WARNING : LOG_ERR, KEXECD_MESSAGE_CRASH, "kdump",
                  "The machine crashed; the crash kernel saved %s (%s). Panic: %s", dir,
                  complete ? "complete" : "incomplete", *panic ? panic : "not found");
        if (m->bus)
                (void) sd_bus_emit_signal(m->bus, KEXECD_MANAGER_PATH, KEXECD_MANAGER_IFACE, "CrashCaptured", "sbss",
                                          e->id, complete, panic, dir);
        kdump_test_settle(m, e);
}

static void count_crashes(Manager *m, const CrashEntry *e, size_t n) {
        m->crash_counts.complete = m->crash_counts.incomplete = 0;
        m->crash_counts.last_usec = 0;
        for (size_t i = 0; i < n; i++) {
                bool complete = !e[i].partial && !e[i].load_error && e[i].record.complete;
                if (complete)
                        m->crash_counts.complete++;
                else
                        m->crash_counts.incomplete++;
                if (!e[i].load_error && e[i].record.crash_time_usec > m->crash_counts.last_usec)
                        m->crash_counts.last_usec = e[i].record.crash_time_usec;
        }
        manager_metrics_changed(m);
}

int manager_crash_scan(Manager *m) {
        _cleanup_strv_free_ char **reported = NULL;
        CrashEntry *e = NULL;
        size_t n = 0;
        int r;

        kdump_test_load(m);
        /* A fresh install has no /var/crash: the crash kernel would create
         * it, but the readiness check should not fail before then. */
        if (manager_capture_enabled(m)) {
                r = mkdir_parents_and_self(manager_dump_dir(m), 0700);
                if (r < 0)
                        log_warning_errno(r, "Cannot create the dump directory %s: %m", manager_dump_dir(m));
        }
        r = crash_dir_list(manager_dump_dir(m), &e, &n);
        if (r == -ENOENT)
                r = 0, n = 0;
        if (r < 0)
                return log_warning_errno(r, "Cannot list crash dumps in %s: %m", manager_dump_dir(m));
        (void) reported_load(m, &reported);
        bool any = false;
        for (size_t i = 0; i < n; i++)
                if (!strv_contains(reported, e[i].id)) {
                        report_crash(m, &e[i]);
                        any = true;
                }
        /* A test whose crash left no record: the crash kernel did not
         * capture (or did not boot). Known once this is another boot. */
        char boot_id[33] = "";
        if (streq(m->kdump_test.result, "armed") && read_boot_id_hex(m, boot_id) >= 0 &&
            !streq(boot_id, m->kdump_test.boot_id)) {
                snprintf(m->kdump_test.result, sizeof(m->kdump_test.result), "failed");
                snprintf(m->kdump_test.detail, sizeof(m->kdump_test.detail),
                         "the machine rebooted but no crash record carries the test id: the crash kernel did not "
                         "boot or did not capture (its console shows why)");
                manager_record(m, m->images[IMAGE_KDUMP], "kdump-test", "%s failed: %s", m->kdump_test.id,
                               m->kdump_test.detail);
                kdump_test_save(m);
        }
        if (any || n == 0)
                reported_save(m, e, n);
        count_crashes(m, e, n);
        crash_entries_free(e, n);
        return 0;
}

/* ---- D-Bus ---- */

static int append_crash(sd_bus_message *reply, const Manager *m, const CrashEntry *e) {
        _cleanup_free_ char *dir = NULL;
        const CrashRecord *c = &e->record;
        bool ok = !e->load_error;
        int r;

        if (asprintf(&dir, "%s/%s%s", ((Manager *) m)->config.capture.dump_dir ?: KEXECD_CAPTURE_DUMP_DIR_DEFAULT, e->id,
                     e->partial ? CRASH_PARTIAL_SUFFIX : "") < 0)
                return -ENOMEM;
        r = sd_bus_message_open_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;
        r = sd_bus_message_append(reply, "{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}",
                                  "Id", "s", e->id,
                                  "Path", "s", dir,
                                  "Complete", "b", ok && !e->partial && c->complete,
                                  "Partial", "b", e->partial,
                                  "Reason", "s", e->load_error ? strerror(-e->load_error) : strempty(c->reason),
                                  "Time", "t", ok ? c->crash_time_usec : 0,
                                  "KernelRelease", "s", ok ? strempty(c->kernel_release) : "",
                                  "PanicLine", "s", ok ? strempty(c->panic_line) : "",
                                  "DumpSize", "t", ok ? c->dump_size : 0,
                                  "DumpSHA256", "s", ok ? strempty(c->dump_sha256) : "",
                                  "DumpLevel", "i", ok ? c->dump_level : -1,
                                  "CaptureUSec", "t", ok ? c->capture_usec : 0,
                                  "CrashedBootId", "s", ok ? strempty(c->crashed_boot_id) : "",
                                  "TestId", "s", ok ? strempty(c->test_id) : "");
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

int method_list_crashes(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        CrashEntry *e = NULL;
        size_t n = 0;
        int r = crash_dir_list(manager_dump_dir(m), &e, &n);
        if (r == -ENOENT)
                r = 0, n = 0;
        if (r < 0)
                return kexecd_error_setf(error, -EIO, "Cannot list %s: %s", manager_dump_dir(m), strerror(-r));
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "a{sv}");
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = append_crash(reply, m, &e[i]);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        crash_entries_free(e, n);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

void manager_last_crash_done(Manager *m) {
        if (m->last_crash.has) {
                free(m->last_crash.entry.id);
                crash_record_done(&m->last_crash.entry.record);
        }
        m->last_crash = (typeof(m->last_crash)) {};
}

static bool stat_unchanged(const struct stat *a, const struct stat *b) {
        return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
               a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
               a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* Two changes within one tick of the file system's clock leave the same
 * time stamps: what changed in the last 2 s is listed again next time. */
static bool stat_settled(const struct stat *st) {
        time_t now = (time_t) (now_usec() / 1000000ULL);
        return st->st_mtim.tv_sec + 2 < now && st->st_ctim.tv_sec + 2 < now;
}

static int newest_stat(Manager *m, const CrashEntry *e, struct stat *ret) {
        char path[PATH_MAX];
        int k = snprintf(path, sizeof path, "%s/%s%s/crash.json", manager_dump_dir(m), e->id,
                         e->partial ? CRASH_PARTIAL_SUFFIX : "");
        if (k < 0 || (size_t) k >= sizeof path)
                return -ENAMETOOLONG;
        return fstatat(AT_FDCWD, path, ret, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

/* The newest crash, NULL when there is none. kexecd-capture, its hooks and
 * admins change the dump directory behind kexecd's back: a new, renamed or
 * removed crash changes the directory's time stamps, a rewritten crash.json
 * (replaced or edited in place) its own. Listing (and parsing every record,
 * up to KEXECD_CRASH_DIRS_MAX) is done again only when either changed. */
static const CrashEntry *last_crash(Manager *m) {
        typeof(m->last_crash) *c = &m->last_crash;
        struct stat dir, newest;
        bool dir_exists = stat(manager_dump_dir(m), &dir) >= 0;

        if (c->valid && dir_exists == c->dir_exists &&
            (!dir_exists || (stat_unchanged(&dir, &c->dir) &&
                             (!c->has || (newest_stat(m, &c->entry, &newest) >= 0 && stat_unchanged(&newest, &c->newest))))))
                return c->has ? &c->entry : NULL;

        manager_last_crash_done(m);
        CrashEntry *e = NULL;
        size_t n = 0;
        int r = dir_exists ? crash_dir_list(manager_dump_dir(m), &e, &n) : 0;
        if (r < 0) {
                crash_entries_free(e, n);
                return NULL; /* tried again next time */
        }
        if (n > 0) {
                c->entry = e[n - 1];
                c->has = true;
                crash_entries_free(e, n - 1);
        } else
                free(e);
        c->dir_exists = dir_exists;
        c->dir = dir;
        c->valid = !dir_exists || (stat_settled(&dir) && (!c->has || (newest_stat(m, &c->entry, &c->newest) >= 0 &&
                                                                      stat_settled(&c->newest))));
        return c->has ? &c->entry : NULL;
}

int manager_append_last_crash(sd_bus_message *reply, void *userdata) {
        Manager *m = userdata;
        const CrashEntry *e = last_crash(m);
        if (!e) {
                int r = sd_bus_message_open_container(reply, 'a', "{sv}");
                return r < 0 ? r : sd_bus_message_close_container(reply);
        }
        return append_crash(reply, m, e);
}

int property_get_last_crash(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return manager_append_last_crash(reply, userdata);
}

int manager_append_kdump_test(sd_bus_message *reply, void *userdata) {
        Manager *m = userdata;
        const KdumpTest *t = &m->kdump_test;
        int r = sd_bus_message_open_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;
        if (*t->id) {
                r = sd_bus_message_append(reply, "{sv}{sv}{sv}{sv}{sv}{sv}",
                                          "Id", "s", t->id,
                                          "Result", "s", t->result,
                                          "RequestedAt", "t", t->requested_usec,
                                          "CrashId", "s", t->crash_id,
                                          "PanicToDumpUSec", "t", t->panic_to_dump_usec,
                                          "Detail", "s", t->detail);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

int property_get_kdump_test(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return manager_append_kdump_test(reply, userdata);
}

/* Removes a crash directory: only what is inside it, never through a
 * symlink, depth and count bounded (hooks may have left files). */
static int remove_tree_at(int parent, const char *name, unsigned depth, unsigned *budget) {
        _cleanup_close_ int fd = -EBADF;
        if (depth > 4 || (*budget)-- == 0)
                return -ELOOP;
        fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOTDIR || errno == ELOOP ? (unlinkat(parent, name, 0) < 0 ? -errno : 0) : -errno;
        DIR *d = fdopendir(fcntl(fd, F_DUPFD_CLOEXEC, 3));
        if (!d)
                return -errno;
        int r = 0;
        for (struct dirent *de; r >= 0 && (de = readdir(d));) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (de->d_type == DT_DIR)
                        r = remove_tree_at(fd, de->d_name, depth + 1, budget);
                else if (unlinkat(fd, de->d_name, 0) < 0)
                        r = errno == EISDIR ? remove_tree_at(fd, de->d_name, depth + 1, budget) : -errno;
        }
        closedir(d);
        if (r < 0)
                return r;
        return unlinkat(parent, name, AT_REMOVEDIR) < 0 ? -errno : 0;
}

typedef struct CrashRequest {
        char id[CRASH_ID_MAX];
} CrashRequest;

static int remove_continue(Manager *m, sd_bus_message *request, void *userdata) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        CrashRequest *req = userdata;
        CrashEntry *e = NULL;
        size_t n = 0;
        int r = crash_dir_list(manager_dump_dir(m), &e, &n);
        const CrashEntry *found = NULL;

        for (size_t i = 0; r >= 0 && i < n; i++)
                if (streq(e[i].id, req->id))
                        found = &e[i];
        if (!found)
                r = kexecd_error_setf(&error, -ENOTDIR, "No crash %s in %s (kexecctl crash list shows them).", req->id,
                                      manager_dump_dir(m));
        else {
                _cleanup_close_ int dfd = open(manager_dump_dir(m), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                char name[CRASH_ID_MAX + sizeof(CRASH_PARTIAL_SUFFIX)];
                unsigned budget = 100000;
                snprintf(name, sizeof(name), "%s%s", found->id, found->partial ? CRASH_PARTIAL_SUFFIX : "");
                r = dfd < 0 ? -errno : remove_tree_at(dfd, name, 0, &budget);
                if (r < 0)
                        r = kexecd_error_setf(&error, -EIO, "Cannot remove %s/%s: %s", manager_dump_dir(m), name, strerror(-r));
                else
                        manager_record(m, m->images[IMAGE_KDUMP], "crash-removed", "%s", req->id);
        }
        crash_entries_free(e, n);
        e = NULL, n = 0;
        if (r >= 0 && crash_dir_list(manager_dump_dir(m), &e, &n) >= 0)
                count_crashes(m, e, n);
        crash_entries_free(e, n);
        if (r < 0)
                return sd_bus_reply_method_error(request, &error);
        if (m->bus)
                (void) sd_bus_emit_properties_changed(m->bus, KEXECD_MANAGER_PATH, KEXECD_MANAGER_IFACE, "LastCrash", NULL);
        return sd_bus_reply_method_return(request, NULL);
}

int method_remove_crash(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        const char *id;
        int interactive = 0;
        int r = sd_bus_message_read(msg, "sb", &id, &interactive);
        if (r < 0)
                return r;
        /* The id names a directory: the pattern has no '/' and no "..". */
        if (!crash_id_is_valid(id))
                return kexecd_error_setf(error, -EDOM, "Not a crash id: ids look like 20261129T060349Z-0123456789ab.");
        CrashRequest *req = calloc(1, sizeof(*req));
        if (!req)
                return -ENOMEM;
        snprintf(req->id, sizeof(req->id), "%s", id);
        return polkit_check_async(userdata, msg, "org.kexecd1.remove-crash", interactive, remove_continue, req, free);
}

/* ---- the kdump test ---- */

/* kexecd.service has ProtectKernelTunables=, which makes /proc/sysrq-trigger
 * read-only inside its sandbox (as it should: kexecd never needs it but
 * here). The crash is then asked of systemd: a transient unit outside the
 * sandbox writes the trigger. */
static int crash_through_systemd(Manager *m) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        char unit[96];
        int r;

        if (!m->bus)
                return -ENOTCONN;
        snprintf(unit, sizeof(unit), "kexecd-kdump-test-%u.service", (unsigned) getpid());
        r = sd_bus_message_new_method_call(m->bus, &call, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                           "org.freedesktop.systemd1.Manager", "StartTransientUnit");
        if (r >= 0)
                r = sd_bus_message_append(call, "ss", unit, "replace");
        if (r >= 0)
                r = sd_bus_message_append(call, "a(sv)", 2,
                                          "Description", "s", "kexecd kdump test: crash the machine",
                                          "ExecStart", "a(sasb)", 1, "/bin/sh", 3, "/bin/sh", "-c",
                                          "sync; echo c >/proc/sysrq-trigger", false);
        if (r >= 0)
                r = sd_bus_message_append(call, "a(sa(sv))", 0);
        if (r < 0)
                return r;
        r = sd_bus_call(m->bus, call, 10 * 1000000ULL, &error, NULL);
        if (r < 0)
                log_error("kdump test %s: systemd cannot start %s: %s", m->kdump_test.id, unit,
                          error.message ?: strerror(-r));
        return r;
}

static int trigger_crash(sd_event_source *s, void *userdata) {
        Manager *m = userdata;
        sd_event_source_unref(s);
        /* The reply is out; what is written must survive the crash. */
        if (m->bus)
                (void) sd_bus_flush(m->bus);
        sync();
        log_notice("kdump test %s: crashing the machine now (sysrq c).", m->kdump_test.id);
        int fd = backend_open(m->backend, "/proc/sysrq-trigger", O_WRONLY);
        int r = fd < 0 ? fd : write(fd, "c", 1) == 1 ? 0 : -errno;
        if (fd >= 0)
                close(fd);
        if (r == -EROFS || r == -EACCES || r == -EPERM)
                r = crash_through_systemd(m);
        if (r < 0)
                log_error("kdump test %s: cannot crash the machine: %s", m->kdump_test.id, strerror(-r));
        return 0;
}

static int test_continue(Manager *m, sd_bus_message *request, void *userdata) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        KdumpTest saved = m->kdump_test, *t = &m->kdump_test;
        Image *kdump = m->images[IMAGE_KDUMP];
        uint8_t rnd[4] = {};
        char boot_id[33] = "";
        int r;

        if (!kdump->loaded || !kdump->has_state)
                return sd_bus_reply_method_errorf(request, KEXECD_ERROR_KDUMP_NOT_READY,
                                                  "No crash kernel is loaded by kexecd: a crash now would capture nothing.");
        if (!manager_capture_enabled(m))
                return sd_bus_reply_method_errorf(request, KEXECD_ERROR_KDUMP_NOT_READY,
                                                  "Capture is off ([Capture] Enabled=): the crash kernel would save nothing.");
        (void) getrandom(rnd, sizeof(rnd), GRND_NONBLOCK);
        (void) read_boot_id_hex(m, boot_id);
        *t = (KdumpTest) { .requested_usec = now_usec() };
        time_t secs = (time_t) (t->requested_usec / 1000000ULL);
        struct tm tm;
        gmtime_r(&secs, &tm);
        snprintf(t->id, sizeof(t->id), "test-%04d%02d%02dT%02d%02d%02dZ-%02x%02x%02x%02x", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, rnd[0], rnd[1], rnd[2], rnd[3]);
        snprintf(t->boot_id, sizeof(t->boot_id), "%s", boot_id);
        snprintf(t->result, sizeof(t->result), "armed");
        t->armed = true;
        /* The crash kernel learns the test id from its command line. */
        r = image_reload(kdump, "kdump test", &error);
        if (r < 0) {
                *t = saved;
                return sd_bus_reply_method_error(request, &error);
        }
        kdump_test_save(m);
        manager_record(m, kdump, "kdump-test", "%s armed: crashing the machine", t->id);
        r = sd_bus_reply_method_return(request, "s", t->id);
        if (r < 0)
                return r;
        r = sd_event_add_defer(m->event, NULL, trigger_crash, m);
        return r < 0 ? r : 1; /* replied */
}

int method_test_kdump(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        int interactive = 0;
        int r = sd_bus_message_read(msg, "b", &interactive);
        if (r < 0)
                return r;
        return polkit_check_async(userdata, msg, "org.kexecd1.test-kdump", interactive, test_continue, NULL, NULL);
}

/* ---- readiness ---- */

static int append_check(sd_bus_message *reply, const char *name, bool ok, const char *fmt, ...) _printf_(4, 5);
static int append_check(sd_bus_message *reply, const char *name, bool ok, const char *fmt, ...) {
        _cleanup_free_ char *detail = NULL;
        va_list ap;
        va_start(ap, fmt);
        int r = vasprintf(&detail, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        return sd_bus_message_append(reply, "(sbs)", name, ok, detail);
}

int method_check_kdump(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        Image *kdump = m->images[IMAGE_KDUMP];
        uint64_t crash_size = 0;
        struct statvfs sv;
        int r;

        (void) image_refresh_loaded(kdump);
        (void) backend_read_u64(m->backend, "/sys/kernel/kexec_crash_size", &crash_size);
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(sbs)");
        if (r >= 0 && crash_size > 0)
                r = append_check(reply, "reservation", true, "%" PRIu64 " MiB reserved", crash_size >> 20);
        else if (r >= 0)
                r = append_check(reply, "reservation", false, "no crashkernel= reservation: add crashkernel= to the "
                                 "kernel command line (docs/crashkernel.md)");
        if (r >= 0)
                r = append_check(reply, "loaded", kdump->loaded, kdump->loaded ? "a crash kernel is loaded" :
                                 "no crash kernel is loaded (kexecctl load --kdump)");
        if (r >= 0)
                r = append_check(reply, "fresh", kdump->loaded && !kdump->stale && !kdump->degraded, "%s",
                                 !kdump->loaded ? "nothing loaded" : kdump->stale ? "stale: the memory layout changed since it was loaded" :
                                 kdump->degraded ? "degraded: the last load failed, an older one is in place" : "fresh");
        if (r >= 0)
                r = append_check(reply, "capture", manager_capture_enabled(m), manager_capture_enabled(m) ?
                                 "the crash kernel starts " CAPTURE_UNIT : "capture is off ([Capture] Enabled=, or "
                                 KEXECD_CAPTURE_PATH " is not installed)");
        if (r >= 0)
                r = append_check(reply, "makedumpfile", access(MAKEDUMPFILE_PATH, X_OK) == 0, "%s %s", MAKEDUMPFILE_PATH,
                                 access(MAKEDUMPFILE_PATH, X_OK) == 0 ? "is installed" : "is missing (apt install makedumpfile)");
        if (r >= 0) {
                const char *dir = manager_dump_dir(m);
                struct stat st;
                bool have = stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && statvfs(dir, &sv) == 0;
                bool writable = have && !(sv.f_flag & ST_RDONLY) && access(dir, W_OK) == 0;
                uint64_t free_bytes = have ? (uint64_t) sv.f_bavail * sv.f_frsize : 0;
                r = append_check(reply, "dump-dir", writable, "%s %s", dir,
                                 !have ? "is missing or not a directory" :
                                 writable ? "is writable" : "is not writable");
                if (r >= 0)
                        r = append_check(reply, "free-space", have && free_bytes >= m->config.capture.min_free_space,
                                         "%" PRIu64 " MiB free, MinFreeSpace= is %" PRIu64 " MiB", free_bytes >> 20,
                                         m->config.capture.min_free_space >> 20);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}
