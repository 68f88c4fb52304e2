/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test helper: runs kernel_image_open() on a file and prints what kexecd
 * would hand to the kernel: format, size, sha256 of the kernel bytes, and a
 * UKI's initrd size and cmdline. Exit 0, or the errno of the failure. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input-file.h"
#include "kernel-image.h"
#include "macro.h"

int main(int argc, char *argv[]) {
        _cleanup_(kernel_image_freep) KernelImage *k = NULL;
        _cleanup_free_ char *msg = NULL, *sha = NULL;
        uint64_t max = argc > 2 ? strtoull(argv[2], NULL, 0) : 0;

        if (argc < 2)
                return 2;
        _cleanup_close_ int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return errno;
        int r = kernel_image_open(fd, max, &k, &msg);
        if (r < 0) {
                printf("error=%s\nmessage=%s\n", strerrorname_np(-r), strempty(msg));
                return -r;
        }
        /* Read back independently of the hash taken while unpacking. */
        if (fd_sha256_hex(k->fd, &sha) < 0)
                return 1;
        const char *loaded_sha;
        if (kernel_image_sha256(k, &loaded_sha) < 0)
                return 1;
        struct stat st;
        printf("format=%s\ninner=%s\nsize=%llu\nsha256=%s\nloaded_sha256=%s\nsealed=%d\n", k->format, k->inner,
               (unsigned long long) k->size, sha, loaded_sha, fcntl(k->fd, F_GET_SEALS) > 0 && (fcntl(k->fd, F_GET_SEALS) & F_SEAL_WRITE) != 0);
        if (k->initrd_fd >= 0 && fstat(k->initrd_fd, &st) == 0)
                printf("initrd_size=%lld\n", (long long) st.st_size);
        if (k->cmdline)
                printf("cmdline=%s\n", k->cmdline);
        return 0;
}
