/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One org.kexecd1.Image object per image slot: its properties and the
 * loaded flag as the kernel reports it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "macro.h"
#include "manager.h"

int image_new(Manager *m, ImageType type, Image **ret) {
        Image *i = calloc(1, sizeof(Image));
        if (!i)
                return -ENOMEM;
        i->manager = m;
        i->type = type;
        if (asprintf(&i->object_path, KEXECD_IMAGE_PATH_PREFIX "%s", image_type_to_string(type)) < 0) {
                free(i);
                return -ENOMEM;
        }
        *ret = i;
        return 0;
}

Image *image_free(Image *i) {
        if (!i)
                return NULL;
        image_state_done(&i->state);
        sd_event_source_unref(i->retry_source);
        free(i->object_path);
        free(i->last_error);
        free(i->last_reload_reason);
        free(i->stale_reason);
        free(i);
        return NULL;
}

int image_refresh_loaded(Image *i) {
        bool loaded = false;
        int r = backend_read_bool(i->manager->backend,
                                  i->type == IMAGE_KDUMP ? KERNEL_KEXEC_CRASH_LOADED : KERNEL_KEXEC_LOADED,
                                  &loaded);
        if (r < 0)
                return r;
        if (loaded != i->loaded) {
                i->loaded = loaded;
                /* Also when nobody emits PropertiesChanged (Status() reads
                 * it anew, the kernel dropped an image on its own). */
                manager_metrics_changed(i->manager);
        }
        return 0;
}

/* The kinds of hotplug ("memory", "cpu") for which the kernel itself keeps
 * this loaded crash image's ELF core header current (crash_hotplug, read
 * after kexecd's load): no reload is needed for those. Empty for kexec. */
static void image_crash_hotplug_kinds(Image *i, const char *ret[static 3]) {
        size_t n = 0;
        if (i->type == IMAGE_KDUMP && i->loaded) {
                if (i->crash_hotplug_memory)
                        ret[n++] = "memory";
                if (i->crash_hotplug_cpu)
                        ret[n++] = "cpu";
        }
        ret[n] = NULL;
}

static int image_append_crash_hotplug(sd_bus_message *reply, void *userdata) {
        const char *kinds[3];
        image_crash_hotplug_kinds(userdata, kinds);
        return sd_bus_message_append_strv(reply, (char **) kinds);
}

static int image_append_initrds(sd_bus_message *reply, void *userdata) {
        Image *i = userdata;
        return sd_bus_message_append_strv(reply, i->state.spec.initrds);
}

void image_emit_changed(Image *i) {
        manager_metrics_changed(i->manager);
        if (!i->manager->bus)
                return;
        int r = sd_bus_emit_properties_changed_strv(i->manager->bus, i->object_path, KEXECD_IMAGE_IFACE, NULL);
        if (r < 0)
                log_warning_errno(r, "Failed to emit PropertiesChanged for %s: %m", i->object_path);
}

/* Property getters. Values describe what is loaded now: once the kernel
 * drops an image, Kernel/Cmdline still say what kexecd loaded last so that
 * Reload and the admin know, and Loaded says false. */

static int property_get_name(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Image *i = userdata;
        return sd_bus_message_append(reply, "s", image_type_to_string(i->type));
}

static int property_get_loaded(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Image *i = userdata;
        return sd_bus_message_append(reply, "b", i->loaded);
}

static int property_get_string(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Image *i = userdata;
        const ImageState *s = &i->state;
        const char *v = NULL;

        if (streq(property, "Kernel"))
                v = s->spec.kernel;
        else if (streq(property, "Cmdline"))
                v = s->effective_cmdline;
        else if (streq(property, "KernelSHA256"))
                v = s->kernel_sha256;
        else if (streq(property, "KernelFormat"))
                v = s->kernel_format;
        else if (streq(property, "Syscall"))
                v = s->syscall_used;
        else if (streq(property, "SyscallReason"))
                v = s->syscall_reason;
        else if (streq(property, "LastError"))
                v = i->last_error;
        else if (streq(property, "LastReloadReason"))
                v = i->last_reload_reason;
        else if (streq(property, "Entry"))
                v = s->spec.entry;
        return sd_bus_message_append(reply, "s", strempty(v));
}

static int property_get_initrds(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Image *i = userdata;
        return sd_bus_message_append_strv(reply, i->state.spec.initrds);
}

static int property_get_u64(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Image *i = userdata;
        uint64_t v = 0;

        if (streq(property, "LoadedAt"))
                v = i->state.loaded_at_usec;
        else if (streq(property, "LoadDurationUSec"))
                v = i->state.load_duration_usec;
        else if (streq(property, "LayoutGeneration"))
                v = i->state.layout_generation;
        else if (streq(property, "ReloadCount"))
                v = i->reload_count;
        return sd_bus_message_append(reply, "t", v);
}

static int property_get_crash_hotplug(sd_bus *bus, const char *path, const char *interface, const char *property,
                                      sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Image *i = userdata;
        return image_append_crash_hotplug(reply, i);
}

static int property_get_flag(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Image *i = userdata;
        bool v = streq(property, "Stale") ? i->stale : i->degraded;
        return sd_bus_message_append(reply, "b", v);
}

const sd_bus_vtable image_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Name", "s", property_get_name, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Loaded", "b", property_get_loaded, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Kernel", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Initrds", "as", property_get_initrds, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Cmdline", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("KernelSHA256", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("KernelFormat", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Syscall", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("SyscallReason", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LoadedAt", "t", property_get_u64, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LoadDurationUSec", "t", property_get_u64, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LastError", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Stale", "b", property_get_flag, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LayoutGeneration", "t", property_get_u64, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ReloadCount", "t", property_get_u64, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LastReloadReason", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Entry", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Degraded", "b", property_get_flag, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("CrashHotplug", "as", property_get_crash_hotplug, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_VTABLE_END
};

int image_register(Image *i) {
        return sd_bus_add_object_vtable(i->manager->bus, NULL, i->object_path, KEXECD_IMAGE_IFACE, image_vtable, i);
}

/* Appends the image's properties as one a{sv} (used by Status()). */
int image_append_properties(Image *i, sd_bus_message *reply) {
        const ImageState *s = &i->state;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;
#define APPEND(key, sig, ...)                                                          \
        do {                                                                           \
                r = sd_bus_message_append(reply, "{sv}", key, sig, __VA_ARGS__);        \
                if (r < 0)                                                             \
                        return r;                                                      \
        } while (0)
        APPEND("Name", "s", image_type_to_string(i->type));
        APPEND("Loaded", "b", i->loaded);
        APPEND("Kernel", "s", strempty(s->spec.kernel));
        APPEND("Cmdline", "s", strempty(s->effective_cmdline));
        APPEND("KernelSHA256", "s", strempty(s->kernel_sha256));
        APPEND("KernelFormat", "s", strempty(s->kernel_format));
        APPEND("Syscall", "s", strempty(s->syscall_used));
        APPEND("SyscallReason", "s", strempty(s->syscall_reason));
        APPEND("LoadedAt", "t", s->loaded_at_usec);
        APPEND("LoadDurationUSec", "t", s->load_duration_usec);
        APPEND("LastError", "s", strempty(i->last_error));
        APPEND("Stale", "b", i->stale);
        APPEND("LayoutGeneration", "t", s->layout_generation);
        APPEND("ReloadCount", "t", i->reload_count);
        APPEND("LastReloadReason", "s", strempty(i->last_reload_reason));
        APPEND("Degraded", "b", i->degraded);
        APPEND("Entry", "s", strempty(s->spec.entry));
#undef APPEND
        r = bus_append_dict_entry(reply, "CrashHotplug", "as", image_append_crash_hotplug, i);
        if (r >= 0)
                r = bus_append_dict_entry(reply, "Initrds", "as", image_append_initrds, i);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}
