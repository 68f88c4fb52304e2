/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "layout.h"
#include "macro.h"
#include "test-util.h"

static const char *IOMEM =
        "00000000-00000fff : Reserved\n"
        "00001000-0009fbff : System RAM\n"
        "00100000-3ffdffff : System RAM\n"
        "  01000000-01ffffff : Kernel code\n"
        "  2a000000-39ffffff : Crash kernel\n"
        "fec00000-fec003ff : IOAPIC 0\n";

static Backend *make(const char *root, unsigned blocks) {
        Backend *b = NULL;
        char rel[128];
        test_make_fake_root(root, 256 << 20, "[none]", "x\n");
        test_write(root, "proc/iomem", IOMEM);
        for (unsigned i = 0; i < blocks; i++) {
                snprintf(rel, sizeof(rel), "sys/devices/system/memory/memory%u/state", i);
                test_write(root, rel, "online\n");
        }
        test_write(root, "sys/devices/system/cpu/online", "0-1\n");
        test_write(root, "sys/devices/system/cpu/present", "0-1\n");
        ASSERT_EQ(backend_new_fake(root, &b), 0);
        return b;
}

TEST(test_snapshot_and_diffs) {
        char *root = test_tmpdir();
        _cleanup_(backend_freep) Backend *b = make(root, 8);
        LayoutSnapshot a, n;

        ASSERT_EQ(layout_snapshot_read(b, &a), 0);
        ASSERT_EQ(a.ram_ranges, 2);
        ASSERT_EQ(a.ram_bytes, (0x9fbffULL - 0x1000 + 1) + (0x3ffdffffULL - 0x100000 + 1));
        ASSERT_EQ(a.memory_blocks, 8);
        ASSERT_EQ(a.memory_blocks_online, 8);
        ASSERT_EQ(a.cpus_online, 2);

        /* Same kernel view, same fingerprints. */
        ASSERT_EQ(layout_snapshot_read(b, &n), 0);
        ASSERT_EQ(layout_diff(&a, &n), LAYOUT_UNCHANGED);

        /* A hot-added, still offline block changes the memory fingerprint. */
        test_write(root, "sys/devices/system/memory/memory8/state", "offline\n");
        ASSERT_EQ(layout_snapshot_read(b, &n), 0);
        ASSERT_EQ(layout_diff(&a, &n), LAYOUT_MEMORY);
        ASSERT_EQ(n.memory_blocks_online, 8);
        /* ... and onlining it (new System RAM) changes it again. */
        LayoutSnapshot off = n;
        test_write(root, "sys/devices/system/memory/memory8/state", "online\n");
        test_write(root, "proc/iomem", "00001000-0009fbff : System RAM\n00100000-3ffdffff : System RAM\n140000000-147ffffff : System RAM\n");
        ASSERT_EQ(layout_snapshot_read(b, &n), 0);
        ASSERT_EQ(layout_diff(&off, &n), LAYOUT_MEMORY);
        ASSERT_EQ(n.ram_ranges, 3);

        /* A CPU going online is a CPU change only. */
        LayoutSnapshot before_cpu = n;
        test_write(root, "sys/devices/system/cpu/online", "0-2\n");
        ASSERT_EQ(layout_snapshot_read(b, &n), 0);
        ASSERT_EQ(layout_diff(&before_cpu, &n), LAYOUT_CPU);
        ASSERT_EQ(n.cpus_online, 3);
}

TEST(test_fingerprint_text) {
        LayoutSnapshot s = { .memory_fingerprint = 0x0123456789abcdefULL, .cpu_fingerprint = 42 };
        _cleanup_free_ char *t = NULL;
        uint64_t m, c;
        ASSERT_EQ(layout_fingerprint_format(&s, &t), 0);
        ASSERT_STREQ(t, "mem:0123456789abcdef,cpu:000000000000002a");
        ASSERT_EQ(layout_fingerprint_parse(t, &m, &c), 0);
        ASSERT_EQ(m, s.memory_fingerprint);
        ASSERT_EQ(c, 42);
        ASSERT_EQ(layout_fingerprint_parse("mem:12", &m, &c), -EINVAL);
        ASSERT_EQ(layout_fingerprint_parse(NULL, &m, &c), -EINVAL);
        ASSERT_EQ(layout_fingerprint_parse("mem:1,cpu:2 trailing", &m, &c), -EINVAL);
}

TEST(test_cpu_lists_and_bad_iomem) {
        ASSERT_EQ(cpu_list_count("0-3,6,8-9"), 7);
        ASSERT_EQ(cpu_list_count("0"), 1);
        ASSERT_EQ(cpu_list_count(""), 0);
        ASSERT_EQ(cpu_list_count("3-1"), -EINVAL);
        ASSERT_EQ(cpu_list_count("a"), -EINVAL);
        char *root = test_tmpdir();
        _cleanup_(backend_freep) Backend *b = make(root, 1);
        LayoutSnapshot s;
        test_write(root, "proc/iomem", "garbage line\n");
        ASSERT_EQ(layout_snapshot_read(b, &s), -EBADMSG);
}

TEST(test_many_blocks) {
        char *root = test_tmpdir();
        _cleanup_(backend_freep) Backend *b = make(root, 4096);
        LayoutSnapshot s;
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        ASSERT_EQ(layout_snapshot_read(b, &s), 0);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        ASSERT_EQ(s.memory_blocks, 4096);
        double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
        /* A figure, not a verdict: timings belong to bench/hotplug. */
        fprintf(stderr, "    4096 blocks read in %.1f ms\n", ms);
}

int main(void) {
        RUN(test_snapshot_and_diffs);
        RUN(test_fingerprint_text);
        RUN(test_cpu_lists_and_bad_iomem);
        RUN(test_many_blocks);
        return test_finish("test-layout");
}
