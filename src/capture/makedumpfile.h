/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the installed makedumpfile can do. Its compression support is a
 * build option (Debian 12's 1.7.2: zlib and lzo, no snappy, no zstd), and
 * makedumpfile silently ignores -z/-p when built without them: the dump
 * would come out uncompressed. So kexecd-capture asks first. */

#include <stdbool.h>

#include "config.h"

typedef struct MakedumpfileInfo {
        bool found;                                   /* it ran */
        char *version;                                /* "1.7.2", NULL if not reported */
        bool supports[_CAPTURE_COMPRESSION_MAX];
} MakedumpfileInfo;

/* Runs `PATH -v` (and `PATH --help` if -v names no compressor). */
int makedumpfile_probe(const char *path, MakedumpfileInfo *ret);
/* Parses the output of -v / --help (exposed for tests). */
void makedumpfile_parse_probe(const char *text, MakedumpfileInfo *info);
void makedumpfile_info_done(MakedumpfileInfo *info);

/* The compression to use: `wanted` if supported, else (and for AUTO) the
 * first supported of zstd, lzo, snappy, zlib. */
CaptureCompression makedumpfile_pick_compression(const MakedumpfileInfo *info, CaptureCompression wanted);
/* makedumpfile's option for it, NULL for none. */
const char *makedumpfile_compression_flag(CaptureCompression c);
