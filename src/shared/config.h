/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* /etc/kexecd/kexecd.conf and kexecd.conf.d/\*.conf (INI, parsed by inih).
 * Drop-ins are read in lexical order after the main file; a later
 * assignment overrides an earlier one, and an empty `Initrd=` clears the
 * list collected so far (as in systemd unit files). See docs/configuration.md. */

#include <stdbool.h>
#include <stdint.h>

#include "image-spec.h"

typedef struct ImageConfig {
        ImageSpec spec;
        bool load_on_start;
} ImageConfig;

/* [Capture]: kexecd-capture, the program the crash kernel runs
 * (docs/capture.md). */
typedef enum CaptureCompression {
        CAPTURE_COMPRESSION_AUTO = -1, /* the best the installed makedumpfile supports */
        CAPTURE_COMPRESSION_ZSTD,
        CAPTURE_COMPRESSION_LZO,
        CAPTURE_COMPRESSION_SNAPPY,
        CAPTURE_COMPRESSION_ZLIB,
        CAPTURE_COMPRESSION_NONE,
        _CAPTURE_COMPRESSION_MAX,
} CaptureCompression;

typedef enum CaptureAction {
        CAPTURE_ACTION_REBOOT,
        CAPTURE_ACTION_POWEROFF,
        CAPTURE_ACTION_HALT,
        CAPTURE_ACTION_SHELL,
        _CAPTURE_ACTION_MAX,
} CaptureAction;

typedef struct CaptureConfig {
        /* -1 auto: on when kexecd-capture is installed; 0 off; 1 on. kexecd
         * then adds systemd.unit=kexecd-capture.service to the kdump
         * command line (docs/capture.md). */
        int enabled;
        char *dump_dir;
        unsigned dump_level;
        CaptureCompression compression;
        unsigned keep_dumps;          /* 0: unlimited */
        uint64_t min_free_space;      /* bytes */
        char *dump_command;           /* NULL or empty: dump to dump_dir */
        CaptureAction final_action;
        CaptureAction failure_action;
        uint64_t hook_timeout_usec;
} CaptureConfig;

#define KEXECD_CAPTURE_DUMP_DIR_DEFAULT "/var/crash"
#define KEXECD_CAPTURE_DUMP_LEVEL_DEFAULT 31u
#define KEXECD_CAPTURE_DUMP_LEVEL_MAX 31u
#define KEXECD_CAPTURE_KEEP_DUMPS_DEFAULT 3u
#define KEXECD_CAPTURE_KEEP_DUMPS_MAX 1000u
#define KEXECD_CAPTURE_MIN_FREE_DEFAULT (256ull * 1024 * 1024)
#define KEXECD_CAPTURE_HOOK_TIMEOUT_USEC_DEFAULT (120ULL * 1000000ULL)

const char *capture_compression_to_string(CaptureCompression c);
CaptureCompression capture_compression_from_string(const char *s);
const char *capture_action_to_string(CaptureAction a);
CaptureAction capture_action_from_string(const char *s);
/* "256M", "1G", "4096", "10K": binary units (K = 1024). */
int parse_size(const char *v, uint64_t *ret);

typedef struct KexecdConfig {
        ImageConfig images[_IMAGE_TYPE_MAX];
        char *kdump_extra_cmdline;
        uint64_t hotplug_quiet_usec;
        uint64_t hotplug_max_delay_usec;
        CaptureConfig capture;
        /* [Metrics] TextfileDirectory=: NULL when not set (the default
         * applies), "" when set empty (metrics off). */
        char *metrics_textfile_dir;
        unsigned warnings; /* unknown keys or bad values seen (each logged) */
} KexecdConfig;

#define KEXECD_HOTPLUG_QUIET_USEC_DEFAULT     (2ULL * 1000000ULL)
#define KEXECD_HOTPLUG_MAX_DELAY_USEC_DEFAULT (10ULL * 1000000ULL)
/* Debian's prometheus-node-exporter reads *.prom files here (its
 * --collector.textfile.directory); docs/metrics.md. */
#define KEXECD_METRICS_TEXTFILE_DIR_DEFAULT   "/var/lib/prometheus/node-exporter"

void kexecd_config_init(KexecdConfig *c);
void kexecd_config_done(KexecdConfig *c);

/* Loads dir/kexecd.conf (missing is fine) and dir/kexecd.conf.d/\*.conf.
 * Returns -errno only for I/O errors; syntax problems are logged, counted in
 * c->warnings, and the offending line is ignored. */
int kexecd_config_load(KexecdConfig *c, const char *dir);

/* Parses one file into c (exposed for tests). */
int kexecd_config_parse_file(KexecdConfig *c, const char *path);
/* Parses one file's text; `path` names it in messages (the fuzzer's entry). */
int kexecd_config_parse_text(KexecdConfig *c, const char *path, const char *text);

int parse_boolean(const char *v);
int parse_seconds(const char *v, uint64_t *ret_usec);
