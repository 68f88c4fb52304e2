/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Resolving a path a boot entry names, inside a directory tree that stands
 * for "/" (the backend root: "" on a real machine, the fixture directory on
 * the fake backend). Boot entries are data written by package scripts and,
 * on an ESP, by anyone who can write a FAT file system: a path in them must
 * never make kexecd open a file outside the partition it belongs to. */

/* Resolves `path` (absolute, relative to the tree at `root`) following
 * symlinks the way the kernel would if `root` were "/": absolute symlink
 * targets start again at `root`, ".." stops at `root`. At most 32 symlinks.
 * The result must exist and lie at or below `inside` (also relative to
 * `root`), else -EXDEV. On success *ret is the path to open: root + the
 * resolved path. Errors: -ENOENT, -ELOOP, -ENAMETOOLONG, -EXDEV. */
int boot_path_resolve(const char *root, const char *path, const char *inside, char **ret);

/* Joins the path a boot entry names (BLS: relative to the root of the
 * partition the entry is on, written with or without a leading "/") to
 * that partition's directory. Refuses ("-EINVAL") what is never a sane
 * entry path: empty, ".." as a component, a backslash, control bytes. */
int boot_path_join_entry(const char *partition, const char *entry_path, char **ret);

/* Version ordering in the spirit of the UAPI "version format" spec (what
 * systemd-boot sorts by): digit runs compare numerically, letter runs
 * alphabetically, digits sort after letters, '~' sorts before everything
 * (even the end: "1~rc1" < "1"), '-' sorts before '.' and letters, a longer
 * version is newer ("1.2.1" > "1.2"), other punctuation is ignored.
 * NULL sorts before everything. Returns <0, 0, >0. */
int boot_version_compare(const char *a, const char *b);
