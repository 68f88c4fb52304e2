/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Time to read the layout fingerprint with N memory blocks (fake root). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "layout.h"
#include "macro.h"

static void put(const char *root, const char *rel, const char *text) {
        char path[4096], dir[4096];
        snprintf(path, sizeof(path), "%s/%s", root, rel);
        snprintf(dir, sizeof(dir), "%s", path);
        *strrchr(dir, '/') = 0;
        mkdir_parents_and_self(dir, 0755);
        FILE *f = fopen(path, "we");
        if (f) {
                fputs(text, f);
                fclose(f);
        }
}

int main(void) {
        printf("%-8s %-12s\n", "blocks", "read (ms)");
        for (unsigned n = 256; n <= 16384; n *= 4) {
                char root[] = "/tmp/kexecd-bench-XXXXXX";
                if (!mkdtemp(root))
                        return 1;
                put(root, "proc/iomem", "00100000-3ffdffff : System RAM\n");
                put(root, "sys/devices/system/cpu/online", "0-1\n");
                for (unsigned i = 0; i < n; i++) {
                        char rel[128];
                        snprintf(rel, sizeof(rel), "sys/devices/system/memory/memory%u/state", i);
                        put(root, rel, "online\n");
                }
                Backend *b = NULL;
                if (backend_new_fake(root, &b) < 0)
                        return 1;
                LayoutSnapshot s;
                struct timespec t0, t1;
                double best = 1e9;
                for (int k = 0; k < 5; k++) {
                        clock_gettime(CLOCK_MONOTONIC, &t0);
                        if (layout_snapshot_read(b, &s) < 0)
                                return 1;
                        clock_gettime(CLOCK_MONOTONIC, &t1);
                        double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
                        if (ms < best)
                                best = ms;
                }
                printf("%-8u %-12.2f\n", n, best);
                backend_free(b);
                char cmd[128];
                snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
                if (system(cmd) != 0)
                        return 1;
        }
        return 0;
}
