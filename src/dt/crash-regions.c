/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crash-regions.h"
#include "macro.h"

int crash_regions_read(Backend *b, IomemRegion **ret, size_t *ret_n) {
        IomemRegion *all, *out;
        size_t n, k = 0;
        int r = iomem_read(b, &all, &n);
        if (r < 0)
                return r;
        out = calloc(n + 1, sizeof(IomemRegion));
        if (!out) {
                iomem_regions_free(all, n);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++)
                if (!strncmp(all[i].name, "Crash kernel", 12)) {
                        out[k++] = all[i];
                        all[i].name = NULL; /* moved */
                }
        iomem_regions_free(all, n);
        *ret = out;
        *ret_n = k;
        return 0;
}

int legacy_mem_max(Backend *b, uint64_t *ret) {
        _cleanup_close_ int dfd = backend_open(b, "/sys/devices/system/memory", O_RDONLY | O_DIRECTORY);
        uint64_t block_size = 0, lowest = UINT64_MAX;

        *ret = 0;
        if (dfd < 0)
                return dfd == -ENOENT ? 0 : dfd;
        _cleanup_free_ char *bs = NULL;
        if (backend_read_string(b, "/sys/devices/system/memory/block_size_bytes", &bs) < 0)
                return 0;
        block_size = strtoull(bs, NULL, 16);
        if (block_size == 0)
                return 0;
        DIR *d = fdopendir(dup(dfd));
        if (!d)
                return -errno;
        for (struct dirent *de; (de = readdir(d));) {
                char path[300], zones[128] = "", state[32] = "";
                char *end;
                if (strncmp(de->d_name, "memory", 6) || !isdigit((unsigned char) de->d_name[6]))
                        continue;
                unsigned long idx = strtoul(de->d_name + 6, &end, 10);
                if (*end)
                        continue;
                snprintf(path, sizeof(path), "%s/state", de->d_name);
                _cleanup_close_ int sfd = openat(dfd, path, O_RDONLY | O_CLOEXEC);
                if (sfd < 0 || read(sfd, state, sizeof(state) - 1) <= 0 || strncmp(state, "online", 6))
                        continue;
                snprintf(path, sizeof(path), "%s/valid_zones", de->d_name);
                _cleanup_close_ int zfd = openat(dfd, path, O_RDONLY | O_CLOEXEC);
                if (zfd < 0 || read(zfd, zones, sizeof(zones) - 1) <= 0)
                        continue;
                /* For an online block, valid_zones names the zone it is in. */
                if (strncmp(zones, "Movable", 7) == 0 && (uint64_t) idx * block_size < lowest)
                        lowest = (uint64_t) idx * block_size;
        }
        closedir(d);
        if (lowest != UINT64_MAX && lowest > 0)
                *ret = lowest - 1;
        return 0;
}
