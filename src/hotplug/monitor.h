/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Watches udev for memory and CPU hotplug (add, remove, online, offline,
 * change) on the daemon's sd-event loop and hands over one coalesced batch
 * per storm. No helper processes, no polling: the netlink socket is in the
 * event loop and a single timer exists only while a batch is pending. */

#include <stdint.h>
#include <systemd/sd-event.h>

#include "coalescer.h"

typedef struct HotplugMonitor HotplugMonitor;
typedef void (*HotplugCallback)(const HotplugBatch *batch, void *userdata);

int hotplug_monitor_new(sd_event *event, uint64_t quiet_usec, uint64_t max_delay_usec,
                        HotplugCallback callback, void *userdata, HotplugMonitor **ret);
HotplugMonitor *hotplug_monitor_free(HotplugMonitor *m);
static inline void hotplug_monitor_freep(HotplugMonitor **m) {
        hotplug_monitor_free(*m);
}
/* Events received since start (including ignored ones), for tests/benchmarks. */
uint64_t hotplug_monitor_events_seen(const HotplugMonitor *m);
