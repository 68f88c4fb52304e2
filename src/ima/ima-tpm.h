/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Reading PCRs: /sys/class/tpm/tpm0/pcr-<bank>/<n> (kernels >= 5.12,
 * uppercase hex), else a raw TPM2_PCR_Read through /dev/tpmrm0. Both go
 * through the backend so tests can supply a fake TPM. */

#include "backend.h"
#include "ima-replay.h"

/* Reads `indexes` of every allocated bank among `banks`. *ret_banks gets the
 * banks that were read. -ENODEV: no TPM. */
int ima_tpm_read_pcrs(Backend *b, unsigned banks, uint32_t indexes, ImaPcrs *ret, unsigned *ret_banks);

/* Builds a TPM2_PCR_Read command for one PCR of one bank (exposed for tests). */
size_t tpm2_pcr_read_command(ImaBank bank, unsigned index, uint8_t *buf, size_t size);
/* Parses its response: -EBADMSG on malformed, -EIO on a TPM error code. */
int tpm2_pcr_read_response(const uint8_t *buf, size_t size, ImaBank bank, uint8_t *digest);
