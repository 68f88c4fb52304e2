/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: kernel format sniffing and unpacking (gzip, zstd, xz, lzma,
 * zboot, UKI/PE) and the device tree reader must survive any input. The
 * input goes through a memfd because kernel_image_open() takes an fd. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "devicetree.h"
#include "kernel-image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        int fd = memfd_create("fuzz", MFD_CLOEXEC);
        if (fd < 0)
                return 0;
        if (size > 0 && write(fd, data, size) != (ssize_t) size) {
                close(fd);
                return 0;
        }
        KernelImage *k = NULL;
        char *msg = NULL;
        /* A small bound keeps decompression bombs cheap while fuzzing. */
        if (kernel_image_open(fd, 1 << 20, &k, &msg) >= 0)
                kernel_image_free(k);
        free(msg);
        close(fd);

        DtReport d;
        msg = NULL;
        (void) dt_report_from_blob(data, size, &d, &msg);
        free(msg);
        msg = NULL;
        int out = -1;
        if (dt_prepare_for_kexec(data, size, "fuzz", 0, 0, DT_KASLR_SEED_RANDOM, &out, &msg) >= 0)
                close(out);
        free(msg);
        return 0;
}
