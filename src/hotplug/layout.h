/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The machine's memory and CPU layout as the kernel reports it, reduced to
 * two fingerprints: one for memory (System RAM ranges in /proc/iomem and the
 * state of every memory block) and one for CPUs (online and present CPUs).
 * A loaded image is stale when the fingerprint it was loaded at differs
 * from the current one in a dimension it depends on (docs/hotplug.md). */

#include <stdbool.h>
#include <stdint.h>

#include "backend.h"

typedef struct LayoutSnapshot {
        uint64_t memory_fingerprint;
        uint64_t cpu_fingerprint;
        uint64_t ram_bytes;          /* sum of top-level System RAM ranges */
        unsigned ram_ranges;
        unsigned memory_blocks;
        unsigned memory_blocks_online;
        unsigned cpus_online;
} LayoutSnapshot;

typedef enum LayoutChange {
        LAYOUT_UNCHANGED = 0,
        LAYOUT_MEMORY = 1 << 0,
        LAYOUT_CPU = 1 << 1,
} LayoutChange;

int layout_snapshot_read(Backend *b, LayoutSnapshot *ret);
LayoutChange layout_diff(const LayoutSnapshot *old, const LayoutSnapshot *now);

/* "mem:<16 hex>,cpu:<16 hex>" as stored with a loaded image, and back. */
int layout_fingerprint_format(const LayoutSnapshot *s, char **ret);
int layout_fingerprint_parse(const char *text, uint64_t *ret_memory, uint64_t *ret_cpu);

/* Parses /proc/iomem text: calls `cb` for every top-level "System RAM". */
int iomem_for_each_system_ram(const char *text, void (*cb)(uint64_t start, uint64_t end, void *userdata), void *userdata);

/* Counts CPUs in a kernel CPU list such as "0-3,6,8-9"; -EINVAL if malformed. */
int cpu_list_count(const char *list);
