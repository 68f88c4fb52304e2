/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Every bound on what a caller, a configuration file or a state file can
 * make kexecd hold or do, in one place, so that what is accepted on the way
 * in can always be read back on the way out (a state file written for an
 * accepted request must never exceed what the reader takes). The values and
 * their reasons are tabled in docs/security.md. */

/* Initrds per image: real systems use one to three (microcode, initrd,
 * sometimes an extra cpio); 32 leaves room without letting one message make
 * the daemon open and concatenate thousands of files. */
#define KEXECD_INITRDS_MAX 32u

/* A path the kernel could open (PATH_MAX includes the NUL). */
#define KEXECD_PATH_MAX 4095u

/* Concatenated initrds are copied into memory: bounded so that a sparse
 * multi-GiB file cannot exhaust memory or block the loop for long. The
 * largest initrds seen in distributions (with firmware) are ~250 MiB. */
#define KEXECD_INITRDS_TOTAL_MAX (1024ull * 1024 * 1024)

/* Authorization checks waiting for polkit. The system bus allows 128
 * pending replies per connection (max_replies_per_connection); kexecd stays
 * well below it so that its own calls never hit the bus limit. */
#define KEXECD_POLKIT_PENDING_MAX 64u
#define KEXECD_POLKIT_PENDING_PER_UID_MAX 8u

/* Options in Load()'s a{sv}: three are known; anything beyond is refused. */
#define KEXECD_LOAD_OPTIONS_MAX 8u

/* State file: the largest accepted spec is KEXECD_INITRDS_MAX + 1 paths of
 * KEXECD_PATH_MAX bytes, four command lines (with a boot entry's options)
 * and an entry id; JSON escapes a byte to at most six. The reader takes
 * exactly this. */
#define KEXECD_STATE_FILE_MAX (((KEXECD_INITRDS_MAX + 1u) * KEXECD_PATH_MAX + 5u * 4096u) * 6u + 65536u)

/* Configuration files (kexecd.conf and each drop-in) and drop-ins per dir. */
#define KEXECD_CONFIG_FILE_MAX (64u * 1024u)
#define KEXECD_CONFIG_DROPINS_MAX 128u

/* Boot entries (src/boot/): one entry file (type 1 entries are a few hundred
 * bytes; loader.conf likewise), the names looked at per directory (a
 * machine keeps a handful of kernels; an ESP anyone can write to must not
 * make a listing take minutes), and an EFI variable (an entry id in
 * UTF-16 after a 4-byte header). */
#define KEXECD_BOOT_ENTRY_FILE_MAX (64u * 1024u)
#define KEXECD_BOOT_ENTRIES_PER_DIR_MAX 1024u
#define KEXECD_BOOT_EFIVAR_MAX 4096u
/* KernelsChanged()'s reason: a line of history ("postinst 6.1.0-50-amd64
 * /boot/vmlinuz-6.1.0-50-amd64"), not a document. */
#define KEXECD_KERNELS_CHANGED_REASON_MAX 512u
/* Crash records (crash.json, written by kexecd-capture in the crash kernel,
 * read by kexecd and kexecctl; docs/capture.md). The writer never exceeds
 * what the reader takes: hooks and strings are bounded before writing. */
#define KEXECD_CRASH_RECORD_MAX (64u * 1024u)
#define KEXECD_CRASH_STRING_MAX 4096u
/* The panic line as recorded: enough for "Kernel panic - not syncing: "
 * and a long reason, short enough for one line of kexecctl output. */
#define KEXECD_CRASH_PANIC_LINE_MAX 512u
#define KEXECD_CRASH_HOOKS_MAX 32u
#define KEXECD_CRASH_HOOK_NAME_MAX 64u
/* Crash directories listed under a DumpDir (the newest are kept). */
#define KEXECD_CRASH_DIRS_MAX 256u
/* EstimateCrashKernel() unpacks the kdump initrd to learn what it occupies
 * in the crash kernel's memory: the unpacked bytes are counted, never kept,
 * and the count stops here, so a decompression bomb costs at most this much
 * decompression work (about a second for zstd, a few for gzip and xz) and
 * the decoders' own windows. No usable crash initrd comes near it: the
 * largest distribution initrds unpack to ~600 MiB, and a crash kernel
 * needing more than this would need a reservation nobody makes. */
#define KEXECD_INITRD_UNPACKED_MAX (1024ull * 1024 * 1024)
/* The xz/lzma and zstd decoders' memory (dictionary/window) while counting:
 * initrd builders use at most 64 MiB (xz -9, zstd -19 --long is 2^27). */
#define KEXECD_INITRD_DECODER_MEM_MAX (128ull * 1024 * 1024)
