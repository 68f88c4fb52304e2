/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a load does with the kernel's bytes, timed in-process next to its
 * anchor, reading the file: kernel_image_open() (sniff, unpack into a sealed
 * memfd) and kernel_image_sha256() (KernelSHA256), as image-load.c calls
 * them. bench/format/load-pass.sh adds the command-line decompressors.
 *
 *   bench-load-pass FILE [RUNS]
 *
 * Prints "read_ms load_ms" (medians of RUNS, default 9; the page cache is
 * warm after the first run, which is not counted). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kernel-image.h"
#include "macro.h"

#define RUNS_MAX 101

static double now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return x < y ? -1 : x > y;
}

static int read_all(int fd) {
        static char buf[1 << 20];
        off_t off = 0;
        for (;;) {
                ssize_t n = pread(fd, buf, sizeof buf, off);
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return 0;
                off += n;
        }
}

static int load_pass(int fd) {
        _cleanup_(kernel_image_freep) KernelImage *k = NULL;
        _cleanup_free_ char *msg = NULL;
        const char *sha;
        int r = kernel_image_open(fd, 0, &k, &msg);
        if (r < 0) {
                fprintf(stderr, "bench-load-pass: %s\n", msg ?: strerror(-r));
                return r;
        }
        return kernel_image_sha256(k, &sha);
}

int main(int argc, char *argv[]) {
        double rd[RUNS_MAX], ld[RUNS_MAX];
        int runs = argc > 2 ? atoi(argv[2]) : 9;

        if (argc < 2 || runs < 1 || runs > RUNS_MAX) {
                fprintf(stderr, "usage: %s FILE [RUNS (1..%d)]\n", argv[0], RUNS_MAX);
                return 2;
        }
        _cleanup_close_ int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                fprintf(stderr, "bench-load-pass: %s: %m\n", argv[1]);
                return 1;
        }
        if (read_all(fd) < 0 || load_pass(fd) < 0) /* warm-up */
                return 1;
        for (int i = 0; i < runs; i++) {
                /* Alternating, so that the machine's drift hits both alike. */
                double t0 = now_ms();
                if (read_all(fd) < 0)
                        return 1;
                double t1 = now_ms();
                if (load_pass(fd) < 0)
                        return 1;
                double t2 = now_ms();
                rd[i] = t1 - t0;
                ld[i] = t2 - t1;
        }
        qsort(rd, (size_t) runs, sizeof(double), cmp_double);
        qsort(ld, (size_t) runs, sizeof(double), cmp_double);
        printf("%.2f %.2f\n", rd[runs / 2], ld[runs / 2]);
        return 0;
}
