/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "manager.h"

int image_auto_reload(Image *i, const char *reason);
bool image_check_discarded(Image *i);
/* True when crash_hotplug says the kernel keeps the loaded crash image's
 * ELF header current for this kind of change (freshness.c). */
bool manager_kernel_updates_crash_header(Manager *m, bool memory_changed, bool cpu_changed);
