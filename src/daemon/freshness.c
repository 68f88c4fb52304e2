/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Whether the kernel keeps the loaded crash image current by itself, and
 * whether loaded images still describe the machine. */
#include "auto-reload.h"
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

void manager_refresh_staleness(Manager *m) {
        (void) m;
}
