/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The real udev monitor and coalescer against umockdev's emulated udev:
 * run under umockdev-wrapper (LD_PRELOAD of libumockdev-preload), which
 * redirects libudev's netlink socket and /sys to an in-process testbed. */
#include <stdlib.h>
#include <time.h>
#include <systemd/sd-event.h>
#include <umockdev.h>

#include "macro.h"
#include "monitor.h"
#include "test-util.h"

typedef struct Seen {
        unsigned batches;
        HotplugBatch last;
} Seen;

static void on_batch(const HotplugBatch *b, void *userdata) {
        Seen *s = userdata;
        s->batches++;
        s->last = *b;
}

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

/* Runs the loop for `usec` of real time. */
static void run_for(sd_event *e, uint64_t usec) {
        uint64_t deadline = now_usec() + usec;
        for (uint64_t n; (n = now_usec()) < deadline;)
                ASSERT_TRUE(sd_event_run(e, deadline - n) >= 0);
}

static sd_event *loop;
static unsigned emitted;

/* umockdev delivers over a unix socket with a small buffer: let the loop
 * drain it every few events (2 ms, far below the 200 ms quiet period, so
 * the storm still looks like one storm to the coalescer). */
static void emit(UMockdevTestbed *tb, const char *syspath, const char *action) {
        umockdev_testbed_uevent(tb, syspath, action);
        if (++emitted % 4 == 0)
                run_for(loop, 2000);
}

TEST(test_storm_gives_one_batch_per_quiet_period) {
        /* Without the preload library libudev would watch the real
         * netlink socket and this test would time out with no batch. */
        const char *preload = getenv("LD_PRELOAD");
        if (!preload || !strstr(preload, "umockdev")) {
                fprintf(stderr, "must run under umockdev-wrapper\n");
                exit(EXIT_FAILURE);
        }
        UMockdevTestbed *tb = umockdev_testbed_new();
        char *blocks[32];
        for (int i = 0; i < 32; i++) {
                char name[32];
                snprintf(name, sizeof(name), "memory%d", 100 + i);
                blocks[i] = umockdev_testbed_add_device(tb, "memory", name, NULL, "state", "offline", NULL, NULL);
                ASSERT_TRUE(blocks[i] != NULL);
        }
        char *cpu = umockdev_testbed_add_device(tb, "cpu", "cpu2", NULL, "online", "0", NULL, NULL);
        char *ignored = umockdev_testbed_add_device(tb, "cpu", "cpu3", NULL, "online", "0", NULL,
                                                    "KEXECD_IGNORE", "1", NULL);
        char *other = umockdev_testbed_add_device(tb, "net", "eth9", NULL, NULL, NULL);

        sd_event *e = NULL;
        HotplugMonitor *m = NULL;
        Seen seen = {};
        ASSERT_EQ(sd_event_new(&e), 0);
        loop = e;
        ASSERT_EQ(hotplug_monitor_new(e, 200 * 1000, 2000 * 1000, on_batch, &seen, &m), 0);

        /* A storm: 32 blocks added and onlined, a CPU onlined. */
        for (int i = 0; i < 32; i++) {
                emit(tb, blocks[i], "add");
                emit(tb, blocks[i], "online");
        }
        emit(tb, cpu, "online");
        /* Noise that must not count: an ignored CPU, another subsystem, bind. */
        emit(tb, ignored, "online");
        emit(tb, other, "add");
        emit(tb, cpu, "bind");

        run_for(e, 1200 * 1000);
        ASSERT_EQ(seen.batches, 1);
        ASSERT_EQ(seen.last.counts[HOTPLUG_MEMORY][HOTPLUG_ADD], 32);
        ASSERT_EQ(seen.last.counts[HOTPLUG_MEMORY][HOTPLUG_ONLINE], 32);
        ASSERT_EQ(seen.last.counts[HOTPLUG_CPU][HOTPLUG_ONLINE], 1);
        ASSERT_EQ(seen.last.total, 65);
        ASSERT_TRUE(!seen.last.rescan);

        /* Quiet afterwards: no further batch, no timer left behind. */
        run_for(e, 500 * 1000);
        ASSERT_EQ(seen.batches, 1);

        /* A second storm is a second batch. */
        for (int i = 0; i < 4; i++)
                emit(tb, blocks[i], "offline");
        emit(tb, blocks[0], "remove");
        run_for(e, 800 * 1000);
        ASSERT_EQ(seen.batches, 2);
        ASSERT_EQ(seen.last.counts[HOTPLUG_MEMORY][HOTPLUG_OFFLINE], 4);
        ASSERT_EQ(seen.last.counts[HOTPLUG_MEMORY][HOTPLUG_REMOVE], 1);

        hotplug_monitor_free(m);
        sd_event_unref(e);
        for (int i = 0; i < 32; i++)
                g_free(blocks[i]);
        g_free(cpu);
        g_free(ignored);
        g_free(other);
        g_object_unref(tb);
}

int main(void) {
        RUN(test_storm_gives_one_batch_per_quiet_period);
        return test_finish("test-monitor");
}
