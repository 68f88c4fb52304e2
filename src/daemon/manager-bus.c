/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* org.kexecd1.Manager: method handlers and properties. Every handler reads
 * its arguments, validates them, asks polkit, then acts and replies, in
 * that order. Status and properties need no authorization. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "build-config.h"
#include "cmdline.h"
#include "errors.h"
#include "kexecd-limits.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "manager-crash.h"
#include "polkit.h"

typedef struct ImageRequest {
        ImageType type;
        ImageSpec spec;
} ImageRequest;

static void image_request_free(void *p) {
        ImageRequest *req = p;
        if (!req)
                return;
        image_spec_done(&req->spec);
        free(req);
}

static int read_image_name(sd_bus_message *msg, Manager *m, ImageType *ret, sd_bus_error *error) {
        const char *name;
        int r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        ImageType t = image_type_from_string(name);
        if (t < 0)
                return kexecd_error_setf(error, -ENXIO, "Unknown image '%s': expected 'kexec' or 'kdump'.", name);
        *ret = t;
        return 0;
}

static int check_path_shape(const char *what, const char *path, sd_bus_error *error) {
        size_t n = strlen(path);
        if (n > KEXECD_PATH_MAX)
                return kexecd_error_setf(error, -EISDIR, "%s path is %zu bytes long, at most %u are accepted.",
                                         what, n, KEXECD_PATH_MAX);
        if (n == 0 || path[0] != '/')
                return kexecd_error_setf(error, -EISDIR, "%s path must be absolute: '%s'", what, path);
        return 0;
}

/* Reads Load()'s initrd list, refusing it as soon as it is longer than
 * kexecd accepts: a 32 MiB message holds millions of strings, and nothing
 * may be done per entry before the bound (sd_bus_message_read_strv() would
 * copy them all, in quadratic time). */
static int read_initrds(sd_bus_message *msg, char ***ret, sd_bus_error *error) {
        _cleanup_strv_free_ char **l = NULL;
        size_t n = 0;
        const char *path;
        int r;

        r = sd_bus_message_enter_container(msg, 'a', "s");
        if (r < 0)
                return r;
        l = calloc(KEXECD_INITRDS_MAX + 1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        while ((r = sd_bus_message_read_basic(msg, 's', &path)) > 0) {
                if (n >= KEXECD_INITRDS_MAX)
                        return kexecd_error_setf(error, -EMSGSIZE, "More than %u initrds given.", KEXECD_INITRDS_MAX);
                r = check_path_shape("Initrd", path, error);
                if (r < 0)
                        return r;
                if (!(l[n++] = strdup(path)))
                        return -ENOMEM;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(msg);
        if (r < 0)
                return r;
        *ret = n > 0 ? TAKE_PTR(l) : NULL;
        return 0;
}

/* Reads Load()'s a{sv}. Unknown keys are an error: a typo must not be
 * silently ignored by a daemon that boots kernels. */
static int read_load_options(sd_bus_message *msg, ImageSpec *spec, int *interactive, sd_bus_error *error) {
        int r;

        static const char *const known[] = { "interactive", "syscall", "append", "entry" };
        unsigned seen = 0;

        r = sd_bus_message_enter_container(msg, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(msg, 'e', "sv")) > 0) {
                const char *key, *contents;
                r = sd_bus_message_read(msg, "s", &key);
                if (r < 0)
                        return r;
                /* A key given twice is a caller's mistake, not "last one
                 * wins": say so (and bound the loop with it). */
                for (size_t k = 0; k < ELEMENTSOF(known); k++)
                        if (streq(key, known[k])) {
                                if (seen & (1u << k))
                                        return kexecd_error_setf(error, -EDOM, "Option '%s' given more than once.", key);
                                seen |= 1u << k;
                        }
                r = sd_bus_message_peek_type(msg, NULL, &contents);
                if (r < 0)
                        return r;
                if (streq(key, "interactive")) {
                        if (!streq(contents, "b"))
                                return kexecd_error_setf(error, -EDOM, "Option 'interactive' must be a boolean.");
                        r = sd_bus_message_read(msg, "v", "b", interactive);
                } else if (streq(key, "syscall")) {
                        const char *v;
                        if (!streq(contents, "s"))
                                return kexecd_error_setf(error, -EDOM, "Option 'syscall' must be a string.");
                        r = sd_bus_message_read(msg, "v", "s", &v);
                        if (r >= 0 && (spec->syscall = syscall_mode_from_string(v)) < 0)
                                return kexecd_error_setf(error, -EDOM, "Option 'syscall' must be auto, file or legacy, not '%s'.", v);
                } else if (streq(key, "append")) {
                        const char *v;
                        if (!streq(contents, "s"))
                                return kexecd_error_setf(error, -EDOM, "Option 'append' must be a string.");
                        r = sd_bus_message_read(msg, "v", "s", &v);
                        if (r >= 0) {
                                free(spec->append);
                                spec->append = strdup(v);
                                if (!spec->append)
                                        return -ENOMEM;
                        }
                } else if (streq(key, "entry")) {
                        const char *v;
                        if (!streq(contents, "s"))
                                return kexecd_error_setf(error, -EDOM, "Option 'entry' must be a string.");
                        r = sd_bus_message_read(msg, "v", "s", &v);
                        if (r >= 0 && !image_spec_entry_valid(v))
                                return kexecd_error_setf(error, -EDOM,
                                                         "Option 'entry' must be a boot entry id, 'default' or 'running' "
                                                         "(no '/', no control characters, at most %u bytes).", IMAGE_SPEC_ENTRY_MAX);
                        if (r >= 0) {
                                free(spec->entry);
                                if (!(spec->entry = strdup(v)))
                                        return -ENOMEM;
                        }
                } else
                        return kexecd_error_setf(error, -EDOM, "Unknown option '%s'.", key);
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(msg);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(msg);
}

static int validate_cmdline_arg(const char *what, const char *s, sd_bus_error *error) {
        int r = cmdline_validate(s);
        if (r == -E2BIG)
                return kexecd_error_setf(error, r, "%s is %zu bytes, the kernel accepts at most %d.", what, strlen(s), KEXECD_CMDLINE_MAX);
        if (r < 0)
                return kexecd_error_setf(error, r, "%s contains control characters (newline, tab, U+0080..U+009F, ...).", what);
        return 0;
}

static int reply_after(sd_bus_message *request, int r, sd_bus_error *error) {
        if (r < 0)
                return sd_bus_reply_method_error(request, error);
        return sd_bus_reply_method_return(request, NULL);
}

static int load_continue(Manager *m, sd_bus_message *request, void *userdata) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        ImageRequest *req = userdata;
        int r = image_load(m->images[req->type], &req->spec, "requested over D-Bus", &error);
        return reply_after(request, r, &error);
}

static int method_load(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        ImageRequest *req;
        const char *kernel, *cmdline;
        int interactive = 0, r;

        req = calloc(1, sizeof(ImageRequest));
        if (!req)
                return -ENOMEM;
        r = read_image_name(msg, m, &req->type, error);
        if (r >= 0)
                r = sd_bus_message_read(msg, "s", &kernel);
        if (r >= 0)
                r = read_initrds(msg, &req->spec.initrds, error);
        if (r >= 0)
                r = sd_bus_message_read(msg, "s", &cmdline);
        if (r >= 0)
                r = read_load_options(msg, &req->spec, &interactive, error);
        /* With the `entry` option the kernel comes from the boot entry:
         * the kernel argument must be empty, not a second opinion. */
        if (r >= 0 && req->spec.entry && !isempty(kernel))
                r = kexecd_error_setf(error, -EDOM, "Give either a kernel path or the 'entry' option, not both.");
        else if (r >= 0 && !req->spec.entry)
                r = check_path_shape("Kernel", kernel, error);
        if (r >= 0)
                r = validate_cmdline_arg("Command line", cmdline, error);
        if (r >= 0 && req->spec.append)
                r = validate_cmdline_arg("Appended command line", req->spec.append, error);
        if (r >= 0 && ((!req->spec.entry && !(req->spec.kernel = strdup(kernel))) || !(req->spec.cmdline = strdup(cmdline))))
                r = -ENOMEM;
        if (r < 0) {
                image_request_free(req);
                return r;
        }
        return polkit_check_async(m, msg, "org.kexecd1.load", interactive, load_continue, req, image_request_free);
}

static int reload_continue(Manager *m, sd_bus_message *request, void *userdata) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        ImageRequest *req = userdata;
        int r = image_reload(m->images[req->type], "requested", &error);
        return reply_after(request, r, &error);
}

static int unload_continue(Manager *m, sd_bus_message *request, void *userdata) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        ImageRequest *req = userdata;
        int r = image_unload(m->images[req->type], &error);
        return reply_after(request, r, &error);
}

static int method_image_action(sd_bus_message *msg, Manager *m, const char *action, PolkitContinuation cont, sd_bus_error *error) {
        ImageRequest *req = calloc(1, sizeof(ImageRequest));
        int interactive = 0, r;

        if (!req)
                return -ENOMEM;
        r = read_image_name(msg, m, &req->type, error);
        if (r >= 0)
                r = sd_bus_message_read(msg, "b", &interactive);
        if (r < 0) {
                image_request_free(req);
                return r;
        }
        return polkit_check_async(m, msg, action, interactive, cont, req, image_request_free);
}

static int method_unload(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return method_image_action(msg, userdata, "org.kexecd1.unload", unload_continue, error);
}

static int method_reload(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return method_image_action(msg, userdata, "org.kexecd1.load", reload_continue, error);
}

static int prepare_continue(Manager *m, sd_bus_message *request, void *userdata) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = manager_prepare_kexec(m, &error);
        if (r < 0 && !sd_bus_error_is_set(&error))
                sd_bus_error_set_errno(&error, r);
        return reply_after(request, r, &error);
}

static int method_prepare_kexec(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        int interactive = 0;
        int r = sd_bus_message_read(msg, "b", &interactive);
        if (r < 0)
                return r;
        return polkit_check_async(userdata, msg, "org.kexecd1.load", interactive, prepare_continue, NULL, NULL);
}

static int kernels_changed_continue(Manager *m, sd_bus_message *request, void *userdata) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = manager_kernels_changed(m, userdata, &error);
        if (r < 0 && !sd_bus_error_is_set(&error))
                sd_bus_error_set_errno(&error, r);
        return reply_after(request, r, &error);
}

static int method_kernels_changed(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        const char *reason;
        char *copy;
        int r = sd_bus_message_read(msg, "s", &reason);
        if (r < 0)
                return r;
        /* The reason goes into the history and the journal: one short line. */
        if (strlen(reason) > KEXECD_KERNELS_CHANGED_REASON_MAX)
                return kexecd_error_setf(error, -EDOM, "The reason is %zu bytes long, at most %u are accepted.",
                                         strlen(reason), KEXECD_KERNELS_CHANGED_REASON_MAX);
        if (cmdline_validate(reason) < 0)
                return kexecd_error_setf(error, -EDOM, "The reason must be UTF-8 without control characters.");
        copy = strdup(isempty(reason) ? "no reason given" : reason);
        if (!copy)
                return -ENOMEM;
        return polkit_check_async(userdata, msg, "org.kexecd1.load", false, kernels_changed_continue, copy, free);
}

static int method_get_history(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        uint32_t max;
        int r;

        r = sd_bus_message_read(msg, "u", &max);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(tsss)");
        if (r < 0)
                return r;
        for (size_t k = history_first_of_newest(&m->history, max); k < m->history.n; k++) {
                const HistoryEntry *e = &m->history.entries[k];
                r = sd_bus_message_append(reply, "(tsss)", e->time_usec, e->image, e->event, e->detail);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* Manager properties */

static int property_get_version(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", PACKAGE_VERSION);
}

static int property_get_kernel_release(sd_bus *bus, const char *path, const char *interface, const char *property,
                                       sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", manager_kernel_release(userdata));
}

static int property_get_crash_size(sd_bus *bus, const char *path, const char *interface, const char *property,
                                   sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        uint64_t v = 0;
        (void) backend_read_u64(m->backend, KERNEL_KEXEC_CRASH_SIZE, &v);
        return sd_bus_message_append(reply, "t", v);
}

static int property_get_lockdown(sd_bus *bus, const char *path, const char *interface, const char *property,
                                 sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        char buf[MANAGER_LOCKDOWN_MAX];
        return sd_bus_message_append(reply, "s", manager_lockdown_word(userdata, buf));
}

static int property_get_load_disabled(sd_bus *bus, const char *path, const char *interface, const char *property,
                                      sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "b", manager_load_disabled(userdata));
}

static int property_get_load_limit(sd_bus *bus, const char *path, const char *interface, const char *property,
                                   sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "x", manager_load_limit(userdata, streq(property, "LoadLimitPanic")));
}

static int property_get_layout_generation(sd_bus *bus, const char *path, const char *interface, const char *property,
                                          sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        return sd_bus_message_append(reply, "t", m->layout_generation);
}

static int property_get_ima(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        if (streq(property, "ImaStatus"))
                return sd_bus_message_append(reply, "s", m->ima.status[0] ? m->ima.status : "unknown");
        if (streq(property, "ImaBootsInChain"))
                return sd_bus_message_append(reply, "u", m->ima.boots_in_chain);
        return sd_bus_message_append(reply, "t", m->ima.measurements);
}

typedef struct StatusRegions {
        Manager *m;
        uint64_t crash_size;
} StatusRegions;

/* The regions for the kexec_crash_size this Status() call read. */
static int append_status_crash_regions(sd_bus_message *reply, void *userdata) {
        StatusRegions *s = userdata;
        return manager_append_crash_regions_for(s->m, reply, s->crash_size);
}

static int method_status(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        char lockdown_buf[MANAGER_LOCKDOWN_MAX];
        const char *lockdown = manager_lockdown_word(m, lockdown_buf);
        uint64_t crash_size = 0;
        int r;

        /* Only what others can change behind kexecd's back is read here,
         * each a small file read once (docs/architecture.md, "What Status()
         * keeps"); the rest comes from what kexecd keeps. */
        (void) backend_read_u64(m->backend, KERNEL_KEXEC_CRASH_SIZE, &crash_size);
        for (int t = 0; t < _IMAGE_TYPE_MAX; t++)
                (void) image_refresh_loaded(m->images[t]);

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;
        r = sd_bus_message_append(reply, "{sv}{sv}{sv}{sv}{sv}{sv}{sv}{sv}",
                                  "Version", "s", PACKAGE_VERSION,
                                  "KernelRelease", "s", manager_kernel_release(m),
                                  "CrashKernelSize", "t", crash_size,
                                  "Lockdown", "s", lockdown,
                                  "KexecLoadDisabled", "b", manager_load_disabled(m),
                                  "LoadLimitReboot", "x", manager_load_limit(m, false),
                                  "LoadLimitPanic", "x", manager_load_limit(m, true),
                                  "LayoutGeneration", "t", m->layout_generation);
        if (r >= 0)
                r = sd_bus_message_append(reply, "{sv}{sv}",
                                          "CrashKernelSufficient", "b", manager_crash_sufficient_for(m, crash_size),
                                          "CrashKernelRecommended", "t", m->crash_recommended);
        if (r >= 0)
                r = bus_append_dict_entry(reply, "CrashKernelRegions", "a(stt)", append_status_crash_regions,
                                          &(StatusRegions) { m, crash_size });
        if (r >= 0)
                r = bus_append_dict_entry(reply, "DeviceTree", "a{sv}", manager_append_devicetree, m);
        if (r >= 0)
                r = bus_append_dict_entry(reply, "LastCrash", "a{sv}", manager_append_last_crash, m);
        if (r >= 0)
                r = bus_append_dict_entry(reply, "KdumpTest", "a{sv}", manager_append_kdump_test, m);
        if (r < 0)
                return r;
        r = sd_bus_message_append(reply, "{sv}{sv}{sv}",
                                  "ImaStatus", "s", m->ima.status[0] ? m->ima.status : "unknown",
                                  "ImaBootsInChain", "u", m->ima.boots_in_chain,
                                  "ImaMeasurements", "t", m->ima.measurements);
        if (r < 0)
                return r;
        for (int t = 0; t < _IMAGE_TYPE_MAX; t++) {
                r = sd_bus_message_open_container(reply, 'e', "sv");
                if (r >= 0)
                        r = sd_bus_message_append(reply, "s", image_type_to_string(t));
                if (r >= 0)
                        r = sd_bus_message_open_container(reply, 'v', "a{sv}");
                if (r >= 0)
                        r = image_append_properties(m->images[t], reply);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "s", property_get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("KernelRelease", "s", property_get_kernel_release, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("CrashKernelSize", "t", property_get_crash_size, 0, 0),
        SD_BUS_PROPERTY("Lockdown", "s", property_get_lockdown, 0, 0),
        SD_BUS_PROPERTY("KexecLoadDisabled", "b", property_get_load_disabled, 0, 0),
        SD_BUS_PROPERTY("LoadLimitReboot", "x", property_get_load_limit, 0, 0),
        SD_BUS_PROPERTY("LoadLimitPanic", "x", property_get_load_limit, 0, 0),
        SD_BUS_PROPERTY("LayoutGeneration", "t", property_get_layout_generation, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("CrashKernelRegions", "a(stt)", property_get_crash_regions, 0, 0),
        SD_BUS_PROPERTY("CrashKernelSufficient", "b", property_get_crash_estimate, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("CrashKernelRecommended", "t", property_get_crash_estimate, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("DeviceTree", "a{sv}", property_get_devicetree, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ImaStatus", "s", property_get_ima, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ImaBootsInChain", "u", property_get_ima, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ImaMeasurements", "t", property_get_ima, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LastCrash", "a{sv}", property_get_last_crash, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("KdumpTest", "a{sv}", property_get_kdump_test, 0, 0),
        SD_BUS_METHOD_WITH_ARGS("Load",
                                SD_BUS_ARGS("s", image, "s", kernel, "as", initrds, "s", cmdline, "a{sv}", options),
                                SD_BUS_NO_RESULT,
                                method_load, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Unload",
                                SD_BUS_ARGS("s", image, "b", interactive),
                                SD_BUS_NO_RESULT,
                                method_unload, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Reload",
                                SD_BUS_ARGS("s", image, "b", interactive),
                                SD_BUS_NO_RESULT,
                                method_reload, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Status",
                                SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("a{sv}", status),
                                method_status, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("PrepareKexec",
                                SD_BUS_ARGS("b", interactive),
                                SD_BUS_NO_RESULT,
                                method_prepare_kexec, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("KernelsChanged",
                                SD_BUS_ARGS("s", reason),
                                SD_BUS_NO_RESULT,
                                method_kernels_changed, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetHistory",
                                SD_BUS_ARGS("u", max),
                                SD_BUS_RESULT("a(tsss)", entries),
                                method_get_history, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListBootEntries",
                                SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("a(ssssasssb)", entries),
                                method_list_boot_entries, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("VerifyIma",
                                SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("a{sv}", result),
                                method_verify_ima, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ExportImaLog",
                                SD_BUS_ARGS("s", format),
                                SD_BUS_RESULT("h", log),
                                method_export_ima, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListCrashes",
                                SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("aa{sv}", crashes),
                                method_list_crashes, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RemoveCrash",
                                SD_BUS_ARGS("s", id, "b", interactive),
                                SD_BUS_NO_RESULT,
                                method_remove_crash, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("TestKdump",
                                SD_BUS_ARGS("b", interactive),
                                SD_BUS_RESULT("s", test_id),
                                method_test_kdump, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("CheckKdump",
                                SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("a(sbs)", checks),
                                method_check_kdump, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_ARGS("CrashCaptured",
                                SD_BUS_ARGS("s", id, "b", complete, "s", panic_line, "s", path),
                                0),
        SD_BUS_METHOD_WITH_ARGS("EstimateCrashKernel",
                                SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("t", recommended, "t", reserved, "b", sufficient, "a(sts)", items),
                                method_estimate_crash_kernel, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_ARGS("HistoryEvent",
                                SD_BUS_ARGS("t", time, "s", image, "s", event, "s", detail),
                                0),
        SD_BUS_VTABLE_END
};
