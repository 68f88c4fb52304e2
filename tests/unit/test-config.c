/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"
#include "log.h"
#include "macro.h"
#include "test-util.h"

TEST(test_defaults_without_files) {
        KexecdConfig c;
        char *dir = test_tmpdir();
        kexecd_config_init(&c);
        ASSERT_EQ(kexecd_config_load(&c, dir), 0);
        ASSERT_TRUE(!image_spec_is_set(&c.images[IMAGE_KEXEC].spec));
        ASSERT_EQ(c.images[IMAGE_KDUMP].load_on_start, 1);
        ASSERT_EQ(c.hotplug_quiet_usec, KEXECD_HOTPLUG_QUIET_USEC_DEFAULT);
        kexecd_config_done(&c);
}

TEST(test_main_and_dropins) {
        KexecdConfig c;
        char *dir = test_tmpdir();
        test_write(dir, "kexecd.conf",
                   "# main file\n"
                   "[Kexec]\n"
                   "Kernel=/boot/vmlinuz\n"
                   "Initrd=/boot/initrd.img\n"
                   "Cmdline=root=/dev/vda1 ro\n"
                   "LoadOnStart=no\n"
                   "Syscall=file\n"
                   "[Kdump]\n"
                   "Kernel=/boot/vmlinuz-crash\n"
                   "ExtraCmdline=irqpoll maxcpus=1\n"
                   "[Hotplug]\n"
                   "QuietPeriodSec=0.5\n"
                   "MaxDelaySec=7\n");
        /* Drop-ins apply in lexical order: 20 after 10. An empty Initrd=
         * resets the list. */
        test_write(dir, "kexecd.conf.d/20-second.conf", "[Kexec]\nInitrd=\nInitrd=/a\nInitrd=/b\n");
        test_write(dir, "kexecd.conf.d/10-first.conf", "[Kexec]\nKernel=/boot/vmlinuz-new\nInitrd=/x\n");
        test_write(dir, "kexecd.conf.d/ignored.txt", "[Kexec]\nKernel=/nope\n");
        kexecd_config_init(&c);
        ASSERT_EQ(kexecd_config_load(&c, dir), 0);
        ASSERT_STREQ(c.images[IMAGE_KEXEC].spec.kernel, "/boot/vmlinuz-new");
        ASSERT_EQ(strv_length(c.images[IMAGE_KEXEC].spec.initrds), 2);
        ASSERT_STREQ(c.images[IMAGE_KEXEC].spec.initrds[0], "/a");
        ASSERT_STREQ(c.images[IMAGE_KEXEC].spec.initrds[1], "/b");
        ASSERT_STREQ(c.images[IMAGE_KEXEC].spec.cmdline, "root=/dev/vda1 ro");
        ASSERT_EQ(c.images[IMAGE_KEXEC].load_on_start, 0);
        ASSERT_EQ(c.images[IMAGE_KEXEC].spec.syscall, SYSCALL_FILE);
        ASSERT_STREQ(c.images[IMAGE_KDUMP].spec.kernel, "/boot/vmlinuz-crash");
        ASSERT_STREQ(c.kdump_extra_cmdline, "irqpoll maxcpus=1");
        ASSERT_EQ(c.hotplug_quiet_usec, 500000);
        ASSERT_EQ(c.hotplug_max_delay_usec, 7000000);
        ASSERT_EQ(c.warnings, 0);
        kexecd_config_done(&c);
}

TEST(test_bad_values_are_ignored_and_counted) {
        KexecdConfig c;
        char *dir = test_tmpdir();
        test_write(dir, "kexecd.conf",
                   "[Kexec]\n"
                   "Kernel=relative/path\n"
                   "LoadOnStart=maybe\n"
                   "Syscall=magic\n"
                   "Unknown=1\n"
                   "[Hotplug]\n"
                   "QuietPeriodSec=-3\n"
                   "[Nonsense]\n"
                   "Key=value\n");
        kexecd_config_init(&c);
        ASSERT_EQ(kexecd_config_load(&c, dir), 0);
        ASSERT_TRUE(!image_spec_is_set(&c.images[IMAGE_KEXEC].spec));
        ASSERT_EQ(c.images[IMAGE_KEXEC].load_on_start, 1);
        ASSERT_EQ(c.images[IMAGE_KEXEC].spec.syscall, SYSCALL_AUTO);
        ASSERT_EQ(c.hotplug_quiet_usec, KEXECD_HOTPLUG_QUIET_USEC_DEFAULT);
        ASSERT_EQ(c.warnings, 6); /* each bad line once */
        kexecd_config_done(&c);
}

TEST(test_metrics_directory) {
        KexecdConfig c;
        char *dir = test_tmpdir();
        /* Not set: NULL, the default applies (manager-metrics.c). */
        kexecd_config_init(&c);
        ASSERT_EQ(kexecd_config_load(&c, dir), 0);
        ASSERT_TRUE(c.metrics_textfile_dir == NULL);
        kexecd_config_done(&c);

        test_write(dir, "kexecd.conf", "[Metrics]\nTextfileDirectory=/srv/prom\n");
        kexecd_config_init(&c);
        ASSERT_EQ(kexecd_config_load(&c, dir), 0);
        ASSERT_STREQ(c.metrics_textfile_dir, "/srv/prom");
        ASSERT_EQ(c.warnings, 0);
        kexecd_config_done(&c);

        /* A relative path is refused (the earlier value stays); empty
         * turns metrics off, distinct from "not set". */
        test_write(dir, "kexecd.conf.d/10.conf", "[Metrics]\nTextfileDirectory=prom\n");
        test_write(dir, "kexecd.conf.d/20.conf", "[Metrics]\nTextfileDirectory=/\xff\n");
        kexecd_config_init(&c);
        ASSERT_EQ(kexecd_config_load(&c, dir), 0);
        ASSERT_STREQ(c.metrics_textfile_dir, "/srv/prom");
        ASSERT_EQ(c.warnings, 2);
        kexecd_config_done(&c);

        test_write(dir, "kexecd.conf.d/30.conf", "[Metrics]\nTextfileDirectory=\n");
        kexecd_config_init(&c);
        ASSERT_EQ(kexecd_config_load(&c, dir), 0);
        ASSERT_STREQ(c.metrics_textfile_dir, "");
        kexecd_config_done(&c);
}

TEST(test_parse_helpers) {
        uint64_t u;
        ASSERT_EQ(parse_boolean("yes"), 1);
        ASSERT_EQ(parse_boolean("OFF"), 0);
        ASSERT_EQ(parse_boolean("2"), -EINVAL);
        ASSERT_EQ(parse_seconds("1.5", &u), 0);
        ASSERT_EQ(u, 1500000);
        ASSERT_EQ(parse_seconds("nan", &u), -EINVAL);
        ASSERT_EQ(parse_seconds("5s", &u), -EINVAL);
}

TEST(test_kernel_follows_entries) {
        KexecdConfig c;
        char *dir = test_tmpdir();
        test_write(dir, "kexecd.conf",
                   "[Kexec]\nKernel=default\nAppend=quiet\n"
                   "[Kdump]\nKernel=running\nInitrd=/boot/initrd.img-kdump\n");
        kexecd_config_init(&c);
        ASSERT_EQ(kexecd_config_load(&c, dir), 0);
        ASSERT_EQ(c.warnings, 0);
        ASSERT_STREQ(c.images[IMAGE_KEXEC].spec.entry, "default");
        ASSERT_TRUE(!c.images[IMAGE_KEXEC].spec.kernel);
        ASSERT_TRUE(image_spec_is_set(&c.images[IMAGE_KEXEC].spec));
        ASSERT_STREQ(c.images[IMAGE_KDUMP].spec.entry, "running");
        ASSERT_STREQ(c.images[IMAGE_KDUMP].spec.initrds[0], "/boot/initrd.img-kdump");
        kexecd_config_done(&c);

        /* a later path replaces the entry, a later Entry= the path; bad ids are refused */
        test_write(dir, "kexecd.conf",
                   "[Kexec]\nKernel=default\nKernel=/boot/vmlinuz\n"
                   "[Kdump]\nKernel=/boot/vmlinuz\nEntry=debian-6.1.conf\nEntry=../x\nEntry=a\x01\n");
        kexecd_config_init(&c);
        ASSERT_EQ(kexecd_config_load(&c, dir), 0);
        ASSERT_EQ(c.warnings, 2);
        ASSERT_TRUE(!c.images[IMAGE_KEXEC].spec.entry);
        ASSERT_STREQ(c.images[IMAGE_KEXEC].spec.kernel, "/boot/vmlinuz");
        ASSERT_STREQ(c.images[IMAGE_KDUMP].spec.entry, "debian-6.1.conf");
        ASSERT_TRUE(!c.images[IMAGE_KDUMP].spec.kernel);
        kexecd_config_done(&c);
}

TEST(test_documented_example_is_valid) {
        /* The example kexecd.conf of docs/configuration.md (copied here) must parse
         * without a warning (it is the recommended configuration). */
        KexecdConfig c;
        char *dir = test_tmpdir();
        test_write(dir, "kexecd.conf",
                   "[Kexec]\nKernel=default\nInitrd=\nCmdline=\nAppend=\nLoadOnStart=yes\nSyscall=auto\n"
                   "[Kdump]\nKernel=running\nInitrd=/boot/initrd.img-kdump\nExtraCmdline=irqpoll nr_cpus=1 reset_devices\n"
                   "LoadOnStart=yes\n");
        kexecd_config_init(&c);
        ASSERT_EQ(kexecd_config_load(&c, dir), 0);
        ASSERT_EQ(c.warnings, 0);
        ASSERT_STREQ(c.images[IMAGE_KEXEC].spec.entry, "default");
        kexecd_config_done(&c);
}

TEST(test_capture_section) {
        KexecdConfig c;
        char *dir = test_tmpdir();
        kexecd_config_init(&c);
        ASSERT_EQ(kexecd_config_load(&c, dir), 0);
        ASSERT_TRUE(c.capture.dump_dir == NULL); /* kexecd-capture fills in /var/crash */
        ASSERT_EQ(c.capture.dump_level, 31);
        ASSERT_EQ(c.capture.compression, CAPTURE_COMPRESSION_AUTO);
        ASSERT_EQ(c.capture.keep_dumps, 3);
        ASSERT_EQ(c.capture.min_free_space, 256ull << 20);
        ASSERT_EQ(c.capture.final_action, CAPTURE_ACTION_REBOOT);
        ASSERT_EQ(c.capture.failure_action, CAPTURE_ACTION_REBOOT);
        kexecd_config_done(&c);

        test_write(dir, "kexecd.conf",
                   "[Capture]\n"
                   "DumpDir=/srv/crash\n"
                   "DumpLevel=0\n"
                   "Compression=zstd\n"
                   "KeepDumps=0\n"
                   "MinFreeSpace=2G\n"
                   "DumpCommand=ssh dump@host 'cat > /dumps/$KEXECD_CRASH_ID'\n"
                   "FinalAction=poweroff\n"
                   "FailureAction=shell\n"
                   "HookTimeoutSec=2.5\n");
        kexecd_config_init(&c);
        ASSERT_EQ(kexecd_config_load(&c, dir), 0);
        ASSERT_STREQ(c.capture.dump_dir, "/srv/crash");
        ASSERT_EQ(c.capture.dump_level, 0);
        ASSERT_EQ(c.capture.compression, CAPTURE_COMPRESSION_ZSTD);
        ASSERT_EQ(c.capture.keep_dumps, 0);
        ASSERT_EQ(c.capture.min_free_space, 2ull << 30);
        ASSERT_STREQ(c.capture.dump_command, "ssh dump@host 'cat > /dumps/$KEXECD_CRASH_ID'");
        ASSERT_EQ(c.capture.final_action, CAPTURE_ACTION_POWEROFF);
        ASSERT_EQ(c.capture.failure_action, CAPTURE_ACTION_SHELL);
        ASSERT_EQ(c.capture.hook_timeout_usec, 2500000);
        ASSERT_EQ(c.warnings, 0);
        kexecd_config_done(&c);

        /* Each bad value is refused, counted, and the default stays. */
        test_write(dir, "kexecd.conf",
                   "[Capture]\n"
                   "DumpDir=relative\n"
                   "DumpLevel=32\n"
                   "DumpLevel=-1\n"
                   "Compression=bzip2\n"
                   "KeepDumps=1001\n"
                   "MinFreeSpace=-1\n"
                   "MinFreeSpace=1X\n"
                   "MinFreeSpace=99999999999999999999\n"
                   "MinFreeSpace=20000000000T\n"
                   "DumpCommand=a\x01b\n"
                   "FinalAction=explode\n"
                   "FailureAction=\n"
                   "HookTimeoutSec=0\n"
                   "Bogus=1\n");
        kexecd_config_init(&c);
        ASSERT_EQ(kexecd_config_load(&c, dir), 0);
        ASSERT_TRUE(c.capture.dump_dir == NULL);
        ASSERT_EQ(c.capture.dump_level, 31);
        ASSERT_EQ(c.capture.compression, CAPTURE_COMPRESSION_AUTO);
        ASSERT_EQ(c.capture.keep_dumps, 3);
        ASSERT_EQ(c.capture.min_free_space, 256ull << 20);
        ASSERT_TRUE(c.capture.dump_command == NULL);
        ASSERT_EQ(c.capture.final_action, CAPTURE_ACTION_REBOOT);
        ASSERT_EQ(c.capture.failure_action, CAPTURE_ACTION_REBOOT);
        ASSERT_EQ(c.capture.hook_timeout_usec, KEXECD_CAPTURE_HOOK_TIMEOUT_USEC_DEFAULT);
        ASSERT_EQ(c.warnings, 14);
        kexecd_config_done(&c);
}

TEST(test_parse_size) {
        uint64_t u;
        ASSERT_EQ(parse_size("4096", &u), 0);
        ASSERT_EQ(u, 4096);
        ASSERT_EQ(parse_size("10K", &u), 0);
        ASSERT_EQ(u, 10240);
        ASSERT_EQ(parse_size("256M", &u), 0);
        ASSERT_EQ(u, 256ull << 20);
        ASSERT_EQ(parse_size("1t", &u), 0);
        ASSERT_EQ(u, 1ull << 40);
        ASSERT_EQ(parse_size("", &u), -EINVAL);
        ASSERT_EQ(parse_size("M", &u), -EINVAL);
        ASSERT_EQ(parse_size("1MB", &u), -EINVAL);
        ASSERT_EQ(parse_size("+1", &u), -EINVAL);
        ASSERT_EQ(parse_size("16777216T", &u), -ERANGE);
}

int main(void) {
        log_set_max_level(LOG_ERR);
        RUN(test_defaults_without_files);
        RUN(test_main_and_dropins);
        RUN(test_bad_values_are_ignored_and_counted);
        RUN(test_metrics_directory);
        RUN(test_parse_helpers);
        RUN(test_kernel_follows_entries);
        RUN(test_documented_example_is_valid);
        RUN(test_capture_section);
        RUN(test_parse_size);
        return test_finish("test-config");
}
