/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Call-rate client for bench/load/status-rate.py: N processes, each with its
 * own bus connection, make one blocking call after another for S seconds
 * and report calls and latencies. Written in C so that the figure is the
 * server's cost, not a Python client's.
 *
 *   bench-call-rate ADDRESS CLIENTS SECONDS DESTINATION PATH INTERFACE METHOD
 *
 * Prints one line: "calls CALLS_PER_S p50_ms p99_ms errors". */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-bus.h>

#define LAT_MAX (1u << 20)

static uint64_t now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

static int cmp_u32(const void *a, const void *b) {
        uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;
        return x < y ? -1 : x > y;
}

typedef struct Shared {
        volatile int go;
        uint64_t errors;
        uint64_t n;
        uint32_t lat_us[LAT_MAX]; /* every call's latency, all clients */
} Shared;

static int client(Shared *sh, const char *address, double seconds, char **call) {
        sd_bus *bus = NULL;
        int r = sd_bus_new(&bus);
        if (r >= 0)
                r = sd_bus_set_address(bus, address);
        if (r >= 0)
                r = sd_bus_set_bus_client(bus, 1);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0) {
                fprintf(stderr, "bench-call-rate: cannot connect to %s: %s\n", address, strerror(-r));
                return 1;
        }
        while (!sh->go)
                usleep(1000);
        uint64_t end = now_ns() + (uint64_t) (seconds * 1e9);
        for (;;) {
                uint64_t t0 = now_ns();
                if (t0 >= end)
                        break;
                sd_bus_error error = SD_BUS_ERROR_NULL;
                sd_bus_message *reply = NULL;
                r = sd_bus_call_method(bus, call[0], call[1], call[2], call[3], &error, &reply, "");
                uint64_t t1 = now_ns();
                sd_bus_message_unref(reply);
                sd_bus_error_free(&error);
                uint64_t k = __atomic_fetch_add(&sh->n, 1, __ATOMIC_RELAXED);
                if (k < LAT_MAX)
                        sh->lat_us[k] = (uint32_t) ((t1 - t0) / 1000);
                if (r < 0)
                        __atomic_fetch_add(&sh->errors, 1, __ATOMIC_RELAXED);
        }
        sd_bus_flush_close_unref(bus);
        return 0;
}

int main(int argc, char **argv) {
        if (argc != 8) {
                fprintf(stderr, "usage: %s ADDRESS CLIENTS SECONDS DESTINATION PATH INTERFACE METHOD\n", argv[0]);
                return 2;
        }
        int clients = atoi(argv[2]);
        double seconds = atof(argv[3]);
        if (clients < 1 || clients > 256 || seconds <= 0) {
                fprintf(stderr, "bench-call-rate: CLIENTS must be 1..256 and SECONDS positive\n");
                return 2;
        }
        Shared *sh = mmap(NULL, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (sh == MAP_FAILED)
                return 1;
        for (int i = 0; i < clients; i++) {
                pid_t p = fork();
                if (p < 0)
                        return 1;
                if (p == 0)
                        _exit(client(sh, argv[1], seconds, argv + 4));
        }
        usleep(200 * 1000); /* every client connected */
        uint64_t t0 = now_ns();
        sh->go = 1;
        int failed = 0, status;
        while (wait(&status) > 0)
                if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                        failed = 1;
        double elapsed = (double) (now_ns() - t0) / 1e9;
        if (failed)
                return 1;
        size_t n = sh->n < LAT_MAX ? sh->n : LAT_MAX;
        qsort(sh->lat_us, n, sizeof(uint32_t), cmp_u32);
        printf("%llu %.1f %.3f %.3f %llu\n", (unsigned long long) sh->n, (double) sh->n / elapsed,
               n ? sh->lat_us[n / 2] / 1e3 : 0.0, n ? sh->lat_us[n * 99 / 100] / 1e3 : 0.0,
               (unsigned long long) sh->errors);
        return 0;
}
