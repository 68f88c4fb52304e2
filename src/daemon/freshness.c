/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Whether loaded images still describe the machine. Each image remembers
 * the layout fingerprint it was loaded at; comparing it with the current
 * one (read from the kernel, not inferred from events) decides staleness:
 *   kexec: stale when memory changed (it carries a memory map);
 *   kdump: stale when memory or CPUs changed (its ELF core header lists
 *          RAM ranges and per-CPU notes), unless crash_hotplug says the
 *          kernel updates the loaded crash image itself. */
#include <inttypes.h>
#include <stdlib.h>

#include "auto-reload.h"
#include "log.h"
#include "macro.h"
#include "manager.h"

/* crash_hotplug describes the image loaded *now*, so it is read right after
 * kexecd's own load has completed (image-load.c) and cached; a read taken
 * while a load is in flight would describe the old image. */
void image_read_crash_hotplug(Image *i) {
        bool v;
        i->crash_hotplug_memory = backend_read_bool(i->manager->backend, "/sys/devices/system/memory/crash_hotplug", &v) >= 0 && v;
        i->crash_hotplug_cpu = backend_read_bool(i->manager->backend, "/sys/devices/system/cpu/crash_hotplug", &v) >= 0 && v;
}

bool manager_kernel_updates_crash_header(Manager *m, bool memory_changed, bool cpu_changed) {
        Image *i = m->images[IMAGE_KDUMP];
        if (memory_changed && !i->crash_hotplug_memory)
                return false;
        if (cpu_changed && !i->crash_hotplug_cpu)
                return false;
        return memory_changed || cpu_changed;
}

int manager_refresh_layout(Manager *m) {
        LayoutSnapshot now;
        int r = layout_snapshot_read(m->backend, &now);
        if (r < 0)
                return log_warning_errno(r, "Cannot read the memory/CPU layout: %m");
        if (!m->layout_known || layout_diff(&m->layout, &now) != LAYOUT_UNCHANGED) {
                m->layout_generation++;
                manager_metrics_changed(m);
                if (m->bus)
                        (void) sd_bus_emit_properties_changed(m->bus, KEXECD_MANAGER_PATH, KEXECD_MANAGER_IFACE,
                                                              "LayoutGeneration", NULL);
        }
        m->layout = now;
        m->layout_known = true;
        return 0;
}

/* What changed for this image since it was loaded. */
static LayoutChange image_layout_change(Image *i) {
        uint64_t mem, cpu;
        if (!i->has_state || layout_fingerprint_parse(i->state.layout_fingerprint, &mem, &cpu) < 0)
                return LAYOUT_UNCHANGED; /* loaded by someone else, or before kexecd knew fingerprints */
        LayoutChange c = LAYOUT_UNCHANGED;
        if (mem != i->manager->layout.memory_fingerprint)
                c |= LAYOUT_MEMORY;
        if (cpu != i->manager->layout.cpu_fingerprint)
                c |= LAYOUT_CPU;
        return c;
}

static bool image_is_stale(Image *i, LayoutChange c) {
        if (!i->loaded || c == LAYOUT_UNCHANGED)
                return false;
        if (i->type == IMAGE_KEXEC)
                return c & LAYOUT_MEMORY;
        return !manager_kernel_updates_crash_header(i->manager, c & LAYOUT_MEMORY, c & LAYOUT_CPU);
}

void manager_refresh_staleness(Manager *m) {
        if (manager_refresh_layout(m) < 0)
                return;
        for (int t = 0; t < _IMAGE_TYPE_MAX; t++) {
                Image *i = m->images[t];
                (void) image_refresh_loaded(i);
                /* A reason other than the layout (file-watch.c) holds
                 * until the next load, whatever the layout does. */
                bool stale = image_is_stale(i, image_layout_change(i)) || i->stale_reason;
                if (stale != i->stale) {
                        i->stale = stale;
                        if (stale) {
                                log_event(LOG_INFO, KEXECD_MESSAGE_STALE, image_type_to_string(i->type),
                                          "The %s image is stale: the %s changed since it was loaded.",
                                          image_type_to_string(i->type),
                                          image_layout_change(i) & LAYOUT_MEMORY ? "memory layout" : "CPU layout");
                                manager_record(m, i, "stale", "layout generation %" PRIu64 " (loaded at %" PRIu64 ")",
                                               m->layout_generation, i->state.layout_generation);
                        }
                        image_emit_changed(i);
                }
        }
}

void manager_check_images(Manager *m, const char *why) {
        manager_refresh_staleness(m);
        for (int t = 0; t < _IMAGE_TYPE_MAX; t++) {
                Image *i = m->images[t];
                _cleanup_free_ char *reason = NULL;

                if (image_check_discarded(i)) {
                        if (asprintf(&reason, "the kernel discarded the image (%s)", why) >= 0)
                                (void) image_auto_reload(i, reason);
                        continue;
                }
                if (!i->stale)
                        continue;
                LayoutChange c = image_layout_change(i);
                /* Stale only because its files changed: not reloaded here
                 * (an upgrade may be half done, file-watch.c); the kernel
                 * hooks' KernelsChanged(), Reload or the last-moment check
                 * load it again. */
                if (c == LAYOUT_UNCHANGED)
                        continue;
                if (asprintf(&reason, "%s changed (%s)",
                             (c & LAYOUT_MEMORY) && (c & LAYOUT_CPU) ? "memory and CPU layout" :
                             (c & LAYOUT_MEMORY) ? "memory layout" : "CPU layout", why) < 0)
                        continue;
                (void) image_auto_reload(i, reason);
        }
}

static void on_hotplug_batch(const HotplugBatch *batch, void *userdata) {
        Manager *m = userdata;
        _cleanup_free_ char *what = hotplug_batch_describe(batch);
        uint64_t before = m->layout_generation;

        manager_refresh_staleness(m);
        /* One history line and one journal line per storm, not per event:
         * that is the rate limit. */
        log_info("Hotplug: %s (layout generation %" PRIu64 " -> %" PRIu64 ").", strna(what), before, m->layout_generation);
        manager_record(m, NULL, "hotplug", "%s; layout generation %" PRIu64 "%s", strna(what), m->layout_generation,
                       m->layout_generation == before ? " (unchanged)" : "");
        manager_check_images(m, what ?: "hotplug");
}

int manager_start_hotplug(Manager *m) {
        int r = manager_refresh_layout(m);
        if (r < 0)
                log_warning("Continuing without a layout fingerprint; stale images cannot be detected until it can be read.");
        r = hotplug_monitor_new(m->event, m->config.hotplug_quiet_usec, m->config.hotplug_max_delay_usec,
                                on_hotplug_batch, m, &m->hotplug);
        if (r < 0)
                return log_warning_errno(r, "Cannot watch udev for memory/CPU hotplug, images are checked only at kexec time: %m");
        return 0;
}
