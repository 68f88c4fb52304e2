/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the crashed kernel's log (vmcore-dmesg.txt) says: the line that
 * explains the crash and the kernel release that crashed. */

/* Scans the log on fd. *ret_panic_line: the message of the first
 * "Kernel panic - not syncing:" line, else of the first "BUG:" or "Oops"
 * line, without the "[   12.345678] " time stamp, at most
 * KEXECD_CRASH_PANIC_LINE_MAX bytes, control characters and bytes that are
 * not UTF-8 written as \xNN; NULL if none. *ret_release: the release from
 * the "Linux version " line, NULL if none or implausible. */
int dmesg_scan_fd(int fd, char **ret_panic_line, char **ret_release);

/* The sanitising used for the panic line (exposed for tests). */
char *dmesg_sanitize_line(const char *line, size_t max);
