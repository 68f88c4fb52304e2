/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runs a libFuzzer target over files (a corpus) without libFuzzer, so the
 * corpus is a regression test in the normal unit suite under gcc. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "fileio.h"
#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path) {
        _cleanup_free_ char *buf = NULL;
        size_t size;
        if (read_full_file(path, 64 * 1024 * 1024, &buf, &size) < 0) {
                fprintf(stderr, "cannot read %s\n", path);
                return -1;
        }
        LLVMFuzzerTestOneInput((const uint8_t *) buf, size);
        return 0;
}

int main(int argc, char *argv[]) {
        unsigned n = 0;
        for (int i = 1; i < argc; i++) {
                struct stat st;
                if (stat(argv[i], &st) < 0)
                        return EXIT_FAILURE;
                if (!S_ISDIR(st.st_mode)) {
                        if (run_file(argv[i]) < 0)
                                return EXIT_FAILURE;
                        n++;
                        continue;
                }
                DIR *d = opendir(argv[i]);
                for (struct dirent *de; d && (de = readdir(d));) {
                        char path[4096];
                        if (de->d_name[0] == '.')
                                continue;
                        snprintf(path, sizeof(path), "%s/%s", argv[i], de->d_name);
                        if (run_file(path) < 0)
                                return EXIT_FAILURE;
                        n++;
                }
                if (d)
                        closedir(d);
        }
        printf("%u inputs ran without a crash\n", n);
        return n > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
