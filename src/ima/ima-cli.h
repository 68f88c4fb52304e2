/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* `kexecctl ima replay FILE... [--pcr BANK:INDEX=HEX]...`: replays binary
 * measurement lists offline (no daemon, no TPM) and prints or checks the
 * PCR values. argv[0] is "replay". Exit: 0 ok/match, 1 mismatch, 2 usage
 * or malformed input. */
int ima_cli_replay(int argc, char *argv[]);
