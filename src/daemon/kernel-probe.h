/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Turns the kernel file a caller named into what kexec_file_load(2) gets:
 * the same fd for an uncompressed kernel (so IMA appraisal sees the file's
 * xattrs), or a sealed memfd with the unpacked kernel for compressed images.
 * -ENOEXEC for files that are not kernels. */

typedef struct KernelProbe KernelProbe;

int kernel_probe_open(int fd, KernelProbe **ret, char **ret_message);
int kernel_probe_fd(const KernelProbe *p);
const char *kernel_probe_format(const KernelProbe *p);
void kernel_probe_free(KernelProbe *p);
static inline void kernel_probe_freep(KernelProbe **p) {
        kernel_probe_free(*p);
}
