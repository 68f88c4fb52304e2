/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "ctl.h"
#include "errors.h"

int ctl_bus_open(sd_bus **ret) {
        int r;
        if (arg.host)
                r = sd_bus_open_system_remote(ret, arg.host);
        else
                r = sd_bus_open_system(ret);
        if (r < 0) {
                fprintf(stderr, "Failed to connect to the system bus%s%s: %s\n",
                        arg.host ? " of " : "", arg.host ? arg.host : "", strerror(-r));
                return -EXIT_UNREACHABLE;
        }
        (void) sd_bus_set_allow_interactive_authorization(*ret, ctl_interactive());
        return 0;
}

bool ctl_interactive(void) {
        /* Like systemctl: ask for a password only when someone can type it. */
        return arg.ask_password && isatty(STDIN_FILENO) > 0;
}

const char *ctl_image_name(void) {
        return arg.kdump ? "kdump" : "kexec";
}

int ctl_exit_code_for_error(const sd_bus_error *error, int r) {
        static const struct { const char *name; int code; } table[] = {
                { SD_BUS_ERROR_ACCESS_DENIED, EXIT_DENIED },
                { SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED, EXIT_DENIED },
                { SD_BUS_ERROR_SERVICE_UNKNOWN, EXIT_UNREACHABLE },
                { SD_BUS_ERROR_NAME_HAS_NO_OWNER, EXIT_UNREACHABLE },
                { SD_BUS_ERROR_NO_REPLY, EXIT_UNREACHABLE },
                { SD_BUS_ERROR_DISCONNECTED, EXIT_UNREACHABLE },
                { SD_BUS_ERROR_INVALID_ARGS, EXIT_BAD_ARGUMENT },
                { KEXECD_ERROR_INVALID_PATH, EXIT_BAD_FILE },
                { KEXECD_ERROR_FILE_NOT_FOUND, EXIT_BAD_FILE },
                { KEXECD_ERROR_FILE_NOT_READABLE, EXIT_BAD_FILE },
                { KEXECD_ERROR_EMPTY_FILE, EXIT_BAD_FILE },
                { KEXECD_ERROR_NOT_A_KERNEL, EXIT_BAD_FILE },
                { KEXECD_ERROR_IMAGE_TOO_LARGE, EXIT_BAD_FILE },
                { KEXECD_ERROR_CORRUPT_IMAGE, EXIT_BAD_FILE },
                { KEXECD_ERROR_INVALID_DEVICE_TREE, EXIT_BAD_FILE },
                { KEXECD_ERROR_MALFORMED_IMA_LOG, EXIT_BAD_FILE },
                { KEXECD_ERROR_UNKNOWN_IMAGE, EXIT_BAD_ARGUMENT },
                { KEXECD_ERROR_CMDLINE_TOO_LONG, EXIT_BAD_ARGUMENT },
                { KEXECD_ERROR_INVALID_CMDLINE, EXIT_BAD_ARGUMENT },
                { KEXECD_ERROR_INVALID_OPTION, EXIT_BAD_ARGUMENT },
                { KEXECD_ERROR_NO_SUCH_BOOT_ENTRY, EXIT_BAD_ARGUMENT },
                { KEXECD_ERROR_NO_CRASH_KERNEL, EXIT_KERNEL_REFUSED },
                { KEXECD_ERROR_LOCKED_DOWN, EXIT_KERNEL_REFUSED },
                { KEXECD_ERROR_LOAD_DISABLED, EXIT_KERNEL_REFUSED },
                { KEXECD_ERROR_SIGNATURE_REJECTED, EXIT_KERNEL_REFUSED },
                { KEXECD_ERROR_NO_KEXEC_SUPPORT, EXIT_KERNEL_REFUSED },
                { KEXECD_ERROR_LOAD_FAILED, EXIT_KERNEL_REFUSED },
                { KEXECD_ERROR_LOAD_LIMIT_REACHED, EXIT_KERNEL_REFUSED },
                { KEXECD_ERROR_LEGACY_UNAVAILABLE, EXIT_KERNEL_REFUSED },
                { KEXECD_ERROR_BUSY, EXIT_KERNEL_REFUSED },
                { KEXECD_ERROR_NO_TPM, EXIT_KERNEL_REFUSED },
                { KEXECD_ERROR_NOTHING_TO_RELOAD, EXIT_NOTHING },
        };
        if (error && sd_bus_error_is_set(error))
                for (size_t i = 0; i < ELEMENTSOF(table); i++)
                        if (sd_bus_error_has_name(error, table[i].name))
                                return table[i].code;
        /* With -H the bus is an ssh child: a host that cannot be reached (or
         * refuses the login) ends it before the first reply, and the call
         * fails with ENOTCONN or ECONNRESET. That is unreachable too. */
        if (r == -ENOENT || r == -ECONNREFUSED || r == -EHOSTDOWN || r == -ENOTCONN || r == -ECONNRESET)
                return EXIT_UNREACHABLE;
        return EXIT_FAILED;
}

int ctl_report_error(const char *action, const sd_bus_error *error, int r) {
        if (error && sd_bus_error_is_set(error))
                fprintf(stderr, "Failed to %s: %s (%s)\n", action, error->message ?: "no message", error->name);
        else
                fprintf(stderr, "Failed to %s: %s\n", action, strerror(-r));
        return ctl_exit_code_for_error(error, r);
}

void ctl_print_json(json_object *o) {
        int flags = JSON_C_TO_STRING_NOSLASHESCAPE | (arg.json == JSON_PRETTY ? JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN);
        const char *text = json_object_to_json_string_ext(o, flags);
        if (text)
                puts(text);
        else
                fprintf(stderr, "Out of memory.\n");
}

int ctl_parse_json_mode(const char *s, JsonMode *ret) {
        if (streq(s, "short"))
                *ret = JSON_SHORT;
        else if (streq(s, "pretty"))
                *ret = JSON_PRETTY;
        else if (streq(s, "off"))
                *ret = JSON_OFF;
        else {
                fprintf(stderr, "--json= must be short, pretty or off, not '%s'.\n", s);
                return -EINVAL;
        }
        return 0;
}

char *format_bytes(uint64_t bytes) {
        static const char suffix[] = "KMGTPE";
        char *s;
        double v = (double) bytes;
        int i = -1;
        while (v >= 1024.0 && i < 5) {
                v /= 1024.0;
                i++;
        }
        if (i < 0)
                return asprintf(&s, "%" PRIu64 "B", bytes) < 0 ? NULL : s;
        return asprintf(&s, "%.1f%c", v, suffix[i]) < 0 ? NULL : s;
}

char *format_timestamp(uint64_t usec) {
        char buf[64], *s;
        time_t t = (time_t) (usec / 1000000ULL);
        struct tm tm;
        if (usec == 0 || !localtime_r(&t, &tm) || strftime(buf, sizeof(buf), "%a %Y-%m-%d %H:%M:%S %Z", &tm) == 0)
                return strdup("n/a");
        s = strdup(buf);
        return s;
}

char *format_timespan_relative(uint64_t usec) {
        struct timespec ts;
        char *s;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t now = (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
        if (usec == 0)
                return strdup("");
        uint64_t d = now > usec ? (now - usec) / 1000000ULL : 0;
        int n;
        if (d < 60)
                n = asprintf(&s, "%" PRIu64 "s ago", d);
        else if (d < 3600)
                n = asprintf(&s, "%" PRIu64 "min %" PRIu64 "s ago", d / 60, d % 60);
        else if (d < 86400)
                n = asprintf(&s, "%" PRIu64 "h %" PRIu64 "min ago", d / 3600, (d % 3600) / 60);
        else
                n = asprintf(&s, "%" PRIu64 " days ago", d / 86400);
        return n < 0 ? NULL : s;
}

bool ctl_colors(void) {
        const char *t = getenv("TERM");
        return isatty(STDOUT_FILENO) > 0 && !getenv("NO_COLOR") && !(t && streq(t, "dumb"));
}
const char *ansi_highlight(void) { return ctl_colors() ? "\033[0;1;39m" : ""; }
const char *ansi_red(void) { return ctl_colors() ? "\033[0;1;31m" : ""; }
const char *ansi_green(void) { return ctl_colors() ? "\033[0;1;32m" : ""; }
const char *ansi_yellow(void) { return ctl_colors() ? "\033[0;1;33m" : ""; }
const char *ansi_normal(void) { return ctl_colors() ? "\033[0m" : ""; }
