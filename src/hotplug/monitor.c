/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <libudev.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "macro.h"
#include "monitor.h"

/* Hot-adding hundreds of GiB produces thousands of memory-block events in
 * a burst; a large socket buffer makes an overrun (ENOBUFS) unlikely, and an
 * overrun is still handled (rescan). */
#define MONITOR_RECEIVE_BUFFER (16 * 1024 * 1024)

struct HotplugMonitor {
        sd_event *event;
        struct udev *udev;
        struct udev_monitor *monitor;
        sd_event_source *io_source;
        sd_event_source *timer_source;
        Coalescer coalescer;
        HotplugCallback callback;
        void *userdata;
        uint64_t events_seen;
};

static uint64_t now_monotonic(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata);

/* Arms the single timer for the pending batch's deadline (or disarms it). */
static int rearm(HotplugMonitor *m) {
        uint64_t deadline = coalescer_deadline(&m->coalescer);
        int r;

        if (deadline == UINT64_MAX)
                return m->timer_source ? sd_event_source_set_enabled(m->timer_source, SD_EVENT_OFF) : 0;
        if (!m->timer_source) {
                r = sd_event_add_time(m->event, &m->timer_source, CLOCK_MONOTONIC, deadline, 0, on_timer, m);
                if (r < 0)
                        return r;
                (void) sd_event_source_set_description(m->timer_source, "hotplug-coalescer");
                return 0;
        }
        r = sd_event_source_set_time(m->timer_source, deadline);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(m->timer_source, SD_EVENT_ONESHOT);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        HotplugMonitor *m = userdata;
        HotplugBatch batch;

        if (coalescer_fire(&m->coalescer, now_monotonic(), &batch))
                m->callback(&batch, m->userdata);
        (void) rearm(m);
        return 0;
}

static void handle_device(HotplugMonitor *m, struct udev_device *d, uint64_t now) {
        const char *subsystem = udev_device_get_subsystem(d);
        const char *action = udev_device_get_action(d);
        const char *ignore = udev_device_get_property_value(d, "KEXECD_IGNORE");
        int a;

        m->events_seen++;
        if (!subsystem || !action)
                return;
        log_debug("uevent %s %s %s", subsystem, action, strna(udev_device_get_sysname(d)));
        /* Admins can exclude devices with a udev rule (docs/hotplug.md). */
        if (ignore && streq(ignore, "1"))
                return;
        a = hotplug_action_from_string(action);
        if (a < 0)
                return; /* bind/unbind and friends do not change the layout */
        if (streq(subsystem, "memory"))
                coalescer_add(&m->coalescer, HOTPLUG_MEMORY, (HotplugAction) a, now);
        else if (streq(subsystem, "cpu"))
                coalescer_add(&m->coalescer, HOTPLUG_CPU, (HotplugAction) a, now);
}

static int on_udev(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        HotplugMonitor *m = userdata;
        uint64_t now = now_monotonic();

        /* Drain everything queued; one wakeup may carry a burst. */
        for (unsigned i = 0; i < 4096; i++) {
                errno = 0;
                struct udev_device *d = udev_monitor_receive_device(m->monitor);
                if (!d) {
                        if (errno == ENOBUFS) {
                                log_warning("udev event queue overran: rescanning the memory and CPU layout.");
                                coalescer_add_rescan(&m->coalescer, now);
                                continue;
                        }
                        break; /* EAGAIN: drained */
                }
                handle_device(m, d, now);
                udev_device_unref(d);
        }
        int r = rearm(m);
        if (r < 0)
                log_warning_errno(r, "Failed to arm hotplug timer: %m");
        return 0;
}

int hotplug_monitor_new(sd_event *event, uint64_t quiet_usec, uint64_t max_delay_usec,
                        HotplugCallback callback, void *userdata, HotplugMonitor **ret) {
        _cleanup_(hotplug_monitor_freep) HotplugMonitor *m = calloc(1, sizeof(HotplugMonitor));
        int r;

        if (!m)
                return -ENOMEM;
        m->event = sd_event_ref(event);
        m->callback = callback;
        m->userdata = userdata;
        coalescer_init(&m->coalescer, quiet_usec, max_delay_usec);

        m->udev = udev_new();
        if (!m->udev)
                return -ENOMEM;
        /* "udev" events: after udevd applied rules (so admin properties
         * such as KEXECD_IGNORE are visible). */
        m->monitor = udev_monitor_new_from_netlink(m->udev, "udev");
        if (!m->monitor)
                return errno > 0 ? -errno : -EIO;
        /* Subsystem matches are compiled into a socket filter: the kernel
         * drops every other uevent before kexecd wakes up. */
        r = udev_monitor_filter_add_match_subsystem_devtype(m->monitor, "memory", NULL);
        if (r >= 0)
                r = udev_monitor_filter_add_match_subsystem_devtype(m->monitor, "cpu", NULL);
        if (r < 0)
                return r;
        (void) udev_monitor_set_receive_buffer_size(m->monitor, MONITOR_RECEIVE_BUFFER);
        r = udev_monitor_enable_receiving(m->monitor);
        if (r < 0)
                return r;
        r = sd_event_add_io(event, &m->io_source, udev_monitor_get_fd(m->monitor), EPOLLIN, on_udev, m);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(m->io_source, "hotplug-udev");
        *ret = TAKE_PTR(m);
        return 0;
}

HotplugMonitor *hotplug_monitor_free(HotplugMonitor *m) {
        if (!m)
                return NULL;
        sd_event_source_disable_unref(m->io_source);
        sd_event_source_disable_unref(m->timer_source);
        udev_monitor_unref(m->monitor);
        udev_unref(m->udev);
        sd_event_unref(m->event);
        free(m);
        return NULL;
}

uint64_t hotplug_monitor_events_seen(const HotplugMonitor *m) {
        return m->events_seen;
}
