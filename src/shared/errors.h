/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The org.kexecd1.Error.* names and the errno each one maps to. This is the
 * single source of truth: the daemon replies with these names, kexecctl
 * registers the same map so sd_bus_error_get_errno() round-trips, and
 * docs/dbus-api.md documents the table. Every errno is used once so that the
 * mapping works in both directions. */

#include <systemd/sd-bus.h>

#define KEXECD_ERROR_PREFIX "org.kexecd1.Error."

#define KEXECD_ERROR_UNKNOWN_IMAGE        KEXECD_ERROR_PREFIX "UnknownImage"        /* ENXIO */
#define KEXECD_ERROR_INVALID_PATH         KEXECD_ERROR_PREFIX "InvalidPath"         /* EISDIR */
#define KEXECD_ERROR_FILE_NOT_FOUND       KEXECD_ERROR_PREFIX "FileNotFound"        /* ENOENT */
#define KEXECD_ERROR_FILE_NOT_READABLE    KEXECD_ERROR_PREFIX "FileNotReadable"     /* EACCES */
#define KEXECD_ERROR_EMPTY_FILE           KEXECD_ERROR_PREFIX "EmptyFile"           /* ENODATA */
#define KEXECD_ERROR_NOT_A_KERNEL         KEXECD_ERROR_PREFIX "NotAKernel"          /* ENOEXEC */
#define KEXECD_ERROR_CMDLINE_TOO_LONG     KEXECD_ERROR_PREFIX "CmdlineTooLong"      /* E2BIG */
#define KEXECD_ERROR_INVALID_CMDLINE      KEXECD_ERROR_PREFIX "InvalidCmdline"      /* EILSEQ */
#define KEXECD_ERROR_INVALID_OPTION       KEXECD_ERROR_PREFIX "InvalidOption"       /* EDOM */
#define KEXECD_ERROR_NO_CRASH_KERNEL      KEXECD_ERROR_PREFIX "NoCrashKernel"       /* EADDRNOTAVAIL */
#define KEXECD_ERROR_LOCKED_DOWN          KEXECD_ERROR_PREFIX "LockedDown"          /* EPERM */
#define KEXECD_ERROR_LOAD_DISABLED        KEXECD_ERROR_PREFIX "LoadDisabled"        /* EROFS */
#define KEXECD_ERROR_SIGNATURE_REJECTED   KEXECD_ERROR_PREFIX "SignatureRejected"   /* EKEYREJECTED */
#define KEXECD_ERROR_BUSY                 KEXECD_ERROR_PREFIX "Busy"                /* EBUSY */
#define KEXECD_ERROR_NOTHING_TO_RELOAD    KEXECD_ERROR_PREFIX "NothingToReload"     /* ENOMEDIUM */
#define KEXECD_ERROR_NO_KEXEC_SUPPORT     KEXECD_ERROR_PREFIX "NoKexecSupport"      /* ENOSYS */
#define KEXECD_ERROR_LOAD_FAILED          KEXECD_ERROR_PREFIX "LoadFailed"          /* EIO */
#define KEXECD_ERROR_LOAD_LIMIT_REACHED   KEXECD_ERROR_PREFIX "LoadLimitReached"    /* EDQUOT */
#define KEXECD_ERROR_LEGACY_UNAVAILABLE   KEXECD_ERROR_PREFIX "LegacyUnavailable"   /* ENOPKG */
#define KEXECD_ERROR_IMAGE_TOO_LARGE      KEXECD_ERROR_PREFIX "ImageTooLarge"       /* EFBIG */
#define KEXECD_ERROR_CORRUPT_IMAGE        KEXECD_ERROR_PREFIX "CorruptImage"        /* EUCLEAN */
#define KEXECD_ERROR_INVALID_DEVICE_TREE  KEXECD_ERROR_PREFIX "InvalidDeviceTree"   /* ENOTUNIQ */
#define KEXECD_ERROR_MALFORMED_IMA_LOG    KEXECD_ERROR_PREFIX "MalformedImaLog"     /* EBADMSG */
#define KEXECD_ERROR_NO_TPM               KEXECD_ERROR_PREFIX "NoTpm"               /* ENODEV */
#define KEXECD_ERROR_TOO_MANY_REQUESTS    KEXECD_ERROR_PREFIX "TooManyRequests"     /* EAGAIN */
#define KEXECD_ERROR_LIMIT_EXCEEDED       KEXECD_ERROR_PREFIX "LimitExceeded"       /* EMSGSIZE */
#define KEXECD_ERROR_STATE_NOT_SAVED      KEXECD_ERROR_PREFIX "StateNotSaved"       /* ENOSPC */
#define KEXECD_ERROR_IMA_UNAVAILABLE      KEXECD_ERROR_PREFIX "ImaUnavailable"      /* EMEDIUMTYPE */
#define KEXECD_ERROR_IMA_LOG_TOO_LARGE    KEXECD_ERROR_PREFIX "ImaLogTooLarge"      /* EOVERFLOW */
#define KEXECD_ERROR_NO_SUCH_BOOT_ENTRY   KEXECD_ERROR_PREFIX "NoSuchBootEntry"     /* ESRCH */
#define KEXECD_ERROR_NO_SUCH_CRASH        KEXECD_ERROR_PREFIX "NoSuchCrash"         /* ENOTDIR */
#define KEXECD_ERROR_KDUMP_NOT_READY      KEXECD_ERROR_PREFIX "KdumpNotReady"       /* ENOTCONN */

extern const sd_bus_error_map kexecd_error_map[];

/* Registers kexecd_error_map with sd-bus (both directions). Idempotent. */
int kexecd_error_map_register(void);

/* Error name for a kexecd errno (positive or negative), NULL if the errno is
 * not one of ours. */
const char *kexecd_error_name_from_errno(int error);

/* Sets *e to the named kexecd error for `error` (negative errno) with the
 * formatted message; falls back to sd-bus' generic mapping for errnos that
 * are not ours. Returns `error` so handlers can `return kexecd_error_setf(...)`. */
int kexecd_error_setf(sd_bus_error *e, int error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
