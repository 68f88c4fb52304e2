/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef struct LoadArgs {
        char **initrds;
        size_t n_initrds;
        const char *append;
        bool reuse;
        const char *syscall;
        const char *entry;
} LoadArgs;

extern LoadArgs load_arg;
