/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "macro.h"
#include "test-util.h"

unsigned test_checks = 0;
static char *tmpdir_path = NULL;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

void test_tmpdir_cleanup(void) {
        if (tmpdir_path)
                nftw(tmpdir_path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        free(tmpdir_path);
        tmpdir_path = NULL;
}

char *test_tmpdir(void) {
        /* tmpfs when there is one: fixtures are thousands of small files,
         * and the disk-backed /tmp of a busy machine made them take 30 s. */
        static const char *const bases[] = { "/dev/shm", "/tmp" };
        char tmpl[64];
        test_tmpdir_cleanup();
        for (size_t i = 0; i < ELEMENTSOF(bases); i++) {
                snprintf(tmpl, sizeof(tmpl), "%s/kexecd-test-XXXXXX", bases[i]);
                if (mkdtemp(tmpl)) {
                        tmpdir_path = strdup(tmpl);
                        return tmpdir_path;
                }
        }
        perror("mkdtemp");
        exit(EXIT_FAILURE);
}

/* Fixture files need no durability: a plain write, no fsync (thousands of
 * fsyncs made test-layout take 30 s on a machine busy with disk I/O). */
void test_write(const char *dir, const char *rel, const char *text) {
        char path[4096], parent[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, rel);
        snprintf(parent, sizeof(parent), "%s", path);
        *strrchr(parent, '/') = 0;
        /* Directories only when missing: mkdir of every component of every
         * path dominated the fixtures of 4096 memory blocks. */
        FILE *f = fopen(path, "we");
        if (!f && errno == ENOENT &&
            ((mkdir(parent, 0755) >= 0 || errno == EEXIST) || mkdir_parents_and_self(parent, 0755) >= 0))
                f = fopen(path, "we");
        if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
                fprintf(stderr, "cannot write %s\n", path);
                exit(EXIT_FAILURE);
        }
}

char *test_read(const char *dir, const char *rel) {
        char path[4096];
        char *s = NULL;
        snprintf(path, sizeof(path), "%s/%s", dir, rel);
        if (read_full_file(path, 1 << 20, &s, NULL) < 0)
                return NULL;
        strip_trailing_newlines(s);
        return s;
}

void test_make_fake_root(const char *root, uint64_t crash_size, const char *lockdown, const char *cmdline) {
        char buf[256];
        test_write(root, "sys/kernel/kexec_loaded", "0\n");
        test_write(root, "sys/kernel/kexec_crash_loaded", "0\n");
        snprintf(buf, sizeof(buf), "%" PRIu64 "\n", crash_size);
        test_write(root, "sys/kernel/kexec_crash_size", buf);
        snprintf(buf, sizeof(buf), "%s\n", lockdown);
        test_write(root, "sys/kernel/security/lockdown", buf);
        test_write(root, "proc/sys/kernel/kexec_load_disabled", "0\n");
        test_write(root, "proc/sys/kernel/osrelease", "6.1.0-test\n");
        test_write(root, "proc/cmdline", cmdline);
        test_write(root, "fake/.keep", "");
}

void test_make_bzimage(const char *path) {
        uint8_t data[8192] = {};
        data[0x1fe] = 0x55;
        data[0x1ff] = 0xaa;
        memcpy(data + 0x202, "HdrS", 4);
        data[0x206] = 0x0f;        /* boot protocol 2.15 */
        data[0x207] = 0x02;
        data[0x1f1] = 4;           /* setup_sects */
        data[0x211] = 0x01;        /* loadflags: LOADED_HIGH */
        data[0x236] = 0x03;        /* xloadflags: KERNEL_64, CAN_BE_LOADED_ABOVE_4G */
        data[0x238] = 0xff;        /* cmdline_size 2047, as x86 kernels say */
        data[0x239] = 0x07;
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || write(fd, data, sizeof(data)) != (ssize_t) sizeof(data)) {
                fprintf(stderr, "cannot write %s\n", path);
                exit(EXIT_FAILURE);
        }
        close(fd);
}

int test_finish(const char *name) {
        test_tmpdir_cleanup();
        fprintf(stderr, "%s: %u checks passed\n", name, test_checks);
        return test_checks > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
