/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coalescer.h"
#include "macro.h"

static const char *const subsystem_table[_HOTPLUG_SUBSYSTEM_MAX] = {
        [HOTPLUG_MEMORY] = "memory",
        [HOTPLUG_CPU] = "cpu",
};

static const char *const action_table[_HOTPLUG_ACTION_MAX] = {
        [HOTPLUG_ADD] = "add",
        [HOTPLUG_REMOVE] = "remove",
        [HOTPLUG_ONLINE] = "online",
        [HOTPLUG_OFFLINE] = "offline",
        [HOTPLUG_CHANGE] = "change",
};

const char *hotplug_subsystem_to_string(HotplugSubsystem s) {
        return s < _HOTPLUG_SUBSYSTEM_MAX ? subsystem_table[s] : NULL;
}

const char *hotplug_action_to_string(HotplugAction a) {
        return a < _HOTPLUG_ACTION_MAX ? action_table[a] : NULL;
}

int hotplug_action_from_string(const char *s) {
        for (int i = 0; s && i < _HOTPLUG_ACTION_MAX; i++)
                if (streq(s, action_table[i]))
                        return i;
        return -1;
}

void coalescer_init(Coalescer *c, uint64_t quiet_usec, uint64_t max_delay_usec) {
        *c = (Coalescer) {
                .quiet_usec = quiet_usec,
                /* A cap below the quiet period would make the quiet period meaningless. */
                .max_delay_usec = max_delay_usec < quiet_usec ? quiet_usec : max_delay_usec,
        };
}

static void note_event(Coalescer *c, uint64_t now_usec) {
        if (!c->pending) {
                c->pending = true;
                c->batch = (HotplugBatch) { .first_usec = now_usec };
        }
        c->batch.last_usec = now_usec;
        c->batch.total++;
}

void coalescer_add(Coalescer *c, HotplugSubsystem s, HotplugAction a, uint64_t now_usec) {
        note_event(c, now_usec);
        if (s < _HOTPLUG_SUBSYSTEM_MAX && a < _HOTPLUG_ACTION_MAX)
                c->batch.counts[s][a]++;
}

void coalescer_add_rescan(Coalescer *c, uint64_t now_usec) {
        note_event(c, now_usec);
        c->batch.rescan = true;
}

uint64_t coalescer_deadline(const Coalescer *c) {
        if (!c->pending)
                return UINT64_MAX;
        uint64_t quiet = c->batch.last_usec + c->quiet_usec;
        uint64_t cap = c->batch.first_usec + c->max_delay_usec;
        return quiet < cap ? quiet : cap;
}

bool coalescer_fire(Coalescer *c, uint64_t now_usec, HotplugBatch *ret) {
        if (!c->pending || now_usec < coalescer_deadline(c))
                return false;
        *ret = c->batch;
        c->pending = false;
        c->batch = (HotplugBatch) {};
        return true;
}

char *hotplug_batch_describe(const HotplugBatch *b) {
        char buf[512] = "";
        size_t n = 0;
        for (int s = 0; s < _HOTPLUG_SUBSYSTEM_MAX; s++)
                for (int a = 0; a < _HOTPLUG_ACTION_MAX; a++) {
                        if (b->counts[s][a] == 0 || n >= sizeof(buf))
                                continue;
                        n += (size_t) snprintf(buf + n, sizeof(buf) - n, "%s%u %s %s", n ? ", " : "",
                                               b->counts[s][a], subsystem_table[s], action_table[a]);
                }
        if (b->rescan && n < sizeof(buf))
                n += (size_t) snprintf(buf + n, sizeof(buf) - n, "%sevents lost, full rescan", n ? ", " : "");
        if (n == 0)
                snprintf(buf, sizeof(buf), "no events");
        return strdup(buf);
}
