/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* EstimateCrashKernel() and CrashKernelSufficient: the crashkernel=
 * reservation the kdump image needs (src/format/crash-estimate.c has the
 * model, docs/crashkernel.md its sources), against what the kernel
 * reserved. Read-only: no polkit. */
#include <errno.h>
#include <malloc.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "crash-estimate.h"
#include "errors.h"
#include "input-file.h"
#include "log.h"
#include "macro.h"
#include "manager.h"

/* The files of the kdump image exactly as a (re)load would take them: the
 * spec that loaded last, else the configured one. */
static int kdump_spec(Manager *m, const ImageSpec **ret, sd_bus_error *error) {
        Image *i = m->images[IMAGE_KDUMP];

        if (i->has_state)
                *ret = &i->state.spec;
        else if (image_spec_is_set(&m->config.images[IMAGE_KDUMP].spec))
                *ret = &m->config.images[IMAGE_KDUMP].spec;
        else
                return kexecd_error_setf(error, -ENOMEDIUM,
                                         "No kdump image to estimate: none was loaded by kexecd and none is configured "
                                         "(kexecctl load --kdump, or [kdump] Kernel= in kexecd.conf).");
        return 0;
}

static int estimate_uncached(Manager *m, const ImageSpec *spec, CrashEstimate *ret, sd_bus_error *error) {
        _cleanup_close_ int kernel_fd = -EBADF, initrd_fd = -EBADF;
        _cleanup_(kernel_image_freep) KernelImage *kimg = NULL;
        _cleanup_free_ char *message = NULL;
        InitrdSize initrd;
        int r;

        log_debug("Estimating the crash kernel's memory for %s", spec->kernel);
        r = input_file_open(spec->kernel, "Kernel", &kernel_fd, &message);
        if (r < 0)
                return kexecd_error_setf(error, r, "%s", message ?: "Cannot open kernel");
        r = initrds_open(spec->initrds, &initrd_fd, &message);
        if (r < 0)
                return kexecd_error_setf(error, r, "%s", message ?: "Cannot open initrd");
        r = kernel_image_open(kernel_fd, 0, &kimg, &message);
        if (r < 0)
                return kexecd_error_setf(error, r == -ENOMEM || r == -EFBIG || r == -EUCLEAN ? r : -ENOEXEC,
                                         "%s: %s", spec->kernel, message ?: "not a kernel image");
        /* A unified kernel image's own initrd, as image_load_once() uses it. */
        if (initrd_fd < 0 && kimg->initrd_fd >= 0) {
                initrd_fd = fcntl(kimg->initrd_fd, F_DUPFD_CLOEXEC, 3);
                if (initrd_fd < 0)
                        return kexecd_error_setf(error, -EIO, "Cannot use the UKI's initrd: %m");
        }
        if (initrd_fd >= 0) {
                r = initrd_unpacked_size(initrd_fd, 0, &initrd, &message);
                if (r == -ENOMEM)
                        return kexecd_error_setf(error, r, "Out of memory");
                if (r < 0)
                        /* ENOEXEC/EUCLEAN/EFBIG are NotAKernel, CorruptImage,
                         * ImageTooLarge: name the initrd so it is clear which. */
                        return kexecd_error_setf(error, r == -ENOEXEC ? -EUCLEAN : r, "%s%s: %s",
                                                 !spec->initrds ? "the UKI's .initrd" : spec->initrds[0],
                                                 spec->initrds && spec->initrds[1] ? " (and the initrds after it, concatenated)" : "",
                                                 message ?: strerror(-r));
        }
        r = crash_estimate_compute(kimg, initrd_fd >= 0 ? &initrd : NULL, ret);
        if (r < 0)
                return kexecd_error_setf(error, -ENOMEM, "Out of memory");
        return 0;
}

/* Identity of the files an estimate read: path, device, inode, size and
 * mtime of the kernel and each initrd. NULL when one cannot be stat'ed
 * (the estimate then fails fast with the open error anyway). */
static char *spec_key(const ImageSpec *spec) {
        _cleanup_free_ char *key = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&key, &n);
        bool ok = f != NULL;

        if (!f)
                return NULL;
        for (size_t k = 0; ok && (k == 0 || (spec->initrds && spec->initrds[k - 1])); k++) {
                const char *path = k == 0 ? spec->kernel : spec->initrds[k - 1];
                struct stat st;
                if (stat(path, &st) < 0) {
                        ok = false;
                        break;
                }
                fprintf(f, "%s\n%ju:%ju:%jd:%jd.%09ld\n", path, (uintmax_t) st.st_dev, (uintmax_t) st.st_ino,
                        (intmax_t) st.st_size, (intmax_t) st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
        }
        if (fclose(f) != 0 || !ok)
                return NULL;
        return TAKE_PTR(key);
}

static void crash_cache_clear(Manager *m) {
        crash_estimate_done(&m->crash_cache.estimate);
        free(m->crash_cache.key);
        m->crash_cache.key = NULL;
        sd_bus_error_free(&m->crash_cache.error);
        m->crash_cache.r = 0;
}

void manager_crash_cache_done(Manager *m) {
        crash_cache_clear(m);
}

/* EstimateCrashKernel is open to anyone, and an estimate unpacks the
 * initrd (up to 1 GiB): the result, or the error, is reused while the
 * same files are unchanged, so calling it in a loop costs a stat() each. */
int manager_estimate_crash_kernel(Manager *m, const CrashEstimate **ret, sd_bus_error *error) {
        _cleanup_free_ char *key = NULL;
        const ImageSpec *spec = NULL;
        int r;

        r = kdump_spec(m, &spec, error);
        if (r < 0)
                return r;
        key = spec_key(spec);
        if (!key || !m->crash_cache.key || !streq(key, m->crash_cache.key)) {
                crash_cache_clear(m);
                r = estimate_uncached(m, spec, &m->crash_cache.estimate, &m->crash_cache.error);
                /* It unpacked the kernel and the initrd: give the decoders'
                 * memory back, as after a load (image-load.c). */
                (void) malloc_trim(0);
                m->crash_cache.r = r < 0 ? r : 0;
                m->crash_cache.key = TAKE_PTR(key);
        }
        if (m->crash_cache.r < 0) {
                if (sd_bus_error_is_set(&m->crash_cache.error))
                        return sd_bus_error_copy(error, &m->crash_cache.error);
                return m->crash_cache.r;
        }
        *ret = &m->crash_cache.estimate;
        return 0;
}

uint64_t manager_crash_reserved(Manager *m) {
        uint64_t v = 0;
        (void) backend_read_u64(m->backend, KERNEL_KEXEC_CRASH_SIZE, &v);
        return v;
}

bool manager_crash_sufficient_for(Manager *m, uint64_t reserved) {
        return reserved > 0 && m->crash_recommended > 0 && m->crash_recommended <= reserved;
}

bool manager_crash_sufficient(Manager *m) {
        /* The reservation is read each time (it can be shrunk through
         * kexec_crash_size); the estimate is cached. */
        return manager_crash_sufficient_for(m, manager_crash_reserved(m));
}

void manager_update_crash_estimate(Manager *m) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        const CrashEstimate *e = NULL;
        bool was = manager_crash_sufficient(m);
        uint64_t old = m->crash_recommended;

        if (manager_estimate_crash_kernel(m, &e, &error) < 0) {
                if (!sd_bus_error_has_name(&error, KEXECD_ERROR_NOTHING_TO_RELOAD))
                        log_warning("Cannot estimate the crash kernel's memory: %s", strna(error.message));
                m->crash_recommended = 0;
        } else
                m->crash_recommended = e->recommended;

        bool now = manager_crash_sufficient(m);
        if (m->crash_recommended > 0 && !now)
                log_warning("The crashkernel= reservation (%" PRIu64 " MiB) is smaller than the %" PRIu64
                            " MiB the kdump image needs: see kexecctl estimate-crashkernel.",
                            manager_crash_reserved(m) >> 20, m->crash_recommended >> 20);
        if (was != now || old != m->crash_recommended)
                manager_metrics_changed(m);
        if (m->bus && (was != now || old != m->crash_recommended))
                (void) sd_bus_emit_properties_changed(m->bus, KEXECD_MANAGER_PATH, KEXECD_MANAGER_IFACE,
                                                      "CrashKernelSufficient", "CrashKernelRecommended", NULL);
}

int method_estimate_crash_kernel(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const CrashEstimate *e = NULL;
        Manager *m = userdata;
        uint64_t reserved = manager_crash_reserved(m);
        int r;

        r = manager_estimate_crash_kernel(m, &e, error);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_append(reply, "ttb", e->recommended, reserved,
                                  reserved > 0 && e->recommended <= reserved);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(sts)");
        if (r < 0)
                return r;
        for (unsigned k = 0; k < e->n_items; k++) {
                r = sd_bus_message_append(reply, "(sts)", e->items[k].name, e->items[k].bytes, e->items[k].explanation);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

int property_get_crash_estimate(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        if (streq(property, "CrashKernelSufficient"))
                return sd_bus_message_append(reply, "b", manager_crash_sufficient(m));
        return sd_bus_message_append(reply, "t", m->crash_recommended);
}
