/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The fake kernel must behave like the real one where kexecd can observe
 * it, or the integration tests prove nothing. */
#include <fcntl.h>
#include <unistd.h>

#include "backend.h"
#include "macro.h"
#include "test-util.h"

static Backend *new_fake(const char *root) {
        Backend *b = NULL;
        ASSERT_EQ(backend_new_fake(root, &b), 0);
        return b;
}

TEST(test_constructor_checks) {
        Backend *b = NULL;
        ASSERT_EQ(backend_new_fake("relative", &b), -EINVAL);
        ASSERT_EQ(backend_new_fake("/nonexistent/kexecd", &b), -ENOENT);
        ASSERT_EQ(backend_new_fake("/etc/hostname", &b), -ENOTDIR);
}

TEST(test_load_unload_kexec) {
        char *dir = test_tmpdir(), root[4096], kernel[4096];
        snprintf(root, sizeof(root), "%s/root/", dir); /* trailing slash is tolerated */
        snprintf(kernel, sizeof(kernel), "%s/vmlinuz", dir);
        test_make_fake_root(root, 0, "[none] integrity confidentiality", "root=/dev/vda\n");
        test_make_bzimage(kernel);
        _cleanup_(backend_freep) Backend *b = new_fake(root);
        bool loaded = true;
        _cleanup_free_ char *s = NULL;

        ASSERT_EQ(backend_read_bool(b, KERNEL_KEXEC_LOADED, &loaded), 0);
        ASSERT_EQ(loaded, 0);
        ASSERT_EQ(backend_read_string(b, KERNEL_CMDLINE, &s), 0);
        ASSERT_STREQ(s, "root=/dev/vda");

        _cleanup_close_ int kfd = open(kernel, O_RDONLY | O_CLOEXEC);
        ASSERT_EQ(backend_file_load(b, kfd, -1, "console=ttyS0", KEXEC_FILE_NO_INITRAMFS), 0);
        ASSERT_EQ(backend_read_bool(b, KERNEL_KEXEC_LOADED, &loaded), 0);
        ASSERT_EQ(loaded, 1);
        free(s);
        s = test_read(root, "fake/kexec.cmdline");
        ASSERT_STREQ(s, "console=ttyS0");
        free(s);
        s = test_read(root, "fake/kexec.initrd_size");
        ASSERT_STREQ(s, "none");
        free(s);
        s = test_read(root, "fake/kexec.loads");
        ASSERT_STREQ(s, "1");

        ASSERT_EQ(backend_file_load(b, -1, -1, NULL, KEXEC_FILE_UNLOAD), 0);
        ASSERT_EQ(backend_read_bool(b, KERNEL_KEXEC_LOADED, &loaded), 0);
        ASSERT_EQ(loaded, 0);
}

TEST(test_kernel_refusals) {
        char *dir = test_tmpdir(), root[4096], kernel[4096], junk[4096];
        snprintf(root, sizeof(root), "%s/root", dir);
        snprintf(kernel, sizeof(kernel), "%s/vmlinuz", dir);
        snprintf(junk, sizeof(junk), "%s/junk", dir);
        test_make_fake_root(root, 0, "none [integrity] confidentiality", "x\n");
        test_make_bzimage(kernel);
        test_write(dir, "junk", "this is not a kernel, just text");
        _cleanup_(backend_freep) Backend *b = new_fake(root);
        _cleanup_close_ int kfd = open(kernel, O_RDONLY | O_CLOEXEC);
        _cleanup_close_ int kfd_rw = open(kernel, O_WRONLY | O_CLOEXEC);
        _cleanup_close_ int jfd = open(junk, O_RDONLY | O_CLOEXEC);
        char longline[2100];
        bool loaded = true;

        ASSERT_EQ(backend_file_load(b, jfd, -1, "", KEXEC_FILE_NO_INITRAMFS), -ENOEXEC);
        /* Locked down (integrity): an unsigned image is refused with EPERM,
         * as kimage_validate_signature() does; the checks below use a
         * signed one. */
        ASSERT_EQ(backend_file_load(b, kfd, -1, "", KEXEC_FILE_NO_INITRAMFS), -EPERM);
        ASSERT_EQ(pwrite(kfd_rw, "KEXECD-SIGNED", 13, 0x1000), 13);
        /* No crash reservation: what kexec_locate_mem_hole() answers. */
        ASSERT_EQ(backend_file_load(b, kfd, -1, "", KEXEC_FILE_NO_INITRAMFS | KEXEC_FILE_ON_CRASH), -EADDRNOTAVAIL);
        memset(longline, 'a', sizeof(longline) - 1);
        longline[sizeof(longline) - 1] = 0;
        ASSERT_EQ(backend_file_load(b, kfd, -1, longline, KEXEC_FILE_NO_INITRAMFS), -EINVAL);
        ASSERT_EQ(backend_file_load(b, kfd, -1, "", 0x80), -EINVAL);
        /* Missing initrd fd without NO_INITRAMFS. */
        ASSERT_EQ(backend_file_load(b, kfd, -1, "", 0), -EBADF);
        /* Injected failure is consumed once. */
        test_write(root, "fake/fail-next-load", "16\n");
        ASSERT_EQ(backend_file_load(b, kfd, -1, "", KEXEC_FILE_NO_INITRAMFS), -EBUSY);
        ASSERT_EQ(backend_file_load(b, kfd, -1, "", KEXEC_FILE_NO_INITRAMFS), 0);
        /* Signature enforcement. */
        test_write(root, "fake/require-signature", "");
        char unsigned_kernel[4096];
        snprintf(unsigned_kernel, sizeof(unsigned_kernel), "%s/vmlinuz-unsigned", dir);
        test_make_bzimage(unsigned_kernel);
        _cleanup_close_ int ufd = open(unsigned_kernel, O_RDONLY | O_CLOEXEC);
        ASSERT_EQ(backend_file_load(b, ufd, -1, "", KEXEC_FILE_NO_INITRAMFS), -EKEYREJECTED);
        ASSERT_EQ(backend_file_load(b, kfd, -1, "", KEXEC_FILE_NO_INITRAMFS), 0);
        _cleanup_free_ char *sigfile = backend_path(b, "/fake/require-signature");
        ASSERT_EQ(unlink(sigfile), 0);
        /* Legacy path under lockdown is refused like kexec_load(2). */
        _cleanup_free_ char *out = NULL;
        char *argv[] = { (char *) "kexec", (char *) "-l", kernel, NULL };
        ASSERT_EQ(backend_legacy_load(b, argv, &out), -EIO);
        ASSERT_TRUE(out && strstr(out, "Operation not permitted"));
        /* kexec_load_disabled refuses everything, unloads included:
         * kexec_load_permitted() runs first for every call (kexec_core.c). */
        test_write(root, "proc/sys/kernel/kexec_load_disabled", "1\n");
        ASSERT_EQ(backend_file_load(b, -1, -1, NULL, KEXEC_FILE_UNLOAD), -EPERM);
        ASSERT_EQ(backend_read_bool(b, KERNEL_KEXEC_LOADED, &loaded), 0);
        ASSERT_EQ(loaded, 1);
        ASSERT_EQ(backend_file_load(b, kfd, -1, "", KEXEC_FILE_NO_INITRAMFS), -EPERM);
        ASSERT_EQ(backend_read_bool(b, KERNEL_KEXEC_LOADED, &loaded), 0);
        ASSERT_EQ(loaded, 1);
}

TEST(test_load_limits) {
        char *dir = test_tmpdir(), root[4096], kernel[4096];
        snprintf(root, sizeof(root), "%s/root", dir);
        snprintf(kernel, sizeof(kernel), "%s/vmlinuz", dir);
        test_make_fake_root(root, 256 << 20, "[none]", "x\n");
        test_write(root, "proc/sys/kernel/kexec_load_limit_panic", "1\n");
        test_make_bzimage(kernel);
        _cleanup_(backend_freep) Backend *b = new_fake(root);
        _cleanup_close_ int kfd = open(kernel, O_RDONLY | O_CLOEXEC);
        uint64_t left = 9;

        ASSERT_EQ(backend_file_load(b, kfd, -1, "", KEXEC_FILE_NO_INITRAMFS | KEXEC_FILE_ON_CRASH), 0);
        ASSERT_EQ(backend_read_u64(b, KERNEL_KEXEC_LIMIT_PANIC, &left), 0);
        ASSERT_EQ(left, 0);
        ASSERT_EQ(backend_file_load(b, kfd, -1, "", KEXEC_FILE_NO_INITRAMFS | KEXEC_FILE_ON_CRASH), -EPERM);
        /* kexec_load_permitted() refuses an unload too once the limit is
         * spent, and the refused load did not free the crash image. */
        ASSERT_EQ(backend_file_load(b, -1, -1, NULL, KEXEC_FILE_UNLOAD | KEXEC_FILE_ON_CRASH), -EPERM);
        bool crash_loaded = false;
        ASSERT_EQ(backend_read_bool(b, KERNEL_KEXEC_CRASH_LOADED, &crash_loaded), 0);
        ASSERT_EQ(crash_loaded, 1);
        /* The reboot limit file is absent: unlimited. */
        ASSERT_EQ(backend_file_load(b, kfd, -1, "", KEXEC_FILE_NO_INITRAMFS), 0);
        ASSERT_EQ(backend_file_load(b, kfd, -1, "", KEXEC_FILE_NO_INITRAMFS), 0);
}

/* kexec_file_load() frees the loaded crash image before it checks the new
 * one ("Free any current crash dump kernel before we corrupt it",
 * kernel/kexec_file.c): any failure after the permission check leaves no
 * crash kernel. */
TEST(test_failed_crash_load_frees_the_old_image) {
        char *dir = test_tmpdir(), root[4096], kernel[4096], junk[4096];
        snprintf(root, sizeof(root), "%s/root", dir);
        snprintf(kernel, sizeof(kernel), "%s/vmlinuz", dir);
        snprintf(junk, sizeof(junk), "%s/junk", dir);
        test_make_fake_root(root, 256 << 20, "[none]", "x\n");
        test_make_bzimage(kernel);
        test_write(dir, "junk", "not a kernel");
        _cleanup_(backend_freep) Backend *b = new_fake(root);
        _cleanup_close_ int kfd = open(kernel, O_RDONLY | O_CLOEXEC);
        _cleanup_close_ int jfd = open(junk, O_RDONLY | O_CLOEXEC);
        bool loaded = false;

        ASSERT_EQ(backend_file_load(b, kfd, -1, "", KEXEC_FILE_NO_INITRAMFS | KEXEC_FILE_ON_CRASH), 0);
        ASSERT_EQ(backend_read_bool(b, KERNEL_KEXEC_CRASH_LOADED, &loaded), 0);
        ASSERT_EQ(loaded, 1);
        ASSERT_EQ(backend_file_load(b, jfd, -1, "", KEXEC_FILE_NO_INITRAMFS | KEXEC_FILE_ON_CRASH), -ENOEXEC);
        ASSERT_EQ(backend_read_bool(b, KERNEL_KEXEC_CRASH_LOADED, &loaded), 0);
        ASSERT_EQ(loaded, 0);
        /* The kexec image is kept on a failed load (no free for it). */
        ASSERT_EQ(backend_file_load(b, kfd, -1, "", KEXEC_FILE_NO_INITRAMFS), 0);
        ASSERT_EQ(backend_file_load(b, jfd, -1, "", KEXEC_FILE_NO_INITRAMFS), -ENOEXEC);
        ASSERT_EQ(backend_read_bool(b, KERNEL_KEXEC_LOADED, &loaded), 0);
        ASSERT_EQ(loaded, 1);
}

/* bzImage64_probe() (arch/x86/kernel/kexec-bzimage64.c, 6.1): only a
 * 64-bit kernel loadable high and above 4G is a bzImage; bzImage64_load()
 * refuses a truncated setup and a command line without room for
 * elfcorehdr= (cmdline_size 2047: at most 2016 characters). */
TEST(test_bzimage64_rules) {
        char *dir = test_tmpdir(), root[4096], kernel[4096];
        snprintf(root, sizeof(root), "%s/root", dir);
        snprintf(kernel, sizeof(kernel), "%s/vmlinuz", dir);
        test_make_fake_root(root, 256 << 20, "[none]", "x\n");
        _cleanup_(backend_freep) Backend *b = new_fake(root);
        char line[2100];
        static const struct { size_t offset; uint8_t value; } breakages[] = {
                { 0x211, 0x00 }, /* loadflags without LOADED_HIGH */
                { 0x236, 0x01 }, /* xloadflags without CAN_BE_LOADED_ABOVE_4G */
                { 0x236, 0x02 }, /* xloadflags without KERNEL_64 */
                { 0x207, 0x01 }, /* boot protocol 1.15 */
                { 0x1f1, 0x20 }, /* 32 setup sectors: more than the file holds */
        };

        for (size_t k = 0; k < ELEMENTSOF(breakages); k++) {
                test_make_bzimage(kernel);
                _cleanup_close_ int wfd = open(kernel, O_WRONLY | O_CLOEXEC);
                ASSERT_EQ(pwrite(wfd, &breakages[k].value, 1, (off_t) breakages[k].offset), 1);
                _cleanup_close_ int kfd = open(kernel, O_RDONLY | O_CLOEXEC);
                ASSERT_EQ(backend_file_load(b, kfd, -1, "", KEXEC_FILE_NO_INITRAMFS), -ENOEXEC);
        }
        test_make_bzimage(kernel);
        _cleanup_close_ int kfd = open(kernel, O_RDONLY | O_CLOEXEC);
        memset(line, 'a', sizeof(line));
        line[2017] = 0;
        ASSERT_EQ(backend_file_load(b, kfd, -1, line, KEXEC_FILE_NO_INITRAMFS), -EINVAL);
        line[2016] = 0;
        ASSERT_EQ(backend_file_load(b, kfd, -1, line, KEXEC_FILE_NO_INITRAMFS), 0);
}

/* The legacy loader is a child process: an fd named /proc/self/fd/N must
 * not be close-on-exec, or kexec-tools cannot open it. */
TEST(test_legacy_needs_inheritable_fds) {
        char *dir = test_tmpdir(), root[4096], kernel[4096], arg[64];
        snprintf(root, sizeof(root), "%s/root", dir);
        snprintf(kernel, sizeof(kernel), "%s/vmlinuz", dir);
        test_make_fake_root(root, 256 << 20, "[none]", "x\n");
        test_make_bzimage(kernel);
        _cleanup_(backend_freep) Backend *b = new_fake(root);
        _cleanup_close_ int kfd = open(kernel, O_RDONLY | O_CLOEXEC);
        _cleanup_free_ char *out = NULL;
        snprintf(arg, sizeof(arg), "/proc/self/fd/%d", kfd);
        char *argv[] = { (char *) "kexec", (char *) "-l", arg, NULL };

        ASSERT_EQ(backend_legacy_load(b, argv, &out), -EIO);
        ASSERT_TRUE(out && strstr(out, "Cannot open"));
        ASSERT_EQ(fcntl(kfd, F_SETFD, 0), 0);
        ASSERT_EQ(backend_legacy_load(b, argv, NULL), 0);
}

TEST(test_legacy_load_records) {
        char *dir = test_tmpdir(), root[4096], kernel[4096];
        snprintf(root, sizeof(root), "%s/root", dir);
        snprintf(kernel, sizeof(kernel), "%s/vmlinuz", dir);
        test_make_fake_root(root, 256 << 20, "[none] integrity", "x\n");
        test_make_bzimage(kernel);
        _cleanup_(backend_freep) Backend *b = new_fake(root);
        char *argv[] = { (char *) "kexec", (char *) "-p", (char *) "--command-line=a b", kernel, NULL };
        _cleanup_free_ char *s = NULL;
        bool loaded = false;

        ASSERT_EQ(backend_legacy_load(b, argv, NULL), 0);
        ASSERT_EQ(backend_read_bool(b, KERNEL_KEXEC_CRASH_LOADED, &loaded), 0);
        ASSERT_EQ(loaded, 1);
        s = test_read(root, "fake/kdump.syscall");
        ASSERT_STREQ(s, "legacy");
        free(s);
        s = test_read(root, "fake/kdump.cmdline");
        ASSERT_STREQ(s, "a b");
}

int main(void) {
        RUN(test_constructor_checks);
        RUN(test_load_unload_kexec);
        RUN(test_kernel_refusals);
        RUN(test_load_limits);
        RUN(test_failed_crash_load_frees_the_old_image);
        RUN(test_bzimage64_rules);
        RUN(test_legacy_needs_inheritable_fds);
        RUN(test_legacy_load_records);
        return test_finish("test-backend-fake");
}
