/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ima-handover.h"
#include "macro.h"

/* A growing buffer for the archive. */
typedef struct Archive {
        uint8_t *data;
        size_t size, allocated;
        unsigned ino;
} Archive;

static int archive_put(Archive *a, const void *p, size_t n) {
        if (a->size + n + 4 > a->allocated) {
                size_t k = (a->size + n + 4) * 2;
                uint8_t *d = realloc(a->data, k);
                if (!d)
                        return -ENOMEM;
                a->data = d;
                a->allocated = k;
        }
        memcpy(a->data + a->size, p, n);
        a->size += n;
        return 0;
}

static int archive_pad4(Archive *a) {
        static const uint8_t zeros[4] = {};
        return archive_put(a, zeros, (4 - a->size % 4) % 4);
}

/* One newc entry: the 110-byte header, the name with its NUL, padding, the
 * data, padding (the format the kernel's initramfs unpacker reads). */
static int archive_entry(Archive *a, const char *name, unsigned mode, const void *data, size_t size) {
        char header[128];
        size_t namesize = strlen(name) + 1;
        int r;

        if (size > UINT32_MAX)
                return -EFBIG; /* newc sizes are 32-bit; lists are bounded far below */
        snprintf(header, sizeof(header), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
                 ++a->ino, mode, 0u, 0u, (mode & 0170000) == 0040000 ? 2u : 1u, (unsigned) time(NULL), (unsigned) size,
                 0u, 0u, 0u, 0u, (unsigned) namesize, 0u);
        if ((r = archive_put(a, header, 110)) < 0 || (r = archive_put(a, name, namesize)) < 0 ||
            (r = archive_pad4(a)) < 0)
                return r;
        if (size > 0 && ((r = archive_put(a, data, size)) < 0 || (r = archive_pad4(a)) < 0))
                return r;
        return 0;
}

int ima_handover_build(Backend *b, uint8_t **ret_archive, size_t *ret_size) {
        _cleanup_free_ char *meta = NULL;
        _cleanup_free_ uint8_t *list = NULL;
        Archive a = {};
        size_t size = 0;
        int records, r;

        records = ima_snapshot_to_memory(b, &meta, &list, &size);
        if (records < 0)
                return records;
        if ((r = archive_entry(&a, IMA_HANDOVER_DIR, 0040700, NULL, 0)) < 0 ||
            (r = archive_entry(&a, IMA_HANDOVER_DIR "/ima", 0040700, NULL, 0)) < 0 ||
            (r = archive_entry(&a, IMA_HANDOVER_DIR "/ima/meta.json", 0100600, meta, strlen(meta))) < 0 ||
            (r = archive_entry(&a, IMA_HANDOVER_DIR "/ima/log.bin", 0100600, list, size)) < 0 ||
            (r = archive_entry(&a, "TRAILER!!!", 0, NULL, 0)) < 0) {
                free(a.data);
                return r;
        }
        *ret_archive = a.data;
        *ret_size = a.size;
        return records;
}

int ima_handover_import(Backend *b, const char *state_dir, ImaSnapshotResult *ret, char **ret_path) {
        static const char *const places[] = { IMA_HANDOVER_RUN_PATH, IMA_HANDOVER_ROOT_PATH };

        for (size_t k = 0; k < ELEMENTSOF(places); k++) {
                _cleanup_free_ char *dir = backend_path(b, places[k]);
                struct stat st;
                if (!dir)
                        return -ENOMEM;
                if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
                        continue;
                int r = ima_chain_import(state_dir, dir, ret);
                if (r < 0)
                        return r;
                if (ret_path)
                        *ret_path = TAKE_PTR(dir);
                return 1;
        }
        return 0;
}
