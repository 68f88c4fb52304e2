/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "input-file.h"
#include "macro.h"
#include "test-util.h"

static int try_open(const char *path) {
        _cleanup_free_ char *msg = NULL;
        int fd = -1;
        int r = input_file_open(path, "Kernel", &fd, &msg);
        if (r >= 0)
                close(fd);
        else
                ASSERT_TRUE(msg != NULL && strlen(msg) > 0);
        return r;
}

TEST(test_rejections) {
        char *dir = test_tmpdir(), p[4096];
        ASSERT_EQ(try_open("relative/vmlinuz"), -EISDIR);
        ASSERT_EQ(try_open(""), -EISDIR);
        snprintf(p, sizeof(p), "%s/missing", dir);
        ASSERT_EQ(try_open(p), -ENOENT);
        snprintf(p, sizeof(p), "%s/missing/deeper", dir);
        ASSERT_EQ(try_open(p), -ENOENT);
        ASSERT_EQ(try_open(dir), -EISDIR);
        ASSERT_EQ(try_open("/dev/null"), -EISDIR);
        snprintf(p, sizeof(p), "%s/fifo", dir);
        ASSERT_EQ(mkfifo(p, 0600), 0);
        ASSERT_EQ(try_open(p), -EISDIR); /* and it did not block */
        snprintf(p, sizeof(p), "%s/sock", dir);
        int s = socket(AF_UNIX, SOCK_STREAM, 0);
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        ASSERT_TRUE(strlen(p) < sizeof(sa.sun_path));
        memcpy(sa.sun_path, p, strlen(p) + 1);
        ASSERT_EQ(bind(s, (struct sockaddr *) &sa, sizeof(sa)), 0);
        ASSERT_EQ(try_open(p), -EISDIR);
        close(s);
        test_write(dir, "empty", "");
        snprintf(p, sizeof(p), "%s/empty", dir);
        ASSERT_EQ(try_open(p), -ENODATA);
        test_write(dir, "ok", "data");
        snprintf(p, sizeof(p), "%s/ok", dir);
        ASSERT_EQ(try_open(p), 0);
}

TEST(test_initrd_concat_is_sealed) {
        char *dir = test_tmpdir(), a[4096], b[4096];
        snprintf(a, sizeof(a), "%s/a", dir);
        snprintf(b, sizeof(b), "%s/b", dir);
        test_write(dir, "a", "first-");
        test_write(dir, "b", "second");
        char *paths[] = { a, b, NULL };
        _cleanup_free_ char *msg = NULL;
        _cleanup_close_ int fd = -EBADF;
        char buf[64] = {};

        ASSERT_EQ(initrds_open(paths, &fd, &msg), 0);
        /* "first-" is 6 bytes: 2 zero bytes align the second archive. */
        ASSERT_EQ(read(fd, buf, sizeof(buf) - 1), 14);
        ASSERT_TRUE(memcmp(buf, "first-\0\0second", 14) == 0);
        int seals = fcntl(fd, F_GET_SEALS);
        ASSERT_TRUE(seals & F_SEAL_WRITE);
        ASSERT_TRUE(seals & F_SEAL_SEAL);
        ASSERT_TRUE(write(fd, "x", 1) < 0);

        char *none[] = { NULL };
        int fd2 = 5;
        ASSERT_EQ(initrds_open(none, &fd2, &msg), 0);
        ASSERT_TRUE(fd2 < 0);
        char *bad[] = { a, (char *) "/nonexistent", NULL };
        ASSERT_EQ(initrds_open(bad, &fd2, &msg), -ENOENT);
}

TEST(test_sha256) {
        char *dir = test_tmpdir(), p[4096];
        _cleanup_free_ char *hex = NULL;
        test_write(dir, "abc", "abc");
        snprintf(p, sizeof(p), "%s/abc", dir);
        _cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC);
        ASSERT_EQ(fd_sha256_hex(fd, &hex), 0);
        ASSERT_STREQ(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

int main(void) {
        RUN(test_rejections);
        RUN(test_initrd_concat_is_sealed);
        RUN(test_sha256);
        return test_finish("test-input-file");
}
