/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Handing the end of a boot's IMA list to the next kernel (docs/ima.md,
 * "The tail after the last snapshot").
 *
 * systemd runs its system-shutdown hooks after every file system is
 * read-only, right before reboot(LINUX_REBOOT_CMD_KEXEC): the latest moment
 * user space can read the list, and too late to write kexecd's state. So
 * kexecd's hook puts the list (as a saved boot directory: meta.json +
 * log.bin) into a cpio archive appended to the kexec image's initrd; the
 * kernel unpacks it into the next boot's initramfs at
 * /IMA_HANDOVER_DIR, an initramfs hook moves it to /run (initramfs-tools:
 * data/initramfs-tools/), and kexecd imports it at start. Nothing in it is
 * trusted: it only feeds a replay that the TPM's PCRs decide. */

#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "ima-chain.h"

#define IMA_HANDOVER_DIR ".kexecd-handover"
/* Where kexecd looks, in order: moved to /run by an initramfs hook, or left
 * at the root of an initramfs that is the system's root. */
#define IMA_HANDOVER_RUN_PATH "/run/kexecd-handover/ima"
#define IMA_HANDOVER_ROOT_PATH "/" IMA_HANDOVER_DIR "/ima"

/* A newc cpio archive holding IMA_HANDOVER_DIR/ima/{meta.json,log.bin}
 * for this boot's current list. Returns the number of records. */
int ima_handover_build(Backend *b, uint8_t **ret_archive, size_t *ret_size);

/* Imports a handed-over list if one is there: 0 none, 1 imported (ret says
 * how much was new), negative on a malformed one. */
int ima_handover_import(Backend *b, const char *state_dir, ImaSnapshotResult *ret, char **ret_path);
