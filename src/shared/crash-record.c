/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "crash-record.h"
#include "fileio.h"
#include "kexecd-limits.h"
#include "json-util.h"
#include "macro.h"
#include "utf8.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put)

void crash_record_init(CrashRecord *r) {
        *r = (CrashRecord) {
                .dump_level = -1,
                .makedumpfile_status = -1,
                .command_status = -1,
        };
}

void crash_record_done(CrashRecord *r) {
        free(r->id);
        free(r->reason);
        free(r->crashed_boot_id);
        free(r->kernel_release);
        free(r->kernel_release_source);
        free(r->panic_line);
        free(r->compression);
        free(r->dump_file);
        free(r->dump_command);
        free(r->dump_sha256);
        free(r->makedumpfile_version);
        free(r->test_id);
        for (size_t i = 0; i < r->n_hooks; i++) {
                free(r->hooks[i].name);
                free(r->hooks[i].phase);
                free(r->hooks[i].result);
        }
        free(r->hooks);
        crash_record_init(r);
}

static bool all_hex(const char *s, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
                        return false;
        return s[n] == 0;
}

static bool all_digits(const char *s, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (s[i] < '0' || s[i] > '9')
                        return false;
        return true;
}

bool crash_boot_id_is_valid(const char *s) {
        return s && (streq(s, "unknown") || (strlen(s) == 32 && all_hex(s, 32)));
}

bool crash_id_is_valid(const char *s) {
        /* YYYYMMDDTHHMMSSZ- then 12 lowercase hex or "unknown". */
        if (!s || strlen(s) < 17 || !all_digits(s, 8) || s[8] != 'T' || !all_digits(s + 9, 6) ||
            s[15] != 'Z' || s[16] != '-')
                return false;
        return streq(s + 17, "unknown") || (strlen(s + 17) == 12 && all_hex(s + 17, 12));
}

int crash_id_make(uint64_t usec, const char *boot_id, char buf[static CRASH_ID_MAX]) {
        time_t t = (time_t) (usec / 1000000);
        struct tm tm;
        char stamp[17];

        if (!gmtime_r(&t, &tm) || strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm) != 16)
                return -EINVAL;
        if (!boot_id || streq(boot_id, "unknown"))
                snprintf(buf, CRASH_ID_MAX, "%s-unknown", stamp);
        else if (crash_boot_id_is_valid(boot_id))
                snprintf(buf, CRASH_ID_MAX, "%s-%.12s", stamp, boot_id);
        else
                return -EINVAL;
        return crash_id_is_valid(buf) ? 0 : -EINVAL;
}

/* ---- writing ---- */

int crash_record_format(const CrashRecord *r, char **ret) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        json_object *hooks;
        int k;

        if (!o || !(hooks = json_object_new_array()))
                return -ENOMEM;
        if ((k = json_add_u64(o, "version", 1)) < 0 ||
            (k = json_add_string(o, "id", r->id)) < 0)
                return k;
        if (json_object_object_add(o, "complete", json_object_new_boolean(r->complete)) < 0)
                return -ENOMEM;
        if ((!r->complete && (k = json_add_string(o, "reason", r->reason ?: "unknown")) < 0) ||
            (k = json_add_string(o, "crashed_boot_id", r->crashed_boot_id)) < 0 ||
            (k = json_add_string(o, "kernel_release", r->kernel_release)) < 0 ||
            (k = json_add_string(o, "kernel_release_source", r->kernel_release_source)) < 0 ||
            (k = json_add_u64(o, "crash_time", r->crash_time_usec)) < 0 ||
            (k = json_add_string(o, "panic_line", r->panic_line)) < 0 ||
            (r->dump_level >= 0 && (k = json_add_int(o, "dump_level", r->dump_level)) < 0) ||
            (k = json_add_string(o, "compression", r->compression)) < 0 ||
            (k = json_add_string(o, "dump_file", r->dump_file)) < 0 ||
            (k = json_add_string(o, "dump_command", r->dump_command)) < 0 ||
            (k = json_add_u64(o, "dump_size", r->dump_size)) < 0 ||
            (k = json_add_string(o, "dump_sha256", r->dump_sha256)) < 0 ||
            (k = json_add_u64(o, "dmesg_size", r->dmesg_size)) < 0 ||
            (k = json_add_u64(o, "capture_usec", r->capture_usec)) < 0 ||
            (k = json_add_string(o, "makedumpfile_version", r->makedumpfile_version)) < 0 ||
            (r->makedumpfile_status >= 0 && (k = json_add_int(o, "makedumpfile_status", r->makedumpfile_status)) < 0) ||
            (r->command_status >= 0 && (k = json_add_int(o, "command_status", r->command_status)) < 0) ||
            (k = json_add_string(o, "test_id", r->test_id)) < 0)
                return k;
        if (json_object_object_add(o, "hooks", hooks) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < r->n_hooks; i++) {
                json_object *h = json_object_new_object();
                if (!h || json_object_array_add(hooks, h) < 0) {
                        json_object_put(h);
                        return -ENOMEM;
                }
                if ((k = json_add_string(h, "name", r->hooks[i].name)) < 0 ||
                    (k = json_add_string(h, "phase", r->hooks[i].phase)) < 0 ||
                    (k = json_add_string(h, "result", r->hooks[i].result)) < 0 ||
                    (k = json_add_int(h, "exit_status", r->hooks[i].exit_status)) < 0)
                        return k;
        }

        const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!text)
                return -ENOMEM;
        if (strlen(text) + 1 > KEXECD_CRASH_RECORD_MAX)
                return -E2BIG;
        *ret = malloc(strlen(text) + 2);
        if (!*ret)
                return -ENOMEM;
        /* text belongs to o: copy it out (with a final newline) before o goes. */
        sprintf(*ret, "%s\n", text);
        return 0;
}

/* ---- reading ---- */

/* A string member: absent or null is NULL; anything but a bounded UTF-8
 * string without NUL bytes is an error. */
static int get_string(json_object *o, const char *key, size_t max, char **ret) {
        json_object *v;
        *ret = NULL;
        if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
                return 0;
        if (!json_object_is_type(v, json_type_string))
                return -EBADMSG;
        const char *s = json_object_get_string(v);
        size_t n = (size_t) json_object_get_string_len(v);
        if (!s || n > max || strlen(s) != n || !utf8_is_valid(s))
                return -EBADMSG;
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

static int get_u64(json_object *o, const char *key, uint64_t *ret) {
        json_object *v;
        *ret = 0;
        if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
                return 0;
        if (!json_object_is_type(v, json_type_int))
                return -EBADMSG;
        /* json-c saturates out-of-range numbers; negative ones are refused. */
        errno = 0;
        int64_t i = json_object_get_int64(v);
        if (i < 0) {
                errno = 0;
                return -EBADMSG;
        }
        *ret = json_object_get_uint64(v);
        return 0;
}

static int get_int(json_object *o, const char *key, int min, int max, int *ret) {
        json_object *v;
        if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
                return 0; /* *ret keeps its "not recorded" value */
        if (!json_object_is_type(v, json_type_int))
                return -EBADMSG;
        int64_t i = json_object_get_int64(v);
        if (i < min || i > max)
                return -EBADMSG;
        *ret = (int) i;
        return 0;
}

static bool one_of(const char *s, const char *const *list) {
        for (; *list; list++)
                if (streq(s, *list))
                        return true;
        return false;
}

static int parse_hooks(json_object *o, CrashRecord *r) {
        static const char *const phases[] = { "pre", "post", NULL };
        static const char *const results[] = { "ok", "failed", "timeout", "error", NULL };
        json_object *a;
        int k;

        if (!json_object_object_get_ex(o, "hooks", &a) || json_object_is_type(a, json_type_null))
                return 0;
        if (!json_object_is_type(a, json_type_array))
                return -EBADMSG;
        size_t n = json_object_array_length(a);
        if (n > KEXECD_CRASH_HOOKS_MAX * 2) /* each hook runs twice: pre and post */
                return -EBADMSG;
        if (n == 0)
                return 0;
        r->hooks = calloc(n, sizeof(CrashHookResult));
        if (!r->hooks)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *h = json_object_array_get_idx(a, i);
                CrashHookResult *hr = &r->hooks[i];
                if (!h || !json_object_is_type(h, json_type_object))
                        return -EBADMSG;
                r->n_hooks = i + 1; /* so that crash_record_done() frees what is set */
                hr->exit_status = -1;
                if ((k = get_string(h, "name", KEXECD_CRASH_HOOK_NAME_MAX, &hr->name)) < 0 ||
                    (k = get_string(h, "phase", 8, &hr->phase)) < 0 ||
                    (k = get_string(h, "result", 16, &hr->result)) < 0 ||
                    (k = get_int(h, "exit_status", -1, 255, &hr->exit_status)) < 0)
                        return k;
                if (!hr->name || !hr->phase || !hr->result || !one_of(hr->phase, phases) ||
                    !one_of(hr->result, results))
                        return -EBADMSG;
        }
        return 0;
}

static int crash_record_parse_object(json_object *o, CrashRecord *r) {
        json_object *v;
        uint64_t version;
        int k;

        if (!json_object_is_type(o, json_type_object))
                return -EBADMSG;
        if ((k = get_u64(o, "version", &version)) < 0)
                return k;
        if (version != 1)
                return -EBADMSG; /* a future incompatible format */
        if (!json_object_object_get_ex(o, "complete", &v) || !json_object_is_type(v, json_type_boolean))
                return -EBADMSG;
        r->complete = json_object_get_boolean(v);

        if ((k = get_string(o, "id", CRASH_ID_MAX, &r->id)) < 0 ||
            (k = get_string(o, "reason", KEXECD_CRASH_STRING_MAX, &r->reason)) < 0 ||
            (k = get_string(o, "crashed_boot_id", 32, &r->crashed_boot_id)) < 0 ||
            (k = get_string(o, "kernel_release", 256, &r->kernel_release)) < 0 ||
            (k = get_string(o, "kernel_release_source", 16, &r->kernel_release_source)) < 0 ||
            (k = get_u64(o, "crash_time", &r->crash_time_usec)) < 0 ||
            (k = get_string(o, "panic_line", KEXECD_CRASH_PANIC_LINE_MAX * 4, &r->panic_line)) < 0 ||
            (k = get_int(o, "dump_level", 0, 31, &r->dump_level)) < 0 ||
            (k = get_string(o, "compression", 16, &r->compression)) < 0 ||
            (k = get_string(o, "dump_file", KEXECD_PATH_MAX, &r->dump_file)) < 0 ||
            (k = get_string(o, "dump_command", KEXECD_CRASH_STRING_MAX, &r->dump_command)) < 0 ||
            (k = get_u64(o, "dump_size", &r->dump_size)) < 0 ||
            (k = get_string(o, "dump_sha256", 64, &r->dump_sha256)) < 0 ||
            (k = get_u64(o, "dmesg_size", &r->dmesg_size)) < 0 ||
            (k = get_u64(o, "capture_usec", &r->capture_usec)) < 0 ||
            (k = get_string(o, "makedumpfile_version", 64, &r->makedumpfile_version)) < 0 ||
            (k = get_int(o, "makedumpfile_status", 0, 255, &r->makedumpfile_status)) < 0 ||
            (k = get_int(o, "command_status", 0, 255, &r->command_status)) < 0 ||
            (k = get_string(o, "test_id", 128, &r->test_id)) < 0 ||
            (k = parse_hooks(o, r)) < 0)
                return k;

        /* What later code relies on: a valid id, a boot id of the right
         * shape, a sha256 of the right shape, a reason for every failure. */
        if (!crash_id_is_valid(r->id))
                return -EBADMSG;
        if (r->crashed_boot_id && !crash_boot_id_is_valid(r->crashed_boot_id))
                return -EBADMSG;
        if (r->dump_sha256 && !(strlen(r->dump_sha256) == 64 && all_hex(r->dump_sha256, 64)))
                return -EBADMSG;
        if (!r->complete && !r->reason)
                return -EBADMSG;
        if (r->complete && r->reason) {
                free(r->reason); /* a complete capture has no failure reason */
                r->reason = NULL;
        }
        return 0;
}

int crash_record_parse(const char *text, size_t size, CrashRecord *ret) {
        CrashRecord r;
        int k;

        crash_record_init(&r);
        if (size > KEXECD_CRASH_RECORD_MAX || strlen(text) != size)
                return -EBADMSG;
        json_tokener *tok = json_tokener_new_ex(32); /* nesting depth: the schema needs 3 */
        if (!tok)
                return -ENOMEM;
        _cleanup_(json_object_putp) json_object *o = json_tokener_parse_ex(tok, text, (int) size);
        enum json_tokener_error err = json_tokener_get_error(tok);
        /* Trailing bytes after the object (beyond whitespace) make it not a record. */
        size_t used = json_tokener_get_parse_end(tok);
        json_tokener_free(tok);
        if (!o || err != json_tokener_success)
                return -EBADMSG;
        for (size_t i = used; i < size; i++)
                if (!strchr(" \t\r\n", text[i]))
                        return -EBADMSG;

        k = crash_record_parse_object(o, &r);
        if (k < 0) {
                crash_record_done(&r);
                return k;
        }
        *ret = r;
        return 0;
}

int crash_record_load_at(int dir_fd, CrashRecord *ret) {
        _cleanup_free_ char *text = NULL;
        size_t size;
        int k = read_full_file_at(dir_fd, "crash.json", O_NOFOLLOW, KEXECD_CRASH_RECORD_MAX, &text, &size);
        if (k == -ELOOP)
                return -EBADFD; /* a symlink: not a file written by kexecd-capture */
        if (k < 0)
                return k;
        return crash_record_parse(text, size, ret);
}

int crash_record_load(const char *dir, CrashRecord *ret) {
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        return crash_record_load_at(fd, ret);
}

/* ---- listing ---- */

void crash_entries_free(CrashEntry *e, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(e[i].id);
                crash_record_done(&e[i].record);
        }
        free(e);
}

static int entry_cmp(const void *a, const void *b) {
        const CrashEntry *x = a, *y = b;
        int c = strcmp(x->id, y->id);
        return c ? c : (int) x->partial - (int) y->partial;
}

int crash_dir_list(const char *dump_dir, CrashEntry **ret, size_t *ret_n) {
        _cleanup_close_ int dfd = open(dump_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        CrashEntry *e = NULL;
        size_t n = 0, allocated = 0;
        /* Scanning stops after this many matching names, so that a directory
         * stuffed with millions of them cannot make a reader spin. */
        const size_t scan_max = KEXECD_CRASH_DIRS_MAX * 4;
        int k = 0;

        if (dfd < 0)
                return -errno;
        DIR *d = fdopendir(dfd);
        if (!d)
                return -errno;
        dfd = -EBADF; /* owned by d now */

        for (struct dirent *de; n < scan_max && (errno = 0, de = readdir(d));) {
                char name[CRASH_ID_MAX + sizeof(CRASH_PARTIAL_SUFFIX)];
                size_t len = strlen(de->d_name);
                bool partial = false;
                struct stat st;

                if (len >= sizeof(name))
                        continue;
                memcpy(name, de->d_name, len + 1);
                if (len > strlen(CRASH_PARTIAL_SUFFIX) &&
                    streq(name + len - strlen(CRASH_PARTIAL_SUFFIX), CRASH_PARTIAL_SUFFIX)) {
                        name[len - strlen(CRASH_PARTIAL_SUFFIX)] = 0;
                        partial = true;
                }
                if (!crash_id_is_valid(name))
                        continue;
                /* Directories only, and no symlink to one: lstat semantics. */
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
                        continue;
                if (n == allocated) {
                        size_t a = allocated ? allocated * 2 : 16;
                        CrashEntry *t = realloc(e, a * sizeof(CrashEntry));
                        if (!t) {
                                k = -ENOMEM;
                                break;
                        }
                        e = t;
                        allocated = a;
                }
                e[n] = (CrashEntry) { .partial = partial };
                crash_record_init(&e[n].record);
                if (!(e[n].id = strdup(name))) {
                        k = -ENOMEM;
                        break;
                }
                n++;
        }
        if (k == 0 && errno != 0)
                k = -errno;
        if (k < 0) {
                closedir(d);
                crash_entries_free(e, n);
                return k;
        }

        if (n > 0)
                qsort(e, n, sizeof(CrashEntry), entry_cmp);
        /* Keep the newest: ids sort by time. */
        if (n > KEXECD_CRASH_DIRS_MAX) {
                size_t drop = n - KEXECD_CRASH_DIRS_MAX;
                for (size_t i = 0; i < drop; i++) {
                        free(e[i].id);
                        crash_record_done(&e[i].record);
                }
                memmove(e, e + drop, KEXECD_CRASH_DIRS_MAX * sizeof(CrashEntry));
                n = KEXECD_CRASH_DIRS_MAX;
        }

        for (size_t i = 0; i < n; i++) {
                char name[CRASH_ID_MAX + sizeof(CRASH_PARTIAL_SUFFIX)];
                snprintf(name, sizeof(name), "%s%s", e[i].id, e[i].partial ? CRASH_PARTIAL_SUFFIX : "");
                _cleanup_close_ int fd = openat(dirfd(d), name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                e[i].load_error = fd < 0 ? -errno : crash_record_load_at(fd, &e[i].record);
                /* A record that names another crash is not this directory's. */
                if (e[i].load_error == 0 && !streq(e[i].record.id, e[i].id)) {
                        crash_record_done(&e[i].record);
                        e[i].load_error = -EBADMSG;
                }
        }
        closedir(d);
        *ret = e;
        *ret_n = n;
        return 0;
}
