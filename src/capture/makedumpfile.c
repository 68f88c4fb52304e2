/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "macro.h"
#include "makedumpfile.h"
#include "spawn.h"

#define PROBE_TIMEOUT_USEC (10ULL * 1000000ULL)
#define PROBE_OUTPUT_MAX (64u * 1024u)

void makedumpfile_info_done(MakedumpfileInfo *info) {
        free(info->version);
        *info = (MakedumpfileInfo) {};
}

/* "name<blanks>enabled" (-v, 1.7.0+) or "NAME support:\n  enabled" (--help). */
static bool says_enabled(const char *text, const char *v_name, const char *help_name) {
        for (const char *p = text; (p = strstr(p, v_name)); p++) {
                if (p != text && p[-1] != '\n')
                        continue;
                const char *q = p + strlen(v_name);
                if (*q != ' ' && *q != '\t')
                        continue;
                while (*q == ' ' || *q == '\t')
                        q++;
                if (strncmp(q, "enabled", 7) == 0)
                        return true;
        }
        const char *p = strstr(text, help_name);
        if (p) {
                p += strlen(help_name);
                while (isspace((unsigned char) *p))
                        p++;
                if (strncmp(p, "enabled", 7) == 0)
                        return true;
        }
        return false;
}

void makedumpfile_parse_probe(const char *text, MakedumpfileInfo *info) {
        const char *p = strstr(text, "version ");
        if (p && !info->version) {
                p += strlen("version ");
                size_t n = 0;
                while (n < 32 && (isalnum((unsigned char) p[n]) || strchr("._+-~", p[n])))
                        n++;
                if (n > 0 && n < 32)
                        info->version = strndup(p, n);
        }
        /* zlib (-c) is in every makedumpfile; none needs nothing. */
        info->supports[CAPTURE_COMPRESSION_ZLIB] = true;
        info->supports[CAPTURE_COMPRESSION_NONE] = true;
        info->supports[CAPTURE_COMPRESSION_LZO] |= says_enabled(text, "lzo", "LZO support:");
        info->supports[CAPTURE_COMPRESSION_SNAPPY] |= says_enabled(text, "snappy", "snappy support:");
        info->supports[CAPTURE_COMPRESSION_ZSTD] |= says_enabled(text, "zstd", "zstd support:");
}

int makedumpfile_probe(const char *path, MakedumpfileInfo *ret) {
        char *argv[] = { (char *) path, (char *) "-v", NULL };
        _cleanup_free_ char *out = NULL;
        SpawnResult res;
        int r;

        *ret = (MakedumpfileInfo) {};
        r = spawn_output(argv, PROBE_TIMEOUT_USEC, PROBE_OUTPUT_MAX, &out, &res);
        if (r < 0)
                return r;
        if (res.exec_errno != 0)
                return -res.exec_errno;
        ret->found = true;
        makedumpfile_parse_probe(out, ret);
        if (strstr(out, "lzo") || strstr(out, "zstd"))
                return 0;
        /* Older makedumpfile: -v names no compressor; --help says. */
        free(out);
        out = NULL;
        argv[1] = (char *) "--help";
        r = spawn_output(argv, PROBE_TIMEOUT_USEC, PROBE_OUTPUT_MAX, &out, &res);
        if (r >= 0 && res.exec_errno == 0)
                makedumpfile_parse_probe(out, ret);
        return 0;
}

CaptureCompression makedumpfile_pick_compression(const MakedumpfileInfo *info, CaptureCompression wanted) {
        if (wanted >= 0 && wanted < _CAPTURE_COMPRESSION_MAX && info->supports[wanted])
                return wanted;
        if (wanted != CAPTURE_COMPRESSION_AUTO)
                log_warning("makedumpfile %s does not support %s compression, using the best it has",
                            strna(info->version), capture_compression_to_string(wanted));
        /* Best first: zstd compresses best at lzo-like speed; zlib is slow. */
        for (CaptureCompression c = CAPTURE_COMPRESSION_ZSTD; c <= CAPTURE_COMPRESSION_ZLIB; c++)
                if (info->supports[c])
                        return c;
        return CAPTURE_COMPRESSION_NONE;
}

const char *makedumpfile_compression_flag(CaptureCompression c) {
        switch (c) {
        case CAPTURE_COMPRESSION_ZSTD: return "-z";
        case CAPTURE_COMPRESSION_LZO: return "-l";
        case CAPTURE_COMPRESSION_SNAPPY: return "-p";
        case CAPTURE_COMPRESSION_ZLIB: return "-c";
        default: return NULL;
        }
}
