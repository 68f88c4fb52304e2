/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Every access kexecd makes to the kernel goes through this interface: the
 * kexec syscalls, the legacy loader (kexec-tools), and the sysfs/proc files
 * it reads. Production uses the real backend (root ""); tests use the fake
 * backend, which keeps kernel-like state under a test root directory and
 * implements the syscalls by checking their inputs the way the kernel does
 * and flipping /sys/kernel/kexec_loaded and friends under that root.
 * Nothing outside backend-*.c knows which backend is in use. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Flags of kexec_file_load(2), from <linux/kexec.h>. */
#ifndef KEXEC_FILE_UNLOAD
#define KEXEC_FILE_UNLOAD       0x00000001
#define KEXEC_FILE_ON_CRASH     0x00000002
#define KEXEC_FILE_NO_INITRAMFS 0x00000004
#endif

typedef struct Backend Backend;

typedef struct BackendOps {
        const char *name;
        /* kexec_file_load(2). cmdline may be NULL for "no command line".
         * Returns 0 or a negative errno exactly as the kernel reported it. */
        int (*file_load)(Backend *b, int kernel_fd, int initrd_fd, const char *cmdline, unsigned long flags);
        /* Runs the legacy loader (kexec-tools' kexec) with argv (argv[0] is
         * ignored and replaced by the loader path); no shell. Captures the
         * loader's diagnostics into *ret_output (may be NULL). Returns 0, or
         * -ENOPKG when the loader is not installed, or -EIO when it failed. */
        int (*legacy_load)(Backend *b, char *const *argv, char **ret_output);
        /* The legacy loader's --help text, to learn which options this
         * kexec-tools has (e.g. --hotplug, 2.0.28 and later). Same returns. */
        int (*legacy_help)(Backend *b, char **ret_output);
        void (*free)(Backend *b);
} BackendOps;

/* A small kernel file kept open by backend_read_small(): a read at offset
 * 0 of a sysfs, procfs or securityfs attribute is answered anew by the
 * kernel, so one pread() replaces open, read and close. */
typedef struct BackendKeptFile {
        char *path;
        int fd;
} BackendKeptFile;
#define BACKEND_KEPT_MAX 8

struct Backend {
        const BackendOps *ops;
        char *root; /* prefix for every sysfs/proc path: "" for the real kernel */
        char *legacy_loader; /* path of kexec-tools' kexec */
        BackendKeptFile kept[BACKEND_KEPT_MAX];
        size_t n_kept;
};

/* The real kernel. */
int backend_new_real(Backend **ret);
/* The fake kernel rooted at `root` (which must exist). See backend-fake.c for
 * the files it keeps there; make_root() in tests/lib/fakekernel.py creates a
 * populated root. */
int backend_new_fake(const char *root, Backend **ret);
void backend_free(Backend *b);
static inline void backend_freep(Backend **b) {
        backend_free(*b);
}

/* Absolute path of a kernel interface file under the backend's root
 * (e.g. "/sys/kernel/kexec_loaded"). Caller frees. */
char *backend_path(Backend *b, const char *path);

/* Reads a whole kernel interface file (sysfs, procfs, securityfs) with the
 * trailing newline removed. Returns -ENOENT etc. */
int backend_read_string(Backend *b, const char *path, char **ret);
/* Reads a whole (possibly binary) file. */
int backend_read_full(Backend *b, const char *path, char **ret, size_t *ret_size);
/* The same with a caller's bound (-EFBIG beyond), for large kernel files. */
int backend_read_full_max(Backend *b, const char *path, size_t max_size, char **ret, size_t *ret_size);
/* A small kernel file (a number, a word, a short line) into buf without
 * allocating: open, read, close, or for the files Status() reads on every
 * call (kexec_loaded, kexec_crash_size, lockdown, the kexec sysctls) one
 * pread() of a descriptor kept open after the first read (an absent file
 * is looked for again each time). Returns its length with the trailing newlines removed; -EFBIG
 * when it does not fit in size - 1 bytes. Status() reads several such
 * files per call. Files under a fake root must be rewritten in place, as
 * the kernel's are, not replaced. */
int backend_read_small(Backend *b, const char *path, char *buf, size_t size);
int backend_read_u64(Backend *b, const char *path, uint64_t *ret);
int backend_read_bool(Backend *b, const char *path, bool *ret);

/* Opens a kernel interface file for the caller (O_CLOEXEC added). */
int backend_open(Backend *b, const char *path, int flags);

static inline int backend_file_load(Backend *b, int kernel_fd, int initrd_fd, const char *cmdline, unsigned long flags) {
        return b->ops->file_load(b, kernel_fd, initrd_fd, cmdline, flags);
}
static inline int backend_legacy_load(Backend *b, char *const *argv, char **ret_output) {
        return b->ops->legacy_load(b, argv, ret_output);
}
static inline int backend_legacy_help(Backend *b, char **ret_output) {
        return b->ops->legacy_help(b, ret_output);
}

/* Well-known kernel interface files. */
#define KERNEL_KEXEC_LOADED        "/sys/kernel/kexec_loaded"
#define KERNEL_KEXEC_CRASH_LOADED  "/sys/kernel/kexec_crash_loaded"
#define KERNEL_KEXEC_CRASH_SIZE    "/sys/kernel/kexec_crash_size"
#define KERNEL_LOCKDOWN            "/sys/kernel/security/lockdown"
/* Present (non-zero) when the kernel can update a loaded crash image's ELF
 * core header on hotplug (CONFIG_CRASH_HOTPLUG, 6.5 and later). */
#define KERNEL_CRASH_ELFCOREHDR_SIZE "/sys/kernel/crash_elfcorehdr_size"
#define KERNEL_MEMORY_CRASH_HOTPLUG  "/sys/devices/system/memory/crash_hotplug"
#define KERNEL_CPU_CRASH_HOTPLUG     "/sys/devices/system/cpu/crash_hotplug"
#define KERNEL_KEXEC_LOAD_DISABLED "/proc/sys/kernel/kexec_load_disabled"
#define KERNEL_KEXEC_LIMIT_PANIC   "/proc/sys/kernel/kexec_load_limit_panic"
#define KERNEL_KEXEC_LIMIT_REBOOT  "/proc/sys/kernel/kexec_load_limit_reboot"
#define KERNEL_CMDLINE             "/proc/cmdline"
#define KERNEL_OSRELEASE           "/proc/sys/kernel/osrelease"
#define KERNEL_IOMEM               "/proc/iomem"
#define KERNEL_BOOT_ID             "/proc/sys/kernel/random/boot_id"
