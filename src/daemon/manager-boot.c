/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Boot entries on the bus (ListBootEntries) and the resolution of an
 * image spec that follows an entry ("default", "running", an id) into the
 * kernel, initrds and options to load. Discovery runs at every call: the
 * boot loader's files change under kexecd (package upgrades), and a listing
 * is a few directory reads (bounded, src/boot/). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "boot-entries.h"
#include "errors.h"
#include "log.h"
#include "macro.h"
#include "manager.h"

static int discover(Manager *m, BootEntries *ret, sd_bus_error *error) {
        int r = boot_entries_discover(m->backend->root, ret);
        if (r < 0)
                return kexecd_error_setf(error, r, "Cannot list boot entries: %s", strerror(-r));
        for (size_t i = 0; i < ret->n_skipped; i++)
                log_debug("Boot entry %s skipped: %s", ret->skipped[i].path, ret->skipped[i].reason);
        return 0;
}

static char **strv_dup(char *const *l) {
        size_t n = strv_length(l);
        char **c = calloc(n + 1, sizeof(char *));
        for (size_t k = 0; c && k < n; k++)
                if (!(c[k] = strdup(l[k]))) {
                        strv_free(c);
                        return NULL;
                }
        return c;
}

int manager_resolve_entry(Manager *m, ImageType type, const ImageSpec *in, ImageSpec *out, sd_bus_error *error) {
        _cleanup_(boot_entries_done) BootEntries entries = {};
        _cleanup_(image_spec_done) ImageSpec s = {};
        _cleanup_free_ char *release = NULL;
        const BootEntry *e;
        int r;

        r = discover(m, &entries, error);
        if (r < 0)
                return r;
        if (streq(in->entry, "default")) {
                e = boot_entries_default(&entries);
                if (!e)
                        return kexecd_error_setf(error, -ESRCH,
                                                 "No default boot entry: no boot loader entry, no /vmlinuz and no /boot/vmlinuz-* found.");
        } else if (streq(in->entry, "running")) {
                r = backend_read_string(m->backend, KERNEL_OSRELEASE, &release);
                if (r < 0)
                        return kexecd_error_setf(error, -EIO, "Cannot read the running kernel's release: %s", strerror(-r));
                e = boot_entries_find_release(&entries, release);
                if (!e)
                        return kexecd_error_setf(error, -ESRCH,
                                                 "The running kernel's release %s has no /boot/vmlinuz-%s.", release, release);
        } else {
                e = boot_entries_find(&entries, in->entry);
                if (!e)
                        return kexecd_error_setf(error, -ESRCH, "No boot entry '%s' (kexecctl list-entries shows them).", in->entry);
        }

        r = image_spec_copy(&s, in);
        if (r < 0)
                return r;
        free(s.kernel);
        free(s.entry_options);
        s.entry_options = NULL;
        if (!(s.kernel = strdup(e->kernel)) || !(s.entry_options = strdup(e->options)))
                return -ENOMEM;
        /* Initrds given with the request (Initrd=, --initrd) win: a kdump
         * initrd differs from the boot one. Initrds an earlier resolution
         * put there do not: they belong to the kernel the entry named then. */
        if (strv_length(in->initrds) == 0 || in->entry_initrds) {
                strv_free(s.initrds);
                if (!(s.initrds = strv_dup(e->initrds)))
                        return -ENOMEM;
                s.entry_initrds = true;
        }
        log_info("%s image: boot entry '%s' is %s (%s)", image_type_to_string(type), in->entry, e->id, e->kernel);
        *out = s;
        s = (ImageSpec) {};
        return 0;
}

int method_list_boot_entries(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(boot_entries_done) BootEntries entries = {};
        Manager *m = userdata;
        int r;

        r = discover(m, &entries, error);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(ssssasssb)");
        for (size_t i = 0; r >= 0 && i < entries.n; i++) {
                const BootEntry *e = &entries.entries[i];
                r = sd_bus_message_open_container(reply, 'r', "ssssasssb");
                if (r >= 0)
                        r = sd_bus_message_append(reply, "ssss", e->id, e->title, strempty(e->version), e->kernel);
                if (r >= 0)
                        r = sd_bus_message_append_strv(reply, e->initrds);
                if (r >= 0)
                        r = sd_bus_message_append(reply, "ssb", e->options, boot_entry_source_to_string(e->source),
                                                  (int) e->is_default);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}
