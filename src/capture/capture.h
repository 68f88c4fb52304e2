/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* One capture, start to end (docs/capture.md "Flow"). */

#include <stdbool.h>

#include "config.h"

/* Where kexecd-capture looks. The defaults are the real paths; tests
 * replace each through an environment variable (docs/capture.md,
 * "Testing"), which nothing in a crash kernel sets. */
typedef struct CapturePaths {
        const char *vmcore;          /* KEXECD_CAPTURE_VMCORE, /proc/vmcore */
        const char *cmdline;         /* KEXECD_CAPTURE_CMDLINE, /proc/cmdline */
        const char *hooks_dir;       /* KEXECD_CAPTURE_HOOKS_DIR, /etc/kexecd/capture.d */
        const char *makedumpfile;    /* KEXECD_CAPTURE_MAKEDUMPFILE, /usr/sbin/makedumpfile */
        const char *systemctl;       /* KEXECD_CAPTURE_SYSTEMCTL, /bin/systemctl */
        const char *config_dir;      /* KEXECD_CAPTURE_CONFIG_DIR, /etc/kexecd */
        const char *shell;           /* /bin/sh (not overridable) */
} CapturePaths;

void capture_paths_from_env(CapturePaths *p);

/* Boot parameters kexecd put on the crash kernel's command line. */
typedef struct CaptureCmdline {
        char *crashed_boot_id;       /* 32 lowercase hex, or "unknown" */
        char *test_id;               /* NULL if absent */
} CaptureCmdline;

int capture_cmdline_parse(const char *cmdline, CaptureCmdline *ret);
void capture_cmdline_done(CaptureCmdline *c);

/* Runs the capture; true if a complete dump was taken. Never exits. */
bool capture_run(const CaptureConfig *cfg, const CapturePaths *paths);
