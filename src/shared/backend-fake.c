/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A fake kernel for tests and the demo. It lives in a directory that stands
 * in for "/": the files the real backend reads (sys/kernel/kexec_loaded,
 * kexec_crash_size, security/lockdown, proc/cmdline, proc/iomem, ...) are
 * plain files there, and its kexec_file_load behaves like the kernel's as far
 * as kexecd can observe: it checks the image header, the command line length,
 * the crash reservation, kexec_load_disabled and the load limits, and then
 * flips the loaded flag. What it was given is recorded under fake/ so tests
 * can check what "the kernel" saw:
 *
 *   fake/<image>.cmdline      command line as passed ("" for none)
 *   fake/<image>.kernel_size  bytes of the kernel fd
 *   fake/<image>.initrd_size  bytes of the initrd fd, or "none"
 *   fake/<image>.initrd       the initrd's bytes (file syscall, up to 16 MiB)
 *   fake/<image>.syscall      "file" or "legacy"
 *   fake/<image>.loads        number of successful loads since the root was made
 *   fake/<image>.legacy_argv  the legacy loader's arguments, one a line
 *   fake/fail-next-load       (optional, written by tests) an errno number:
 *                             the next load fails with it, then the file is removed
 *   fake/require-signature    (optional) kernels without "KEXECD-SIGNED" in the
 *                             first 64 KiB are rejected with EKEYREJECTED
 *   fake/kexec-help           (optional) the legacy loader's --help text; absent,
 *                             it is that of a kexec-tools without --hotplug (2.0.25)
 *
 * The legacy loader takes --hotplug as kexec-tools 2.0.28 does: it fails
 * unless sys/kernel/crash_elfcorehdr_size exists; a crash load then sets the
 * memory and cpu crash_hotplug files to 1 (the kernel will update the
 * image's header), a crash load without it sets them to 0 where that file
 * exists.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "fileio.h"
#include "macro.h"

/* arm64 COMMAND_LINE_SIZE (x86 kernels announce theirs in the setup header). */
#define FAKE_COMMAND_LINE_SIZE 2048

/* In place, as the kernel changes its files: the same inode, so that a
 * descriptor kept open by backend_read_small() sees the new text. */
static int fake_write(Backend *b, const char *path, const char *text) {
        _cleanup_free_ char *p = backend_path(b, path);
        if (!p)
                return -ENOMEM;
        _cleanup_close_ int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0644);
        if (fd < 0)
                return -errno;
        size_t n = strlen(text);
        ssize_t k = write(fd, text, n); /* a few bytes: one write */
        if (k < 0)
                return -errno;
        return (size_t) k == n ? 0 : -EIO;
}

static int fake_writef(Backend *b, const char *path, const char *fmt, ...) _printf_(3, 4);
static int fake_writef(Backend *b, const char *path, const char *fmt, ...) {
        _cleanup_free_ char *text = NULL;
        va_list ap;
        va_start(ap, fmt);
        int n = vasprintf(&text, fmt, ap);
        va_end(ap);
        if (n < 0)
                return -ENOMEM;
        return fake_write(b, path, text);
}

/* The kernel accepts a bzImage with a 64-bit capable boot protocol on x86 and
 * an arm64 Image on arm64; the fake accepts both. */
static uint16_t get16(const uint8_t *p) {
        return (uint16_t) (p[0] | p[1] << 8);
}

/* bzImage64_probe() and the first checks of bzImage64_load()
 * (arch/x86/kernel/kexec-bzimage64.c, 6.1): what the real kernel refuses
 * with ENOEXEC. */
static int fake_bzimage64_probe(const uint8_t *h, size_t n, uint64_t size) {
        if (n < 2 * 512 || size < 2 * 512)
                return -ENOEXEC;                       /* "too short to be a bzImage" */
        if (memcmp(h + 0x202, "HdrS", 4) != 0 || get16(h + 0x1fe) != 0xaa55)
                return -ENOEXEC;
        if (get16(h + 0x206) < 0x020c)
                return -ENOEXEC;                       /* boot protocol before 2.12 */
        if (!(h[0x211] & 0x01))
                return -ENOEXEC;                       /* !LOADED_HIGH */
        if ((get16(h + 0x236) & 0x03) != 0x03)
                return -ENOEXEC;                       /* !XLF_KERNEL_64 or !XLF_CAN_BE_LOADED_ABOVE_4G */
        unsigned setup_sects = h[0x1f1] ? h[0x1f1] : 4;
        if (size < (uint64_t) (setup_sects + 1) * 512)
                return -ENOEXEC;                       /* "bzImage truncated" */
        return 0;
}

/* bzImage64_load(): the command line (its length counts the NUL) must fit
 * the kernel's cmdline_size with room for " elfcorehdr=0x<addr>" (30
 * bytes, MAX_ELFCOREHDR_STR_LEN), for every image type. */
static int fake_check_cmdline(int fd, const char *cmdline) {
        uint8_t h[0x240] = {};
        size_t len = cmdline ? strlen(cmdline) + 1 : 0;

        if (pread(fd, h, sizeof(h), 0) < (ssize_t) sizeof(h) || memcmp(h + 0x38, "ARM\x64", 4) == 0)
                return len > FAKE_COMMAND_LINE_SIZE ? -EINVAL : 0; /* arm64: COMMAND_LINE_SIZE */
        uint32_t cmdline_size = (uint32_t) h[0x238] | (uint32_t) h[0x239] << 8 |
                                (uint32_t) h[0x23a] << 16 | (uint32_t) h[0x23b] << 24;
        if (len > cmdline_size || len + 30 > cmdline_size)
                return -EINVAL;
        return 0;
}

static int fake_check_kernel(Backend *b, int fd, uint64_t *ret_size) {
        uint8_t head[0x1000] = {};
        struct stat st;
        ssize_t n;

        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADF;
        n = pread(fd, head, sizeof(head), 0);
        if (n < 0)
                return -errno;
        *ret_size = (uint64_t) st.st_size;

        bool arm64 = n >= 0x40 && memcmp(head + 0x38, "ARM\x64", 4) == 0;
        if (!arm64) {
                int r = fake_bzimage64_probe(head, (size_t) n, (uint64_t) st.st_size);
                if (r < 0)
                        return r;
        }
        _cleanup_free_ char *sig = backend_path(b, "/fake/require-signature"), *lockdown = NULL;
        char buf[65536];
        ssize_t k = pread(fd, buf, sizeof(buf), 0);
        bool is_signed = k > 0 && memmem(buf, (size_t) k, "KEXECD-SIGNED", 13);
        if (sig && access(sig, F_OK) == 0 && !is_signed)
                return -EKEYREJECTED;
        /* kimage_validate_signature(): an image without a valid signature
         * is refused with EPERM when the kernel is locked down. */
        if (!is_signed && backend_read_string(b, KERNEL_LOCKDOWN, &lockdown) >= 0 && !strstr(lockdown, "[none]"))
                return -EPERM;
        return 0;
}

static int fake_injected_failure(Backend *b) {
        _cleanup_free_ char *p = backend_path(b, "/fake/fail-next-load");
        _cleanup_free_ char *s = NULL;
        if (!p)
                return -ENOMEM;
        if (read_full_file(p, 64, &s, NULL) < 0)
                return 0;
        (void) unlink(p);
        int e = atoi(s);
        return e > 0 ? -e : 0;
}

/* Kernels >= 6.6 count loads down and refuse at 0 (-1 = unlimited). */
static int fake_consume_load_limit(Backend *b, bool crash) {
        const char *path = crash ? KERNEL_KEXEC_LIMIT_PANIC : KERNEL_KEXEC_LIMIT_REBOOT;
        _cleanup_free_ char *s = NULL;
        if (backend_read_string(b, path, &s) < 0)
                return 0;
        long v = strtol(s, NULL, 10);
        if (v < 0)
                return 0;
        if (v == 0)
                return -EPERM;
        return fake_writef(b, path, "%ld\n", v - 1);
}

/* kexec_load_permitted() (kernel/kexec_core.c), called first by both
 * syscalls for every call, unloads and failed loads included: refused while
 * kexec_load_disabled is set; on kernels with load limits (>= 6.6) each call
 * spends one. */
static int fake_load_permitted(Backend *b, bool crash) {
        bool disabled = false;
        if (backend_read_bool(b, KERNEL_KEXEC_LOAD_DISABLED, &disabled) >= 0 && disabled)
                return -EPERM;
        return fake_consume_load_limit(b, crash);
}

static int fake_record_load(Backend *b, const char *image, const char *syscall_name,
                            const char *cmdline, uint64_t kernel_size, int64_t initrd_size) {
        char path[128];
        uint64_t loads = 0;
        int r;

        snprintf(path, sizeof(path), "/fake/%s.loads", image);
        (void) backend_read_u64(b, path, &loads);
        r = fake_writef(b, path, "%" PRIu64 "\n", loads + 1);
        if (r < 0)
                return r;
        snprintf(path, sizeof(path), "/fake/%s.cmdline", image);
        r = fake_write(b, path, strempty(cmdline));
        if (r < 0)
                return r;
        snprintf(path, sizeof(path), "/fake/%s.kernel_size", image);
        r = fake_writef(b, path, "%" PRIu64 "\n", kernel_size);
        if (r < 0)
                return r;
        snprintf(path, sizeof(path), "/fake/%s.initrd_size", image);
        r = initrd_size < 0 ? fake_write(b, path, "none\n") : fake_writef(b, path, "%" PRId64 "\n", initrd_size);
        if (r < 0)
                return r;
        snprintf(path, sizeof(path), "/fake/%s.syscall", image);
        return fake_writef(b, path, "%s\n", syscall_name);
}

static int fake_load_common(Backend *b, bool crash, const char *syscall_name, int kernel_fd,
                            int64_t initrd_size, const char *cmdline) {
        const char *image = crash ? "kdump" : "kexec";
        uint64_t kernel_size, crash_size = 0;
        int r;

        r = fake_load_permitted(b, crash);
        if (r < 0)
                return r;
        /* kexec_file_load() and kexec_load() free the loaded crash image
         * before they look at the new one (kernel/kexec_file.c, "Free any
         * current crash dump kernel before we corrupt it"): from here on, a
         * failure leaves no crash kernel. */
        if (crash) {
                r = fake_write(b, KERNEL_KEXEC_CRASH_LOADED, "0\n");
                if (r < 0)
                        return r;
        }
        r = fake_injected_failure(b);
        if (r < 0)
                return r;
        r = fake_check_kernel(b, kernel_fd, &kernel_size);
        if (r < 0)
                return r;
        r = fake_check_cmdline(kernel_fd, cmdline);
        if (r < 0)
                return r;
        if (crash && (backend_read_u64(b, KERNEL_KEXEC_CRASH_SIZE, &crash_size) < 0 || crash_size == 0))
                return -EADDRNOTAVAIL; /* what kexec_locate_mem_hole() answers without a reservation */
        r = fake_record_load(b, image, syscall_name, cmdline, kernel_size, initrd_size);
        if (r < 0)
                return r;
        return fake_write(b, crash ? KERNEL_KEXEC_CRASH_LOADED : KERNEL_KEXEC_LOADED, "1\n");
}

static int fake_file_load(Backend *b, int kernel_fd, int initrd_fd, const char *cmdline, unsigned long flags) {
        bool crash = flags & KEXEC_FILE_ON_CRASH;
        struct stat st;
        int64_t initrd_size = -1;

        if (flags & ~(unsigned long) (KEXEC_FILE_UNLOAD | KEXEC_FILE_ON_CRASH | KEXEC_FILE_NO_INITRAMFS))
                return -EINVAL;
        if (flags & KEXEC_FILE_UNLOAD) {
                int r = fake_load_permitted(b, crash);
                if (r < 0)
                        return r;
                return fake_write(b, crash ? KERNEL_KEXEC_CRASH_LOADED : KERNEL_KEXEC_LOADED, "0\n");
        }

        if (!(flags & KEXEC_FILE_NO_INITRAMFS)) {
                if (initrd_fd < 0 || fstat(initrd_fd, &st) < 0)
                        return -EBADF;
                initrd_size = st.st_size;
        }
        int r = fake_load_common(b, crash, "file", kernel_fd, initrd_size, cmdline);
        /* What "the kernel" got as initrd, for tests (small ones only). */
        if (r >= 0 && initrd_size >= 0 && initrd_size <= 16 * 1024 * 1024) {
                _cleanup_free_ char *copy = NULL;
                size_t n = 0;
                _cleanup_free_ char *path = backend_path(b, crash ? "/fake/kdump.initrd" : "/fake/kexec.initrd");
                if (path && lseek(initrd_fd, 0, SEEK_SET) == 0 && read_full_fd(initrd_fd, 16 * 1024 * 1024, &copy, &n) >= 0)
                        (void) write_file_atomic(path, copy, n, 0644);
                (void) lseek(initrd_fd, 0, SEEK_SET);
        }
        return r;
}

/* Understands the subset of kexec-tools' options kexecd passes. */
static int fake_legacy_load(Backend *b, char *const *argv, char **ret_output) {
        bool crash = false, unload = false, hotplug = false;
        const char *cmdline = NULL, *initrd = NULL, *kernel = NULL, *dtb = NULL;
        _cleanup_free_ char *lockdown = NULL;

        for (size_t i = 1; argv[i]; i++) {
                const char *a = argv[i];
                if (streq(a, "-p") || streq(a, "--load-panic"))
                        crash = true;
                else if (streq(a, "-u") || streq(a, "--unload"))
                        unload = true;
                else if (streq(a, "--hotplug"))
                        hotplug = true;
                else if (!strncmp(a, "--command-line=", 15) || !strncmp(a, "--append=", 9))
                        cmdline = strchr(a, '=') + 1;
                else if (!strncmp(a, "--initrd=", 9))
                        initrd = a + 9;
                else if (!strncmp(a, "--dtb=", 6))
                        dtb = a + 6;
                else if (a[0] != '-')
                        kernel = a;
        }

        /* kexec_load(2) is refused under any lockdown mode. */
        if (backend_read_string(b, KERNEL_LOCKDOWN, &lockdown) >= 0 && !strstr(lockdown, "[none]")) {
                if (ret_output)
                        *ret_output = strdup("kexec_load failed: Operation not permitted");
                return -EIO;
        }
        if (unload) {
                int r = fake_load_permitted(b, crash);
                if (r < 0)
                        return r;
                return fake_write(b, crash ? KERNEL_KEXEC_CRASH_LOADED : KERNEL_KEXEC_LOADED, "0\n");
        }
        if (!kernel) {
                if (ret_output)
                        *ret_output = strdup("Nothing has been loaded!");
                return -EIO;
        }
        uint64_t hdr_size = 0;
        bool kernel_can_update = backend_read_u64(b, KERNEL_CRASH_ELFCOREHDR_SIZE, &hdr_size) >= 0 && hdr_size > 0;
        if (hotplug && !kernel_can_update) {
                if (ret_output)
                        *ret_output = strdup("Path /sys/kernel/crash_elfcorehdr_size does not exist, the kernel needs CONFIG_CRASH_HOTPLUG");
                return -EIO;
        }

        /* kexec-tools runs in a child process: a /proc/self/fd/N argument
         * names kexecd's fd N only if it survives exec. The fake runs
         * in-process, so it checks that instead of silently reading it. */
        const char *fd_args[] = { kernel, initrd, dtb };
        for (size_t k = 0; k < ELEMENTSOF(fd_args); k++) {
                int fdno, flags;
                if (!fd_args[k] || sscanf(fd_args[k], "/proc/self/fd/%d", &fdno) != 1)
                        continue;
                flags = fcntl(fdno, F_GETFD);
                if (flags < 0 || (flags & FD_CLOEXEC)) {
                        if (ret_output && asprintf(ret_output, "Cannot open `%s': No such file or directory", fd_args[k]) < 0)
                                *ret_output = NULL;
                        return -EIO;
                }
        }
        _cleanup_close_ int kfd = open(kernel, O_RDONLY | O_CLOEXEC);
        if (kfd < 0)
                return -EIO;
        int64_t initrd_size = -1;
        if (initrd) {
                struct stat st;
                if (stat(initrd, &st) < 0)
                        return -EIO;
                initrd_size = st.st_size;
        }
        int r = fake_load_common(b, crash, "legacy", kfd, initrd_size, cmdline);
        if (r >= 0) {
                _cleanup_free_ char *all = NULL;
                size_t len = 0;
                FILE *f = open_memstream(&all, &len);
                if (!f)
                        return -ENOMEM;
                for (size_t i = 1; argv[i]; i++)
                        fprintf(f, "%s\n", argv[i]);
                fclose(f);
                r = fake_write(b, crash ? "/fake/kdump.legacy_argv" : "/fake/kexec.legacy_argv", all);
        }
        if (r >= 0 && crash && kernel_can_update) {
                /* Where the fake root has these directories, as sysfs would. */
                (void) fake_write(b, KERNEL_MEMORY_CRASH_HOTPLUG, hotplug ? "1\n" : "0\n");
                (void) fake_write(b, KERNEL_CPU_CRASH_HOTPLUG, hotplug ? "1\n" : "0\n");
        }
        if (r < 0) {
                if (ret_output && asprintf(ret_output, "kexec_load failed: %s", strerror(-r)) < 0)
                        *ret_output = NULL;
                return -EIO;
        }
        return 0;
}

static int fake_legacy_help(Backend *b, char **ret_output) {
        char *text = NULL;
        int r = backend_read_string(b, "/fake/kexec-help", &text);
        if (r == -ENOENT)
                text = strdup("kexec-tools 2.0.25 (fake)\n"
                              " -l, --load         Load the new kernel into the current kernel.\n"
                              " -p, --load-panic   Load the new kernel for use on panic.\n");
        else if (r < 0)
                return r;
        if (!text)
                return -ENOMEM;
        *ret_output = text;
        return 0;
}

static const BackendOps fake_ops = {
        .name = "fake",
        .file_load = fake_file_load,
        .legacy_load = fake_legacy_load,
        .legacy_help = fake_legacy_help,
};

int backend_new_fake(const char *root, Backend **ret) {
        _cleanup_(backend_freep) Backend *b = NULL;
        struct stat st;

        if (!root || root[0] != '/')
                return -EINVAL;
        if (stat(root, &st) < 0)
                return -errno;
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;

        b = calloc(1, sizeof(Backend));
        if (!b)
                return -ENOMEM;
        b->ops = &fake_ops;
        b->root = strdup(root);
        b->legacy_loader = strdup("fake-kexec");
        if (!b->root || !b->legacy_loader)
                return -ENOMEM;
        /* A trailing slash would double up with the absolute kernel paths. */
        size_t n = strlen(b->root);
        while (n > 1 && b->root[n - 1] == '/')
                b->root[--n] = 0;
        *ret = TAKE_PTR(b);
        return 0;
}
