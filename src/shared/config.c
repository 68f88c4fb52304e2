/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmdline.h"
#include "config.h"
#include "log.h"
#include "fileio.h"
#include "kexecd-limits.h"
#include "macro.h"
#include "utf8.h"

void kexecd_config_init(KexecdConfig *c) {
        *c = (KexecdConfig) {
                .hotplug_quiet_usec = KEXECD_HOTPLUG_QUIET_USEC_DEFAULT,
                .hotplug_max_delay_usec = KEXECD_HOTPLUG_MAX_DELAY_USEC_DEFAULT,
                .capture = {
                        .enabled = -1,
                        .dump_level = KEXECD_CAPTURE_DUMP_LEVEL_DEFAULT,
                        .compression = CAPTURE_COMPRESSION_AUTO,
                        .keep_dumps = KEXECD_CAPTURE_KEEP_DUMPS_DEFAULT,
                        .min_free_space = KEXECD_CAPTURE_MIN_FREE_DEFAULT,
                        .final_action = CAPTURE_ACTION_REBOOT,
                        .failure_action = CAPTURE_ACTION_REBOOT,
                        .hook_timeout_usec = KEXECD_CAPTURE_HOOK_TIMEOUT_USEC_DEFAULT,
                },
        };
        for (int i = 0; i < _IMAGE_TYPE_MAX; i++)
                c->images[i].load_on_start = true;
}

void kexecd_config_done(KexecdConfig *c) {
        for (int i = 0; i < _IMAGE_TYPE_MAX; i++)
                image_spec_done(&c->images[i].spec);
        free(c->kdump_extra_cmdline);
        free(c->capture.dump_dir);
        free(c->capture.dump_command);
        free(c->metrics_textfile_dir);
        *c = (KexecdConfig) {};
}

int parse_boolean(const char *v) {
        static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
        static const char *const no[] = { "0", "no", "n", "false", "f", "off" };
        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                if (strcasecmp(v, yes[i]) == 0)
                        return 1;
                if (strcasecmp(v, no[i]) == 0)
                        return 0;
        }
        return -EINVAL;
}

int parse_seconds(const char *v, uint64_t *ret_usec) {
        char *end;
        errno = 0;
        double d = strtod(v, &end);
        if (errno != 0 || end == v || *end != 0 || !isfinite(d) || d < 0 || d > 86400.0)
                return -EINVAL;
        *ret_usec = (uint64_t) (d * 1e6 + 0.5);
        return 0;
}

static const char *const compression_names[_CAPTURE_COMPRESSION_MAX] = {
        [CAPTURE_COMPRESSION_ZSTD] = "zstd",
        [CAPTURE_COMPRESSION_LZO] = "lzo",
        [CAPTURE_COMPRESSION_SNAPPY] = "snappy",
        [CAPTURE_COMPRESSION_ZLIB] = "zlib",
        [CAPTURE_COMPRESSION_NONE] = "none",
};

const char *capture_compression_to_string(CaptureCompression c) {
        if (c == CAPTURE_COMPRESSION_AUTO)
                return "auto";
        return c >= 0 && c < _CAPTURE_COMPRESSION_MAX ? compression_names[c] : NULL;
}

CaptureCompression capture_compression_from_string(const char *s) {
        for (int i = 0; i < _CAPTURE_COMPRESSION_MAX; i++)
                if (streq(s, compression_names[i]))
                        return i;
        return streq(s, "auto") || isempty(s) ? CAPTURE_COMPRESSION_AUTO : _CAPTURE_COMPRESSION_MAX;
}

static const char *const action_names[_CAPTURE_ACTION_MAX] = {
        [CAPTURE_ACTION_REBOOT] = "reboot",
        [CAPTURE_ACTION_POWEROFF] = "poweroff",
        [CAPTURE_ACTION_HALT] = "halt",
        [CAPTURE_ACTION_SHELL] = "shell",
};

const char *capture_action_to_string(CaptureAction a) {
        return a >= 0 && a < _CAPTURE_ACTION_MAX ? action_names[a] : NULL;
}

CaptureAction capture_action_from_string(const char *s) {
        for (int i = 0; i < _CAPTURE_ACTION_MAX; i++)
                if (streq(s, action_names[i]))
                        return i;
        return _CAPTURE_ACTION_MAX;
}

int parse_size(const char *v, uint64_t *ret) {
        char *end;
        uint64_t mult = 1;

        /* strtoull would accept "-1" (as 2^64-1) and leading blanks. */
        if (!v || *v < '0' || *v > '9')
                return -EINVAL;
        errno = 0;
        unsigned long long n = strtoull(v, &end, 10);
        if (errno != 0)
                return -ERANGE;
        if (*end) {
                switch (*end) {
                case 'K': case 'k': mult = 1ULL << 10; break;
                case 'M': case 'm': mult = 1ULL << 20; break;
                case 'G': case 'g': mult = 1ULL << 30; break;
                case 'T': case 't': mult = 1ULL << 40; break;
                default: return -EINVAL;
                }
                if (end[1] != 0)
                        return -EINVAL;
        }
        if (n > UINT64_MAX / mult)
                return -ERANGE;
        *ret = (uint64_t) n * mult;
        return 0;
}

static int parse_unsigned_max(const char *v, unsigned max, unsigned *ret) {
        char *end;
        if (!v || *v < '0' || *v > '9')
                return -EINVAL;
        errno = 0;
        unsigned long n = strtoul(v, &end, 10);
        if (errno != 0 || *end != 0 || n > max)
                return -EINVAL;
        *ret = (unsigned) n;
        return 0;
}

static int set_string(char **dst, const char *v) {
        char *s = strdup(v);
        if (!s)
                return -ENOMEM;
        free(*dst);
        *dst = s;
        return 0;
}

static int initrds_push(char ***l, const char *v) {
        size_t n = strv_length(*l);
        if (n >= KEXECD_INITRDS_MAX)
                return -E2BIG;
        char **t = realloc(*l, sizeof(char *) * (n + 2));
        if (!t)
                return -ENOMEM;
        *l = t;
        if (!(t[n] = strdup(v)))
                return -ENOMEM;
        t[n + 1] = NULL;
        return 0;
}

typedef struct ParseContext {
        KexecdConfig *config;
        const char *path;
} ParseContext;

/* Paths come back over D-Bus (Status): they must be UTF-8, and short
 * enough for the kernel to open. */
static bool path_value_ok(ParseContext *p, const char *name, const char *value) {
        if (value[0] != '/')
                log_warning("%s: %s= must be an absolute path, ignoring: %s", p->path, name, value);
        else if (strlen(value) > KEXECD_PATH_MAX)
                log_warning("%s: %s= is longer than %u bytes, ignoring", p->path, name, KEXECD_PATH_MAX);
        else if (!utf8_is_valid(value))
                log_warning("%s: %s= is not valid UTF-8, ignoring", p->path, name);
        else
                return true;
        return false;
}

static int parse_image_key(ParseContext *p, ImageConfig *ic, bool kdump, const char *name, const char *value) {
        int r;

        if (streq(name, "Kernel")) {
                /* "default": follow the boot loader's default entry;
                 * "running": the installed kernel of the running release
                 * (what a dump must match). docs/boot-entries.md. */
                if (streq(value, "default") || streq(value, "running")) {
                        free(ic->spec.kernel);
                        ic->spec.kernel = NULL;
                        return set_string(&ic->spec.entry, value);
                }
                if (!isempty(value) && !path_value_ok(p, name, value))
                        return -EINVAL;
                free(ic->spec.entry);
                ic->spec.entry = NULL;
                return set_string(&ic->spec.kernel, value);
        }
        if (streq(name, "Entry") && isempty(value)) {
                free(ic->spec.entry);
                ic->spec.entry = NULL;
                return 0;
        }
        if (streq(name, "Entry")) {
                if (!isempty(value) && !image_spec_entry_valid(value)) {
                        log_warning("%s: Entry= must be a boot entry id (no '/', at most %u bytes), ignoring: %s",
                                    p->path, IMAGE_SPEC_ENTRY_MAX, value);
                        return -EINVAL;
                }
                free(ic->spec.kernel);
                ic->spec.kernel = NULL;
                return set_string(&ic->spec.entry, value);
        }
        if (streq(name, "Initrd")) {
                if (isempty(value)) {
                        strv_free(ic->spec.initrds);
                        ic->spec.initrds = NULL;
                        return 0;
                }
                if (!path_value_ok(p, name, value))
                        return -EINVAL;
                r = initrds_push(&ic->spec.initrds, value);
                if (r == -E2BIG) {
                        log_warning("%s: more than %u Initrd= lines, ignoring: %s", p->path, KEXECD_INITRDS_MAX, value);
                        return -EINVAL;
                }
                return r;
        }
        if (streq(name, "Cmdline") || streq(name, "Append")) {
                r = cmdline_validate(value);
                if (r < 0) {
                        log_warning("%s: invalid %s= (%s), ignoring", p->path, name,
                                    r == -E2BIG ? "too long" : "control characters or bytes that are not UTF-8");
                        return -EINVAL;
                }
                return set_string(streq(name, "Cmdline") ? &ic->spec.cmdline : &ic->spec.append, value);
        }
        if (streq(name, "LoadOnStart")) {
                r = parse_boolean(value);
                if (r < 0) {
                        log_warning("%s: LoadOnStart= is not a boolean, ignoring: %s", p->path, value);
                        return -EINVAL;
                }
                ic->load_on_start = r;
                return 0;
        }
        if (streq(name, "Syscall")) {
                SyscallMode m = syscall_mode_from_string(value);
                if (m < 0) {
                        log_warning("%s: Syscall= must be auto, file or legacy, ignoring: %s", p->path, value);
                        return -EINVAL;
                }
                ic->spec.syscall = m;
                return 0;
        }
        if (kdump && streq(name, "ExtraCmdline")) {
                r = cmdline_validate(value);
                if (r < 0) {
                        log_warning("%s: invalid ExtraCmdline=, ignoring", p->path);
                        return -EINVAL;
                }
                return set_string(&p->config->kdump_extra_cmdline, value);
        }
        return 1; /* unknown */
}

/* The command is run by /bin/sh in the crash kernel: one line of UTF-8
 * without control characters, bounded like a path. */
static bool command_value_ok(const char *v) {
        if (strlen(v) > KEXECD_PATH_MAX || !utf8_is_valid(v))
                return false;
        for (const unsigned char *p = (const unsigned char *) v; *p; p++)
                if (*p < 0x20 || *p == 0x7f)
                        return false;
        return true;
}

static int parse_capture_key(ParseContext *p, CaptureConfig *cc, const char *name, const char *value) {
        if (streq(name, "Enabled")) {
                if (streq(value, "auto")) {
                        cc->enabled = -1;
                        return 0;
                }
                int b = parse_boolean(value);
                if (b < 0) {
                        log_warning("%s: Enabled= must be yes, no or auto, ignoring: %s", p->path, value);
                        return -EINVAL;
                }
                cc->enabled = b;
                return 0;
        }
        if (streq(name, "DumpDir")) {
                if (!path_value_ok(p, name, value))
                        return -EINVAL;
                return set_string(&cc->dump_dir, value);
        }
        if (streq(name, "DumpLevel")) {
                if (parse_unsigned_max(value, KEXECD_CAPTURE_DUMP_LEVEL_MAX, &cc->dump_level) < 0) {
                        log_warning("%s: DumpLevel= must be 0..%u, ignoring: %s", p->path,
                                    KEXECD_CAPTURE_DUMP_LEVEL_MAX, value);
                        return -EINVAL;
                }
                return 0;
        }
        if (streq(name, "Compression")) {
                CaptureCompression c = capture_compression_from_string(value);
                if (c == _CAPTURE_COMPRESSION_MAX) {
                        log_warning("%s: Compression= must be zstd, lzo, snappy, zlib, none or empty, ignoring: %s",
                                    p->path, value);
                        return -EINVAL;
                }
                cc->compression = c;
                return 0;
        }
        if (streq(name, "KeepDumps")) {
                if (parse_unsigned_max(value, KEXECD_CAPTURE_KEEP_DUMPS_MAX, &cc->keep_dumps) < 0) {
                        log_warning("%s: KeepDumps= must be 0..%u, ignoring: %s", p->path,
                                    KEXECD_CAPTURE_KEEP_DUMPS_MAX, value);
                        return -EINVAL;
                }
                return 0;
        }
        if (streq(name, "MinFreeSpace")) {
                if (parse_size(value, &cc->min_free_space) < 0) {
                        log_warning("%s: MinFreeSpace= is not a size (bytes, K, M, G, T), ignoring: %s", p->path, value);
                        return -EINVAL;
                }
                return 0;
        }
        if (streq(name, "DumpCommand")) {
                if (!command_value_ok(value)) {
                        log_warning("%s: DumpCommand= is too long, not UTF-8 or has control characters, ignoring", p->path);
                        return -EINVAL;
                }
                return set_string(&cc->dump_command, value);
        }
        if (streq(name, "FinalAction") || streq(name, "FailureAction")) {
                CaptureAction a = capture_action_from_string(value);
                if (a == _CAPTURE_ACTION_MAX) {
                        log_warning("%s: %s= must be reboot, poweroff, halt or shell, ignoring: %s", p->path, name, value);
                        return -EINVAL;
                }
                *(streq(name, "FinalAction") ? &cc->final_action : &cc->failure_action) = a;
                return 0;
        }
        if (streq(name, "HookTimeoutSec")) {
                uint64_t usec;
                if (parse_seconds(value, &usec) < 0 || usec == 0) {
                        log_warning("%s: HookTimeoutSec= is not a positive number of seconds, ignoring: %s", p->path, value);
                        return -EINVAL;
                }
                cc->hook_timeout_usec = usec;
                return 0;
        }
        return 1; /* unknown */
}

/* Debian's inih is built without INI_HANDLER_LINENO, so messages name the
 * file and section, not the line. */
static int config_ini_handler(void *user, const char *section, const char *name, const char *value) {
        ParseContext *p = user;
        KexecdConfig *c = p->config;
        int r = 1;

        if (streq(section, "Kexec"))
                r = parse_image_key(p, &c->images[IMAGE_KEXEC], false, name, value);
        else if (streq(section, "Kdump"))
                r = parse_image_key(p, &c->images[IMAGE_KDUMP], true, name, value);
        else if (streq(section, "Capture"))
                r = parse_capture_key(p, &c->capture, name, value);
        else if (streq(section, "Hotplug")) {
                uint64_t *dst = streq(name, "QuietPeriodSec") ? &c->hotplug_quiet_usec :
                                streq(name, "MaxDelaySec") ? &c->hotplug_max_delay_usec : NULL;
                if (dst) {
                        if (parse_seconds(value, dst) < 0) {
                                log_warning("%s: %s= is not a number of seconds, ignoring: %s", p->path, name, value);
                                c->warnings++;
                        }
                        return 1;
                }
        } else if (streq(section, "Metrics") && streq(name, "TextfileDirectory")) {
                /* Empty turns metrics off; a relative path would depend on
                 * kexecd's working directory. */
                if (isempty(value) || path_value_ok(p, name, value))
                        r = set_string(&c->metrics_textfile_dir, value);
                else
                        r = -EINVAL;
        }
        if (r == -ENOMEM)
                return 0; /* stops inih; reported as an error line */
        if (r == -EINVAL)
                c->warnings++; /* bad value, already logged */
        if (r > 0) {
                log_warning("%s: unknown setting [%s] %s=, ignoring", p->path, section, name);
                c->warnings++;
        }
        return 1;
}

int kexecd_config_parse_file(KexecdConfig *c, const char *path) {
        _cleanup_free_ char *text = NULL;
        size_t size;
        /* Regular files of bounded size only: a FIFO or a symlink to
         * /dev/zero must not hang or spin the daemon at start-up. */
        int r = read_full_file(path, KEXECD_CONFIG_FILE_MAX, &text, &size);
        if (r < 0)
                return r;
        if (strlen(text) != size) {
                log_warning("%s: contains a NUL byte, ignoring the file", path);
                c->warnings++;
                return 0;
        }
        return kexecd_config_parse_text(c, path, text);
}

int kexecd_config_parse_text(KexecdConfig *c, const char *path, const char *text) {
        ParseContext p = { .config = c, .path = path };
        int r = ini_parse_string(text, config_ini_handler, &p);
        if (r < 0)
                return -EIO;
        if (r > 0) {
                log_warning("%s:%d: syntax error, line ignored", path, r);
                c->warnings++;
        }
        return 0;
}

static int filter_conf(const struct dirent *de) {
        size_t n = strlen(de->d_name);
        return de->d_name[0] != '.' && n > 5 && streq(de->d_name + n - 5, ".conf");
}

int kexecd_config_load(KexecdConfig *c, const char *dir) {
        _cleanup_free_ char *main_path = NULL, *dropin_dir = NULL;
        struct dirent **entries = NULL;
        int r, n;

        if (asprintf(&main_path, "%s/kexecd.conf", dir) < 0 ||
            asprintf(&dropin_dir, "%s/kexecd.conf.d", dir) < 0)
                return -ENOMEM;

        r = kexecd_config_parse_file(c, main_path);
        if (r < 0 && r != -ENOENT)
                return log_error_errno(r, "Failed to read %s: %s", main_path,
                                       r == -EBADFD ? "not a regular file" : strerror(-r));

        n = scandir(dropin_dir, &entries, filter_conf, alphasort);
        if (n < 0)
                return errno == ENOENT ? 0 : log_error_errno(-errno, "Failed to list %s: %m", dropin_dir);

        if (n > (int) KEXECD_CONFIG_DROPINS_MAX)
                log_warning("%s: %d drop-ins, reading only the first %u", dropin_dir, n, KEXECD_CONFIG_DROPINS_MAX);
        r = 0;
        for (int i = 0; i < n; i++) {
                _cleanup_free_ char *path = NULL;
                if (i >= (int) KEXECD_CONFIG_DROPINS_MAX) {
                        free(entries[i]);
                        continue;
                }
                if (r >= 0 && asprintf(&path, "%s/%s", dropin_dir, entries[i]->d_name) < 0)
                        r = -ENOMEM;
                if (r >= 0) {
                        int k = kexecd_config_parse_file(c, path);
                        /* One unreadable drop-in (a FIFO, a device, too
                         * large) is skipped, not fatal for the rest. */
                        if (k < 0) {
                                log_error_errno(k, "Failed to read %s, skipping it: %s", path,
                                                k == -EBADFD ? "not a regular file" : strerror(-k));
                                c->warnings++;
                        }
                }
                free(entries[i]);
        }
        free(entries);
        return r;
}
