/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Loading and unloading one image. Everything that can fail on the caller's
 * input is checked before the syscall (for kdump a failed load leaves no
 * crash kernel at all: the kernel frees the old one first), the kernel's
 * answer is translated into a named error, and the loaded flag is read back
 * afterwards rather than assumed. */
#include <errno.h>
#include <malloc.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmdline.h"
#include "manager-crash.h"
#include "errors.h"
#include "input-file.h"
#include "crash-regions.h"
#include "devicetree.h"
#include "kernel-image.h"
#include "log.h"
#include "macro.h"
#include "manager.h"

static uint64_t now_usec(clockid_t clock) {
        struct timespec ts;
        clock_gettime(clock, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

static bool image_is_kdump(Image *i) {
        return i->type == IMAGE_KDUMP;
}

static void image_set_error(Image *i, const sd_bus_error *e) {
        free(i->last_error);
        i->last_error = NULL;
        if (e && sd_bus_error_is_set(e) && asprintf(&i->last_error, "%s: %s", e->name, strempty(e->message)) < 0)
                i->last_error = NULL;
}

/* Checks that do not depend on the files: the kernel must be willing. */
static int check_kernel_allows(Image *i, sd_bus_error *error) {
        Manager *m = i->manager;
        uint64_t crash_size = 0;

        if (manager_load_disabled(m))
                return kexecd_error_setf(error, -EROFS,
                                         "The kernel refuses kexec loads (kexec_load_disabled is set until reboot).");
        if (image_is_kdump(i) &&
            (backend_read_u64(m->backend, KERNEL_KEXEC_CRASH_SIZE, &crash_size) < 0 || crash_size == 0))
                return kexecd_error_setf(error, -EADDRNOTAVAIL,
                                         "No memory is reserved for a crash kernel: boot with crashkernel= (e.g. crashkernel=256M) to use kdump.");
        return 0;
}

static int build_cmdline(Image *i, const ImageSpec *spec, const KernelImage *kimg, char **ret, sd_bus_error *error) {
        Manager *m = i->manager;
        _cleanup_free_ char *running = NULL, *out = NULL;
        const char *source = "Command line", *embedded = kimg->cmdline;
        int r;

        if (isempty(spec->cmdline) && !isempty(spec->entry_options)) {
                source = "The boot entry's options";
                r = isempty(spec->append) ? ((out = strdup(spec->entry_options)) ? 0 : -ENOMEM)
                                          : (asprintf(&out, "%s %s", spec->entry_options, spec->append) < 0 ? -ENOMEM : 0);
        } else if (isempty(spec->cmdline) && !isempty(embedded)) {
                source = "The UKI's embedded command line (.cmdline)";
                r = isempty(spec->append) ? ((out = strdup(embedded)) ? 0 : -ENOMEM)
                                          : (asprintf(&out, "%s %s", embedded, spec->append) < 0 ? -ENOMEM : 0);
        } else if (isempty(spec->cmdline)) {
                source = "The command line built from the running kernel's (/proc/cmdline)";
                r = backend_read_string(m->backend, KERNEL_CMDLINE, &running);
                if (r < 0)
                        return kexecd_error_setf(error, -EIO, "Cannot read the running kernel's command line: %s", strerror(-r));
                r = cmdline_reuse(running, image_is_kdump(i), cmdline_arch_from_kernel_format(kimg->inner),
                                  m->config.kdump_extra_cmdline ?: KEXECD_KDUMP_EXTRA_DEFAULT,
                                  spec->append, &out);
        } else if (!isempty(spec->append)) {
                r = asprintf(&out, "%s %s", spec->cmdline, spec->append) < 0 ? -ENOMEM : 0;
        } else {
                out = strdup(spec->cmdline);
                r = out ? 0 : -ENOMEM;
        }
        if (r < 0)
                return r;
        if (image_is_kdump(i)) {
                _cleanup_free_ char *capture = NULL, *joined = NULL;
                r = manager_kdump_capture_args(m, out, &capture);
                if (r < 0)
                        return r;
                if (r > 0) {
                        if (asprintf(&joined, "%s %s", out, capture) < 0)
                                return -ENOMEM;
                        free(out);
                        out = TAKE_PTR(joined);
                }
        }

        r = cmdline_validate(out);
        if (r == -E2BIG)
                return kexecd_error_setf(error, r, "%s is %zu bytes, the kernel accepts at most %d.",
                                         source, strlen(out), KEXECD_CMDLINE_MAX);
        if (r < 0)
                return kexecd_error_setf(error, r, "%s contains control characters or bytes that are not UTF-8.", source);
        *ret = TAKE_PTR(out);
        return 0;
}

/* The shutdown hook reloads the kexec image with the IMA list's tail
 * (src/shutdown/): it needs the spec at a time when /var may be unmounted,
 * so the kexec image's state is also kept in the runtime directory. */
static void image_mirror_state(Image *i) {
        Manager *m = i->manager;
        if (i->type != IMAGE_KEXEC || !m->runtime_dir)
                return;
        int r = image_state_save(m->runtime_dir, i->type, &i->state);
        if (r < 0)
                log_warning_errno(r, "Failed to copy the kexec image's state to %s, the IMA list after the last snapshot "
                                  "will not reach the next kernel: %m", m->runtime_dir);
}

/* Translates what the kernel (or kexec-tools) said into our error names. */
static int kernel_error(Image *i, int r, const char *syscall_name, const char *detail, sd_bus_error *error) {
        _cleanup_free_ char *lockdown = manager_lockdown(i->manager);

        switch (-r) {
        case ENOEXEC:
                return kexecd_error_setf(error, r, "The kernel does not recognise the image as a bootable kernel (%s).", syscall_name);
        case EKEYREJECTED:
        case EKEYREVOKED:
        case EBADMSG:
        case EKEYEXPIRED:
        case ENOKEY:
        case ENODATA:
                /* kexec_file_load's signature checks (verify_pefile_signature,
                 * verify_pkcs7_signature): no signature (ENODATA), unknown
                 * key (ENOKEY), expired key, bad signature. */
                return kexecd_error_setf(error, -EKEYREJECTED, "The kernel rejected the image's signature (%s).", strerror(-r));
        case EPERM:
                if (lockdown && !streq(lockdown, "none") && !streq(lockdown, "unsupported"))
                        return kexecd_error_setf(error, -EPERM, "The kernel is locked down (%s) and refused the %s load.", lockdown, syscall_name);
                if (manager_load_disabled(i->manager))
                        return kexecd_error_setf(error, -EROFS, "The kernel refuses kexec loads (kexec_load_disabled).");
                if (manager_load_limit(i->manager, image_is_kdump(i)) == 0)
                        return kexecd_error_setf(error, -EDQUOT, "The kernel's kexec load limit is spent.");
                return kexecd_error_setf(error, -EIO, "The kernel refused the load: %s.", strerror(-r));
        case EADDRNOTAVAIL:
                if (image_is_kdump(i))
                        return kexecd_error_setf(error, r, "The crash kernel does not fit the crashkernel= reservation.");
                break;
        case ENOSYS:
                return kexecd_error_setf(error, r, "The running kernel does not support %s.",
                                         streq(syscall_name, "file") ? "kexec_file_load" : "kexec_load");
        case EBUSY:
                return kexecd_error_setf(error, r, "The kernel is busy with another kexec operation.");
        case ENOPKG:
                /* From the file syscall ENOPKG means the signature uses an
                 * algorithm the kernel has no code for; only kexecd's legacy
                 * backend uses it for a missing kexec-tools. */
                if (streq(syscall_name, "file"))
                        return kexecd_error_setf(error, -EKEYREJECTED,
                                                 "The kernel cannot check the image's signature: its algorithm is not supported (%s).",
                                                 strerror(-r));
                return kexecd_error_setf(error, r, "The legacy kexec path needs kexec-tools, which is not installed.");
        }
        return kexecd_error_setf(error, -EIO, "Loading with %s failed: %s%s%s", syscall_name,
                                 detail ? "" : strerror(-r), detail ? "kexec-tools said: " : "", strempty(detail));
}

static bool should_fall_back_to_legacy(int r) {
        /* Only errors that mean "this kernel or this format cannot use the
         * file syscall"; anything else (signature, lockdown) must surface. */
        return r == -ENOSYS || r == -ENOEXEC || r == -EINVAL || r == -ENOTSUP;
}

static int legacy_allowed(Image *i, char **ret_reason) {
        _cleanup_free_ char *lockdown = manager_lockdown(i->manager);
        if (lockdown && !streq(lockdown, "none") && !streq(lockdown, "unsupported")) {
                *ret_reason = strdup("the kernel is locked down; kexec_load(2) is forbidden");
                return -EPERM;
        }
        if (manager_load_disabled(i->manager)) {
                *ret_reason = strdup("kexec_load_disabled is set");
                return -EROFS;
        }
        return 0;
}

/* On device-tree machines kexec-tools gets a DTB whose /chosen is prepared
 * for the next kernel (devicetree.c). -ENOENT when the machine has no DT. */
static int prepare_dtb(Image *i, const char *cmdline, int *ret_fd, char **ret_message) {
        _cleanup_free_ char *blob = NULL;
        size_t size;
        int r = backend_read_full(i->manager->backend, "/sys/firmware/fdt", &blob, &size);
        if (r < 0)
                return r;
        /* The DTB goes to kexec-tools, which on arm64 fills kaslr-seed from
         * getrandom() itself and refuses one that is not zero (found by the
         * arm64-debian VM scenario). */
#if defined(__aarch64__)
        DtKaslrSeed kaslr = DT_KASLR_SEED_LOADER;
#else
        DtKaslrSeed kaslr = DT_KASLR_SEED_RANDOM;
#endif
        return dt_prepare_for_kexec(blob, size, cmdline, 0, 0, kaslr, ret_fd, ret_message);
}

/* For a crash image on the legacy path: may kexec-tools ask the kernel to
 * keep the image's ELF core header current across hotplug (--hotplug,
 * KEXEC_UPDATE_ELFCOREHDR)? Only when the kernel can (CONFIG_CRASH_HOTPLUG
 * exposes crash_elfcorehdr_size) and this kexec-tools knows the option
 * (2.0.28 and later); kexec-tools refuses --hotplug otherwise, and then
 * kexecd keeps the image fresh by reloading it (freshness.c reads
 * crash_hotplug after the load to know which applies). */
static bool legacy_header_updates_available(Backend *b) {
        _cleanup_free_ char *help = NULL;
        uint64_t size = 0;

        if (backend_read_u64(b, KERNEL_CRASH_ELFCOREHDR_SIZE, &size) < 0 || size == 0)
                return false;
        if (backend_legacy_help(b, &help) < 0 || !help)
                return false;
        return strstr(help, "--hotplug") != NULL;
}

static int load_legacy(Image *i, int kernel_fd, int initrd_fd, const char *cmdline, char **ret_output) {
        _cleanup_free_ char *cmd = NULL, *initrd_arg = NULL, *kernel_arg = NULL, *mem_arg = NULL, *dtb_arg = NULL, *dtb_msg = NULL;
        _cleanup_close_ int dtb_fd = -EBADF;
        uint64_t mem_max = 0;
        char *argv[10];
        size_t n = 0;
        int q;

        if (asprintf(&cmd, "--command-line=%s", cmdline) < 0)
                return -ENOMEM;
        argv[n++] = (char *) "kexec";
        argv[n++] = (char *) (image_is_kdump(i) ? "-p" : "-l");
        argv[n++] = cmd;
        /* kexec-tools picks segment addresses itself from /proc/iomem: keep
         * them out of removable (Movable) memory, or a later hot-remove
         * leaves the image pointing at RAM that is gone (background.md §6). */
        if (!image_is_kdump(i) && legacy_mem_max(i->manager->backend, &mem_max) >= 0 && mem_max > 0) {
                if (asprintf(&mem_arg, "--mem-max=0x%llx", (unsigned long long) mem_max) < 0)
                        return -ENOMEM;
                argv[n++] = mem_arg;
        }
        if (image_is_kdump(i) && legacy_header_updates_available(i->manager->backend))
                argv[n++] = (char *) "--hotplug";
        q = prepare_dtb(i, cmdline, &dtb_fd, &dtb_msg);
        if (q == -ENOTUNIQ)
                log_warning("Not passing a device tree to kexec-tools: %s", strempty(dtb_msg));
        else if (q >= 0) {
                if (fcntl(dtb_fd, F_SETFD, 0) < 0 || asprintf(&dtb_arg, "--dtb=/proc/self/fd/%d", dtb_fd) < 0)
                        return -ENOMEM;
                argv[n++] = dtb_arg;
        }
        if (initrd_fd >= 0) {
                /* kexec-tools takes one initrd path: hand it the exact bytes
                 * we checked (the fd is inherited across exec). */
                if (fcntl(initrd_fd, F_SETFD, 0) < 0)
                        return -errno;
                if (asprintf(&initrd_arg, "--initrd=/proc/self/fd/%d", initrd_fd) < 0)
                        return -ENOMEM;
                argv[n++] = initrd_arg;
        }
        /* Likewise the kernel: the checked (or unpacked) bytes, not the path. */
        if (fcntl(kernel_fd, F_SETFD, 0) < 0)
                return -errno;
        if (asprintf(&kernel_arg, "/proc/self/fd/%d", kernel_fd) < 0)
                return -ENOMEM;
        argv[n++] = kernel_arg;
        argv[n] = NULL;
        int r = backend_legacy_load(i->manager->backend, argv, ret_output);
        if (initrd_fd >= 0)
                (void) fcntl(initrd_fd, F_SETFD, FD_CLOEXEC);
        (void) fcntl(kernel_fd, F_SETFD, FD_CLOEXEC);
        return r;
}

static int image_load_once(Image *i, const ImageSpec *spec, const char *reason, sd_bus_error *error) {
        Manager *m = i->manager;
        _cleanup_close_ int kernel_fd = -EBADF, initrd_fd = -EBADF;
        _cleanup_free_ char *cmdline = NULL, *message = NULL, *sha = NULL, *loader_output = NULL, *legacy_reason = NULL;
        _cleanup_(kernel_image_freep) KernelImage *kimg = NULL;
        _cleanup_(sha256_job_freep) Sha256Job *sha_job = NULL;
        _cleanup_(image_state_done) ImageState st = {};
        _cleanup_(image_spec_done) ImageSpec resolved = {};
        const char *syscall_used = NULL;
        uint64_t start = now_usec(CLOCK_MONOTONIC);
        bool state_written = false;
        int r;

        r = check_kernel_allows(i, error);
        if (r < 0)
                goto fail;

        /* A spec that follows a boot entry is resolved at every load: a
         * Reload then loads what the boot loader would boot now. */
        if (!isempty(spec->entry)) {
                r = manager_resolve_entry(m, i->type, spec, &resolved, error);
                if (r < 0)
                        goto fail;
                spec = &resolved;
        }

        r = input_file_open(spec->kernel, "Kernel", &kernel_fd, &message);
        if (r < 0) {
                r = kexecd_error_setf(error, r, "%s", message ?: "Cannot open kernel");
                goto fail;
        }
        r = initrds_open(spec->initrds, &initrd_fd, &message);
        if (r < 0) {
                r = kexecd_error_setf(error, r, "%s", message ?: "Cannot open initrd");
                goto fail;
        }
        free(message);
        message = NULL;
        r = kernel_image_open(kernel_fd, 0, &kimg, &message);
        if (r < 0) {
                r = kexecd_error_setf(error, r == -ENOMEM ? r : r == -EFBIG || r == -EUCLEAN ? r : -ENOEXEC,
                                      "%s: %s", spec->kernel, message ?: "not a kernel image");
                goto fail;
        }
        /* A unified kernel image brings its own initrd and command line;
         * the caller's win when given. */
        if (initrd_fd < 0 && kimg->initrd_fd >= 0) {
                initrd_fd = fcntl(kimg->initrd_fd, F_DUPFD_CLOEXEC, 3);
                if (initrd_fd < 0) {
                        r = kexecd_error_setf(error, -EIO, "Cannot use the UKI's initrd: %m");
                        goto fail;
                }
        }
        r = build_cmdline(i, spec, kimg, &cmdline, error);
        if (r < 0)
                goto fail;
        /* Refused here, named, rather than by the kernel with EINVAL (which
         * in auto mode would send a good image to the legacy path, which
         * refuses it too). */
        if (strlen(cmdline) > kernel_image_cmdline_max(kimg)) {
                r = kexecd_error_setf(error, -E2BIG, "Command line is %zu bytes, this kernel accepts at most %zu "
                                      "(its cmdline_size, less room for elfcorehdr=).",
                                      strlen(cmdline), kernel_image_cmdline_max(kimg));
                goto fail;
        }
        /* KernelSHA256 is of the bytes the kernel gets (docs/dbus-api.md):
         * an unpacked kernel's was taken while unpacking; an uncompressed
         * one's is one read of the file, in a thread, while this thread
         * records the request and the kernel reads the same file. */
        if (kernel_image_sha256_known(kimg)) {
                const char *kernel_sha;
                r = kernel_image_sha256(kimg, &kernel_sha);
                if (r >= 0 && !(sha = strdup(kernel_sha)))
                        r = -ENOMEM;
        } else
                r = fd_sha256_hex_start(kimg->fd, &sha_job);
        if (r < 0) {
                r = kexecd_error_setf(error, -EIO, "Cannot read kernel: %s", strerror(-r));
                goto fail;
        }

        /* The image will describe the layout as it is now (one refresh
         * path: freshness.c, which also bumps and signals the generation). */
        if (manager_refresh_layout(m) >= 0)
                (void) layout_fingerprint_format(&m->layout, &st.layout_fingerprint);

        /* Record the request before the kernel sees it: if the state
         * directory cannot be written (full, read-only), refuse now, while
         * nothing has changed, rather than load an image a restarted kexecd
         * would describe with the previous spec. The record stays "pending"
         * until the load is known to have succeeded. */
        {
                _cleanup_(image_state_done) ImageState pre = { .pending = true };
                r = image_spec_copy(&pre.spec, spec);
                if (r < 0)
                        goto fail_oom;
                r = image_state_save(m->state_dir, i->type, &pre);
                if (r < 0) {
                        r = kexecd_error_setf(error, -ENOSPC, "Cannot record the %s image's state in %s (%s): nothing was loaded.",
                                              image_type_to_string(i->type), m->state_dir, strerror(-r));
                        goto fail;
                }
                state_written = true;
        }

        if (spec->syscall != SYSCALL_LEGACY) {
                unsigned long flags = (image_is_kdump(i) ? KEXEC_FILE_ON_CRASH : 0) |
                                      (initrd_fd < 0 ? KEXEC_FILE_NO_INITRAMFS : 0);
                syscall_used = "file";
                r = backend_file_load(m->backend, kimg->fd, initrd_fd, cmdline, flags);
                if (r < 0 && spec->syscall == SYSCALL_AUTO && should_fall_back_to_legacy(r)) {
                        if (asprintf(&legacy_reason, "kexec_file_load failed with %s", strerrorname_np(-r) ?: "error") < 0)
                                legacy_reason = NULL;
                        log_info("%s: kexec_file_load(2) refused the image (%s), trying the legacy path.",
                                 image_type_to_string(i->type), strerror(-r));
                        goto legacy;
                }
                if (r < 0) {
                        r = kernel_error(i, r, "file", NULL, error);
                        goto fail;
                }
                goto loaded;
        }
        legacy_reason = strdup("requested");

legacy:
        {
                _cleanup_free_ char *why = NULL;
                r = legacy_allowed(i, &why);
                if (r < 0) {
                        r = kexecd_error_setf(error, r, "The legacy kexec_load(2) path cannot be used: %s.", strempty(why));
                        goto fail;
                }
        }
        syscall_used = "legacy";
        r = load_legacy(i, kimg->fd, initrd_fd, cmdline, &loader_output);
        if (r < 0) {
                r = kernel_error(i, r, "legacy", loader_output, error);
                goto fail;
        }

loaded:
        if (sha_job) {
                Sha256Job *job = TAKE_PTR(sha_job);
                r = fd_sha256_hex_finish(job, &sha);
                if (r < 0)
                        /* The kernel read the file: only our read failed. */
                        log_warning_errno(r, "Cannot hash the kernel %s, KernelSHA256 stays empty: %m", spec->kernel);
        }
        r = image_refresh_loaded(i);
        if (r < 0 || !i->loaded) {
                r = kexecd_error_setf(error, -EIO, "The %s syscall reported success but the kernel does not show a loaded image.", syscall_used);
                goto fail;
        }

        r = image_spec_copy(&st.spec, spec);
        if (r < 0)
                goto fail_oom;
        /* st.layout_fingerprint was filled before the syscall. */
        st.effective_cmdline = TAKE_PTR(cmdline);
        st.kernel_sha256 = TAKE_PTR(sha);
        st.kernel_format = strdup(kimg->format);
        st.syscall_used = strdup(syscall_used);
        st.syscall_reason = streq(syscall_used, "legacy") ? TAKE_PTR(legacy_reason) : NULL;
        st.loaded_at_usec = now_usec(CLOCK_REALTIME);
        st.load_duration_usec = now_usec(CLOCK_MONOTONIC) - start;
        st.layout_generation = m->layout_generation;
        if (!st.kernel_format || !st.syscall_used)
                goto fail_oom;

        image_state_done(&i->state);
        i->state = st;
        st = (ImageState) {};
        i->has_state = true;
        i->stale = false;
        free(i->stale_reason);
        i->stale_reason = NULL;
        i->kernel_stat_known = fstat(kernel_fd, &i->kernel_stat) >= 0;
        i->degraded = false;
        image_set_error(i, NULL);
        if (image_is_kdump(i))
                image_read_crash_hotplug(i);

        r = image_state_save(m->state_dir, i->type, &i->state);
        if (r < 0)
                /* The pending record names this very spec: a restarted
                 * kexecd reloads it rather than trust it. */
                log_warning_errno(r, "Failed to commit the state of the %s image, a restarted kexecd will reload it: %m",
                                  image_type_to_string(i->type));
        image_mirror_state(i);

        log_event(LOG_INFO, KEXECD_MESSAGE_LOADED, image_type_to_string(i->type),
                  "Loaded %s image %s (%s, %s syscall, %" PRIu64 " ms)%s%s",
                  image_type_to_string(i->type), i->state.spec.kernel, i->state.kernel_format,
                  i->state.syscall_used, i->state.load_duration_usec / 1000,
                  reason ? ": " : "", strempty(reason));
        manager_record(m, i, "loaded", "%s (%s, %s syscall)%s%s", i->state.spec.kernel, i->state.kernel_format,
                       i->state.syscall_used, reason ? ": " : "", strempty(reason));
        image_emit_changed(i);
        /* A new crash kernel or initrd: does the reservation still fit? */
        if (image_is_kdump(i))
                manager_update_crash_estimate(m);
        return 0;

fail_oom:
        r = kexecd_error_setf(error, -ENOMEM, "Out of memory");
fail:
        (void) image_refresh_loaded(i);
        if (state_written) {
                /* Put back what describes the kernel's image now: the
                 * previous state where one is loaded, none otherwise. */
                int q = i->has_state && i->loaded ? image_state_save(m->state_dir, i->type, &i->state)
                                                  : image_state_remove(m->state_dir, i->type);
                if (q < 0)
                        log_warning_errno(q, "Failed to restore the state file of the %s image: %m",
                                          image_type_to_string(i->type));
        }
        image_set_error(i, error);
        log_event(LOG_WARNING, KEXECD_MESSAGE_LOAD_FAILED, image_type_to_string(i->type),
                  "Failed to load %s image %s: %s", image_type_to_string(i->type), spec->kernel ?: strempty(spec->entry),
                  error && error->message ? error->message : strerror(-r));
        manager_record(m, i, "load-failed", "%s: %s", spec->kernel ?: strempty(spec->entry),
                       error && error->name ? strna(i->last_error) : strerror(-r));
        image_emit_changed(i);
        return r;
}

/* A compressed kernel's load holds the whole file and the decoder's window
 * (8 MiB and more for zstd and xz) on the heap; glibc keeps freed heap
 * memory for the next malloc (and raises its mmap threshold after a large
 * free, so the next window comes from the heap too). Give it back: kexecd
 * then idles at its start-up size (tests/integration/test_memory.py). */
static int trim_after_load(Image *i, int r) {
        /* Watch what was just loaded (and no longer what was before), then
         * trim: what the watch allocates must not pin the load's freed
         * pages (test_memory). */
        if (r >= 0)
                manager_watch_files(i->manager);
        (void) malloc_trim(0);
        return r;
}

int image_load(Image *i, const ImageSpec *spec, const char *reason, sd_bus_error *error) {
        _cleanup_(image_spec_done) ImageSpec previous = {};
        _cleanup_(sd_bus_error_free) sd_bus_error restore_error = SD_BUS_ERROR_NULL;
        int r, q;

        (void) image_refresh_loaded(i);
        /* kexec_file_load frees the loaded crash image before it looks at
         * the new one (kernel/kexec_file.c), so a failed kdump load can
         * leave no crash kernel at all: keep the last working spec. */
        if (image_is_kdump(i) && i->loaded && i->has_state && image_spec_copy(&previous, &i->state.spec) < 0)
                return kexecd_error_setf(error, -ENOMEM, "Out of memory");

        r = trim_after_load(i, image_load_once(i, spec, reason, error));
        if (r >= 0) {
                /* Any successful load (Load, Reload, the retry itself)
                 * supersedes a pending automatic retry: cancel it, or it
                 * would spend a load and the next failure would give up at
                 * once. */
                i->retry_source = sd_event_source_unref(i->retry_source);
                i->retry_attempts = 0;
                return r;
        }
        if (!previous.kernel)
                return r;
        (void) image_refresh_loaded(i);
        if (i->loaded)
                return r; /* refused before the kernel let go of the old one */

        log_warning("The failed load left no crash kernel; restoring the last working one (%s).", previous.kernel);
        q = trim_after_load(i, image_load_once(i, &previous, "restoring the last working crash kernel after a failed load",
                                               &restore_error));
        /* Either way the image is not what was asked for: Degraded, with the
         * failed request as LastError. */
        i->degraded = true;
        image_set_error(i, error);
        if (q < 0) {
                log_event(LOG_ERR, KEXECD_MESSAGE_LOAD_FAILED, image_type_to_string(i->type),
                          "No crash kernel is loaded: the load failed and restoring %s failed too: %s",
                          previous.kernel, strempty(restore_error.message));
                manager_record(i->manager, i, "restore-failed", "no crash kernel loaded: %s", strempty(restore_error.message));
        } else
                manager_record(i->manager, i, "restored", "%s restored after the failed load", previous.kernel);
        image_emit_changed(i);
        return r;
}

int image_unload(Image *i, sd_bus_error *error) {
        Manager *m = i->manager;
        int r;

        r = backend_file_load(m->backend, -1, -1, NULL,
                              KEXEC_FILE_UNLOAD | (image_is_kdump(i) ? KEXEC_FILE_ON_CRASH : 0));
        if (r == -ENOSYS) {
                /* Kernels without kexec_file_load: unload through kexec_load. */
                char *argv[] = { (char *) "kexec", (char *) (image_is_kdump(i) ? "-p" : "-l"), (char *) "-u", NULL };
                _cleanup_free_ char *out = NULL;
                r = backend_legacy_load(m->backend, argv, &out);
                if (r < 0)
                        return kernel_error(i, r, "legacy", out, error);
        } else if (r < 0)
                return kernel_error(i, r, "file", NULL, error);

        (void) image_refresh_loaded(i);
        if (i->loaded)
                return kexecd_error_setf(error, -EIO, "The kernel still reports a loaded %s image after unloading.",
                                         image_type_to_string(i->type));

        r = image_state_remove(m->state_dir, i->type);
        if (r < 0)
                log_warning_errno(r, "Failed to remove state of %s image: %m", image_type_to_string(i->type));
        if (i->type == IMAGE_KEXEC && m->runtime_dir)
                (void) image_state_remove(m->runtime_dir, i->type);
        image_state_done(&i->state);
        i->has_state = false;
        i->stale = false;
        free(i->stale_reason);
        i->stale_reason = NULL;
        i->kernel_stat_known = false;
        i->degraded = false;
        image_set_error(i, NULL);
        log_event(LOG_INFO, KEXECD_MESSAGE_UNLOADED, image_type_to_string(i->type),
                  "Unloaded %s image", image_type_to_string(i->type));
        manager_record(m, i, "unloaded", "requested");
        image_emit_changed(i);
        if (image_is_kdump(i))
                manager_update_crash_estimate(m);
        manager_watch_files(m);
        return 0;
}
