/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <libfdt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "devicetree.h"
#include "input-file.h"
#include "macro.h"

#define DTB_MAX (16u * 1024u * 1024u)

static int fail(char **msg, const char *fmt, ...) _printf_(2, 3);
static int fail(char **msg, const char *fmt, ...) {
        if (msg) {
                va_list ap;
                va_start(ap, fmt);
                if (vasprintf(msg, fmt, ap) < 0)
                        *msg = NULL;
                va_end(ap);
        }
        return -ENOTUNIQ;
}

static int check_blob(const void *blob, size_t size, char **msg) {
        if (size < sizeof(struct fdt_header))
                return fail(msg, "device tree of %zu bytes is shorter than its header", size);
        /* Debian 12's libfdt (1.6.1) crashes in fdt_check_full() on some
         * pre-v16 blobs (found by tests/fuzz/format). Kernels write v17:
         * refuse anything older before libfdt walks it. */
        int r = fdt_check_header(blob);
        if (r < 0)
                return fail(msg, "malformed device tree header: %s", fdt_strerror(r));
        if (fdt_version(blob) < 16)
                return fail(msg, "device tree version %u is too old (16 or newer expected)", fdt_version(blob));
        if (fdt_totalsize(blob) > size)
                return fail(msg, "device tree claims %u bytes but %zu were read", fdt_totalsize(blob), size);
        r = fdt_check_full(blob, size);
        if (r < 0)
                return fail(msg, "malformed device tree: %s", fdt_strerror(r));
        return 0;
}

static uint64_t read_cells(const fdt32_t *p, int cells) {
        uint64_t v = 0;
        for (int i = 0; i < cells; i++)
                v = v << 32 | fdt32_ld(&p[i]); /* no alignment assumed */
        return v;
}

/* Parses a reg-style property into ranges using the root's cell sizes. */
static int read_ranges(const void *blob, int node, const char *prop, int ac, int sc, DtRange *out, size_t *n, char **msg) {
        int len;
        const fdt32_t *p = fdt_getprop(blob, node, prop, &len);
        if (!p)
                return 0;
        size_t entry = (size_t) (ac + sc) * 4;
        if (entry == 0 || len < 0 || (size_t) len % entry != 0)
                return fail(msg, "property %s has %d bytes, not a multiple of %zu", prop, len, entry);
        for (size_t off = 0; off < (size_t) len && *n < DT_RANGES_MAX; off += entry) {
                const fdt32_t *e = (const fdt32_t *) ((const uint8_t *) p + off);
                out[*n].start = read_cells(e, ac);
                out[*n].size = read_cells(e + ac, sc);
                (*n)++;
        }
        return 0;
}

int dt_report_from_blob(const void *blob, size_t size, DtReport *ret, char **msg) {
        DtReport d = {};
        int r, ac, sc, chosen;

        r = check_blob(blob, size, msg);
        if (r < 0)
                return r;
        ac = fdt_address_cells(blob, 0);
        sc = fdt_size_cells(blob, 0);
        if (ac < 1 || ac > 2 || sc < 0 || sc > 2)
                return fail(msg, "unsupported #address-cells %d / #size-cells %d", ac, sc);

        chosen = fdt_path_offset(blob, "/chosen");
        if (chosen >= 0) {
                d.kdump_kernel = fdt_getprop(blob, chosen, "linux,elfcorehdr", NULL) != NULL;
                d.ima_buffer = fdt_getprop(blob, chosen, "linux,ima-kexec-buffer", NULL) != NULL;
                d.kaslr_seed = fdt_getprop(blob, chosen, "kaslr-seed", NULL) != NULL;
                d.rng_seed = fdt_getprop(blob, chosen, "rng-seed", NULL) != NULL;
                d.booted_from_kexec = fdt_getprop(blob, chosen, "linux,booted-from-kexec", NULL) != NULL;
                r = read_ranges(blob, chosen, "linux,usable-memory-range", ac, sc, d.usable, &d.n_usable, msg);
                if (r < 0)
                        return r;
        }
        /* Memory nodes: device_type = "memory" anywhere at the top level. */
        for (int node = fdt_first_subnode(blob, 0); node >= 0; node = fdt_next_subnode(blob, node)) {
                const char *type = fdt_getprop(blob, node, "device_type", NULL);
                if (!type || strcmp(type, "memory") != 0)
                        continue;
                r = read_ranges(blob, node, "reg", ac, sc, d.memory, &d.n_memory, msg);
                if (r < 0)
                        return r;
        }
        *ret = d;
        return 0;
}

int dt_report_read(Backend *b, DtReport *ret, char **msg) {
        _cleanup_free_ char *blob = NULL;
        size_t size;
        int r = backend_read_full(b, "/sys/firmware/fdt", &blob, &size);
        if (r < 0)
                return r;
        return dt_report_from_blob(blob, size, ret, msg);
}

static int set_seed(void *fdt, int node, const char *name, size_t n) {
        uint8_t seed[64];
        if (getrandom(seed, n, 0) != (ssize_t) n)
                return -EIO;
        return fdt_setprop(fdt, node, name, seed, (int) n);
}

int dt_prepare_for_kexec(const void *blob, size_t size, const char *bootargs, uint64_t initrd_start,
                         uint64_t initrd_end, DtKaslrSeed kaslr, int *ret_fd, char **msg) {
        _cleanup_free_ void *out = NULL;
        int r, chosen;

        r = check_blob(blob, size, msg);
        if (r < 0)
                return r;
        /* Room for the new properties. */
        size_t out_size = size + 4096 + (bootargs ? strlen(bootargs) : 0);
        if (out_size > DTB_MAX)
                return fail(msg, "device tree too large");
        out = malloc(out_size);
        if (!out)
                return -ENOMEM;
        r = fdt_open_into(blob, out, (int) out_size);
        if (r < 0)
                return fail(msg, "cannot copy device tree: %s", fdt_strerror(r));
        chosen = fdt_path_offset(out, "/chosen");
        if (chosen < 0)
                chosen = fdt_add_subnode(out, 0, "chosen");
        if (chosen < 0)
                return fail(msg, "cannot create /chosen: %s", fdt_strerror(chosen));

        static const char *const stale[] = {
                "linux,elfcorehdr", "linux,usable-memory-range", "linux,ima-kexec-buffer",
                "linux,initrd-start", "linux,initrd-end", "linux,booted-from-kexec",
        };
        for (size_t i = 0; i < ELEMENTSOF(stale); i++) {
                r = fdt_delprop(out, chosen, stale[i]);
                if (r < 0 && r != -FDT_ERR_NOTFOUND)
                        return fail(msg, "cannot remove %s: %s", stale[i], fdt_strerror(r));
        }
        if (bootargs) {
                r = fdt_setprop_string(out, chosen, "bootargs", bootargs);
                if (r < 0)
                        return fail(msg, "cannot set bootargs: %s", fdt_strerror(r));
        }
        if (initrd_end > initrd_start) {
                r = fdt_setprop_u64(out, chosen, "linux,initrd-start", initrd_start);
                if (r >= 0)
                        r = fdt_setprop_u64(out, chosen, "linux,initrd-end", initrd_end);
                if (r < 0)
                        return fail(msg, "cannot set the initrd range: %s", fdt_strerror(r));
        }
        /* The next kernel must not reuse this one's entropy or layout. */
        if (kaslr == DT_KASLR_SEED_LOADER) {
                static const uint8_t consumed[8] = {};
                r = fdt_setprop(out, chosen, "kaslr-seed", consumed, sizeof(consumed));
                r = r < 0 ? -EIO : 0;
        } else
                r = set_seed(out, chosen, "kaslr-seed", 8);
        if (r >= 0)
                r = set_seed(out, chosen, "rng-seed", 64);
        if (r < 0)
                return fail(msg, "cannot set fresh seeds");
        r = fdt_pack(out);
        if (r < 0)
                return fail(msg, "cannot pack device tree: %s", fdt_strerror(r));
        int fd = memfd_new_sealed("kexecd-dtb", out, fdt_totalsize(out));
        if (fd < 0)
                return fd;
        *ret_fd = fd;
        return 0;
}
