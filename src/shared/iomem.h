/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* /proc/iomem as a list of regions with their nesting depth. */

#include <stddef.h>
#include <stdint.h>

#include "backend.h"

typedef struct IomemRegion {
        uint64_t start, end;
        unsigned depth;
        char *name;
} IomemRegion;

/* -EBADMSG on a line that is not "start-end : name". */
int iomem_parse(const char *text, IomemRegion **ret, size_t *ret_n);
int iomem_read(Backend *b, IomemRegion **ret, size_t *ret_n);
void iomem_regions_free(IomemRegion *r, size_t n);
