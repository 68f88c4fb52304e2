/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kexecctl is-ready: one word and an exit status a script can branch on,
 * like `systemctl is-active` (docs/kexecctl.md, "is-ready"). */
#include <stdio.h>

#include <json-c/json.h>

#include "bus-json.h"
#include "ctl.h"

static bool image_flag(json_object *image, const char *name) {
        json_object *v;
        return json_object_object_get_ex(image, name, &v) && json_object_get_boolean(v);
}

int verb_is_ready(int argc, char *argv[]) {
        _cleanup_(json_object_putp) json_object *status = NULL;
        const char *name = ctl_image_name(), *word;
        json_object *image;
        int code;

        if (argc > 2) {
                fprintf(stderr, "is-ready takes at most one argument: kexec or kdump.\n");
                return EXIT_USAGE;
        }
        if (argc == 2) {
                if (!streq(argv[1], "kexec") && !streq(argv[1], "kdump")) {
                        fprintf(stderr, "is-ready: the image is kexec or kdump, not '%s'.\n", argv[1]);
                        return EXIT_USAGE;
                }
                if (arg.kdump && !streq(argv[1], "kdump")) {
                        fprintf(stderr, "is-ready: --kdump and '%s' contradict each other.\n", argv[1]);
                        return EXIT_USAGE;
                }
                name = argv[1];
        }

        code = ctl_fetch_status(&status);       /* says on stderr what went wrong */
        if (code != EXIT_OK) {
                if (!arg.quiet)
                        puts(code == EXIT_UNREACHABLE ? "unreachable" : "unknown");
                return code;
        }
        if (!json_object_object_get_ex(status, name, &image) || !json_object_is_type(image, json_type_object)) {
                fprintf(stderr, "kexecd's Status() has no '%s' image.\n", name);
                if (!arg.quiet)
                        puts("unknown");
                return EXIT_FAILED;
        }
        /* Worst first: a stale image describes memory the machine no
         * longer has (and is often degraded too: its reload failed);
         * degraded alone means kexecd's last attempt failed while what is
         * loaded still fits (a restored crash kernel). */
        if (!image_flag(image, "Loaded"))
                word = "not-loaded", code = EXIT_NOT_LOADED;
        else if (image_flag(image, "Stale"))
                word = "stale", code = EXIT_STALE;
        else if (image_flag(image, "Degraded"))
                word = "degraded", code = EXIT_DEGRADED;
        else if (streq(name, "kdump") && json_object_object_get_ex(status, "CrashKernelSufficient", NULL) &&
                 json_get_bool(status, "CrashKernelSufficient") == 0)
                /* Loaded, but by kexecctl estimate-crashkernel the crash
                 * kernel would not fit its reservation when it boots. */
                word = "too-small", code = EXIT_TOO_SMALL;
        else
                word = "ready", code = EXIT_OK;
        if (!arg.quiet)
                puts(word);
        return code;
}
