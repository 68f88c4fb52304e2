/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cmdline.h"
#include "macro.h"
#include "test-util.h"

TEST(test_validate) {
        char buf[KEXECD_CMDLINE_MAX + 2];
        ASSERT_EQ(cmdline_validate(""), 0);
        ASSERT_EQ(cmdline_validate("root=/dev/vda ro"), 0);
        ASSERT_EQ(cmdline_validate("a\nb"), -EILSEQ);
        ASSERT_EQ(cmdline_validate("a\tb"), -EILSEQ);
        ASSERT_EQ(cmdline_validate("a\x7f"), -EILSEQ);
        memset(buf, 'x', KEXECD_CMDLINE_MAX);
        buf[KEXECD_CMDLINE_MAX] = 0;
        ASSERT_EQ(cmdline_validate(buf), 0); /* exactly the limit */
        buf[KEXECD_CMDLINE_MAX] = 'x';
        buf[KEXECD_CMDLINE_MAX + 1] = 0;
        ASSERT_EQ(cmdline_validate(buf), -E2BIG);
}

TEST(test_split_quotes) {
        _cleanup_strv_free_ char **l = NULL;
        ASSERT_EQ(cmdline_split("  a b=\"c d\"  e ", &l), 0);
        ASSERT_EQ(strv_length(l), 3);
        ASSERT_STREQ(l[0], "a");
        ASSERT_STREQ(l[1], "b=\"c d\"");
        ASSERT_STREQ(l[2], "e");
}

TEST(test_reuse_kexec) {
        _cleanup_free_ char *s = NULL;
        ASSERT_EQ(cmdline_reuse("BOOT_IMAGE=/boot/vmlinuz root=/dev/vda1 ro crashkernel=256M quiet", false,
                                KEXECD_KDUMP_EXTRA_DEFAULT, NULL, &s), 0);
        /* The next kernel keeps its crash reservation; BOOT_IMAGE is dropped. */
        ASSERT_STREQ(s, "root=/dev/vda1 ro crashkernel=256M quiet");
}

TEST(test_reuse_kdump) {
        _cleanup_free_ char *s = NULL;
        ASSERT_EQ(cmdline_reuse("BOOT_IMAGE=/vmlinuz root=/dev/vda1 nr_cpus=8 crashkernel=384M quiet", true,
                                KEXECD_KDUMP_EXTRA_DEFAULT, NULL, &s), 0);
        /* crashkernel= dropped, nr_cpus replaced by the extras' value. */
        ASSERT_STREQ(s, "root=/dev/vda1 quiet irqpoll nr_cpus=1 reset_devices");
}

TEST(test_reuse_kdump_custom_extra_and_append) {
        _cleanup_free_ char *s = NULL;
        ASSERT_EQ(cmdline_reuse("root=/dev/sda crashkernel=1G,high crashkernel=128M,low", true,
                                "maxcpus=1", "console=ttyS0 marker=\"x y\"", &s), 0);
        ASSERT_STREQ(s, "root=/dev/sda maxcpus=1 console=ttyS0 marker=\"x y\"");
}

TEST(test_reuse_empty) {
        _cleanup_free_ char *s = NULL;
        ASSERT_EQ(cmdline_reuse("", false, NULL, NULL, &s), 0);
        ASSERT_STREQ(s, "");
}

int main(void) {
        RUN(test_validate);
        RUN(test_split_quotes);
        RUN(test_reuse_kexec);
        RUN(test_reuse_kdump);
        RUN(test_reuse_kdump_custom_extra_and_append);
        RUN(test_reuse_empty);
        return test_finish("test-cmdline");
}
