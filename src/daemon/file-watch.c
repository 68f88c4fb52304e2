/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Noticing that a loaded image's kernel or initrd file changed on disk (a
 * package upgrade replaced it, someone removed it) without polling: one
 * inotify instance, one watch per distinct directory of the loaded images'
 * files (the kernel returns the same watch descriptor for a directory
 * added twice), events filtered by file name. The watch set is rebuilt
 * after every load and unload (manager_watch_files()).
 *
 * Directories, not files: a package manager replaces a file by renaming a
 * new one over it, and a watch on the old inode would see nothing but its
 * deletion. A change marks the image Stale with a reason and a history
 * entry; kexecd does not reload by itself (docs/boot-entries.md, "Kernel
 * upgrades": the kernel file arrives before its initrd is built, so a
 * reload at the first event could load a new kernel with an old initrd). */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "manager.h"

/* Two images, a kernel and a few initrds each, usually in /boot: a handful
 * of directories. The bound keeps a spec with many initrds in many
 * directories from using up the user's inotify watches. */
#define FILE_WATCH_DIRS_MAX 8u
/* Each file may be watched under its name and under its symlink target. */
#define FILE_WATCH_NAMES_MAX (2u * _IMAGE_TYPE_MAX * (1u + 32u + 1u))

#define WATCH_MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM | IN_ATTRIB | \
                    IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

typedef struct WatchedName {
        int wd;
        ImageType type;
        char *path;  /* as loaded: what the reason names */
        char *name;  /* the file name inside the watched directory */
} WatchedName;

struct FileWatch {
        int fd;
        sd_event_source *source;
        WatchedName names[FILE_WATCH_NAMES_MAX];
        size_t n_names;
        int wds[FILE_WATCH_DIRS_MAX];
        size_t n_wds;
};

FileWatch *file_watch_free(FileWatch *w) {
        if (!w)
                return NULL;
        sd_event_source_disable_unref(w->source);
        if (w->fd >= 0)
                close(w->fd);
        for (size_t k = 0; k < w->n_names; k++) {
                free(w->names[k].path);
                free(w->names[k].name);
        }
        free(w);
        return NULL;
}

void image_mark_stale(Image *i, const char *fmt, ...) {
        _cleanup_free_ char *reason = NULL;
        va_list ap;

        /* One history entry per change: an upgrade renames, writes and
         * chmods several times, and the image stays stale until it is
         * loaded again. */
        if (i->stale_reason)
                return;
        va_start(ap, fmt);
        int r = vasprintf(&reason, fmt, ap);
        va_end(ap);
        if (r < 0)
                return;
        i->stale_reason = TAKE_PTR(reason);
        i->stale = true;
        log_event(LOG_NOTICE, KEXECD_MESSAGE_STALE, image_type_to_string(i->type),
                  "The %s image is stale: %s.", image_type_to_string(i->type), i->stale_reason);
        manager_record(i->manager, i, "stale", "%s", i->stale_reason);
        image_emit_changed(i);
}

static const char *event_verb(uint32_t mask) {
        if (mask & (IN_DELETE | IN_DELETE_SELF))
                return "was removed";
        if (mask & (IN_MOVED_FROM | IN_MOVE_SELF))
                return "was moved away";
        if (mask & (IN_CLOSE_WRITE | IN_MOVED_TO))
                return "was replaced";
        return "changed its attributes";
}

static void on_event(Manager *m, const struct inotify_event *ev) {
        FileWatch *w = m->file_watch;

        if (ev->mask & IN_Q_OVERFLOW) {
                /* Events were lost: the files may or may not have changed.
                 * Say so rather than keep a possibly outdated image. */
                for (int t = 0; t < _IMAGE_TYPE_MAX; t++)
                        if (m->images[t]->has_state && m->images[t]->loaded)
                                image_mark_stale(m->images[t], "file change events were lost (inotify queue overflow)");
                return;
        }
        for (size_t k = 0; k < w->n_names; k++) {
                WatchedName *n = &w->names[k];
                if (n->wd != ev->wd)
                        continue;
                /* Events about the directory itself (no name): everything in
                 * it is affected. */
                if (ev->len > 0 && !streq(ev->name, n->name))
                        continue;
                /* The kernel dropped the image since the watch was armed:
                 * nothing loaded can be outdated. */
                if (!m->images[n->type]->loaded)
                        continue;
                if (ev->mask & IN_IGNORED)
                        image_mark_stale(m->images[n->type], "the directory of %s is gone", n->path);
                else
                        image_mark_stale(m->images[n->type], "%s %s", n->path, event_verb(ev->mask));
        }
}

static int on_inotify(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;
        /* Aligned as struct inotify_event requires. */
        _Alignas(struct inotify_event) char buf[4096];

        for (;;) {
                ssize_t l = read(fd, buf, sizeof(buf));
                if (l < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                return 0;
                        return log_warning_errno(-errno, "Cannot read file change events: %m");
                }
                for (char *p = buf; p < buf + l;) {
                        const struct inotify_event *ev = (const struct inotify_event *) p;
                        on_event(m, ev);
                        /* on_event() never rebuilds the watch: w stays valid. */
                        p += sizeof(struct inotify_event) + ev->len;
                }
        }
}

static int watch_path(FileWatch *w, ImageType type, const char *path) {
        _cleanup_free_ char *dcopy = strdup(path), *bcopy = strdup(path);
        if (!dcopy || !bcopy)
                return -ENOMEM;
        if (w->n_names >= FILE_WATCH_NAMES_MAX)
                return -E2BIG;
        const char *dir = dirname(dcopy), *name = basename(bcopy);

        int wd = inotify_add_watch(w->fd, dir, WATCH_MASK);
        if (wd < 0)
                return log_warning_errno(-errno, "Cannot watch %s for changes to %s: %m", dir, path);
        bool known = false;
        for (size_t k = 0; k < w->n_wds; k++)
                known = known || w->wds[k] == wd;
        if (!known) {
                if (w->n_wds >= FILE_WATCH_DIRS_MAX) {
                        (void) inotify_rm_watch(w->fd, wd);
                        return log_warning_errno(-E2BIG, "Not watching %s: more than %u directories hold the images' files.",
                                                 dir, FILE_WATCH_DIRS_MAX);
                }
                w->wds[w->n_wds++] = wd;
        }
        WatchedName *n = &w->names[w->n_names];
        if (!(n->path = strdup(path)) || !(n->name = strdup(name)))
                return -ENOMEM;
        n->wd = wd;
        n->type = type;
        w->n_names++;
        log_debug("Watching %s (in %s) for the %s image.", name, dir, image_type_to_string(type));
        return 0;
}

/* The file and, when it is a symlink, where it leads: replacing either
 * changes what a reload would load. */
static void watch_file(FileWatch *w, ImageType type, const char *path) {
        char target[PATH_MAX];
        (void) watch_path(w, type, path);
        if (realpath(path, target) && !streq(target, path))
                (void) watch_path(w, type, target);
}

/* Closes the gap between the load's open() and the watch: a file replaced
 * in between has another identity than the one loaded. */
static void check_identity(Image *i) {
        struct stat st;
        if (!i->kernel_stat_known || !i->has_state || !i->state.spec.kernel)
                return;
        if (stat(i->state.spec.kernel, &st) < 0)
                image_mark_stale(i, "%s is gone since it was loaded", i->state.spec.kernel);
        else if (st.st_dev != i->kernel_stat.st_dev || st.st_ino != i->kernel_stat.st_ino ||
                 st.st_size != i->kernel_stat.st_size || st.st_mtim.tv_sec != i->kernel_stat.st_mtim.tv_sec ||
                 st.st_mtim.tv_nsec != i->kernel_stat.st_mtim.tv_nsec)
                image_mark_stale(i, "%s was replaced since it was loaded", i->state.spec.kernel);
}

void manager_watch_files(Manager *m) {
        FileWatch *w;
        int r;

        m->file_watch = file_watch_free(m->file_watch);
        if (!m->event)
                return;
        w = calloc(1, sizeof(FileWatch));
        if (!w) {
                log_oom();
                return;
        }
        m->file_watch = w;
        w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (w->fd < 0) {
                log_warning_errno(-errno, "Cannot watch the images' files, replaced kernels are noticed only at reloads: %m");
                return;
        }
        for (int t = 0; t < _IMAGE_TYPE_MAX; t++) {
                Image *i = m->images[t];
                if (!i->has_state || !i->loaded || isempty(i->state.spec.kernel))
                        continue;
                watch_file(w, t, i->state.spec.kernel);
                for (char **p = i->state.spec.initrds; p && *p; p++)
                        watch_file(w, t, *p);
        }
        if (w->n_wds == 0)
                return;
        r = sd_event_add_io(m->event, &w->source, w->fd, EPOLLIN, on_inotify, m);
        if (r < 0) {
                log_warning_errno(r, "Cannot watch the images' files: %m");
                return;
        }
        for (int t = 0; t < _IMAGE_TYPE_MAX; t++)
                check_identity(m->images[t]);
}
