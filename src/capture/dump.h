/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The dump itself: makedumpfile into DIR/vmcore, or makedumpfile -F
 * (flattened) piped through kexecd-capture into `/bin/sh -c DumpCommand`,
 * hashing what passes. */

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

typedef struct DumpRequest {
        const char *makedumpfile;
        const char *vmcore;
        const char *dir;              /* the ID.partial directory */
        unsigned dump_level;
        CaptureCompression compression;
        const char *command;          /* NULL: local */
        const char *shell;            /* /bin/sh */
        char *const *env;             /* KEXECD_* for the command */
} DumpRequest;

typedef struct DumpResult {
        int makedumpfile_status;      /* -1: not run */
        int command_status;           /* -1: not run */
        uint64_t size;
        char sha256[65];
        char *reason;                 /* set on failure */
} DumpResult;

void dump_result_done(DumpResult *r);

/* makedumpfile --dump-dmesg VMCORE DIR/vmcore-dmesg.txt; the exit status
 * (or -errno if it could not run) in *ret_status. */
int dump_dmesg(const DumpRequest *req, int *ret_status);

/* 0 if the dump is complete; -errno (and res->reason) otherwise. */
int dump_run(const DumpRequest *req, DumpResult *res);

/* sha256 of a file, streamed (hex into out[65]); its size in *ret_size. */
int sha256_file(int fd, char out[static 65], uint64_t *ret_size);
