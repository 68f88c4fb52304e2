/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Whether a loaded image still describes the machine. Until the layout
 * generation from src/hotplug is wired in, staleness is what the hotplug
 * handler flagged. */
#include "manager.h"

void manager_refresh_staleness(Manager *m) {
        (void) m;
}
