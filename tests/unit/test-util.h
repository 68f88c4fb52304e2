/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A minimal assertion kit for kexecd's C unit tests: every check that fails
 * prints file:line and the expression, and the test exits non-zero. */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern unsigned test_checks;

#define ASSERT_TRUE(expr)                                                                   \
        do {                                                                                \
                test_checks++;                                                              \
                if (!(expr)) {                                                              \
                        fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #expr); \
                        exit(EXIT_FAILURE);                                                 \
                }                                                                           \
        } while (0)

#define ASSERT_EQ(a, b)                                                                     \
        do {                                                                                \
                long long _a = (long long) (a), _b = (long long) (b);                       \
                test_checks++;                                                              \
                if (_a != _b) {                                                             \
                        fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, #a, #b, _a, _b); \
                        exit(EXIT_FAILURE);                                                 \
                }                                                                           \
        } while (0)

#define ASSERT_STREQ(a, b)                                                                  \
        do {                                                                                \
                const char *_a = (a), *_b = (b);                                            \
                test_checks++;                                                              \
                if (!_a || !_b || strcmp(_a, _b) != 0) {                                    \
                        fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" != \"%s\"\n", __FILE__, __LINE__, #a, #b, \
                                _a ? _a : "(null)", _b ? _b : "(null)");                    \
                        exit(EXIT_FAILURE);                                                 \
                }                                                                           \
        } while (0)

#define TEST(name) static void name(void)
#define RUN(name)                                                                           \
        do {                                                                                \
                fprintf(stderr, "  %s\n", #name);                                           \
                name();                                                                     \
        } while (0)

/* Creates a fresh temporary directory (removed by test_tmpdir_cleanup). */
char *test_tmpdir(void);
void test_tmpdir_cleanup(void);
/* Writes text to dir/rel, creating parent directories. */
void test_write(const char *dir, const char *rel, const char *text);
char *test_read(const char *dir, const char *rel);
/* A kernel-like fake root: kexec files, crash size, lockdown, cmdline. */
void test_make_fake_root(const char *root, uint64_t crash_size, const char *lockdown, const char *cmdline);
/* A file with an x86 boot header the fake kernel accepts. */
void test_make_bzimage(const char *path);
int test_finish(const char *name);
