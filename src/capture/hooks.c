/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hooks.h"
#include "kexecd-limits.h"
#include "log.h"
#include "macro.h"
#include "spawn.h"
#include "utf8.h"

static int filter_hook(const struct dirent *de) {
        return de->d_name[0] != '.';
}

static int record_hook(CrashRecord *rec, const char *name, const char *phase, const char *result, int status) {
        CrashHookResult *t = realloc(rec->hooks, (rec->n_hooks + 1) * sizeof(CrashHookResult));
        if (!t)
                return -ENOMEM;
        rec->hooks = t;
        CrashHookResult *h = &t[rec->n_hooks];
        *h = (CrashHookResult) {
                .name = strdup(name),
                .phase = strdup(phase),
                .result = strdup(result),
                .exit_status = status,
        };
        rec->n_hooks++; /* counted even if a strdup failed, so it is freed */
        return h->name && h->phase && h->result ? 0 : -ENOMEM;
}

int hooks_run(const char *hooks_dir, const char *phase, const char *id, const char *dir, const char *status,
              char *const env_extra[], uint64_t timeout_usec, CrashRecord *rec) {
        struct dirent **entries = NULL;
        int n = scandir(hooks_dir, &entries, filter_hook, alphasort);
        unsigned ran = 0;
        int r = 0;

        if (n < 0)
                return errno == ENOENT ? 0 : log_warning_errno(-errno, "Cannot list hooks in %s: %m", hooks_dir);

        for (int i = 0; i < n; i++) {
                _cleanup_free_ char *path = NULL;
                const char *name = entries[i]->d_name;
                struct stat st;

                /* Only executable regular files (a symlink to one is fine:
                 * the directory is root's). */
                if (r < 0 || asprintf(&path, "%s/%s", hooks_dir, name) < 0 ||
                    stat(path, &st) < 0 || !S_ISREG(st.st_mode) || access(path, X_OK) < 0)
                        goto next;
                if (strlen(name) > KEXECD_CRASH_HOOK_NAME_MAX || !utf8_is_valid(name)) {
                        log_warning("Hook %s/%s: name longer than %u bytes or not UTF-8, not run",
                                    hooks_dir, name, KEXECD_CRASH_HOOK_NAME_MAX);
                        goto next;
                }
                if (ran >= KEXECD_CRASH_HOOKS_MAX) {
                        log_warning("More than %u hooks in %s, not running %s", KEXECD_CRASH_HOOKS_MAX, hooks_dir, name);
                        goto next;
                }
                ran++;

                char *argv[] = { path, (char *) phase, (char *) id, (char *) dir, (char *) status, NULL };
                SpawnResult res;
                log_info("Running %s hook %s", phase, name);
                int k = spawn_run(argv, env_extra, timeout_usec, &res);
                const char *result;
                if (k < 0 || res.exec_errno != 0) {
                        log_warning_errno(k < 0 ? k : -res.exec_errno, "Hook %s could not be started: %m", name);
                        result = "error";
                        res.status = -1;
                } else if (res.timed_out) {
                        log_warning("Hook %s did not finish within %.0fs, killed", name, timeout_usec / 1e6);
                        result = "timeout";
                } else if (res.status != 0) {
                        log_warning("Hook %s failed with exit status %d", name, res.status);
                        result = "failed";
                } else
                        result = "ok";
                r = record_hook(rec, name, phase, result, res.status);
        next:
                free(entries[i]);
        }
        free(entries);
        return r;
}
