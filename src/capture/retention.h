/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What stays in DumpDir: at most KeepDumps complete dumps (oldest removed
 * first), at most CAPTURE_INCOMPLETE_KEEP records of failed captures, and
 * no unexplained ID.partial directory. Only directories whose names match
 * the crash id pattern are touched, and no symlink is ever followed. */

#define CAPTURE_INCOMPLETE_KEEP 16u

/* Turns every ID.partial (except `own_id`'s) into ID with a crash.json
 * that says the capture was interrupted (or, if the record is already
 * there, finishes the rename). */
int retention_recover_stale(const char *dump_dir, const char *own_id);

/* Removes the oldest complete dumps until at most `keep` remain (keep 0:
 * none removed... callers pass KeepDumps-1 before a new dump), and the
 * oldest failed-capture records beyond CAPTURE_INCOMPLETE_KEEP. */
int retention_prune(const char *dump_dir, unsigned keep_complete);

/* rm -r of dir_fd/name without following symlinks (exposed for tests). */
int rm_rf_at(int dir_fd, const char *name, unsigned depth);
