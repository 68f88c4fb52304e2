/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kexecd-capture's parsers: makedumpfile's -v and --help answers (1.7.x
 * and older), the choice of compression, the crashed kernel's log and the
 * crash kernel's command line (docs/capture.md). */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "capture.h"
#include "dmesg-scan.h"
#include "log.h"
#include "makedumpfile.h"
#include "test-util.h"

TEST(test_probe_v) {
        MakedumpfileInfo i = {};
        makedumpfile_parse_probe("makedumpfile: version 1.7.2 (released on 20 Oct 2022)\n"
                                 "lzo\tenabled\nsnappy\tdisabled\nzstd\tdisabled\n", &i);
        ASSERT_STREQ(i.version, "1.7.2");
        ASSERT_TRUE(i.supports[CAPTURE_COMPRESSION_LZO]);
        ASSERT_TRUE(!i.supports[CAPTURE_COMPRESSION_SNAPPY]);
        ASSERT_TRUE(!i.supports[CAPTURE_COMPRESSION_ZSTD]);
        ASSERT_TRUE(i.supports[CAPTURE_COMPRESSION_ZLIB]);
        ASSERT_EQ(makedumpfile_pick_compression(&i, CAPTURE_COMPRESSION_AUTO), CAPTURE_COMPRESSION_LZO);
        ASSERT_EQ(makedumpfile_pick_compression(&i, CAPTURE_COMPRESSION_ZSTD), CAPTURE_COMPRESSION_LZO);
        ASSERT_EQ(makedumpfile_pick_compression(&i, CAPTURE_COMPRESSION_ZLIB), CAPTURE_COMPRESSION_ZLIB);
        ASSERT_EQ(makedumpfile_pick_compression(&i, CAPTURE_COMPRESSION_NONE), CAPTURE_COMPRESSION_NONE);
        makedumpfile_info_done(&i);
}

TEST(test_probe_help) {
        /* Older makedumpfile: only --help says what was built in. */
        MakedumpfileInfo i = {};
        makedumpfile_parse_probe("makedumpfile: version 1.6.7 (released on 16 Jan 2020)\n", &i);
        makedumpfile_parse_probe("\nLZO support:\n  disabled\nsnappy support:\n  enabled\nzstd support:\n"
                                 "  disabled ('-z' option will be ignored.)\n", &i);
        ASSERT_STREQ(i.version, "1.6.7");
        ASSERT_TRUE(!i.supports[CAPTURE_COMPRESSION_LZO]);
        ASSERT_TRUE(i.supports[CAPTURE_COMPRESSION_SNAPPY]);
        ASSERT_TRUE(!i.supports[CAPTURE_COMPRESSION_ZSTD]);
        ASSERT_EQ(makedumpfile_pick_compression(&i, CAPTURE_COMPRESSION_AUTO), CAPTURE_COMPRESSION_SNAPPY);
        makedumpfile_info_done(&i);
        /* "zstd" in a sentence is not "zstd enabled". */
        makedumpfile_parse_probe("uses zstd enabled-looking text\n", &i);
        ASSERT_TRUE(!i.supports[CAPTURE_COMPRESSION_ZSTD]);
        ASSERT_EQ(makedumpfile_pick_compression(&i, CAPTURE_COMPRESSION_AUTO), CAPTURE_COMPRESSION_ZLIB);
        makedumpfile_info_done(&i);
}

static void scan(const char *text, char **panic, char **release) {
        char *dir = test_tmpdir(), path[4096];
        test_write(dir, "dmesg", text);
        snprintf(path, sizeof(path), "%s/dmesg", dir);
        int fd = open(path, O_RDONLY);
        ASSERT_TRUE(fd >= 0);
        ASSERT_EQ(dmesg_scan_fd(fd, panic, release), 0);
        close(fd);
}

TEST(test_dmesg) {
        char *p, *r;
        scan("[    0.000000] Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org) #1 SMP\n"
             "[    5.0] BUG: unable to handle page fault\n"
             "[    5.1] Kernel panic - not syncing: Fatal exception in interrupt\n", &p, &r);
        ASSERT_STREQ(p, "Kernel panic - not syncing: Fatal exception in interrupt");
        ASSERT_STREQ(r, "6.1.0-56-amd64");
        free(p);
        free(r);
        scan("[    5.0] Oops: 0002 [#1] SMP\n[ 6.0] BUG: later\n", &p, &r);
        ASSERT_STREQ(p, "Oops: 0002 [#1] SMP");
        ASSERT_TRUE(r == NULL);
        free(p);
        scan("nothing to see\nLinux version ../../evil\n", &p, &r);
        ASSERT_TRUE(p == NULL);
        ASSERT_TRUE(r == NULL);
        p = dmesg_sanitize_line("a\tb\x7f\xc3\xa9\xc3", 100);
        ASSERT_STREQ(p, "a\\x09b\\x7f\xc3\xa9\\xc3");
        free(p);
}

TEST(test_cmdline) {
        CaptureCmdline c;
        ASSERT_EQ(capture_cmdline_parse("ro kexecd.crashed_boot_id=0123456789ABCDEF0123456789abcdef kexecd.test_id=abc-1", &c), 0);
        ASSERT_STREQ(c.crashed_boot_id, "0123456789abcdef0123456789abcdef");
        ASSERT_STREQ(c.test_id, "abc-1");
        capture_cmdline_done(&c);
        ASSERT_EQ(capture_cmdline_parse("kexecd.crashed_boot_id=6f1b2c3d-0000-0000-0000-000000000000 kexecd.test_id=a;b", &c), 0);
        ASSERT_STREQ(c.crashed_boot_id, "unknown");
        ASSERT_TRUE(c.test_id == NULL);
        capture_cmdline_done(&c);
        ASSERT_EQ(capture_cmdline_parse("", &c), 0);
        ASSERT_STREQ(c.crashed_boot_id, "unknown");
        capture_cmdline_done(&c);
}

int main(void) {
        log_set_max_level(LOG_ERR);
        RUN(test_probe_v);
        RUN(test_probe_help);
        RUN(test_dmesg);
        RUN(test_cmdline);
        return test_finish("test-capture-parse");
}
