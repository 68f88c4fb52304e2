/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Discovery of boot entries: what each source reads is in
 * docs/boot-entries.md. Nothing here trusts the files it reads: sizes and
 * counts are bounded, paths must resolve inside their partition, and an
 * entry that cannot be booted is skipped with a reason, never fatal. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "boot-entries.h"
#include "boot-path.h"
#include "cmdline.h"
#include "fileio.h"
#include "kexecd-limits.h"
#include "log.h"
#include "macro.h"
#include "utf8.h"

/* systemd-boot's vendor GUID for its Loader* variables. */
#define LOADER_GUID "4a67b082-0a4c-41cf-b6c7-440b29bb8c4f"
#define EFIVARS "/sys/firmware/efi/efivars/"

/* The partitions a boot loader reads, in the order of the brief and of
 * systemd's search: XBOOTLDR-or-ESP at /boot, the ESP at /efi or /boot/efi. */
static const char *const partitions[] = { "/boot", "/efi", "/boot/efi" };

static const char *const source_table[_BOOT_ENTRY_SOURCE_MAX] = {
        [BOOT_ENTRY_TYPE1] = "type1",
        [BOOT_ENTRY_TYPE2] = "type2",
        [BOOT_ENTRY_SYMLINK] = "symlink",
        [BOOT_ENTRY_INSTALLED] = "installed",
};

const char *boot_entry_source_to_string(BootEntrySource s) {
        return s >= 0 && s < _BOOT_ENTRY_SOURCE_MAX ? source_table[s] : NULL;
}

static void boot_entry_done(BootEntry *e) {
        free(e->id);
        free(e->title);
        free(e->version);
        free(e->kernel);
        strv_free(e->initrds);
        free(e->options);
        free(e->sort_key);
        free(e->machine_id);
        free(e->architecture);
        free(e->path);
        *e = (BootEntry) {};
}
DEFINE_TRIVIAL_CLEANUP_FUNC(BootEntry *, boot_entry_done);

void boot_entries_done(BootEntries *e) {
        for (size_t i = 0; i < e->n; i++)
                boot_entry_done(&e->entries[i]);
        free(e->entries);
        for (size_t i = 0; i < e->n_skipped; i++) {
                free(e->skipped[i].path);
                free(e->skipped[i].reason);
        }
        free(e->skipped);
        *e = (BootEntries) {};
}

/* Records a skipped entry. The path is escaped: it is shown over D-Bus and
 * in logs, and file names on an ESP can be any bytes. */
_printf_(3, 4)
static int skip(BootEntries *e, const char *path, const char *fmt, ...) {
        _cleanup_free_ char *reason = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&reason, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        BootEntrySkipped *t = realloc(e->skipped, sizeof(BootEntrySkipped) * (e->n_skipped + 1));
        if (!t)
                return -ENOMEM;
        e->skipped = t;
        char *p = utf8_escape_invalid(path);
        if (!p)
                return -ENOMEM;
        log_debug("Skipping boot entry %s: %s", p, reason);
        t[e->n_skipped++] = (BootEntrySkipped) { .path = p, .reason = TAKE_PTR(reason) };
        return 0;
}

/* Moves *entry into the list unless its id is taken (the same file seen
 * through two mount points, or a symlink and its twin). */
static int add_entry(BootEntries *e, BootEntry *entry) {
        for (size_t i = 0; i < e->n; i++)
                if (streq(e->entries[i].id, entry->id))
                        return skip(e, strempty(entry->path), "duplicate id '%s' (already found in %s)",
                                    entry->id, strempty(e->entries[i].path));
        BootEntry *t = realloc(e->entries, sizeof(BootEntry) * (e->n + 1));
        if (!t)
                return -ENOMEM;
        e->entries = t;
        t[e->n++] = *entry;
        *entry = (BootEntry) {};
        return 0;
}

static int strv_push(char ***l, const char *v) {
        size_t n = strv_length(*l);
        char **t = realloc(*l, sizeof(char *) * (n + 2));
        if (!t)
                return -ENOMEM;
        *l = t;
        t[n] = strdup(v);
        t[n + 1] = NULL;
        return t[n] ? 0 : -ENOMEM;
}

static const char *resolve_error(int r) {
        return r == -EXDEV ? "resolves outside its partition" :
               r == -ENOENT ? "does not exist" :
               r == -ELOOP ? "has too many symlinks" :
               r == -ENAMETOOLONG ? "path is too long" :
               r == -EINVAL ? "is not a sane path ('..', backslash or control characters)" : strerror(-r);
}

static int strcmp_ptrs(const void *a, const void *b);

/* Names in a directory (root-prefixed `dir`) that `filter` accepts, sorted
 * bytewise, at most KEXECD_BOOT_ENTRIES_PER_DIR_MAX looked at. */
static int list_dir(BootEntries *e, const char *dir, bool (*filter)(const char *name), char ***ret) {
        _cleanup_strv_free_ char **names = NULL;
        DIR *d = opendir(dir);
        size_t n = 0, seen = 0;
        struct dirent *de;
        int r = 0;

        *ret = NULL;
        if (!d)
                return errno == ENOENT || errno == ENOTDIR ? 0 : skip(e, dir, "cannot list: %s", strerror(errno));
        names = calloc(1, sizeof(char *));
        if (!names) {
                closedir(d);
                return -ENOMEM;
        }
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.' || !filter(de->d_name))
                        continue;
                if (++seen > KEXECD_BOOT_ENTRIES_PER_DIR_MAX) {
                        r = skip(e, dir, "more than %u entries, the rest is ignored", KEXECD_BOOT_ENTRIES_PER_DIR_MAX);
                        break;
                }
                if ((r = strv_push(&names, de->d_name)) < 0)
                        break;
                n++;
        }
        closedir(d);
        if (r < 0)
                return r;
        if (n > 0)
                qsort(names, n, sizeof(char *), strcmp_ptrs);
        *ret = TAKE_PTR(names);
        return 0;
}

static int strcmp_ptrs(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static bool has_suffix(const char *s, const char *suffix) {
        size_t n = strlen(s), k = strlen(suffix);
        return n > k && strcasecmp(s + n - k, suffix) == 0;
}

static bool filter_conf(const char *name) {
        return has_suffix(name, ".conf");
}

static bool filter_efi(const char *name) {
        return has_suffix(name, ".efi");
}

static bool filter_vmlinuz(const char *name) {
        return strncmp(name, "vmlinuz-", 8) == 0 && name[8] &&
               /* dpkg's and editors' leftovers are not kernels to boot */
               !strstr(name, ".dpkg-") && !has_suffix(name, ".old") && !has_suffix(name, ".bak") &&
               !has_suffix(name, "~");
}

/* Boot counting (BLS): "NAME+LEFT[-DONE].conf" has LEFT tries left; the id
 * is the name without the counter. */
static int parse_counter(const char *fname, const char *suffix, char **ret_id, int *ret_left) {
        size_t n = strlen(fname) - strlen(suffix);
        const char *plus = memrchr(fname, '+', n);
        *ret_left = -1;
        if (plus) {
                const char *s = plus + 1, *end = fname + n;
                size_t d = 0;
                while (s + d < end && isdigit((unsigned char) s[d]))
                        d++;
                bool ok = d > 0 && d <= 6;
                const char *t = s + d;
                if (ok && t < end && *t == '-') {
                        size_t d2 = 0;
                        while (t + 1 + d2 < end && isdigit((unsigned char) t[1 + d2]))
                                d2++;
                        ok = d2 > 0 && d2 <= 6 && t + 1 + d2 == end;
                } else if (ok)
                        ok = t == end;
                if (ok) {
                        *ret_left = atoi(s);
                        return asprintf(ret_id, "%.*s%s", (int) (plus - fname), fname, fname + n) < 0 ? -ENOMEM : 0;
                }
        }
        *ret_id = strdup(fname);
        return *ret_id ? 0 : -ENOMEM;
}

static const char *native_efi_arch(void) {
#if defined(__x86_64__)
        return "x64";
#elif defined(__i386__)
        return "ia32";
#elif defined(__aarch64__)
        return "aa64";
#elif defined(__arm__)
        return "arm";
#elif defined(__riscv) && __riscv_xlen == 64
        return "riscv64";
#elif defined(__loongarch64)
        return "loongarch64";
#else
        return NULL;
#endif
}

static int set_value(char **dst, const char *v) {
        char *s = strdup(v);
        if (!s)
                return -ENOMEM;
        free(*dst);
        *dst = s;
        return 0;
}

/* Parses one type 1 entry file's text into *entry. Returns 1 when it is
 * usable, 0 when it was skipped (reason recorded), <0 on ENOMEM. Paths are
 * kept as the entry writes them; resolved later. */
static int parse_type1(BootEntries *e, const char *path, char *text, BootEntry *entry, char ***ret_initrds) {
        _cleanup_free_ char *options = NULL;
        _cleanup_strv_free_ char **initrds = NULL;
        int r = 0;

        for (char *line = text, *next; line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                line += strspn(line, " \t");
                strip_trailing_newlines(line);
                if (!*line || *line == '#')
                        continue;
                size_t k = strcspn(line, " \t");
                char *value = line + k;
                if (*value)
                        *value++ = 0;
                value += strspn(value, " \t");

                if (streq(line, "title"))
                        r = set_value(&entry->title, value);
                else if (streq(line, "version"))
                        r = set_value(&entry->version, value);
                else if (streq(line, "linux"))
                        r = set_value(&entry->kernel, value);
                else if (streq(line, "sort-key"))
                        r = set_value(&entry->sort_key, value);
                else if (streq(line, "machine-id"))
                        r = set_value(&entry->machine_id, value);
                else if (streq(line, "architecture"))
                        r = set_value(&entry->architecture, value);
                else if (streq(line, "initrd")) {
                        if (strv_length(initrds) >= KEXECD_INITRDS_MAX)
                                return skip(e, path, "more than %u initrd lines", KEXECD_INITRDS_MAX);
                        r = strv_push(&initrds, value);
                } else if (streq(line, "options")) {
                        if (!*value)
                                continue;
                        char *joined = NULL;
                        if (asprintf(&joined, "%s%s%s", strempty(options), options ? " " : "", value) < 0)
                                return -ENOMEM;
                        free(options);
                        options = joined;
                        if (strlen(options) > KEXECD_CMDLINE_MAX)
                                return skip(e, path, "options are longer than the %d bytes a kernel accepts",
                                            KEXECD_CMDLINE_MAX);
                } else if (streq(line, "efi"))
                        return skip(e, path, "an EFI program entry ('efi'), not a Linux kernel");
                /* devicetree, devicetree-overlay, uki, ...: not used by kexec. */
                if (r < 0)
                        return r;
        }
        if (!entry->kernel)
                return skip(e, path, "no 'linux' line (a half-written entry?)");
        if (entry->architecture && native_efi_arch() && strcasecmp(entry->architecture, native_efi_arch()) != 0)
                return skip(e, path, "for architecture '%s', this machine is '%s'", entry->architecture, native_efi_arch());
        if (options && cmdline_validate(options) < 0)
                return skip(e, path, "options contain control characters or invalid UTF-8");
        entry->options = options ? TAKE_PTR(options) : strdup("");
        if (!entry->options)
                return -ENOMEM;
        *ret_initrds = TAKE_PTR(initrds);
        return 1;
}

/* Resolves the kernel and initrd paths an entry names inside `partition`;
 * 1 if all resolved, 0 if skipped. */
static int resolve_files(BootEntries *e, const char *root, const char *partition, BootEntry *entry, char **initrds) {
        _cleanup_free_ char *joined = NULL, *kernel = NULL;
        int r;

        r = boot_path_join_entry(partition, entry->kernel, &joined);
        if (r >= 0)
                r = boot_path_resolve(root, joined, partition, &kernel);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return skip(e, entry->path, "kernel '%s' %s", entry->kernel, resolve_error(r));
        free(entry->kernel);
        entry->kernel = TAKE_PTR(kernel);

        for (char **i = initrds; i && *i; i++) {
                _cleanup_free_ char *j = NULL, *p = NULL;
                r = boot_path_join_entry(partition, *i, &j);
                if (r >= 0)
                        r = boot_path_resolve(root, j, partition, &p);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return skip(e, entry->path, "initrd '%s' %s", *i, resolve_error(r));
                if ((r = strv_push(&entry->initrds, p)) < 0)
                        return r;
        }
        return 1;
}

/* D-Bus carries strings, and kexecd loads paths: both must be UTF-8. */
static int check_utf8(BootEntries *e, BootEntry *entry) {
        if (!utf8_is_valid(entry->id) || !utf8_is_valid(entry->kernel))
                return skip(e, entry->path, "file name is not valid UTF-8");
        for (char **i = entry->initrds; *i; i++)
                if (!utf8_is_valid(*i))
                        return skip(e, entry->path, "initrd path is not valid UTF-8");
        char **fields[] = { &entry->title, &entry->version, &entry->sort_key, &entry->machine_id, &entry->architecture };
        for (size_t k = 0; k < ELEMENTSOF(fields); k++)
                if (*fields[k] && !utf8_is_valid(*fields[k])) {
                        char *s = utf8_escape_invalid(*fields[k]);
                        if (!s)
                                return -ENOMEM;
                        free(*fields[k]);
                        *fields[k] = s;
                }
        return 1;
}

static int discover_type1(BootEntries *e, const char *root, const char *partition) {
        _cleanup_free_ char *dir = NULL;
        _cleanup_strv_free_ char **names = NULL;
        int r;

        if (asprintf(&dir, "%s%s/loader/entries", root, partition) < 0)
                return -ENOMEM;
        r = list_dir(e, dir, filter_conf, &names);
        if (r < 0)
                return r;
        for (char **n = names; n && *n; n++) {
                _cleanup_(boot_entry_donep) BootEntry *entry_p = NULL;
                BootEntry entry = { .source = BOOT_ENTRY_TYPE1 };
                _cleanup_strv_free_ char **initrds = NULL;
                _cleanup_free_ char *text = NULL;
                size_t size;

                entry_p = &entry;
                if (asprintf(&entry.path, "%s/%s", dir, *n) < 0)
                        return -ENOMEM;
                r = read_full_file(entry.path, KEXECD_BOOT_ENTRY_FILE_MAX, &text, &size);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        if ((r = skip(e, entry.path, "cannot read: %s", r == -EFBIG ? "larger than 64 KiB" :
                                      r == -EBADFD ? "not a regular file" : strerror(-r))) < 0)
                                return r;
                        continue;
                }
                if (strlen(text) != size) {
                        if ((r = skip(e, entry.path, "contains a NUL byte")) < 0)
                                return r;
                        continue;
                }
                if ((r = parse_counter(*n, ".conf", &entry.id, &entry.tries_left)) < 0)
                        return r;
                r = parse_type1(e, entry.path, text, &entry, &initrds);
                if (r > 0)
                        r = resolve_files(e, root, partition, &entry, initrds);
                if (r > 0 && !entry.initrds && !(entry.initrds = calloc(1, sizeof(char *))))
                        r = -ENOMEM;
                if (r > 0)
                        r = check_utf8(e, &entry);
                if (r > 0 && !entry.title && set_value(&entry.title, entry.id) < 0)
                        r = -ENOMEM;
                if (r > 0)
                        r = add_entry(e, &entry);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int discover_type2(BootEntries *e, const char *root, const char *partition) {
        _cleanup_free_ char *dir = NULL, *inside = NULL;
        _cleanup_strv_free_ char **names = NULL;
        int r;

        if (asprintf(&dir, "%s%s/EFI/Linux", root, partition) < 0)
                return -ENOMEM;
        r = list_dir(e, dir, filter_efi, &names);
        if (r < 0)
                return r;
        for (char **n = names; n && *n; n++) {
                _cleanup_(boot_entry_donep) BootEntry *entry_p = NULL;
                BootEntry entry = { .source = BOOT_ENTRY_TYPE2 };
                _cleanup_free_ char *rel = NULL;
                struct stat st;

                entry_p = &entry;
                if (asprintf(&entry.path, "%s/%s", dir, *n) < 0 ||
                    asprintf(&rel, "%s/EFI/Linux/%s", partition, *n) < 0)
                        return -ENOMEM;
                r = boot_path_resolve(root, rel, partition, &entry.kernel);
                if (r == -ENOMEM)
                        return r;
                if (r >= 0 && (stat(entry.kernel, &st) < 0 || !S_ISREG(st.st_mode)))
                        r = -EBADFD;
                if (r < 0) {
                        if ((r = skip(e, entry.path, "%s", r == -EBADFD ? "not a regular file" : resolve_error(r))) < 0)
                                return r;
                        continue;
                }
                if ((r = parse_counter(*n, ".efi", &entry.id, &entry.tries_left)) < 0)
                        return r;
                /* The title and version are in the UKI's .osrel section;
                 * not read yet (docs/boot-entries.md): the file name. */
                entry.title = strndup(entry.id, strlen(entry.id) - 4);
                entry.options = strdup("");
                entry.initrds = calloc(1, sizeof(char *));
                if (!entry.title || !entry.options || !entry.initrds)
                        return -ENOMEM;
                r = check_utf8(e, &entry);
                if (r > 0)
                        r = add_entry(e, &entry);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* An optional initrd next to a kernel: resolved inside /boot, NULL when
 * absent. An initrd that exists but escapes is an error (the entry is
 * skipped), not silently dropped. */
static int optional_initrd(const char *root, const char *rel, char **ret) {
        _cleanup_free_ char *full = NULL;
        struct stat st;
        *ret = NULL;
        if (asprintf(&full, "%s%s", root, rel) < 0)
                return -ENOMEM;
        if (lstat(full, &st) < 0)
                return 0;
        return boot_path_resolve(root, rel, "/boot", ret);
}

static const char *release_of(const char *kernel_path) {
        const char *b = strrchr(kernel_path, '/');
        b = b ? b + 1 : kernel_path;
        return strncmp(b, "vmlinuz-", 8) == 0 && b[8] ? b + 8 : NULL;
}

/* Debian's /vmlinuz -> boot/vmlinuz-<release> (or in /boot when
 * link_in_boot is set), with /initrd.img beside it; and the .old pair. */
static int discover_symlinks(BootEntries *e, const char *root) {
        static const char *const names[][2] = { { "vmlinuz", "initrd.img" }, { "vmlinuz.old", "initrd.img.old" } };
        static const char *const dirs[] = { "", "/boot" };
        int r;

        for (size_t k = 0; k < ELEMENTSOF(names); k++)
                for (size_t d = 0; d < ELEMENTSOF(dirs); d++) {
                        _cleanup_(boot_entry_donep) BootEntry *entry_p = NULL;
                        BootEntry entry = { .source = BOOT_ENTRY_SYMLINK, .tries_left = -1 };
                        _cleanup_free_ char *rel = NULL, *irel = NULL, *initrd = NULL;
                        struct stat st;

                        entry_p = &entry;
                        if (asprintf(&rel, "%s/%s", dirs[d], names[k][0]) < 0 ||
                            asprintf(&irel, "%s/%s", dirs[d], names[k][1]) < 0 ||
                            asprintf(&entry.path, "%s%s", root, rel) < 0)
                                return -ENOMEM;
                        if (lstat(entry.path, &st) < 0)
                                continue;
                        /* The link may sit in /, but what it names must be
                         * in /boot: /vmlinuz -> /etc/shadow is not a kernel. */
                        r = boot_path_resolve(root, rel, "/boot", &entry.kernel);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0) {
                                if ((r = skip(e, entry.path, "%s", r == -EXDEV ? "resolves outside /boot" : resolve_error(r))) < 0)
                                        return r;
                                continue;
                        }
                        r = optional_initrd(root, irel, &initrd);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0) {
                                if ((r = skip(e, entry.path, "%s%s %s", root, irel,
                                              r == -EXDEV ? "resolves outside /boot" : resolve_error(r))) < 0)
                                        return r;
                                continue;
                        }
                        entry.initrds = calloc(2, sizeof(char *));
                        entry.id = strdup(names[k][0]);
                        entry.options = strdup("");
                        if (!entry.initrds || !entry.id || !entry.options)
                                return -ENOMEM;
                        entry.initrds[0] = TAKE_PTR(initrd);
                        const char *release = release_of(entry.kernel);
                        if (release && !(entry.version = strdup(release)))
                                return -ENOMEM;
                        if (asprintf(&entry.title, "Linux %s (%s)", release ?: "kernel", rel) < 0)
                                return -ENOMEM;
                        r = check_utf8(e, &entry);
                        if (r > 0)
                                r = add_entry(e, &entry);
                        if (r < 0)
                                return r;
                }
        return 0;
}

static int cmp_installed(const void *a, const void *b) {
        const BootEntry *x = a, *y = b;
        return -boot_version_compare(x->version, y->version); /* newest first */
}

static int discover_installed(BootEntries *e, const char *root) {
        _cleanup_free_ char *dir = NULL;
        _cleanup_strv_free_ char **names = NULL;
        size_t first = e->n;
        int r;

        if (asprintf(&dir, "%s/boot", root) < 0)
                return -ENOMEM;
        r = list_dir(e, dir, filter_vmlinuz, &names);
        if (r < 0)
                return r;
        for (char **n = names; n && *n; n++) {
                _cleanup_(boot_entry_donep) BootEntry *entry_p = NULL;
                BootEntry entry = { .source = BOOT_ENTRY_INSTALLED, .tries_left = -1 };
                _cleanup_free_ char *rel = NULL, *irel = NULL, *irel2 = NULL, *initrd = NULL;
                const char *release = *n + 8;
                struct stat st;

                entry_p = &entry;
                if (asprintf(&rel, "/boot/%s", *n) < 0 ||
                    asprintf(&irel, "/boot/initrd.img-%s", release) < 0 ||
                    asprintf(&irel2, "/boot/initramfs-%s.img", release) < 0 ||
                    asprintf(&entry.path, "%s%s", root, rel) < 0)
                        return -ENOMEM;
                r = boot_path_resolve(root, rel, "/boot", &entry.kernel);
                if (r >= 0 && (stat(entry.kernel, &st) < 0 || !S_ISREG(st.st_mode)))
                        r = -EBADFD;
                if (r >= 0)
                        r = optional_initrd(root, irel, &initrd);
                if (r >= 0 && !initrd)
                        r = optional_initrd(root, irel2, &initrd);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        if ((r = skip(e, entry.path, "%s", r == -EBADFD ? "not a regular file" :
                                      r == -EXDEV ? "kernel or initrd resolves outside /boot" : resolve_error(r))) < 0)
                                return r;
                        continue;
                }
                entry.initrds = calloc(2, sizeof(char *));
                entry.id = strdup(*n);
                entry.version = strdup(release);
                entry.options = strdup("");
                if (!entry.initrds || !entry.id || !entry.version || !entry.options ||
                    asprintf(&entry.title, "Linux %s", release) < 0)
                        return -ENOMEM;
                entry.initrds[0] = TAKE_PTR(initrd);
                r = check_utf8(e, &entry);
                if (r > 0)
                        r = add_entry(e, &entry);
                if (r < 0)
                        return r;
        }
        if (e->n > first)
                qsort(e->entries + first, e->n - first, sizeof(BootEntry), cmp_installed);
        return 0;
}

/* The Boot Loader Specification's order, as systemd-boot applies it:
 * entries whose boot counter ran out go last; entries with a sort-key come
 * first, ordered by sort-key, then machine-id (both ascending), then
 * version (newest first); everything else after them by id, newest first
 * (ids are compared as versions, so "linux-6.10" sorts before "linux-6.9"). */
static int cmp_bls(const void *a, const void *b) {
        const BootEntry *x = a, *y = b;
        int r;

        if ((x->tries_left == 0) != (y->tries_left == 0))
                return x->tries_left == 0 ? 1 : -1;
        if (!x->sort_key != !y->sort_key)
                return x->sort_key ? -1 : 1;
        if (x->sort_key) {
                if ((r = strcmp(x->sort_key, y->sort_key)) != 0)
                        return r;
                if ((r = strcmp(strempty(x->machine_id), strempty(y->machine_id))) != 0)
                        return r;
                if ((r = boot_version_compare(x->version, y->version)) != 0)
                        return -r;
        }
        if ((r = boot_version_compare(x->id, y->id)) != 0)
                return -r;
        return strcmp(x->id, y->id);
}

static char *read_efivar(const char *root, const char *name) {
        _cleanup_free_ char *path = NULL, *data = NULL;
        char *value = NULL;
        size_t size;
        if (asprintf(&path, "%s" EFIVARS "%s-" LOADER_GUID, root, name) < 0)
                return NULL;
        if (read_full_file(path, KEXECD_BOOT_EFIVAR_MAX, &data, &size) < 0)
                return NULL;
        if (boot_efivar_decode(data, size, &value) < 0) {
                log_debug("Ignoring malformed EFI variable %s", path);
                return NULL;
        }
        return value;
}

/* loader.conf's `default` (on the ESP; /boot when it is the ESP). */
static char *read_loader_default(const char *root) {
        static const char *const where[] = { "/efi", "/boot/efi", "/boot" };
        for (size_t k = 0; k < ELEMENTSOF(where); k++) {
                _cleanup_free_ char *path = NULL, *text = NULL;
                size_t size;
                if (asprintf(&path, "%s%s/loader/loader.conf", root, where[k]) < 0)
                        return NULL;
                if (read_full_file(path, KEXECD_BOOT_ENTRY_FILE_MAX, &text, &size) < 0)
                        continue;
                char *found = NULL;
                for (char *line = text, *next; line; line = next) {
                        next = strchr(line, '\n');
                        if (next)
                                *next++ = 0;
                        line += strspn(line, " \t");
                        strip_trailing_newlines(line);
                        if (strncmp(line, "default", 7) == 0 && (line[7] == ' ' || line[7] == '\t')) {
                                free(found);
                                found = strdup(line + 8 + strspn(line + 8, " \t"));
                        }
                }
                return found; /* the first loader.conf found is the one */
        }
        return NULL;
}

static void select_default(BootEntries *e, const char *root, size_t n_bls) {
        if (n_bls > 0) {
                _cleanup_free_ char *oneshot = read_efivar(root, "LoaderEntryOneShot");
                _cleanup_free_ char *efidefault = read_efivar(root, "LoaderEntryDefault");
                _cleanup_free_ char *pattern = read_loader_default(root);
                struct {
                        const char *value;
                        bool glob;
                        const char *reason;
                } rules[] = {
                        { oneshot, false, "LoaderEntryOneShot EFI variable" },
                        { efidefault, false, "LoaderEntryDefault EFI variable" },
                        /* "@saved" means the last booted entry; without
                         * LoaderEntryLastBooted support it matches nothing. */
                        { pattern, true, "default in loader.conf" },
                };
                for (size_t k = 0; k < ELEMENTSOF(rules); k++) {
                        if (!rules[k].value)
                                continue;
                        for (size_t i = 0; i < n_bls; i++)
                                if (rules[k].glob ? boot_entry_id_matches(rules[k].value, e->entries[i].id)
                                                  : streq(rules[k].value, e->entries[i].id)) {
                                        e->entries[i].is_default = true;
                                        e->default_reason = rules[k].reason;
                                        return;
                                }
                }
                e->entries[0].is_default = true;
                e->default_reason = "first boot loader entry in sort order";
                return;
        }
        for (size_t i = 0; i < e->n; i++)
                if (e->entries[i].source == BOOT_ENTRY_SYMLINK && streq(e->entries[i].id, "vmlinuz")) {
                        e->entries[i].is_default = true;
                        e->default_reason = "Debian's vmlinuz symlink";
                        return;
                }
        for (size_t i = 0; i < e->n; i++)
                if (e->entries[i].source == BOOT_ENTRY_INSTALLED) {
                        e->entries[i].is_default = true;
                        e->default_reason = "newest installed kernel";
                        return;
                }
}

/* The same directory reached twice (/efi a symlink to /boot/efi, a bind
 * mount): scanned once. */
static bool seen_before(const char *root, const char *partition, dev_t *devs, ino_t *inos, size_t *n) {
        _cleanup_free_ char *p = NULL;
        struct stat st;
        if (asprintf(&p, "%s%s", root, partition) < 0 || stat(p, &st) < 0)
                return true; /* nothing to scan there */
        for (size_t i = 0; i < *n; i++)
                if (devs[i] == st.st_dev && inos[i] == st.st_ino)
                        return true;
        devs[*n] = st.st_dev;
        inos[*n] = st.st_ino;
        (*n)++;
        return false;
}

int boot_entries_discover(const char *root, BootEntries *ret) {
        _cleanup_(boot_entries_done) BootEntries e = {};
        dev_t devs[ELEMENTSOF(partitions)];
        ino_t inos[ELEMENTSOF(partitions)];
        size_t n_seen = 0;
        int r;

        for (size_t k = 0; k < ELEMENTSOF(partitions); k++) {
                _cleanup_free_ char *resolved = NULL;
                if (seen_before(root, partitions[k], devs, inos, &n_seen))
                        continue;
                /* The mount point itself may be a symlink (/efi ->
                 * boot/efi): entries are confined to where it leads. */
                r = boot_path_resolve(root, partitions[k], "/", &resolved);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        continue;
                const char *partition = resolved + strlen(root);
                if ((r = discover_type1(&e, root, partition)) < 0 ||
                    (r = discover_type2(&e, root, partition)) < 0)
                        return r;
        }
        size_t n_bls = e.n;
        if (n_bls > 0) /* qsort() must not see a NULL array, even empty */
                qsort(e.entries, n_bls, sizeof(BootEntry), cmp_bls);
        if ((r = discover_symlinks(&e, root)) < 0 || (r = discover_installed(&e, root)) < 0)
                return r;
        select_default(&e, root, n_bls);
        *ret = e;
        e = (BootEntries) {};
        return 0;
}

const BootEntry *boot_entries_default(const BootEntries *e) {
        for (size_t i = 0; i < e->n; i++)
                if (e->entries[i].is_default)
                        return &e->entries[i];
        return NULL;
}

const BootEntry *boot_entries_find(const BootEntries *e, const char *id) {
        for (size_t i = 0; i < e->n; i++)
                if (streq(e->entries[i].id, id))
                        return &e->entries[i];
        return NULL;
}

const BootEntry *boot_entries_find_release(const BootEntries *e, const char *release) {
        for (size_t i = 0; i < e->n; i++)
                if (e->entries[i].source == BOOT_ENTRY_INSTALLED && streq(e->entries[i].version, release))
                        return &e->entries[i];
        return NULL;
}
