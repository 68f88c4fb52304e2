/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* x86's COMMAND_LINE_SIZE is 2048 including the terminating NUL; kexecd
 * refuses anything the kernel would refuse, before calling it. */
#define KEXECD_CMDLINE_MAX 2047

/* Extra arguments a crash kernel boots with by default: interrupts may be in
 * any state after a panic (irqpoll), one CPU is all a dump needs and all the
 * reservation can feed (nr_cpus=1), and devices must be reset because the
 * dead kernel left DMA running (reset_devices). */
#define KEXECD_KDUMP_EXTRA_DEFAULT "irqpoll nr_cpus=1 reset_devices"

/* 0 if `cmdline` may be passed to the kernel; -E2BIG if too long, -EILSEQ
 * for control characters (newline, tab, DEL, U+0080..U+009F) or bytes that
 * are not UTF-8. A NUL cannot travel over
 * D-Bus, so callers that accept a length must check it themselves. */
int cmdline_validate(const char *cmdline);

/* Builds the command line for an image from the running kernel's one:
 * drops BOOT_IMAGE=; for kdump also drops crashkernel= and any argument
 * whose key appears in `kdump_extra`, then appends `kdump_extra`; finally
 * appends `append` (may be NULL). Quoted values ("a b") stay one argument. */
int cmdline_reuse(const char *running, bool kdump, const char *kdump_extra, const char *append, char **ret);

/* Splits a command line into arguments, honouring double quotes. */
int cmdline_split(const char *cmdline, char ***ret);
