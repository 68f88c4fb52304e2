/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Platform facts for Status: crash kernel regions from /proc/iomem and the
 * device tree report (DT machines). */
#include <errno.h>
#include <stdlib.h>

#include "crash-regions.h"
#include "devicetree.h"
#include "log.h"
#include "macro.h"
#include "manager.h"

int manager_append_crash_regions(sd_bus_message *reply, void *userdata) {
        Manager *m = userdata;
        IomemRegion *regions = NULL;
        size_t n = 0;
        int r;

        if (crash_regions_read(m->backend, &regions, &n) < 0)
                n = 0; /* no /proc/iomem: show an empty list */
        r = sd_bus_message_open_container(reply, 'a', "(stt)");
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = sd_bus_message_append(reply, "(stt)", regions[i].name, regions[i].start, regions[i].end);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        iomem_regions_free(regions, n);
        return r;
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
        _cleanup_free_ char *msg = NULL;
        DtReport d;
        int r, q;

        r = sd_bus_message_open_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;
        q = dt_report_read(m->backend, &d, &msg);
        if (q == -ENOTUNIQ)
                r = sd_bus_message_append(reply, "{sv}", "Error", "s", msg ?: "malformed device tree");
        else if (q >= 0) {
                r = sd_bus_message_append(reply, "{sv}{sv}{sv}{sv}{sv}{sv}",
                                          "KdumpKernel", "b", d.kdump_kernel,
                                          "ImaKexecBuffer", "b", d.ima_buffer,
                                          "KaslrSeed", "b", d.kaslr_seed,
                                          "RngSeed", "b", d.rng_seed,
                                          "BootedFromKexec", "b", d.booted_from_kexec,
                                          "UsableMemoryRanges", "u", (uint32_t) d.n_usable);
                if (r >= 0)
                        r = append_ranges(reply, "UsableMemory", d.usable, d.n_usable);
                if (r >= 0)
                        r = append_ranges(reply, "BootMemory", d.memory, d.n_memory);
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
