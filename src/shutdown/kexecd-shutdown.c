/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kexecd-shutdown: kexecd's systemd system-shutdown hook. systemd-shutdown
 * runs it as the last user-space step before reboot(LINUX_REBOOT_CMD_KEXEC),
 * with file systems already read-only and kexecd long stopped. On a kexec
 * it closes the IMA chain's tail (docs/ima.md):
 *   1. runs, without letting them do anything, the programs systemd will
 *      still execute after it (kexec-tools' `kexec -e`, the other hooks),
 *      so that IMA measures them now (IMA measures a file once per boot);
 *   2. reads this boot's IMA list: from here on nothing is measured;
 *   3. reloads the kexec image kexecd loaded (same kernel, command line and
 *      initrds) with the list appended to its initrd as a cpio archive,
 *      which the next boot's kexecd imports (ima-handover.h).
 * It never fails the shutdown: every problem is reported and the kexec
 * goes ahead with the image as it was. */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "build-config.h"
#include "ima-handover.h"
#include "input-file.h"
#include "kernel-image.h"
#include "log.h"
#include "macro.h"
#include "state.h"

/* Where kexecd.service keeps the kexec image's state: its runtime copy
 * first (RuntimeDirectory=kexecd; /run stays mounted to the end, /var may
 * already be unmounted), then its StateDirectory=kexecd. */
static const char *const default_state_dirs[] = { "/run/kexecd", "/var/lib/kexecd" };
/* Run by systemd-shutdown for a kexec (KEXEC in systemd's build). */
static const char *const kexec_binaries[] = { "/sbin/kexec", "/usr/sbin/kexec" };
static const char *const hook_dirs[] = { "/usr/lib/systemd/system-shutdown", "/lib/systemd/system-shutdown" };

static const char *arg_state_dir = NULL;
static inline void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}
static const char *arg_fake_root = NULL;

static void help(void) {
        printf("Usage: kexecd-shutdown [OPTIONS] VERB\n\n"
               "kexecd's system-shutdown hook (systemd-shutdown(8) runs it with VERB =\n"
               "halt, poweroff, reboot or kexec). On kexec it hands this boot's IMA\n"
               "measurement list to the next kernel inside the kexec image's initrd,\n"
               "so that the chain kexecd verifies has no gap after its last snapshot.\n"
               "Any other verb does nothing.\n\n"
               "Options:\n"
               "  -h --help            Show this help and exit\n"
               "     --state-dir=DIR   kexecd's state (default: %s, else %s)\n"
               "     --fake-root=DIR   Use the fake kernel rooted at DIR (tests)\n\n"
               "See kexecd-shutdown(8).\n",
               default_state_dirs[0], default_state_dirs[1]);
}

/* Does exec'ing `path` with LD_TRACE_LOADED_OBJECTS stop before the program
 * runs? True for dynamically linked ELF files (the dynamic loader lists the
 * libraries and exits) and scripts (their interpreter is loaded the same
 * way). A static binary would run for real: never executed here. */
static bool exec_is_harmless(const char *path) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        Elf64_Ehdr eh;
        struct stat st;

        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !(st.st_mode & 0111))
                return false;
        if (pread(fd, &eh, sizeof(eh), 0) < 2)
                return false;
        if (memcmp(&eh, "#!", 2) == 0)
                return true;
        if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64)
                return false;
        for (unsigned i = 0; i < eh.e_phnum && i < 64; i++) {
                Elf64_Phdr ph;
                if (pread(fd, &ph, sizeof(ph), (off_t) (eh.e_phoff + (uint64_t) i * eh.e_phentsize)) != sizeof(ph))
                        return false;
                if (ph.p_type == PT_INTERP)
                        return true;
        }
        return false;
}

/* Executes `path` so that IMA measures it (BPRM_CHECK) and, under a policy
 * that measures what is mapped executable, its libraries; the dynamic
 * loader only lists them (LD_TRACE_LOADED_OBJECTS) and main() never runs. */
static void premeasure(const char *path) {
        if (!exec_is_harmless(path))
                return;
        pid_t pid = fork();
        if (pid < 0)
                return;
        if (pid == 0) {
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (null >= 0) {
                        (void) dup2(null, STDIN_FILENO);
                        (void) dup2(null, STDOUT_FILENO);
                        (void) dup2(null, STDERR_FILENO);
                }
                char *const argv[] = { (char *) path, NULL };
                char *const envp[] = { (char *) "LD_TRACE_LOADED_OBJECTS=1", (char *) "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
                execve(path, argv, envp);
                _exit(127);
        }
        /* Bounded: a hook must never hold the shutdown. */
        for (int waited = 0; waited < 500; waited++) {
                if (waitpid(pid, NULL, WNOHANG) == pid)
                        return;
                struct timespec ts = { 0, 10 * 1000 * 1000 };
                nanosleep(&ts, NULL);
        }
        (void) kill(pid, SIGKILL);
        (void) waitpid(pid, NULL, 0);
}

static void premeasure_what_runs_after_us(void) {
        struct stat self;
        bool have_self = stat("/proc/self/exe", &self) >= 0;

        for (size_t k = 0; k < ELEMENTSOF(kexec_binaries); k++)
                premeasure(kexec_binaries[k]);
        /* Hooks run in parallel with this one: measure them now too. */
        for (size_t d = 0; d < ELEMENTSOF(hook_dirs); d++) {
                _cleanup_(closedirp) DIR *dir = opendir(hook_dirs[d]);
                for (struct dirent *de; dir && (de = readdir(dir));) {
                        char path[4096];
                        struct stat st;
                        if (de->d_name[0] == '.')
                                continue;
                        snprintf(path, sizeof(path), "%s/%s", hook_dirs[d], de->d_name);
                        if (stat(path, &st) < 0 || (have_self && st.st_dev == self.st_dev && st.st_ino == self.st_ino))
                                continue;
                        premeasure(path);
                }
        }
}

/* The image's initrd followed by the archive, in one sealed memfd. */
static int initrd_with_archive(int initrd_fd, const uint8_t *archive, size_t size, int *ret_fd) {
        _cleanup_close_ int out = memfd_create("kexecd-initrd-handover", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        static const uint8_t zeros[4] = {};
        char buf[65536];
        off_t off = 0;

        if (out < 0)
                return -errno;
        while (initrd_fd >= 0) {
                ssize_t n = pread(initrd_fd, buf, sizeof(buf), off);
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                if (write(out, buf, (size_t) n) != n)
                        return -EIO;
                off += n;
        }
        /* The kernel looks for the next archive at a 4-byte boundary. */
        if (off % 4 != 0 && write(out, zeros, (size_t) (4 - off % 4)) != (ssize_t) (4 - off % 4))
                return -EIO;
        if (write(out, archive, size) != (ssize_t) size)
                return -EIO;
        if (fcntl(out, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0 ||
            lseek(out, 0, SEEK_SET) < 0)
                return -errno;
        *ret_fd = TAKE_FD(out);
        return 0;
}

static int hand_over(Backend *b) {
        _cleanup_(image_state_done) ImageState st = {};
        _cleanup_(kernel_image_freep) KernelImage *kimg = NULL;
        _cleanup_close_ int kernel_fd = -EBADF, initrd_fd = -EBADF, combined_fd = -EBADF;
        _cleanup_free_ char *message = NULL;
        _cleanup_free_ uint8_t *archive = NULL;
        size_t size = 0;
        bool loaded = false;
        int r, records;

        const char *dir = arg_state_dir;
        r = -ENOENT;
        for (size_t k = 0; !arg_state_dir && r < 0 && k < ELEMENTSOF(default_state_dirs); k++)
                r = image_state_load(dir = default_state_dirs[k], IMAGE_KEXEC, &st);
        if (arg_state_dir)
                r = image_state_load(dir, IMAGE_KEXEC, &st);
        if (r < 0)
                return log_error_errno(r, "No kexec image state in %s (%m): nothing to hand over.", dir);
        if (st.pending || !streq_ptr(st.syscall_used, "file") || !st.effective_cmdline)
                return log_error_errno(-ENOTSUP, "The kexec image was not loaded by kexecd with kexec_file_load: "
                                       "the IMA list after kexecd's last snapshot is not handed over.");
        if (backend_read_bool(b, KERNEL_KEXEC_LOADED, &loaded) < 0 || !loaded)
                return log_error_errno(-ENOENT, "No kexec image is loaded: nothing to hand over.");
        /* Kernels >= 6.6 count loads: the last one belongs to the
         * administrator, as for kexecd's automatic reloads. */
        uint64_t left = UINT64_MAX;
        _cleanup_free_ char *limit = NULL;
        if (backend_read_string(b, KERNEL_KEXEC_LIMIT_REBOOT, &limit) >= 0 && limit[0] != '-')
                left = strtoull(limit, NULL, 10);
        if (left <= 1)
                return log_error_errno(-EDQUOT, "The kernel's kexec load limit has %" PRIu64 " load(s) left: "
                                       "not spending one on handing over the IMA list.", left);

        /* Open everything before the list is read: under a policy that
         * measures what root reads, these opens are measurements too. */
        r = input_file_open(st.spec.kernel, "Kernel", &kernel_fd, &message);
        if (r >= 0)
                r = initrds_open(st.spec.initrds, &initrd_fd, &message);
        if (r >= 0)
                r = kernel_image_open(kernel_fd, 0, &kimg, &message);
        if (r < 0)
                return log_error_errno(r, "Cannot reopen the kexec image: %s", strna(message));
        if (initrd_fd < 0 && kimg->initrd_fd >= 0)
                initrd_fd = fcntl(kimg->initrd_fd, F_DUPFD_CLOEXEC, 3);
        premeasure_what_runs_after_us();

        records = ima_handover_build(b, &archive, &size);
        if (records == -ENOENT)
                return 0; /* IMA is off: nothing to keep */
        if (records < 0)
                return log_error_errno(records, "Cannot read the IMA measurement list: %m");
        r = initrd_with_archive(initrd_fd, archive, size, &combined_fd);
        if (r < 0)
                return log_error_errno(r, "Cannot build the initrd with the IMA list: %m");
        r = backend_file_load(b, kimg->fd, combined_fd, st.effective_cmdline, 0);
        if (r < 0)
                return log_error_errno(r, "Reloading the kexec image with the IMA list failed (%m); "
                                       "the kernel keeps the image as it was.");
        log_info("Handed %d IMA measurements to the next kernel.", records);
        return 0;
}

int main(int argc, char *argv[]) {
        enum { ARG_STATE_DIR = 0x100, ARG_FAKE_ROOT };
        static const struct option options[] = {
                { "help",      no_argument,       NULL, 'h' },
                { "state-dir", required_argument, NULL, ARG_STATE_DIR },
                { "fake-root", required_argument, NULL, ARG_FAKE_ROOT },
                {}
        };
        Backend *b = NULL;
        int c, r;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return EXIT_SUCCESS;
                case ARG_STATE_DIR:
                        arg_state_dir = optarg;
                        break;
                case ARG_FAKE_ROOT:
                        arg_fake_root = optarg;
                        break;
                default:
                        return EXIT_FAILURE;
                }
        if (optind + 1 != argc) {
                fprintf(stderr, "kexecd-shutdown: expected one verb (halt, poweroff, reboot, kexec); see --help.\n");
                return EXIT_FAILURE;
        }
        if (!streq(argv[optind], "kexec"))
                return EXIT_SUCCESS;

        r = arg_fake_root ? backend_new_fake(arg_fake_root, &b) : backend_new_real(&b);
        if (r < 0) {
                log_error_errno(r, "Cannot set up the kernel backend: %m");
                return EXIT_SUCCESS;
        }
        (void) hand_over(b);
        backend_free(b);
        /* Never hold up or fail the shutdown. */
        return EXIT_SUCCESS;
}
