/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iomem.h"
#include "layout.h"
#include "macro.h"

/* FNV-1a: a fingerprint, not a security boundary; cheap over thousands of
 * memory blocks. */
#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static uint64_t fnv_bytes(uint64_t h, const void *data, size_t n) {
        const uint8_t *p = data;
        for (size_t i = 0; i < n; i++) {
                h ^= p[i];
                h *= FNV_PRIME;
        }
        return h;
}

static uint64_t fnv_u64(uint64_t h, uint64_t v) {
        return fnv_bytes(h, &v, sizeof(v));
}

int iomem_for_each_system_ram(const char *text, void (*cb)(uint64_t, uint64_t, void *), void *userdata) {
        IomemRegion *regions;
        size_t n;
        int r = iomem_parse(text, &regions, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                if (regions[i].depth == 0 && streq(regions[i].name, "System RAM"))
                        cb(regions[i].start, regions[i].end, userdata);
        iomem_regions_free(regions, n);
        return 0;
}

typedef struct RamAcc {
        uint64_t fingerprint, bytes;
        unsigned ranges;
} RamAcc;

static void ram_cb(uint64_t start, uint64_t end, void *userdata) {
        RamAcc *a = userdata;
        a->fingerprint = fnv_u64(fnv_u64(a->fingerprint, start), end);
        a->bytes += end - start + 1;
        a->ranges++;
}

int cpu_list_count(const char *list) {
        int n = 0;
        const char *p = list;
        if (isempty(list))
                return 0;
        while (*p) {
                char *end;
                errno = 0;
                unsigned long a = strtoul(p, &end, 10), b = a;
                if (errno || end == p)
                        return -EINVAL;
                p = end;
                if (*p == '-') {
                        b = strtoul(++p, &end, 10);
                        if (errno || end == p || b < a)
                                return -EINVAL;
                        p = end;
                }
                n += (int) (b - a + 1);
                if (*p == ',')
                        p++;
                else if (*p && *p != '\n')
                        return -EINVAL;
                else if (*p == '\n')
                        break;
        }
        return n;
}

typedef struct Block {
        unsigned long index;
        char state; /* 'o'nline, 'f' offline, 'g' going-offline, '?' */
} Block;

static int block_cmp(const void *a, const void *b) {
        const Block *x = a, *y = b;
        return x->index < y->index ? -1 : x->index > y->index;
}

/* Reads every memoryN/state once, through one directory fd. */
static int read_memory_blocks(Backend *b, LayoutSnapshot *s, uint64_t *fp) {
        _cleanup_close_ int dfd = backend_open(b, "/sys/devices/system/memory", O_RDONLY | O_DIRECTORY);
        Block *blocks = NULL;
        size_t n = 0, allocated = 0;
        int r = 0;

        if (dfd < 0)
                return dfd == -ENOENT ? 0 : dfd; /* no memory hotplug support: nothing to watch */
        DIR *d = fdopendir(dup(dfd));
        if (!d)
                return -errno;
        for (struct dirent *de; (de = readdir(d));) {
                char path[300], state[32] = "";
                char *end;
                if (strncmp(de->d_name, "memory", 6) != 0 || !isdigit((unsigned char) de->d_name[6]))
                        continue;
                unsigned long idx = strtoul(de->d_name + 6, &end, 10);
                if (*end)
                        continue;
                snprintf(path, sizeof(path), "%s/state", de->d_name);
                _cleanup_close_ int fd = openat(dfd, path, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        continue; /* removed while we looked: the next event rescans */
                ssize_t k = read(fd, state, sizeof(state) - 1);
                if (k < 0)
                        continue;
                state[k] = 0;
                if (n == allocated) {
                        allocated = allocated ? allocated * 2 : 256;
                        Block *t = realloc(blocks, allocated * sizeof(Block));
                        if (!t) {
                                r = -ENOMEM;
                                break;
                        }
                        blocks = t;
                }
                blocks[n++] = (Block) {
                        .index = idx,
                        .state = !strncmp(state, "online", 6) ? 'o' : !strncmp(state, "offline", 7) ? 'f' :
                                 !strncmp(state, "going-offline", 13) ? 'g' : '?',
                };
        }
        closedir(d);
        if (r >= 0) {
                if (n > 0)
                        qsort(blocks, n, sizeof(Block), block_cmp);
                for (size_t i = 0; i < n; i++) {
                        *fp = fnv_u64(*fp, blocks[i].index);
                        *fp = fnv_bytes(*fp, &blocks[i].state, 1);
                        s->memory_blocks_online += blocks[i].state == 'o';
                }
                s->memory_blocks = (unsigned) n;
        }
        free(blocks);
        return r;
}

int layout_snapshot_read(Backend *b, LayoutSnapshot *ret) {
        LayoutSnapshot s = {};
        _cleanup_free_ char *iomem = NULL, *online = NULL, *present = NULL;
        RamAcc ram = { .fingerprint = FNV_OFFSET };
        uint64_t cpu_fp = FNV_OFFSET;
        int r;

        r = backend_read_full(b, KERNEL_IOMEM, &iomem, NULL);
        if (r < 0)
                return r;
        r = iomem_for_each_system_ram(iomem, ram_cb, &ram);
        if (r < 0)
                return r;
        r = read_memory_blocks(b, &s, &ram.fingerprint);
        if (r < 0)
                return r;

        if (backend_read_string(b, "/sys/devices/system/cpu/online", &online) >= 0) {
                r = cpu_list_count(online);
                s.cpus_online = r > 0 ? (unsigned) r : 0;
                cpu_fp = fnv_bytes(cpu_fp, online, strlen(online));
        }
        if (backend_read_string(b, "/sys/devices/system/cpu/present", &present) >= 0) {
                cpu_fp = fnv_bytes(cpu_fp, "|", 1);
                cpu_fp = fnv_bytes(cpu_fp, present, strlen(present));
        }

        s.memory_fingerprint = ram.fingerprint;
        s.cpu_fingerprint = cpu_fp;
        s.ram_bytes = ram.bytes;
        s.ram_ranges = ram.ranges;
        *ret = s;
        return 0;
}

LayoutChange layout_diff(const LayoutSnapshot *old, const LayoutSnapshot *now) {
        LayoutChange c = LAYOUT_UNCHANGED;
        if (old->memory_fingerprint != now->memory_fingerprint)
                c |= LAYOUT_MEMORY;
        if (old->cpu_fingerprint != now->cpu_fingerprint)
                c |= LAYOUT_CPU;
        return c;
}

int layout_fingerprint_format(const LayoutSnapshot *s, char **ret) {
        return asprintf(ret, "mem:%016" PRIx64 ",cpu:%016" PRIx64, s->memory_fingerprint, s->cpu_fingerprint) < 0 ? -ENOMEM : 0;
}

int layout_fingerprint_parse(const char *text, uint64_t *ret_memory, uint64_t *ret_cpu) {
        unsigned long long m, c;
        int n = 0;
        if (!text || sscanf(text, "mem:%16llx,cpu:%16llx%n", &m, &c, &n) != 2 || text[n] != 0)
                return -EINVAL;
        *ret_memory = m;
        *ret_cpu = c;
        return 0;
}
