/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
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
        char tmpl[] = "/tmp/kexecd-test-XXXXXX";
        test_tmpdir_cleanup();
        if (!mkdtemp(tmpl)) {
                perror("mkdtemp");
                exit(EXIT_FAILURE);
        }
        tmpdir_path = strdup(tmpl);
        return tmpdir_path;
}

void test_write(const char *dir, const char *rel, const char *text) {
        char path[4096], parent[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, rel);
        snprintf(parent, sizeof(parent), "%s", path);
        *strrchr(parent, '/') = 0;
        if (mkdir_parents_and_self(parent, 0755) < 0 || write_file_atomic(path, text, strlen(text), 0644) < 0) {
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
        data[0x206] = 0x0f;
        data[0x207] = 0x02;
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
