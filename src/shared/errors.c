/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "errors.h"
#include "macro.h"
#include "utf8.h"

const sd_bus_error_map kexecd_error_map[] = {
        SD_BUS_ERROR_MAP(KEXECD_ERROR_UNKNOWN_IMAGE,       ENXIO),
        SD_BUS_ERROR_MAP(KEXECD_ERROR_INVALID_PATH,        EISDIR),
        SD_BUS_ERROR_MAP(KEXECD_ERROR_FILE_NOT_FOUND,      ENOENT),
        SD_BUS_ERROR_MAP(KEXECD_ERROR_FILE_NOT_READABLE,   EACCES),
        SD_BUS_ERROR_MAP(KEXECD_ERROR_EMPTY_FILE,          ENODATA),
        SD_BUS_ERROR_MAP(KEXECD_ERROR_NOT_A_KERNEL,        ENOEXEC),
        SD_BUS_ERROR_MAP(KEXECD_ERROR_CMDLINE_TOO_LONG,    E2BIG),
        SD_BUS_ERROR_MAP(KEXECD_ERROR_INVALID_CMDLINE,     EILSEQ),
        SD_BUS_ERROR_MAP(KEXECD_ERROR_INVALID_OPTION,      EDOM),
        SD_BUS_ERROR_MAP(KEXECD_ERROR_NO_CRASH_KERNEL,     EADDRNOTAVAIL),
        SD_BUS_ERROR_MAP(KEXECD_ERROR_LOCKED_DOWN,         EPERM),
        SD_BUS_ERROR_MAP(KEXECD_ERROR_LOAD_DISABLED,       EROFS),
        SD_BUS_ERROR_MAP(KEXECD_ERROR_SIGNATURE_REJECTED,  EKEYREJECTED),
        SD_BUS_ERROR_MAP(KEXECD_ERROR_BUSY,                EBUSY),
        SD_BUS_ERROR_MAP(KEXECD_ERROR_NOTHING_TO_RELOAD,   ENOMEDIUM),
        SD_BUS_ERROR_MAP(KEXECD_ERROR_NO_KEXEC_SUPPORT,    ENOSYS),
        SD_BUS_ERROR_MAP(KEXECD_ERROR_LOAD_FAILED,         EIO),
        SD_BUS_ERROR_MAP(KEXECD_ERROR_LOAD_LIMIT_REACHED,  EDQUOT),
        SD_BUS_ERROR_MAP(KEXECD_ERROR_LEGACY_UNAVAILABLE,  ENOPKG),
        SD_BUS_ERROR_MAP(KEXECD_ERROR_IMAGE_TOO_LARGE,     EFBIG),
        SD_BUS_ERROR_MAP(KEXECD_ERROR_CORRUPT_IMAGE,       EUCLEAN),
        SD_BUS_ERROR_MAP(KEXECD_ERROR_INVALID_DEVICE_TREE, ENOTUNIQ),
        SD_BUS_ERROR_MAP(KEXECD_ERROR_MALFORMED_IMA_LOG,   EBADMSG),
        SD_BUS_ERROR_MAP(KEXECD_ERROR_NO_TPM,              ENODEV),
        SD_BUS_ERROR_MAP(KEXECD_ERROR_TOO_MANY_REQUESTS,   EAGAIN),
        SD_BUS_ERROR_MAP(KEXECD_ERROR_LIMIT_EXCEEDED,      EMSGSIZE),
        SD_BUS_ERROR_MAP(KEXECD_ERROR_STATE_NOT_SAVED,     ENOSPC),
        SD_BUS_ERROR_MAP(KEXECD_ERROR_IMA_UNAVAILABLE,     EMEDIUMTYPE),
        SD_BUS_ERROR_MAP(KEXECD_ERROR_IMA_LOG_TOO_LARGE,   EOVERFLOW),
        SD_BUS_ERROR_MAP(KEXECD_ERROR_NO_SUCH_BOOT_ENTRY,  ESRCH),
        SD_BUS_ERROR_MAP(KEXECD_ERROR_NO_SUCH_CRASH,       ENOTDIR),
        SD_BUS_ERROR_MAP(KEXECD_ERROR_KDUMP_NOT_READY,     ENOTCONN),
        SD_BUS_ERROR_MAP_END
};

int kexecd_error_map_register(void) {
        int r = sd_bus_error_add_map(kexecd_error_map);
        return r < 0 ? r : 0;
}

const char *kexecd_error_name_from_errno(int error) {
        if (error < 0)
                error = -error;
        for (const sd_bus_error_map *m = kexecd_error_map; m->name; m++)
                if (m->code == error)
                        return m->name;
        return NULL;
}

int kexecd_error_setf(sd_bus_error *e, int error, const char *fmt, ...) {
        const char *name = kexecd_error_name_from_errno(error);
        _cleanup_free_ char *text = NULL, *escaped = NULL;
        va_list ap;
        int k;

        if (error > 0)
                error = -error;
        if (error == 0)
                error = -EIO;

        /* The message may quote kexec-tools' output or a path from the
         * configuration: escape what is not UTF-8, or the error reply
         * could not be sent at all and the caller would wait for a
         * timeout instead (utf8.h). */
        va_start(ap, fmt);
        k = vasprintf(&text, fmt, ap);
        va_end(ap);
        const char *message = k < 0 ? NULL : utf8_or_escaped(text, &escaped);

        if (!name) {
                /* Not one of ours (ENOMEM, EINVAL for bad D-Bus args, ...):
                 * let sd-bus pick the standard org.freedesktop.DBus name. */
                sd_bus_error_set_errnof(e, -error, "%s", strempty(message));
                return error;
        }
        sd_bus_error_set(e, name, message);
        return error;
}
