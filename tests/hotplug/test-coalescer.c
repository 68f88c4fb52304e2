/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>

#include "coalescer.h"
#include "macro.h"
#include "test-util.h"

#define S 1000000ULL

TEST(test_storm_fires_once_after_quiet_period) {
        Coalescer c;
        HotplugBatch b;
        coalescer_init(&c, 2 * S, 10 * S);
        ASSERT_EQ(coalescer_deadline(&c), UINT64_MAX);
        /* 128 memory blocks: add then online, 10 ms apart. */
        uint64_t t = 100 * S;
        for (int i = 0; i < 128; i++) {
                coalescer_add(&c, HOTPLUG_MEMORY, HOTPLUG_ADD, t);
                t += 5000;
                coalescer_add(&c, HOTPLUG_MEMORY, HOTPLUG_ONLINE, t);
                t += 5000;
                ASSERT_TRUE(!coalescer_fire(&c, t, &b));
        }
        uint64_t last = t - 5000;
        ASSERT_EQ(coalescer_deadline(&c), last + 2 * S);
        ASSERT_TRUE(!coalescer_fire(&c, last + 2 * S - 1, &b));
        ASSERT_TRUE(coalescer_fire(&c, last + 2 * S, &b));
        ASSERT_EQ(b.total, 256);
        ASSERT_EQ(b.counts[HOTPLUG_MEMORY][HOTPLUG_ADD], 128);
        ASSERT_EQ(b.counts[HOTPLUG_MEMORY][HOTPLUG_ONLINE], 128);
        ASSERT_EQ(b.first_usec, 100 * S);
        ASSERT_TRUE(!b.rescan);
        /* Nothing left. */
        ASSERT_EQ(coalescer_deadline(&c), UINT64_MAX);
        ASSERT_TRUE(!coalescer_fire(&c, last + 100 * S, &b));
}

TEST(test_cap_bounds_a_never_ending_trickle) {
        Coalescer c;
        HotplugBatch b;
        unsigned fired = 0;
        coalescer_init(&c, 2 * S, 10 * S);
        /* An event every second for a minute never leaves 2 s of quiet. */
        for (uint64_t t = 0; t <= 60 * S; t += S) {
                if (coalescer_fire(&c, t, &b)) {
                        fired++;
                        ASSERT_TRUE(t - b.first_usec <= 10 * S);
                        ASSERT_TRUE(b.total >= 10);
                }
                coalescer_add(&c, HOTPLUG_CPU, HOTPLUG_ONLINE, t);
        }
        ASSERT_TRUE(fired >= 5 && fired <= 6);
}

TEST(test_events_after_fire_start_a_new_batch) {
        Coalescer c;
        HotplugBatch b;
        coalescer_init(&c, S, 5 * S);
        coalescer_add(&c, HOTPLUG_CPU, HOTPLUG_ADD, 0);
        ASSERT_TRUE(coalescer_fire(&c, S, &b));
        ASSERT_EQ(b.total, 1);
        coalescer_add(&c, HOTPLUG_MEMORY, HOTPLUG_REMOVE, 3 * S);
        coalescer_add_rescan(&c, 3 * S + 10);
        ASSERT_EQ(coalescer_deadline(&c), 4 * S + 10);
        ASSERT_TRUE(coalescer_fire(&c, 5 * S, &b));
        ASSERT_EQ(b.total, 2);
        ASSERT_TRUE(b.rescan);
        ASSERT_EQ(b.counts[HOTPLUG_CPU][HOTPLUG_ADD], 0);
        _cleanup_free_ char *d = hotplug_batch_describe(&b);
        ASSERT_STREQ(d, "1 memory remove, events lost, full rescan");
}

TEST(test_cap_never_below_quiet) {
        Coalescer c;
        coalescer_init(&c, 5 * S, 1 * S);
        ASSERT_EQ(c.max_delay_usec, 5 * S);
        ASSERT_EQ(hotplug_action_from_string("offline"), HOTPLUG_OFFLINE);
        ASSERT_EQ(hotplug_action_from_string("bind"), -1);
}

int main(void) {
        RUN(test_storm_fires_once_after_quiet_period);
        RUN(test_cap_bounds_a_never_ending_trickle);
        RUN(test_events_after_fire_start_a_new_batch);
        RUN(test_cap_never_below_quiet);
        return test_finish("test-coalescer");
}
