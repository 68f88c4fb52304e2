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

/* The architecture a reused command line is for: some rules hold on one
 * only. Taken from the kernel image's format, not from the machine kexecd
 * runs on, so the fake backend and cross tests see the same rules. */
typedef enum CmdlineArch {
        CMDLINE_ARCH_UNKNOWN = 0,       /* only rules for every architecture apply */
        CMDLINE_ARCH_X86_64 = 1 << 0,
        CMDLINE_ARCH_AARCH64 = 1 << 1,
        CMDLINE_ARCH_ALL = CMDLINE_ARCH_X86_64 | CMDLINE_ARCH_AARCH64,
} CmdlineArch;

/* "bzImage" -> x86_64, "arm64-Image" -> aarch64 (KernelImage.inner). */
CmdlineArch cmdline_arch_from_kernel_format(const char *inner);

typedef enum CmdlineRuleAction {
        CMDLINE_RULE_DROP,              /* remove every argument with this key */
        CMDLINE_RULE_ADD,               /* add this key=value unless the user sets the key */
} CmdlineRuleAction;

enum {
        CMDLINE_IMAGE_KEXEC = 1 << 0,
        CMDLINE_IMAGE_KDUMP = 1 << 1,
        CMDLINE_IMAGE_BOTH = CMDLINE_IMAGE_KEXEC | CMDLINE_IMAGE_KDUMP,
};

typedef struct CmdlineRule {
        CmdlineRuleAction action;
        unsigned images;                /* CMDLINE_IMAGE_* */
        unsigned arches;                /* CmdlineArch mask; ALL also holds for UNKNOWN */
        const char *arg;                /* DROP: a key; ADD: key=value or a flag */
        const char *reason;             /* one line, also in docs/configuration.md */
} CmdlineRule;

/* The table (src/shared/cmdline-rules.c). */
const CmdlineRule *cmdline_rules(size_t *ret_n);

/* Builds the command line for an image from the running kernel's one, in
 * this order: the running arguments minus those the rules drop for this
 * image and arch (for kdump also minus any argument whose key an added
 * argument or `kdump_extra` sets); for kdump the rules' additions whose key
 * neither `kdump_extra` nor `append` sets; `kdump_extra`; then `append`
 * (may be NULL). Keys compare as the kernel's parameq() does ('-' == '_').
 * Quoted values ("a b") stay one argument. */
int cmdline_reuse(const char *running, bool kdump, CmdlineArch arch, const char *kdump_extra, const char *append,
                  char **ret);

/* Splits a command line into arguments, honouring double quotes. */
int cmdline_split(const char *cmdline, char ***ret);
