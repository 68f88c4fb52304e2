/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Crash kernel reservations and the memory the legacy loader may use. */

#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "iomem.h"

/* Every /proc/iomem region whose name starts with "Crash kernel" (the
 * main one and, on x86-64 with crashkernel=X,high, the low one), at any
 * depth. Caller frees with iomem_regions_free(). */
int crash_regions_read(Backend *b, IomemRegion **ret, size_t *ret_n);

/* Highest address kexec-tools may place segments at so that none lands in
 * hot-pluggable memory: just below the lowest online memory block whose
 * zone is Movable (hot-added memory onlined online_movable, which can be
 * removed later). 0 when there is none (no bound needed). */
int legacy_mem_max(Backend *b, uint64_t *ret);
