/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Hooks: executables in /etc/kexecd/capture.d/, run in lexical order as
 *   NAME pre ID DIR            before the dump (after the dmesg)
 *   NAME post ID DIR STATUS    after the record is written (STATUS: complete|failed)
 * each bounded by HookTimeoutSec=. A failing hook is recorded, never fatal.
 * docs/capture.md describes the interface. */

#include <stdint.h>

#include "crash-record.h"

/* Runs every hook of `phase` ("pre" or "post") and appends one result per
 * hook to rec->hooks. `status` is only passed to post hooks. */
int hooks_run(const char *hooks_dir, const char *phase, const char *id, const char *dir, const char *status,
              char *const env_extra[], uint64_t timeout_usec, CrashRecord *rec);
