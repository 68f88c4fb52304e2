/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Platform facts for Status: crash kernel regions from /proc/iomem, the
 * device tree report (DT machines) and the kernel release, each kept for as
 * long as it cannot change (docs/architecture.md, "What Status() keeps"). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crash-regions.h"
#include "devicetree.h"
#include "log.h"
#include "macro.h"
#include "manager.h"

void manager_facts_done(Manager *m) {
        free(m->facts.kernel_release);
        free(m->facts.dt_message);
        iomem_regions_free(m->facts.regions, m->facts.n_regions);
        m->facts = (typeof(m->facts)) {};
}

const char *manager_kernel_release(Manager *m) {
        /* Fixed for the life of the running kernel; an unreadable file is
         * tried again next time rather than remembered as empty. */
        if (!m->facts.kernel_release)
                (void) backend_read_string(m->backend, KERNEL_OSRELEASE, &m->facts.kernel_release);
        return strempty(m->facts.kernel_release);
}

/* The "Crash kernel" regions of /proc/iomem change only when the
 * reservation is shrunk through kexec_crash_size (anyone root can do that
 * behind kexecd's back: the size is read each time, a cheap file) or, on
 * principle, with the memory layout (hotplug, which kexecd's monitor sees
 * and counts in layout_generation). Parsing all of /proc/iomem per call
 * was most of Status()'s cost on large machines. */
static void crash_regions_refresh(Manager *m, uint64_t crash_size) {
        IomemRegion *regions = NULL;
        size_t n = 0;

        if (m->facts.regions_known && m->facts.regions_crash_size == crash_size &&
            m->facts.regions_layout_generation == m->layout_generation)
                return;
        if (crash_regions_read(m->backend, &regions, &n) < 0)
                n = 0; /* no /proc/iomem: show an empty list */
        iomem_regions_free(m->facts.regions, m->facts.n_regions);
        m->facts.regions = regions;
        m->facts.n_regions = n;
        m->facts.regions_crash_size = crash_size;
        m->facts.regions_layout_generation = m->layout_generation;
        m->facts.regions_known = true;
}

int manager_append_crash_regions_for(Manager *m, sd_bus_message *reply, uint64_t crash_size) {
        int r;

        crash_regions_refresh(m, crash_size);
        r = sd_bus_message_open_container(reply, 'a', "(stt)");
        for (size_t i = 0; r >= 0 && i < m->facts.n_regions; i++)
                r = sd_bus_message_append(reply, "(stt)", m->facts.regions[i].name, m->facts.regions[i].start,
                                          m->facts.regions[i].end);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r;
}

int manager_append_crash_regions(sd_bus_message *reply, void *userdata) {
        Manager *m = userdata;
        uint64_t crash_size = 0;
        (void) backend_read_u64(m->backend, KERNEL_KEXEC_CRASH_SIZE, &crash_size);
        return manager_append_crash_regions_for(m, reply, crash_size);
}

static int append_ranges(sd_bus_message *reply, const char *key, const DtRange *ranges, size_t n) {
        int r = sd_bus_message_open_container(reply, 'e', "sv");
        if (r >= 0)
                r = sd_bus_message_append(reply, "s", key);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'v', "a(tt)");
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(tt)");
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = sd_bus_message_append(reply, "(tt)", ranges[i].start, ranges[i].size);
        for (int k = 0; r >= 0 && k < 3; k++)
                r = sd_bus_message_close_container(reply);
        return r;
}

/* a{sv}: empty when the machine has no flattened DT; "Error" when it is malformed. */
int manager_append_devicetree(sd_bus_message *reply, void *userdata) {
        Manager *m = userdata;
        const DtReport *d = &m->facts.dt;
        int r, q;

        /* /sys/firmware/fdt is the tree this kernel booted with: it cannot
         * change until the next boot, so it is parsed once. */
        if (!m->facts.dt_known) {
                m->facts.dt_r = dt_report_read(m->backend, &m->facts.dt, &m->facts.dt_message);
                m->facts.dt_known = true;
        }
        r = sd_bus_message_open_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;
        q = m->facts.dt_r;
        if (q == -ENOTUNIQ)
                r = sd_bus_message_append(reply, "{sv}", "Error", "s", m->facts.dt_message ?: "malformed device tree");
        else if (q >= 0) {
                r = sd_bus_message_append(reply, "{sv}{sv}{sv}{sv}{sv}{sv}",
                                          "KdumpKernel", "b", d->kdump_kernel,
                                          "ImaKexecBuffer", "b", d->ima_buffer,
                                          "KaslrSeed", "b", d->kaslr_seed,
                                          "RngSeed", "b", d->rng_seed,
                                          "BootedFromKexec", "b", d->booted_from_kexec,
                                          "UsableMemoryRanges", "u", (uint32_t) d->n_usable);
                if (r >= 0)
                        r = append_ranges(reply, "UsableMemory", d->usable, d->n_usable);
                if (r >= 0)
                        r = append_ranges(reply, "BootMemory", d->memory, d->n_memory);
        }
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

int property_get_crash_regions(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return manager_append_crash_regions(reply, userdata);
}

int property_get_devicetree(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return manager_append_devicetree(reply, userdata);
}
