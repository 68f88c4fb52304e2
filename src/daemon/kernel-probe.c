/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel-probe.h"
#include "macro.h"

struct KernelProbe {
        int fd;
        const char *format;
};

int kernel_probe_open(int fd, KernelProbe **ret, char **ret_message) {
        uint8_t head[0x240] = {};
        ssize_t n = pread(fd, head, sizeof(head), 0);
        const char *format = NULL;

        if (n < 0)
                return -errno;
        if (n >= 0x208 && memcmp(head + 0x202, "HdrS", 4) == 0 && head[0x1fe] == 0x55 && head[0x1ff] == 0xaa)
                format = "bzImage";
        else if (n >= 0x40 && memcmp(head + 0x38, "ARM\x64", 4) == 0)
                format = "arm64-Image";
        if (!format) {
                if (ret_message)
                        *ret_message = strdup("not a kernel image (no x86 boot header, no arm64 Image header)");
                return -ENOEXEC;
        }
        KernelProbe *p = calloc(1, sizeof(KernelProbe));
        if (!p)
                return -ENOMEM;
        p->fd = fd;
        p->format = format;
        *ret = p;
        return 0;
}

int kernel_probe_fd(const KernelProbe *p) {
        return p->fd;
}

const char *kernel_probe_format(const KernelProbe *p) {
        return p->format;
}

void kernel_probe_free(KernelProbe *p) {
        free(p);
}
