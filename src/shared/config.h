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

typedef struct KexecdConfig {
        ImageConfig images[_IMAGE_TYPE_MAX];
        char *kdump_extra_cmdline;
        uint64_t hotplug_quiet_usec;
        uint64_t hotplug_max_delay_usec;
        unsigned warnings; /* unknown keys or bad values seen (each logged) */
} KexecdConfig;

#define KEXECD_HOTPLUG_QUIET_USEC_DEFAULT     (2ULL * 1000000ULL)
#define KEXECD_HOTPLUG_MAX_DELAY_USEC_DEFAULT (10ULL * 1000000ULL)

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
