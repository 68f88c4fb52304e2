/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "macro.h"
#include "state.h"
#include "test-util.h"

static void fill(ImageState *s) {
        *s = (ImageState) {};
        s->spec.kernel = strdup("/boot/vmlinuz");
        s->spec.initrds = calloc(3, sizeof(char *));
        s->spec.initrds[0] = strdup("/boot/initrd \"quoted\".img");
        s->spec.initrds[1] = strdup("/boot/ucode.img");
        s->spec.cmdline = strdup("");
        s->spec.append = strdup("console=ttyS0 x=\"a b\"");
        s->spec.syscall = SYSCALL_LEGACY;
        s->spec.entry = strdup("debian-6.1.0-13.conf");
        s->spec.entry_options = strdup("root=/dev/vda1 ro");
        s->spec.entry_initrds = true;
        s->effective_cmdline = strdup("root=/dev/vda1 console=ttyS0 x=\"a b\"");
        s->kernel_sha256 = strdup("00ff");
        s->kernel_format = strdup("bzImage");
        s->syscall_used = strdup("legacy");
        s->syscall_reason = strdup("requested");
        s->loaded_at_usec = 1234567890123456ULL;
        s->load_duration_usec = 4242;
        s->layout_generation = 7;
}

TEST(test_round_trip) {
        char *dir = test_tmpdir();
        _cleanup_(image_state_done) ImageState a = {}, b = {};
        fill(&a);
        ASSERT_EQ(image_state_save(dir, IMAGE_KDUMP, &a), 0);
        ASSERT_EQ(image_state_load(dir, IMAGE_KDUMP, &b), 0);
        ASSERT_STREQ(b.spec.kernel, a.spec.kernel);
        ASSERT_EQ(strv_length(b.spec.initrds), 2);
        ASSERT_STREQ(b.spec.initrds[0], a.spec.initrds[0]);
        ASSERT_STREQ(b.spec.cmdline, "");
        ASSERT_STREQ(b.spec.append, a.spec.append);
        ASSERT_EQ(b.spec.syscall, SYSCALL_LEGACY);
        ASSERT_STREQ(b.spec.entry, "debian-6.1.0-13.conf");
        ASSERT_STREQ(b.spec.entry_options, "root=/dev/vda1 ro");
        ASSERT_TRUE(b.spec.entry_initrds);
        ASSERT_STREQ(b.effective_cmdline, a.effective_cmdline);
        ASSERT_STREQ(b.syscall_reason, "requested");
        ASSERT_EQ(b.loaded_at_usec, a.loaded_at_usec);
        ASSERT_EQ(b.load_duration_usec, 4242);
        ASSERT_EQ(b.layout_generation, 7);
        /* The other image has no state. */
        _cleanup_(image_state_done) ImageState c = {};
        ASSERT_EQ(image_state_load(dir, IMAGE_KEXEC, &c), -ENOENT);
        ASSERT_EQ(image_state_remove(dir, IMAGE_KDUMP), 0);
        ASSERT_EQ(image_state_load(dir, IMAGE_KDUMP, &c), -ENOENT);
        ASSERT_EQ(image_state_remove(dir, IMAGE_KDUMP), 0); /* idempotent */
}

TEST(test_torn_and_foreign_files) {
        char *dir = test_tmpdir();
        _cleanup_(image_state_done) ImageState s = {};
        /* A file cut off mid-write (what a non-atomic writer leaves after a
         * crash) must be refused, not half-read. */
        test_write(dir, "kexec.json", "{ \"kernel\": \"/boot/vmlin");
        ASSERT_EQ(image_state_load(dir, IMAGE_KEXEC, &s), -EBADMSG);
        test_write(dir, "kexec.json", "[1,2,3]");
        ASSERT_EQ(image_state_load(dir, IMAGE_KEXEC, &s), -EBADMSG);
        test_write(dir, "kexec.json", "{\"kernel\": \"relative\", \"cmdline\": \"\", \"initrds\": []}");
        ASSERT_EQ(image_state_load(dir, IMAGE_KEXEC, &s), -EBADMSG);
        test_write(dir, "kexec.json", "{\"kernel\": \"/k\", \"cmdline\": \"\", \"initrds\": [1]}");
        ASSERT_EQ(image_state_load(dir, IMAGE_KEXEC, &s), -EBADMSG);
        test_write(dir, "kexec.json", "{\"kernel\": \"/k\", \"cmdline\": \"\", \"initrds\": [], \"syscall\": \"warp\"}");
        ASSERT_EQ(image_state_load(dir, IMAGE_KEXEC, &s), -EBADMSG);
        test_write(dir, "kexec.json", "{\"kernel\": \"/k\", \"cmdline\": \"\", \"initrds\": []}");
        ASSERT_EQ(image_state_load(dir, IMAGE_KEXEC, &s), 0);
        ASSERT_STREQ(s.spec.kernel, "/k");
        image_state_done(&s);
        /* an entry id that could not have been accepted is not ours */
        test_write(dir, "kexec.json", "{\"kernel\": \"/k\", \"cmdline\": \"\", \"initrds\": [], \"entry\": \"../x\"}");
        ASSERT_EQ(image_state_load(dir, IMAGE_KEXEC, &s), -EBADMSG);
}

TEST(test_atomic_write_keeps_old_content_on_failure) {
        char *dir = test_tmpdir();
        char path[4096];
        _cleanup_free_ char *back = NULL;
        snprintf(path, sizeof(path), "%s/file", dir);
        ASSERT_EQ(write_file_atomic(path, "old", 3, 0644), 0);
        /* Make the temporary file impossible to create: the old content
         * must survive and no stray temporary may remain. */
        char tmp[4200];
        snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long) getpid());
        ASSERT_EQ(mkdir(tmp, 0755), 0);
        ASSERT_TRUE(write_file_atomic(path, "new", 3, 0644) < 0);
        ASSERT_EQ(rmdir(tmp), 0);
        ASSERT_EQ(read_full_file(path, 100, &back, NULL), 0);
        ASSERT_STREQ(back, "old");
        free(back);
        back = NULL;
        ASSERT_EQ(write_file_atomic(path, "new", 3, 0644), 0);
        ASSERT_EQ(read_full_file(path, 100, &back, NULL), 0);
        ASSERT_STREQ(back, "new");
        /* Only the file itself is left in the directory. */
        DIR *d = opendir(dir);
        unsigned n = 0;
        for (struct dirent *de; (de = readdir(d));)
                if (de->d_name[0] != '.')
                        n++;
        closedir(d);
        ASSERT_EQ(n, 1);
}

int main(void) {
        RUN(test_round_trip);
        RUN(test_torn_and_foreign_files);
        RUN(test_atomic_write_keeps_old_content_on_failure);
        return test_finish("test-state");
}
