/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kexecctl status: one Status() call, shown for humans or as JSON. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-json.h"
#include "ctl.h"

static void field(const char *label, const char *fmt, ...) _printf_(2, 3);
static void field(const char *label, const char *fmt, ...) {
        va_list ap;
        if (*label)
                printf("%18s: ", label);
        else
                printf("%20s", "");
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        putchar('\n');
}

static void print_image(json_object *img) {
        const char *name = json_get_string(img, "Name");
        bool loaded = json_get_bool(img, "Loaded");
        bool stale = json_get_bool(img, "Stale"), degraded = json_get_bool(img, "Degraded");
        const char *kernel = json_get_string(img, "Kernel");

        printf("\n%s%s image%s: %s%s%s\n", ansi_highlight(), name, ansi_normal(),
               loaded ? (stale || degraded ? ansi_yellow() : ansi_green()) : ansi_red(),
               loaded ? (stale ? "loaded, stale" : degraded ? "loaded, degraded" : "loaded")
                      : (isempty(kernel) ? "not loaded" : "not loaded (kexecd loaded one before)"),
               ansi_normal());
        if (!isempty(kernel)) {
                const char *format = json_get_string(img, "KernelFormat");
                field("Kernel", "%s%s%s%s", kernel, *format ? " (" : "", format, *format ? ")" : "");
        } else if (loaded)
                field("Kernel", "loaded by someone else (unknown)");
        if (!isempty(json_get_string(img, "Entry")))
                field("Boot entry", "%s (followed at every reload)", json_get_string(img, "Entry"));

        json_object *initrds;
        if (json_object_object_get_ex(img, "Initrds", &initrds) && json_object_array_length(initrds) > 0)
                for (size_t k = 0; k < json_object_array_length(initrds); k++)
                        field(k == 0 ? "Initrds" : "", "%s", strempty(json_object_get_string(json_object_array_get_idx(initrds, k))));
        if (!isempty(json_get_string(img, "Cmdline")))
                field("Cmdline", "%s", json_get_string(img, "Cmdline"));
        if (!isempty(json_get_string(img, "KernelSHA256")))
                field("SHA256", "%s", json_get_string(img, "KernelSHA256"));
        if (!isempty(json_get_string(img, "Syscall"))) {
                const char *why = json_get_string(img, "SyscallReason");
                field("Syscall", "%s%s%s%s", json_get_string(img, "Syscall"), *why ? " (" : "", why, *why ? ")" : "");
        }
        uint64_t at = json_get_u64(img, "LoadedAt");
        if (at > 0) {
                _cleanup_free_ char *ts = format_timestamp(at), *rel = format_timespan_relative(at);
                uint64_t d = json_get_u64(img, "LoadDurationUSec");
                field("Loaded at", "%s (%s), took %" PRIu64 ".%03" PRIu64 "s", strna(ts), strna(rel), d / 1000000, (d / 1000) % 1000);
        }
        uint64_t reloads = json_get_u64(img, "ReloadCount");
        if (reloads > 0)
                field("Reloads", "%" PRIu64 " (last: %s)", reloads, json_get_string(img, "LastReloadReason"));
        json_object *kinds;
        if (json_object_object_get_ex(img, "CrashHotplug", &kinds) && json_object_array_length(kinds) > 0) {
                /* At most "memory, cpu". */
                char list[64] = "";
                size_t used = 0;
                for (size_t k = 0; k < json_object_array_length(kinds) && used < sizeof(list); k++)
                        used += (size_t) snprintf(list + used, sizeof(list) - used, "%s%s", k ? ", " : "",
                                                  strempty(json_object_get_string(json_object_array_get_idx(kinds, k))));
                field("Header updates", "by the kernel on %s hotplug (no reload needed)", list);
        }
        if (stale)
                field("Stale", "%syes%s: the memory/CPU layout changed since it was loaded", ansi_yellow(), ansi_normal());
        if (!isempty(json_get_string(img, "LastError")))
                field("Last error", "%s%s%s", ansi_red(), json_get_string(img, "LastError"), ansi_normal());
}

static void print_status(json_object *s) {
        _cleanup_free_ char *crash = format_bytes(json_get_u64(s, "CrashKernelSize"));
        json_object *regions, *v;

        field("Kernel release", "%s", json_get_string(s, "KernelRelease"));
        field("kexecd version", "%s", json_get_string(s, "Version"));
        if (json_get_u64(s, "CrashKernelSize") == 0)
                field("Crash kernel", "%snone reserved%s (boot with crashkernel= to use kdump)", ansi_yellow(), ansi_normal());
        else
                field("Crash kernel", "%s reserved", strna(crash));
        /* Only where there is an estimate: without a reservation the line
         * above already says so, without a kdump image nothing needs it. */
        uint64_t need = json_get_u64(s, "CrashKernelRecommended");
        if (need > 0 && json_get_u64(s, "CrashKernelSize") > 0 && !json_get_bool(s, "CrashKernelSufficient")) {
                _cleanup_free_ char *need_text = format_bytes(need);
                field("", "%sWARNING: too small, the kdump image needs %s: a crash may not be captured%s",
                      ansi_red(), strna(need_text), ansi_normal());
                field("", "(kexecctl estimate-crashkernel explains; raise crashkernel=)");
        }
        if (json_object_object_get_ex(s, "CrashKernelRegions", &regions))
                for (size_t k = 0; k < json_object_array_length(regions); k++) {
                        json_object *reg = json_object_array_get_idx(regions, k);
                        uint64_t start = json_object_get_uint64(json_object_array_get_idx(reg, 1));
                        uint64_t end = json_object_get_uint64(json_object_array_get_idx(reg, 2));
                        _cleanup_free_ char *size = format_bytes(end - start + 1);
                        field("", "%s: %#" PRIx64 "-%#" PRIx64 " (%s)",
                              strempty(json_object_get_string(json_object_array_get_idx(reg, 0))), start, end, strna(size));
                }
        field("Lockdown", "%s", json_get_string(s, "Lockdown"));
        field("Loads disabled", "%s", json_get_bool(s, "KexecLoadDisabled") ? "yes (kexec_load_disabled)" : "no");
        int64_t lr = json_get_i64(s, "LoadLimitReboot"), lp = json_get_i64(s, "LoadLimitPanic");
        if (lr >= 0 || lp >= 0)
                field("Loads left", "reboot %" PRId64 ", panic %" PRId64 " (-1 = unlimited)", lr, lp);
        if (json_object_object_get_ex(s, "LastCrash", &v) && *json_get_string(v, "Id")) {
                _cleanup_free_ char *ts = format_timestamp(json_get_u64(v, "Time"));
                const char *panic = json_get_string(v, "PanicLine");
                field("Last crash", "%s (%s, %s): %s", json_get_string(v, "Id"), strna(ts),
                      json_get_bool(v, "Complete") > 0 ? "dump complete" : "dump incomplete",
                      *panic ? panic : "no panic line");
        }
        if (json_object_object_get_ex(s, "KdumpTest", &v) && *json_get_string(v, "Id"))
                field("kdump test", "%s %s%s%s", json_get_string(v, "Id"), json_get_string(v, "Result"),
                      *json_get_string(v, "Detail") ? ": " : "", json_get_string(v, "Detail"));
        if (json_object_object_get_ex(s, "ImaStatus", &v))
                field("IMA", "%s (%" PRIu64 " boots in chain, %" PRIu64 " measurements)", json_get_string(s, "ImaStatus"),
                      json_get_u64(s, "ImaBootsInChain"), json_get_u64(s, "ImaMeasurements"));
        if (json_object_object_get_ex(s, "DeviceTree", &v) && json_object_is_type(v, json_type_object) &&
            json_object_object_length(v) > 0) {
                json_object *mem;
                if (*json_get_string(v, "Error"))
                        field("Device tree", "%s%s%s", ansi_red(), json_get_string(v, "Error"), ansi_normal());
                else {
                        size_t n = json_object_object_get_ex(v, "BootMemory", &mem) ? json_object_array_length(mem) : 0;
                        field("Device tree", "%zu boot memory range(s)%s%s%s%s", n,
                              json_get_bool(v, "KdumpKernel") ? ", kdump kernel" : "",
                              json_get_bool(v, "BootedFromKexec") ? ", booted from kexec" : "",
                              json_get_bool(v, "ImaKexecBuffer") ? ", IMA buffer carried" : "",
                              json_get_bool(v, "RngSeed") || json_get_bool(v, "KaslrSeed") ? ", seeds provided" : "");
                }
        }

        json_object *img;
        if (json_object_object_get_ex(s, "kexec", &img))
                print_image(img);
        if (json_object_object_get_ex(s, "kdump", &img))
                print_image(img);
}

int ctl_fetch_status(json_object **ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r = ctl_bus_open(&bus);
        if (r < 0)
                return -r;
        r = sd_bus_call_method(bus, "org.kexecd1", "/org/kexecd1", "org.kexecd1.Manager", "Status", &error, &reply, "");
        if (r < 0)
                return ctl_report_error("query status", &error, r);
        r = bus_message_read_json(reply, ret);
        if (r <= 0) {
                fprintf(stderr, "Failed to parse status reply: %s\n", strerror(r < 0 ? -r : EBADMSG));
                return EXIT_FAILED;
        }
        return EXIT_OK;
}

int verb_status(int argc, char *argv[]) {
        _cleanup_(json_object_putp) json_object *status = NULL;
        int r;

        if (argc > 1) {
                fprintf(stderr, "status takes no arguments.\n");
                return EXIT_USAGE;
        }
        r = ctl_fetch_status(&status);
        if (r != EXIT_OK)
                return r;
        if (arg.json != JSON_OFF)
                ctl_print_json(status);
        else
                print_status(status);
        return EXIT_OK;
}
