/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iomem.h"
#include "macro.h"

int iomem_parse(const char *text, IomemRegion **ret, size_t *ret_n) {
        IomemRegion *r = NULL;
        size_t n = 0, allocated = 0;

        for (const char *line = text; line && *line;) {
                const char *eol = strchr(line, '\n');
                size_t len = eol ? (size_t) (eol - line) : strlen(line);
                const char *next = eol ? eol + 1 : NULL;
                unsigned depth = 0;
                unsigned long long start, end;
                int name_at = 0;
                char buf[512];

                if (len == 0) {
                        line = next;
                        continue;
                }
                /* Nesting is two spaces a level. */
                while (depth * 2 + 1 < len && line[depth * 2] == ' ' && line[depth * 2 + 1] == ' ')
                        depth++;
                snprintf(buf, sizeof(buf), "%.*s", (int) (len - depth * 2 < sizeof(buf) ? len - depth * 2 : sizeof(buf) - 1),
                         line + depth * 2);
                if (sscanf(buf, "%llx-%llx : %n", &start, &end, &name_at) < 2 || name_at == 0 || end < start) {
                        iomem_regions_free(r, n);
                        return -EBADMSG;
                }
                if (n == allocated) {
                        allocated = allocated ? allocated * 2 : 64;
                        IomemRegion *t = realloc(r, allocated * sizeof(IomemRegion));
                        if (!t) {
                                iomem_regions_free(r, n);
                                return -ENOMEM;
                        }
                        r = t;
                }
                r[n] = (IomemRegion) { .start = start, .end = end, .depth = depth, .name = strdup(buf + name_at) };
                if (!r[n].name) {
                        iomem_regions_free(r, n);
                        return -ENOMEM;
                }
                n++;
                line = next;
        }
        *ret = r;
        *ret_n = n;
        return 0;
}

int iomem_read(Backend *b, IomemRegion **ret, size_t *ret_n) {
        _cleanup_free_ char *text = NULL;
        int r = backend_read_full(b, KERNEL_IOMEM, &text, NULL);
        if (r < 0)
                return r;
        return iomem_parse(text, ret, ret_n);
}

void iomem_regions_free(IomemRegion *r, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(r[i].name);
        free(r);
}
