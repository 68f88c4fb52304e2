/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include "macro.h"
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "backend.h"
#include "config.h"
#include <sys/stat.h>

#include "crash-estimate.h"
#include "crash-record.h"
#include "devicetree.h"
#include "iomem.h"
#include "history.h"
#include "ima-chain.h"
#include "layout.h"
#include "metrics.h"
#include "monitor.h"
#include "image-spec.h"
#include "state.h"

#define KEXECD_BUS_NAME       "org.kexecd1"
#define KEXECD_MANAGER_PATH   "/org/kexecd1"
#define KEXECD_MANAGER_IFACE  "org.kexecd1.Manager"
#define KEXECD_IMAGE_IFACE    "org.kexecd1.Image"
#define KEXECD_IMAGE_PATH_PREFIX "/org/kexecd1/image/"

typedef struct Manager Manager;
typedef struct PolkitQuery PolkitQuery;
typedef struct FileWatch FileWatch;

typedef struct Image {
        Manager *manager;
        ImageType type;
        char *object_path;

        bool loaded;          /* as the kernel last reported it */
        bool has_state;       /* state holds what kexecd loaded (or adopted) */
        ImageState state;
        char *last_error;

        bool stale;
        /* Why the image is stale for a reason other than the layout (its
         * files changed, its boot entry moved on): cleared by a load. */
        char *stale_reason;
        /* The kernel file as opened by kexecd's last load (file-watch.c). */
        struct stat kernel_stat;
        bool kernel_stat_known;
        bool degraded;
        uint64_t reload_count;
        char *last_reload_reason;
        bool crash_hotplug_memory; /* kernel updates the loaded crash image itself */
        bool crash_hotplug_cpu;
        unsigned retry_attempts;
        sd_event_source *retry_source;
} Image;

/* kexecctl test-kdump: armed before the crash, settled on the next boot
 * by the crash record that carries its id (kdump-test.json). */
typedef struct KdumpTest {
        char id[48];
        char result[16];          /* "", "armed", "passed", "failed" */
        uint64_t requested_usec;
        char boot_id[33];         /* the boot that was crashed */
        char crash_id[40];
        uint64_t panic_to_dump_usec;
        char detail[512];
        bool armed;               /* this boot: put the id on the kdump command line */
} KdumpTest;

struct Manager {
        sd_event *event;
        sd_bus *bus;
        Backend *backend;
        char *config_dir;
        char *state_dir;
        /* $RUNTIME_DIRECTORY (/run/kexecd, kept across restarts): a copy of
         * the kexec image's state for the shutdown hook, which runs after
         * /var may be unmounted (src/shutdown/). NULL outside systemd. */
        char *runtime_dir;
        KexecdConfig config;
        Image *images[_IMAGE_TYPE_MAX];
        PolkitQuery *polkit_queries;
        uint64_t layout_generation;   /* bumped whenever the layout fingerprint changes */
        LayoutSnapshot layout;        /* as of the last check */
        bool layout_known;
        HotplugMonitor *hotplug;
        FileWatch *file_watch;        /* the loaded images' files (file-watch.c) */
        History history;
        ImaVerification ima;          /* last verification */
        /* VerifyIma is open to anyone: a verification is reused while the
         * chain is unchanged (same measurement list, same saved files). */
        char *ima_verified_key;
        KdumpTest kdump_test;
        /* Crash dumps in DumpDir, as of the last listing (metrics). */
        struct {
                unsigned complete, incomplete;
                uint64_t last_usec;
        } crash_counts;
        /* The kdump image's estimated crashkernel= need (manager-estimate.c),
         * 0 when unknown; re-evaluated on kdump (re)loads and unloads. */
        uint64_t crash_recommended;
        /* The last estimate (or its error) and the identity of the files it
         * read: reused while they are unchanged (manager-estimate.c). */
        struct {
                char *key;
                int r;
                CrashEstimate estimate;
                sd_bus_error error;
        } crash_cache;
        /* Facts Status() shows that change only with events kexecd sees,
         * kept instead of re-read per call (manager-platform.c; why each
         * stays correct: docs/architecture.md, "What Status() keeps"). */
        struct {
                char *kernel_release;          /* per boot */
                bool dt_known;                 /* per boot: /sys/firmware/fdt */
                int dt_r;
                DtReport dt;
                char *dt_message;
                bool regions_known;            /* /proc/iomem "Crash kernel" */
                uint64_t regions_crash_size;   /* ... as of this kexec_crash_size */
                uint64_t regions_layout_generation; /* ... and this layout */
                IomemRegion *regions;
                size_t n_regions;
        } facts;
        /* LastCrash, kept while the dump directory and its newest crash
         * directory are unchanged (manager-crash.c). */
        struct {
                bool valid;
                bool dir_exists;
                struct stat dir, newest;
                bool has;
                CrashEntry entry;
        } last_crash;
        /* Metrics for node_exporter (manager-metrics.c). The default
         * directory is NULL on the fake backend: a test or demo kexecd must
         * not publish metrics as if it were the host's. */
        const char *metrics_default_dir;
        MetricsFile metrics;
        sd_event_source *metrics_defer;
};

int manager_new(Manager **ret, Backend *backend, const char *config_dir, const char *state_dir);
Manager *manager_free(Manager *m);
static inline void manager_freep(Manager **m) {
        manager_free(*m);
}
int manager_connect_bus(Manager *m);
int manager_take_bus_name(Manager *m);
/* Adopts what the kernel has loaded and loads what is configured. */
int manager_startup(Manager *m);

/* Appends to the persistent history and emits HistoryEvent(t, s, s, s). */
void manager_record(Manager *m, Image *i, const char *event, const char *fmt, ...) _printf_(4, 5);

/* Kernel facts shown as Manager properties. */
#define MANAGER_LOCKDOWN_MAX 128
/* The active lockdown word, "unsupported" without one; may point into buf. */
const char *manager_lockdown_word(Manager *m, char buf[static MANAGER_LOCKDOWN_MAX]);
char *manager_lockdown(Manager *m);  /* "none", "integrity", ..., "unsupported" */
bool manager_load_disabled(Manager *m);
int64_t manager_load_limit(Manager *m, bool crash); /* -1 = unlimited/unknown */

/* image.c */
int image_new(Manager *m, ImageType type, Image **ret);
Image *image_free(Image *i);
int image_register(Image *i);
void image_emit_changed(Image *i);
int image_append_properties(Image *i, sd_bus_message *reply);
int image_refresh_loaded(Image *i);
extern const sd_bus_vtable image_vtable[];

/* bus-util.c */
/* Writes one value into reply (an open container of the right signature). */
typedef int (*BusAppender)(sd_bus_message *reply, void *userdata);
/* One {sv} entry of a Status() dictionary, its value written by append. */
int bus_append_dict_entry(sd_bus_message *reply, const char *key, const char *signature,
                          BusAppender append, void *userdata);

/* image-load.c: the operations themselves, shared by D-Bus methods, start-up
 * and automatic reloads. `error` receives a named org.kexecd1.Error. */
int image_load(Image *i, const ImageSpec *spec, const char *reason, sd_bus_error *error);
int image_unload(Image *i, sd_bus_error *error);

/* image-reload.c: loads the image again from the spec that loaded last
 * (else the configured one) and counts it as a reload; -ENOMEDIUM
 * (NothingToReload) when kexecd knows none. Reload(), the last-moment
 * check and automatic reloads all go through it. */
int image_reload(Image *i, const char *reason, sd_bus_error *error);
/* The last-moment check before a kexec reboot (PrepareKexec). */
int manager_prepare_kexec(Manager *m, sd_bus_error *error);

/* Re-reads the memory/CPU layout into m->layout; bumps LayoutGeneration
 * (and signals it) when it changed. The only place that does. */
int manager_refresh_layout(Manager *m);
/* Re-reads the layout, bumps the generation if it changed, and recomputes
 * Image.Stale from each image's load-time fingerprint (freshness.c). */
void manager_refresh_staleness(Manager *m);
int manager_start_hotplug(Manager *m);
/* Staleness and discard checks followed by reloads where needed. */
void manager_check_images(Manager *m, const char *why);
void image_read_crash_hotplug(Image *i);

/* file-watch.c */
/* Rebuilds the inotify watches on the directories of the loaded images'
 * kernel and initrd files; called after every load and unload. */
void manager_watch_files(Manager *m);
FileWatch *file_watch_free(FileWatch *w);
/* Marks the image stale for `reason` (not the layout): journal, history
 * ("stale"), PropertiesChanged; once until the image is loaded again. */
void image_mark_stale(Image *i, const char *fmt, ...) _printf_(2, 3);

/* kernel-change.c */
/* KernelsChanged(): re-resolves the entries images follow and reloads those
 * whose resolution changed or whose files were replaced. */
int manager_kernels_changed(Manager *m, const char *reason, sd_bus_error *error);

/* manager-ima.c */
void manager_ima_snapshot(Manager *m, const char *why);
void manager_ima_verify(Manager *m);
/* At start: add what the previous kernel's shutdown hook handed over. */
void manager_ima_import_handover(Manager *m);
int manager_append_ima(Manager *m, sd_bus_message *reply);
int method_verify_ima(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_export_ima(sd_bus_message *msg, void *userdata, sd_bus_error *error);

/* manager-platform.c */
/* The running kernel's release, read once (it cannot change until reboot). */
const char *manager_kernel_release(Manager *m);
void manager_facts_done(Manager *m);
/* BusAppenders (userdata: the Manager). */
int manager_append_crash_regions(sd_bus_message *reply, void *userdata);
/* The same for a kexec_crash_size the caller has just read. */
int manager_append_crash_regions_for(Manager *m, sd_bus_message *reply, uint64_t crash_size);
int manager_append_devicetree(sd_bus_message *reply, void *userdata);
int property_get_crash_regions(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error);
int property_get_devicetree(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error);

/* manager-boot.c */
/* Resolves in->entry ("default", "running" or an id) into a copy of `in`
 * with the entry's kernel, initrds (unless `in` has its own) and options;
 * NoSuchBootEntry when there is no such entry. */
int manager_resolve_entry(Manager *m, ImageType type, const ImageSpec *in, ImageSpec *out, sd_bus_error *error);
int method_list_boot_entries(sd_bus_message *msg, void *userdata, sd_bus_error *error);
/* manager-estimate.c */
/* Estimates the kdump image's reservation (the spec that loaded last, else
 * the configured one); a named error otherwise. *ret points into the
 * Manager's cache, valid until the next call. */
int manager_estimate_crash_kernel(Manager *m, const CrashEstimate **ret, sd_bus_error *error);
void manager_crash_cache_done(Manager *m);
uint64_t manager_crash_reserved(Manager *m);
bool manager_crash_sufficient(Manager *m);
/* The same for a reservation the caller has just read. */
bool manager_crash_sufficient_for(Manager *m, uint64_t reserved);
/* Re-estimates, logs a warning when the reservation is too small, emits
 * PropertiesChanged when CrashKernelSufficient/Recommended changed. */
void manager_update_crash_estimate(Manager *m);
int method_estimate_crash_kernel(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int property_get_crash_estimate(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error);
/* manager-metrics.c */
/* Reads the configured directory and schedules the first write. */
void manager_metrics_start(Manager *m);
/* Something published changed: rewrite kexecd.prom (once per event-loop
 * iteration, and only if the text differs). Call it wherever state that
 * docs/metrics.md lists changes; PropertiesChanged sites are such places. */
void manager_metrics_changed(Manager *m);
int manager_metrics_render(Manager *m, char **ret);
/* A clean stop: the file is removed (absent() alerts see it). */
void manager_metrics_stop(Manager *m);

/* manager-bus.c */
extern const sd_bus_vtable manager_vtable[];
