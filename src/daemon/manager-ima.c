/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The IMA chain from the daemon's side: verify at start-up and on demand,
 * snapshot the current list as late as possible before a kexec (from
 * PrepareKexec and when kexecd is stopped at shutdown), export. The work
 * itself is in src/ima/. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errors.h"
#include "ima-chain.h"
#include "ima-handover.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "ima-replay.h"
#include "polkit.h"

void manager_ima_snapshot(Manager *m, const char *why) {
        ImaSnapshotResult res;
        int r = ima_snapshot(m->backend, m->state_dir, &res);
        if (r == -ENOENT)
                return; /* IMA not enabled: nothing to keep */
        if (r < 0) {
                log_warning_errno(r, "Failed to save the IMA measurement list (%s): %m", why);
                manager_record(m, NULL, "ima-snapshot-failed", "%s: %s", why, strerror(-r));
                return;
        }
        log_debug("Saved IMA list (%s): %" PRIu64 " records, %" PRIu64 " new bytes.", why, res.records, res.new_bytes);
        if (res.new_bytes > 0)
                manager_record(m, NULL, "ima-snapshot", "%s: %" PRIu64 " records saved", why, res.records);
}

/* Adds the saved chain's state to `key`: every boot directory's name and
 * the size and time of its files, so that a changed, added or removed
 * saved list (by kexecd, or by hand) is a different chain. */
static int append_saved_chain_state(FILE *f, const char *state_dir) {
        _cleanup_free_ char *base = NULL;
        struct dirent **entries = NULL;
        int n;

        if (asprintf(&base, "%s/ima", state_dir) < 0)
                return -ENOMEM;
        n = scandir(base, &entries, NULL, alphasort);
        if (n < 0)
                return 0; /* no saved chain */
        for (int k = 0; k < n; k++) {
                static const char *const files[] = { "meta.json", "log.bin" };
                if (entries[k]->d_name[0] != '.')
                        for (size_t j = 0; j < ELEMENTSOF(files); j++) {
                                char path[4096];
                                struct stat st = {};
                                snprintf(path, sizeof(path), "%s/%s/%s", base, entries[k]->d_name, files[j]);
                                (void) stat(path, &st);
                                fprintf(f, "|%s/%s:%lld:%lld.%09ld", entries[k]->d_name, files[j], (long long) st.st_size,
                                        (long long) st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
                        }
                free(entries[k]);
        }
        free(entries);
        return 0;
}

/* Identifies the chain's state cheaply: the kernel's measurement count
 * (or, where that file is absent, the list's size and time) and the saved
 * chain's files. NULL when it cannot be told. */
static char *ima_chain_key(Manager *m) {
        _cleanup_free_ char *count = NULL, *p = NULL;
        char *key = NULL;
        size_t size = 0;
        struct stat st = {};

        if (backend_read_string(m->backend, "/sys/kernel/security/ima/runtime_measurements_count", &count) < 0) {
                p = backend_path(m->backend, IMA_LIST_PATH);
                if (!p || (stat(p, &st) < 0 && errno != ENOENT))
                        return NULL;
        }
        FILE *f = open_memstream(&key, &size);
        if (!f)
                return NULL;
        fprintf(f, "%s/%lld/%lld.%09ld", strempty(count), (long long) st.st_size, (long long) st.st_mtim.tv_sec,
                st.st_mtim.tv_nsec);
        int r = append_saved_chain_state(f, m->state_dir);
        if (fclose(f) != 0 || r < 0) {
                free(key);
                return NULL;
        }
        return key;
}

void manager_ima_import_handover(Manager *m) {
        _cleanup_free_ char *path = NULL;
        ImaSnapshotResult res;
        int r = ima_handover_import(m->backend, m->state_dir, &res, &path);
        if (r < 0) {
                log_warning_errno(r, "Ignoring the IMA list handed over by the previous kernel: %m");
                manager_record(m, NULL, "ima-handover-failed", "%s", strerror(-r));
                return;
        }
        if (r == 0)
                return;
        log_info("Imported the IMA list handed over by the previous kernel from %s: %" PRIu64 " records, %" PRIu64 " new bytes.",
                 path, res.records, res.new_bytes);
        if (res.new_bytes > 0) {
                manager_record(m, NULL, "ima-handover", "%" PRIu64 " records of the previous boot, %" PRIu64 " bytes after its last snapshot",
                               res.records, res.new_bytes);
        }
}

void manager_ima_verify(Manager *m) {
        char previous[sizeof(m->ima.status)];
        snprintf(previous, sizeof(previous), "%s", m->ima.status);
        int r = ima_verify(m->backend, m->state_dir, &m->ima);
        if (r < 0) {
                snprintf(m->ima.status, sizeof(m->ima.status), "unknown");
                snprintf(m->ima.detail, sizeof(m->ima.detail), "verification failed: %s", strerror(-r));
        }
        free(m->ima_verified_key);
        m->ima_verified_key = ima_chain_key(m);
        int level = streq(m->ima.status, "verified") || streq(m->ima.status, "disabled") || streq(m->ima.status, "no-tpm")
                    ? LOG_INFO : LOG_WARNING;
        /* Logged when the verdict changes, not per call: anyone may ask. */
        if (!streq(previous, m->ima.status))
                log_event(level, KEXECD_MESSAGE_IMA, NULL, "IMA measurement chain: %s (%s)", m->ima.status, m->ima.detail);
        else
                log_debug("IMA chain verified again, unchanged verdict: %s", m->ima.status);
        manager_metrics_changed(m);
        if (m->bus)
                (void) sd_bus_emit_properties_changed(m->bus, KEXECD_MANAGER_PATH, KEXECD_MANAGER_IFACE,
                                                      "ImaStatus", "ImaBootsInChain", "ImaMeasurements", NULL);
}

int manager_append_ima(Manager *m, sd_bus_message *reply) {
        const ImaVerification *v = &m->ima;
        char banks[64] = "";
        for (int b = 0; b < _IMA_BANK_MAX; b++)
                if (v->banks & (1u << b))
                        snprintf(banks + strlen(banks), sizeof(banks) - strlen(banks), "%s%s", *banks ? "," : "",
                                 ima_bank_name((ImaBank) b));
        return sd_bus_message_append(reply, "{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}",
                                     "Status", "s", v->status,
                                     "Method", "s", v->method,
                                     "BootsInChain", "u", v->boots_in_chain,
                                     "Measurements", "t", v->measurements,
                                     "CarriedOver", "b", v->carried_over,
                                     "BootAggregate", "s", v->boot_aggregate > 0 ? "ok" : v->boot_aggregate == 0 ? "mismatch" : "unchecked",
                                     "GapBoot", "s", v->gap_boot,
                                     "GapAfterRecord", "t", v->gap_after_record,
                                     "GapBeforeRecord", "t", v->gap_before_record,
                                     "GapUnaccounted", "x", v->gap_unaccounted,
                                     "Banks", "s", banks,
                                     "Detail", "s", v->detail);
}

int method_verify_ima(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        _cleanup_free_ char *key = ima_chain_key(m);
        int r;

        /* Unprivileged callers cannot make kexecd re-hash an unchanged
         * chain (360 ms for 120k records) as often as they like. */
        if (!key || !m->ima_verified_key || !streq(key, m->ima_verified_key))
                manager_ima_verify(m);
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "{sv}");
        if (r >= 0)
                r = manager_append_ima(m, reply);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static void free_string(void *p) {
        free(p);
}

static int export_continue(Manager *m, sd_bus_message *request, void *userdata) {
        const char *format = userdata;
        _cleanup_close_ int fd = -EBADF;
        int r = ima_export(m->backend, m->state_dir, format, &fd);
        if (r == -ENOENT)
                return sd_bus_reply_method_errorf(request, KEXECD_ERROR_IMA_UNAVAILABLE,
                                                  "IMA is not enabled: there is no measurement list to export.");
        if (r == -EFBIG)
                return sd_bus_reply_method_errorf(request, KEXECD_ERROR_IMA_LOG_TOO_LARGE,
                                                  "The measurement list is larger than kexecd reads.");
        if (r == -EBADMSG)
                return sd_bus_reply_method_errorf(request, KEXECD_ERROR_MALFORMED_IMA_LOG,
                                                  "The current measurement list is malformed.");
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(request, "h", fd);
}

int method_export_ima(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        const char *format;
        int r = sd_bus_message_read(msg, "s", &format);
        if (r < 0)
                return r;
        if (!streq(format, "binary") && !streq(format, "ascii"))
                return kexecd_error_setf(error, -EDOM, "Export format must be 'binary' or 'ascii', not '%s'.", format);
        char *copy = strdup(format);
        if (!copy)
                return -ENOMEM;
        return polkit_check_async(userdata, msg, "org.kexecd1.export-ima", false, export_continue, copy, free_string);
}
