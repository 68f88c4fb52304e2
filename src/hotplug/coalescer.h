/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Turns a storm of hotplug events into one batch: a trailing debounce (the
 * batch fires once no event arrived for `quiet_usec`) with a cap (it fires
 * at the latest `max_delay_usec` after the batch's first event, so that a
 * never-ending trickle cannot postpone the reload forever). Pure logic on
 * caller-supplied timestamps, so it is tested without real time; the
 * monitor drives it from sd-event timers. */

#include <stdbool.h>
#include <stdint.h>

typedef enum HotplugSubsystem {
        HOTPLUG_MEMORY,
        HOTPLUG_CPU,
        _HOTPLUG_SUBSYSTEM_MAX,
} HotplugSubsystem;

typedef enum HotplugAction {
        HOTPLUG_ADD,
        HOTPLUG_REMOVE,
        HOTPLUG_ONLINE,
        HOTPLUG_OFFLINE,
        HOTPLUG_CHANGE,
        _HOTPLUG_ACTION_MAX,
} HotplugAction;

typedef struct HotplugBatch {
        unsigned counts[_HOTPLUG_SUBSYSTEM_MAX][_HOTPLUG_ACTION_MAX];
        unsigned total;
        bool rescan;            /* events were lost (socket overrun): rescan everything */
        uint64_t first_usec;    /* CLOCK_MONOTONIC of the first and last event */
        uint64_t last_usec;
} HotplugBatch;

typedef struct Coalescer {
        uint64_t quiet_usec;
        uint64_t max_delay_usec;
        bool pending;
        HotplugBatch batch;
} Coalescer;

void coalescer_init(Coalescer *c, uint64_t quiet_usec, uint64_t max_delay_usec);
void coalescer_add(Coalescer *c, HotplugSubsystem s, HotplugAction a, uint64_t now_usec);
/* A lost-events marker: the batch asks for a full rescan. */
void coalescer_add_rescan(Coalescer *c, uint64_t now_usec);
/* When the pending batch is due (CLOCK_MONOTONIC µs), or UINT64_MAX if none. */
uint64_t coalescer_deadline(const Coalescer *c);
/* If due at `now_usec`, moves the batch to *ret and returns true. */
bool coalescer_fire(Coalescer *c, uint64_t now_usec, HotplugBatch *ret);

const char *hotplug_subsystem_to_string(HotplugSubsystem s);
const char *hotplug_action_to_string(HotplugAction a);
int hotplug_action_from_string(const char *s);
/* "12 memory add, 12 memory online, 1 cpu online" */
char *hotplug_batch_describe(const HotplugBatch *b);
