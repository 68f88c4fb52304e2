/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The durable chain of IMA measurement lists across kexec reboots and its
 * verification against the TPM. Layout under <state_dir>/ima/ (docs/ima.md):
 *   <seq>-<boot_id>/log.bin     the binary list as of the last snapshot
 *                               (append-only: later snapshots only append)
 *   <seq>-<boot_id>/meta.json   boot id, kernel release, times, records,
 *                               valid bytes of log.bin, PCRs read with it */

#include <stdbool.h>
#include <stdint.h>

#include "backend.h"

#define IMA_LIST_PATH "/sys/kernel/security/ima/binary_runtime_measurements"

typedef struct ImaSnapshotResult {
        uint64_t records;
        uint64_t bytes;
        uint64_t new_bytes;
        char boot_dir[256];
} ImaSnapshotResult;

typedef struct ImaVerification {
        char status[16];        /* verified, gap, mismatch, no-tpm, disabled, malformed */
        char method[32];        /* "current-list", "chain", "" */
        unsigned boots_in_chain;
        uint64_t measurements;  /* records across the chain, carried-over ones counted once */
        bool carried_over;
        int boot_aggregate;     /* 1 ok, 0 mismatch, -1 not checked */
        unsigned banks;         /* bitmask of banks compared */
        char gap_boot[64];
        uint64_t gap_after_record;
        uint64_t gap_before_record; /* the gap lies before this record (0: not placed) */
        int64_t gap_unaccounted;    /* extends missing from the saved list, -1 unknown */
        char detail[512];
} ImaVerification;

int ima_snapshot(Backend *b, const char *state_dir, ImaSnapshotResult *ret);

/* A snapshot that does not touch the state directory (the shutdown hook
 * runs when file systems are read-only): this boot's meta.json text and
 * list, as a saved boot directory holds them. Returns the record count. */
int ima_snapshot_to_memory(Backend *b, char **ret_meta, uint8_t **ret_list, size_t *ret_size);

/* Adds a boot directory made elsewhere (meta.json + log.bin, e.g. handed
 * over by the previous kernel) to the chain, with the append-only rule of
 * ima_snapshot(): the saved list of that boot must be a prefix of it.
 * ret->new_bytes says what it added. */
int ima_chain_import(const char *state_dir, const char *boot_dir, ImaSnapshotResult *ret);
int ima_verify(Backend *b, const char *state_dir, ImaVerification *ret);
/* format: "binary" or "ascii". Returns a sealed memfd. */
int ima_export(Backend *b, const char *state_dir, const char *format, int *ret_fd);
