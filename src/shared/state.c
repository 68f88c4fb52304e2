/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "kexecd-limits.h"
#include "json-util.h"
#include "macro.h"
#include "utf8.h"
#include "state.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put)

void image_state_done(ImageState *s) {
        image_spec_done(&s->spec);
        free(s->effective_cmdline);
        free(s->kernel_sha256);
        free(s->kernel_format);
        free(s->syscall_used);
        free(s->syscall_reason);
        free(s->layout_fingerprint);
        *s = (ImageState) {};
}

static char *state_path(const char *dir, ImageType type) {
        char *p;
        if (asprintf(&p, "%s/%s.json", dir, image_type_to_string(type)) < 0)
                return NULL;
        return p;
}

int image_state_format(const ImageState *s, char **ret) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        json_object *initrds;
        int r = 0;

        if (!o || !(initrds = json_object_new_array()))
                return -ENOMEM;
        if (json_object_object_add(o, "initrds", initrds) < 0)
                return -ENOMEM;
        for (char **i = s->spec.initrds; i && *i; i++)
                if (json_object_array_add(initrds, json_object_new_string(*i)) < 0)
                        return -ENOMEM;

        if ((r = json_add_u64(o, "version", 1)) < 0 ||
            (r = json_add_string(o, "kernel", s->spec.kernel)) < 0 ||
            (r = json_add_string(o, "cmdline", strempty(s->spec.cmdline))) < 0 ||
            (r = json_add_string(o, "append", s->spec.append)) < 0 ||
            (r = json_add_string(o, "entry", s->spec.entry)) < 0 ||
            (r = json_add_string(o, "entry_options", s->spec.entry_options)) < 0 ||
            (r = json_add_string(o, "syscall", syscall_mode_to_string(s->spec.syscall))) < 0 ||
            (r = json_add_string(o, "effective_cmdline", s->effective_cmdline)) < 0 ||
            (r = json_add_string(o, "kernel_sha256", s->kernel_sha256)) < 0 ||
            (r = json_add_string(o, "kernel_format", s->kernel_format)) < 0 ||
            (r = json_add_string(o, "syscall_used", s->syscall_used)) < 0 ||
            (r = json_add_string(o, "syscall_reason", s->syscall_reason)) < 0 ||
            (r = json_add_string(o, "layout_fingerprint", s->layout_fingerprint)) < 0 ||
            (r = json_add_u64(o, "loaded_at_usec", s->loaded_at_usec)) < 0 ||
            (r = json_add_u64(o, "load_duration_usec", s->load_duration_usec)) < 0 ||
            (r = json_add_u64(o, "layout_generation", s->layout_generation)) < 0)
                return r;
        if (s->spec.entry_initrds && json_object_object_add(o, "entry_initrds", json_object_new_boolean(true)) < 0)
                return -ENOMEM;
        if (s->pending && json_object_object_add(o, "pending", json_object_new_boolean(true)) < 0)
                return -ENOMEM;

        const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);
        if (!text)
                return -ENOMEM;
        /* text belongs to o: copy it out before o goes. */
        *ret = strdup(text);
        return *ret ? 0 : -ENOMEM;
}

int image_state_save(const char *state_dir, ImageType type, const ImageState *s) {
        _cleanup_free_ char *path = state_path(state_dir, type), *text = NULL;
        int r;

        if (!path)
                return -ENOMEM;
        r = image_state_format(s, &text);
        if (r < 0)
                return r;
        r = mkdir_parents_and_self(state_dir, 0755);
        if (r < 0)
                return r;
        return write_file_atomic(path, text, strlen(text), 0644);
}

static int get_string(json_object *o, const char *key, bool required, char **ret) {
        json_object *v;
        if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null)) {
                *ret = NULL;
                return required ? -EBADMSG : 0;
        }
        if (!json_object_is_type(v, json_type_string))
                return -EBADMSG;
        *ret = strdup(json_object_get_string(v));
        return *ret ? 0 : -ENOMEM;
}

static uint64_t get_u64(json_object *o, const char *key) {
        json_object *v;
        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
                return 0;
        return json_object_get_uint64(v);
}

int image_state_parse(const char *text, ImageState *ret) {
        _cleanup_free_ char *syscall = NULL;
        _cleanup_(json_object_putp) json_object *o = NULL;
        _cleanup_(image_state_done) ImageState s = {};
        json_object *initrds;
        int r;

        o = json_tokener_parse(text);
        if (!o || !json_object_is_type(o, json_type_object))
                return -EBADMSG;

        if ((r = get_string(o, "kernel", true, &s.spec.kernel)) < 0 ||
            (r = get_string(o, "cmdline", true, &s.spec.cmdline)) < 0 ||
            (r = get_string(o, "append", false, &s.spec.append)) < 0 ||
            (r = get_string(o, "entry", false, &s.spec.entry)) < 0 ||
            (r = get_string(o, "entry_options", false, &s.spec.entry_options)) < 0 ||
            (r = get_string(o, "syscall", false, &syscall)) < 0 ||
            (r = get_string(o, "effective_cmdline", false, &s.effective_cmdline)) < 0 ||
            (r = get_string(o, "kernel_sha256", false, &s.kernel_sha256)) < 0 ||
            (r = get_string(o, "kernel_format", false, &s.kernel_format)) < 0 ||
            (r = get_string(o, "syscall_used", false, &s.syscall_used)) < 0 ||
            (r = get_string(o, "syscall_reason", false, &s.syscall_reason)) < 0 ||
            (r = get_string(o, "layout_fingerprint", false, &s.layout_fingerprint)) < 0)
                return r;
        if (s.spec.kernel[0] != '/' || strlen(s.spec.kernel) > KEXECD_PATH_MAX)
                return -EBADMSG;
        /* What was written by kexecd is UTF-8 (it refuses anything else on
         * the way in); anything else was not written by this kexecd and
         * would poison Status. */
        if (!utf8_is_valid(s.spec.kernel) || !utf8_is_valid(strempty(s.spec.cmdline)) ||
            !utf8_is_valid(strempty(s.spec.append)) || !utf8_is_valid(strempty(s.effective_cmdline)) ||
            !utf8_is_valid(strempty(s.syscall_reason)) || !utf8_is_valid(strempty(s.kernel_format)) ||
            !utf8_is_valid(strempty(s.kernel_sha256)) || !utf8_is_valid(strempty(s.syscall_used)) ||
            !utf8_is_valid(strempty(s.layout_fingerprint)) || !utf8_is_valid(strempty(s.spec.entry_options)))
                return -EBADMSG;
        if (s.spec.entry && !image_spec_entry_valid(s.spec.entry))
                return -EBADMSG;
        s.spec.syscall = syscall ? syscall_mode_from_string(syscall) : SYSCALL_AUTO;
        if (s.spec.syscall < 0)
                return -EBADMSG;

        if (!json_object_object_get_ex(o, "initrds", &initrds) || !json_object_is_type(initrds, json_type_array))
                return -EBADMSG;
        size_t n = json_object_array_length(initrds);
        if (n > KEXECD_INITRDS_MAX)
                return -EBADMSG;
        s.spec.initrds = calloc(n + 1, sizeof(char *));
        if (!s.spec.initrds)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *v = json_object_array_get_idx(initrds, i);
                if (!json_object_is_type(v, json_type_string) || !utf8_is_valid(json_object_get_string(v)))
                        return -EBADMSG;
                if (!(s.spec.initrds[i] = strdup(json_object_get_string(v))))
                        return -ENOMEM;
        }
        s.loaded_at_usec = get_u64(o, "loaded_at_usec");
        s.load_duration_usec = get_u64(o, "load_duration_usec");
        s.layout_generation = get_u64(o, "layout_generation");
        json_object *pending, *entry_initrds;
        s.spec.entry_initrds = json_object_object_get_ex(o, "entry_initrds", &entry_initrds) &&
                               json_object_get_boolean(entry_initrds);
        s.pending = json_object_object_get_ex(o, "pending", &pending) && json_object_get_boolean(pending);

        /* A state adopted at start-up is written again later: refuse one
         * that would then no longer fit what image_state_load() reads (JSON
         * escaping grows a raw control byte sixfold, '/' twofold). kexecd's
         * own files come back byte for byte, so this refuses only files it
         * did not write. */
        _cleanup_free_ char *again = NULL;
        r = image_state_format(&s, &again);
        if (r < 0)
                return r;
        if (strlen(again) > KEXECD_STATE_FILE_MAX)
                return -EBADMSG;

        *ret = s;
        s = (ImageState) {};
        return 0;
}

int image_state_load(const char *state_dir, ImageType type, ImageState *ret) {
        _cleanup_free_ char *path = state_path(state_dir, type), *text = NULL;
        int r;

        if (!path)
                return -ENOMEM;
        /* Exactly the bound on what kexecd accepts and writes
         * (kexecd-limits.h): an accepted spec can always be read back. */
        r = read_full_file(path, KEXECD_STATE_FILE_MAX, &text, NULL);
        if (r < 0)
                return r;
        return image_state_parse(text, ret);
}

int image_state_remove(const char *state_dir, ImageType type) {
        _cleanup_free_ char *path = state_path(state_dir, type);
        if (!path)
                return -ENOMEM;
        if (unlink(path) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}
