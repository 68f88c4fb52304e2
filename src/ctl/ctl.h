/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared state and helpers of kexecctl's verbs. */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "macro.h"

typedef enum JsonMode {
        JSON_OFF,
        JSON_SHORT,
        JSON_PRETTY,
} JsonMode;

/* Exit codes scripts can rely on (docs/kexecctl.md). */
enum {
        EXIT_OK = 0,
        EXIT_FAILED = 1,         /* anything not listed below */
        EXIT_USAGE = 2,          /* bad kexecctl command line */
        EXIT_DENIED = 3,         /* polkit said no */
        EXIT_BAD_FILE = 4,       /* kernel/initrd path or content refused */
        EXIT_BAD_ARGUMENT = 5,   /* command line, option or image name refused */
        EXIT_KERNEL_REFUSED = 6, /* the kernel cannot or will not load it */
        EXIT_UNREACHABLE = 7,    /* kexecd not reachable on the bus */
        EXIT_NOTHING = 8,        /* nothing to reload / no image */
        EXIT_MISMATCH = 9,       /* verification mismatch (ima) */
        /* is-ready only: distinct from all of the above, so that a script
         * can tell "not ready" from "could not ask". */
        EXIT_NOT_LOADED = 10,    /* the image is not loaded */
        EXIT_STALE = 11,         /* loaded, but the layout changed since */
        EXIT_DEGRADED = 12,      /* loaded and fresh, but kexecd's last (re)load failed */
        EXIT_INHIBITED = 13,     /* reboot: a logind inhibitor blocks shutdown */
        EXIT_TOO_SMALL = 14,     /* is-ready kdump: the reservation is smaller than the estimate */
};

typedef struct CtlContext {
        const char *host;
        bool ask_password;
        bool kdump;
        JsonMode json;
        bool legend;
        bool if_kexec_queued;
        bool quiet;             /* is-ready: no word on stdout */
        bool ignore_inhibitors; /* reboot: -i, like systemctl */
        bool force;             /* reboot: --force, like systemctl */
        bool yes;               /* test-kdump: confirmed on the command line */
} CtlContext;

extern CtlContext arg;

int ctl_bus_open(sd_bus **ret);
/* Prints "Failed to <action>: <message> (<name>)" and returns the exit code
 * that fits the error. */
int ctl_report_error(const char *action, const sd_bus_error *error, int r);
int ctl_exit_code_for_error(const sd_bus_error *error, int r);
const char *ctl_image_name(void);
bool ctl_interactive(void);

/* Human-friendly formatting. */
char *format_bytes(uint64_t bytes);
char *format_timestamp(uint64_t usec);
char *format_timespan_relative(uint64_t usec);
bool ctl_colors(void);
const char *ansi_highlight(void);
const char *ansi_red(void);
const char *ansi_green(void);
const char *ansi_yellow(void);
const char *ansi_normal(void);

/* Status() as JSON (bus-json.h); returns an exit code. */
struct json_object;
int ctl_fetch_status(struct json_object **ret);
/* Prints o on stdout as --json= asks: one line (short) or indented (pretty). */
void ctl_print_json(struct json_object *o);
/* Parses the value of --json=: short, pretty or off. Prints what is wrong
 * and returns -EINVAL for anything else. */
int ctl_parse_json_mode(const char *s, JsonMode *ret);

/* Verbs: argc/argv start at the verb. */
int verb_status(int argc, char *argv[]);
int verb_load(int argc, char *argv[]);
int verb_unload(int argc, char *argv[]);
int verb_reload(int argc, char *argv[]);
int verb_history(int argc, char *argv[]);
int verb_monitor(int argc, char *argv[]);
int verb_reboot(int argc, char *argv[]);
int verb_prepare(int argc, char *argv[]);
int verb_ima(int argc, char *argv[]);
int verb_is_ready(int argc, char *argv[]);
int verb_list_entries(int argc, char *argv[]);
int verb_crash(int argc, char *argv[]);
int verb_check_kdump(int argc, char *argv[]);
int verb_test_kdump(int argc, char *argv[]);
int verb_estimate_crashkernel(int argc, char *argv[]);
