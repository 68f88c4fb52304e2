/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gcrypt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <limits.h>
#include <sys/mman.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "ima-chain.h"
#include "ima-log.h"
#include "ima-reader.h"
#include "ima-replay.h"
#include "ima-tpm.h"
#include "input-file.h"
#include "log.h"
#include "macro.h"

#define IMA_LIST_MAX (512u * 1024u * 1024u)
#define ALL_BANKS ((1u << _IMA_BANK_MAX) - 1)

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put)

/* What one snapshot of a boot saw: how many records, and IMA's PCR 10 in
 * each bank (read before the list). A boot keeps the checkpoints of its
 * snapshots so that a gap inside its saved list can be placed between two
 * of them. */
#define CHECKPOINTS_MAX 32
typedef struct Checkpoint {
        uint64_t records;
        unsigned banks;
        uint8_t pcr10[_IMA_BANK_MAX][IMA_DIGEST_MAX];
} Checkpoint;

typedef struct SavedBoot {
        char *dir;        /* full path */
        char *boot_id;
        char *release;
        uint64_t bytes;   /* valid bytes of log.bin */
        uint64_t records; /* counted by load_boot()'s pass */
        ImaPcrs pcrs;     /* read with the last snapshot */
        unsigned pcr_banks;
        uint64_t meta_records; /* what the last snapshot says it saved */
        Checkpoint *checkpoints;
        size_t n_checkpoints;
} SavedBoot;

static void saved_boot_done(SavedBoot *s) {
        free(s->dir);
        free(s->boot_id);
        free(s->release);
        free(s->checkpoints);
        *s = (SavedBoot) {};
}

static char *chain_dir(const char *state_dir) {
        char *p;
        return asprintf(&p, "%s/ima", state_dir) < 0 ? NULL : p;
}

static int read_meta(const char *dir, SavedBoot *s) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        _cleanup_(json_object_putp) json_object *o = NULL;
        json_object *v, *pcrs;

        if (asprintf(&path, "%s/meta.json", dir) < 0)
                return -ENOMEM;
        int r = read_full_file(path, 1 << 20, &text, NULL);
        if (r < 0)
                return r;
        o = json_tokener_parse(text);
        /* A meta.json may come from the previous kernel (a hand-over):
         * every field is checked for its type before use. */
        if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, "boot_id", &v) ||
            !json_object_is_type(v, json_type_string))
                return -EBADMSG;
        s->boot_id = strdup(json_object_get_string(v));
        s->release = json_object_object_get_ex(o, "kernel_release", &v) && json_object_is_type(v, json_type_string)
                     ? strdup(json_object_get_string(v)) : strdup("");
        s->bytes = json_object_object_get_ex(o, "bytes", &v) && json_object_is_type(v, json_type_int)
                   ? json_object_get_uint64(v) : 0;
        s->meta_records = json_object_object_get_ex(o, "records", &v) && json_object_is_type(v, json_type_int)
                          ? json_object_get_uint64(v) : 0;
        if (json_object_object_get_ex(o, "checkpoints", &v) && json_object_is_type(v, json_type_array)) {
                size_t n = MIN(json_object_array_length(v), (size_t) CHECKPOINTS_MAX);
                s->checkpoints = calloc(n + 1, sizeof(Checkpoint));
                if (!s->checkpoints)
                        return -ENOMEM;
                for (size_t i = 0; i < n; i++) {
                        json_object *c = json_object_array_get_idx(v, i), *rec, *p10;
                        Checkpoint *cp = &s->checkpoints[s->n_checkpoints];
                        if (!json_object_is_type(c, json_type_object) || !json_object_object_get_ex(c, "records", &rec) ||
                            !json_object_is_type(rec, json_type_int) || !json_object_object_get_ex(c, "pcr10", &p10) ||
                            !json_object_is_type(p10, json_type_object))
                                continue;
                        cp->records = json_object_get_uint64(rec);
                        json_object_object_foreach(p10, bank_name, hex) {
                                int bank = ima_bank_from_name(bank_name);
                                if (bank >= 0 && json_object_is_type(hex, json_type_string) &&
                                    ima_unhex(json_object_get_string(hex), cp->pcr10[bank], ima_bank_size(bank)) >= 0)
                                        cp->banks |= 1u << bank;
                        }
                        s->n_checkpoints++;
                }
        }
        if (json_object_object_get_ex(o, "pcrs", &pcrs) && json_object_is_type(pcrs, json_type_object)) {
                json_object_object_foreach(pcrs, bank_name, bank_obj) {
                        int bank = ima_bank_from_name(bank_name);
                        if (bank < 0 || !json_object_is_type(bank_obj, json_type_object))
                                continue;
                        json_object_object_foreach(bank_obj, idx, hex) {
                                unsigned i = (unsigned) atoi(idx);
                                if (i < IMA_PCR_MAX && json_object_is_type(hex, json_type_string) &&
                                    ima_unhex(json_object_get_string(hex), s->pcrs.value[bank][i], ima_bank_size(bank)) >= 0) {
                                        s->pcrs.valid[bank] |= 1u << i;
                                        s->pcr_banks |= 1u << bank;
                                }
                        }
                }
        }
        return s->boot_id && s->release ? 0 : -ENOMEM;
}

/* Where a list is streamed from: the kernel's current list, or a saved
 * boot's log.bin (its valid bytes only). Each pass opens it anew. */
typedef struct ListSource {
        Backend *backend;
        const SavedBoot *saved;
} ListSource;

typedef struct ListStream {
        int fd;
        ImaReader reader;
} ListStream;

static void list_stream_done(ListStream *l) {
        ima_reader_done(&l->reader);
        closep(&l->fd);
        l->fd = -EBADF;
}

static int list_stream_open(const ListSource *src, ListStream *ret) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        *ret = (ListStream) { .fd = -EBADF };
        if (src->backend) {
                fd = backend_open(src->backend, IMA_LIST_PATH, O_RDONLY | O_NONBLOCK);
                if (fd < 0)
                        return fd; /* -ENOENT: IMA not enabled */
        } else {
                _cleanup_free_ char *path = NULL;
                if (asprintf(&path, "%s/log.bin", src->saved->dir) < 0)
                        return -ENOMEM;
                fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
                if (fd < 0)
                        return -errno;
        }
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        /* Bytes past the recorded length are from a snapshot that crashed
         * before its meta.json was written: not part of the chain. */
        if (src->saved && (uint64_t) st.st_size < src->saved->bytes)
                return -EBADMSG;
        ret->fd = TAKE_FD(fd);
        if (src->backend)
                ima_reader_init_fd(&ret->reader, ret->fd, 20, IMA_ORDER_AUTO, IMA_LIST_MAX, true);
        else
                ima_reader_init_fd(&ret->reader, ret->fd, 20, IMA_ORDER_AUTO, src->saved->bytes, false);
        return 0;
}

/* Counts (and so validates) a list. */
static int list_count(const ListSource *src, uint64_t *ret_records, uint32_t *ret_used, ImaParseError *err) {
        _cleanup_(list_stream_done) ListStream l = { .fd = -EBADF };
        ImaRecord rec;
        uint32_t used = 0;
        int r = list_stream_open(src, &l);
        if (r < 0)
                return r;
        while ((r = ima_reader_next(&l.reader, &rec, err)) > 0)
                used |= 1u << rec.pcr;
        if (r < 0)
                return r;
        *ret_records = l.reader.records;
        if (ret_used)
                *ret_used = used;
        return 0;
}

static int load_boot(const char *dir, SavedBoot *s) {
        ImaParseError err = {};
        int r;

        s->dir = strdup(dir);
        if (!s->dir)
                return -ENOMEM;
        r = read_meta(dir, s);
        if (r < 0)
                return r;
        r = list_count(&(ListSource) { .saved = s }, &s->records, NULL, &err);
        if (r == -EBADMSG)
                log_warning("Saved IMA list %s/log.bin is malformed at byte %zu: %s", dir, err.offset, err.reason);
        return r;
}

/* n-ng names carry their NUL, n names do not. */
static bool record_is_boot_aggregate(const ImaRecord *r) {
        return (r->event_name_len == 14 || (r->event_name_len == 15 && r->event_name[14] == 0)) &&
               memcmp(r->event_name, "boot_aggregate", 14) == 0;
}

/* Records at the start of `src` that a kernel with CONFIG_IMA_KEXEC carried
 * over from `prev`'s boot, and that `prev` saved too. A boot's own records
 * start with its boot_aggregate (the kernel adds it first, after restoring a
 * carried list), so the carried ones are those before the list's last
 * boot_aggregate; a list that starts with its boot_aggregate carried
 * nothing, however much it resembles the previous one. The kernel copies
 * its list when the image is loaded: before the previous boot's last
 * snapshot (the rest of that boot is only in the saved list) or after it
 * (the carried records past the saved ones are that boot's tail, replayed
 * from this list). The overlap must repeat `prev` record for record, or
 * nothing was carried from it. Only the PCRs decide whether this story is
 * true. Two passes that only parse: where the last boot_aggregate is, then
 * the comparison. */
static uint64_t repeated_prefix_records(const ListSource *src, const SavedBoot *prev) {
        _cleanup_(list_stream_done) ListStream a = { .fd = -EBADF }, b = { .fd = -EBADF };
        ImaRecord ra, rb;
        uint64_t carried = 0;

        if (!prev || prev->records == 0 || list_stream_open(src, &a) < 0)
                return 0;
        while (ima_reader_next(&a.reader, &ra, NULL) > 0)
                if (record_is_boot_aggregate(&ra))
                        carried = a.reader.records - 1;
        list_stream_done(&a);
        uint64_t n = MIN(carried, prev->records);
        if (n == 0 || list_stream_open(src, &a) < 0 || list_stream_open(&(ListSource) { .saved = prev }, &b) < 0)
                return 0;
        for (uint64_t i = 0; i < n; i++)
                if (ima_reader_next(&a.reader, &ra, NULL) <= 0 || ima_reader_next(&b.reader, &rb, NULL) <= 0 ||
                    ra.pcr != rb.pcr || memcmp(ra.digest, rb.digest, 20) != 0)
                        return 0;
        return n;
}

static int dir_cmp(const struct dirent **a, const struct dirent **b) {
        return strcmp((*a)->d_name, (*b)->d_name);
}

static int dir_filter(const struct dirent *de) {
        return de->d_name[0] != '.' && strchr(de->d_name, '-') != NULL;
}

/* All saved boots, oldest first. Only their meta.json is kept in memory;
 * lists are streamed when used. */
static int load_chain(const char *state_dir, SavedBoot **ret, size_t *ret_n) {
        _cleanup_free_ char *base = chain_dir(state_dir);
        struct dirent **entries = NULL;
        SavedBoot *boots = NULL;
        size_t n = 0;
        int k, r = 0;

        if (!base)
                return -ENOMEM;
        k = scandir(base, &entries, dir_filter, dir_cmp);
        if (k < 0) {
                *ret = NULL;
                *ret_n = 0;
                return errno == ENOENT ? 0 : -errno;
        }
        boots = calloc((size_t) k + 1, sizeof(SavedBoot));
        for (int i = 0; i < k; i++) {
                char path[4096];
                snprintf(path, sizeof(path), "%s/%s", base, entries[i]->d_name);
                if (boots && r >= 0) {
                        int q = load_boot(path, &boots[n]);
                        if (q < 0) {
                                log_warning("Skipping unusable saved IMA boot %s: %s", path, strerror(-q));
                                saved_boot_done(&boots[n]);
                        } else
                                n++;
                }
                free(entries[i]);
        }
        free(entries);
        if (!boots)
                return -ENOMEM;
        *ret = boots;
        *ret_n = n;
        return 0;
}

static void free_chain(SavedBoot *b, size_t n) {
        for (size_t i = 0; i < n; i++)
                saved_boot_done(&b[i]);
        free(b);
}

static json_object *pcrs_to_json(const ImaPcrs *p, unsigned banks) {
        json_object *o = json_object_new_object();
        for (int b = 0; b < _IMA_BANK_MAX; b++) {
                if (!(banks & (1u << b)))
                        continue;
                json_object *bo = json_object_new_object();
                for (int i = 0; i < IMA_PCR_MAX; i++)
                        if (p->valid[b] & (1u << i)) {
                                char hex[2 * IMA_DIGEST_MAX + 1], key[8];
                                ima_hex(p->value[b][i], ima_bank_size(b), hex);
                                snprintf(key, sizeof(key), "%d", i);
                                json_object_object_add(bo, key, json_object_new_string(hex));
                        }
                json_object_object_add(o, ima_bank_name(b), bo);
        }
        return o;
}

static int find_or_create_boot_dir(const char *state_dir, const char *boot_id, char **ret) {
        _cleanup_free_ char *base = chain_dir(state_dir);
        struct dirent **entries = NULL;
        int k, seq = 0;
        char *found = NULL;

        if (!base)
                return -ENOMEM;
        int r = mkdir_parents_and_self(base, 0700);
        if (r < 0)
                return r;
        k = scandir(base, &entries, dir_filter, dir_cmp);
        if (k < 0)
                return -errno;
        for (int i = 0; i < k; i++) {
                const char *dash = strchr(entries[i]->d_name, '-');
                int s = atoi(entries[i]->d_name);
                if (s >= seq)
                        seq = s + 1;
                if (dash && streq(dash + 1, boot_id) && !found && asprintf(&found, "%s/%s", base, entries[i]->d_name) < 0)
                        found = NULL;
                free(entries[i]);
        }
        free(entries);
        if (found) {
                *ret = found;
                return 0;
        }
        if (asprintf(&found, "%s/%04d-%s", base, seq, boot_id) < 0)
                return -ENOMEM;
        if (mkdir(found, 0700) < 0 && errno != EEXIST) {
                r = -errno;
                free(found);
                return r;
        }
        *ret = found;
        return 1;
}

/* A boot id names a directory: letters, digits, '-' and '_' only, so that
 * no "/" or ".." from a handed-over meta.json can leave the chain's
 * directory (a real boot id is a UUID). */
static bool boot_id_is_valid(const char *id) {
        size_t n = strlen(id);
        if (n == 0 || n > 64)
                return false;
        for (const char *p = id; *p; p++)
                if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '-' || *p == '_'))
                        return false;
        return true;
}

static json_object *checkpoint_to_json(uint64_t records, const uint8_t pcr10[_IMA_BANK_MAX][IMA_DIGEST_MAX],
                                      unsigned banks) {
        json_object *c = json_object_new_object(), *p = json_object_new_object();
        for (int b = 0; b < _IMA_BANK_MAX; b++)
                if (banks & (1u << b)) {
                        char hex[2 * IMA_DIGEST_MAX + 1];
                        ima_hex(pcr10[b], ima_bank_size(b), hex);
                        json_object_object_add(p, ima_bank_name(b), json_object_new_string(hex));
                }
        json_object_object_add(c, "records", json_object_new_uint64(records));
        json_object_object_add(c, "pcr10", p);
        return c;
}

/* A saved boot's meta.json text (read back by read_meta()): this snapshot,
 * and the checkpoints of the boot's earlier ones (`prev`, may be NULL),
 * the first and the latest kept when there are too many. */
static char *meta_format(const char *boot_id, const char *release, size_t records, size_t bytes,
                         const ImaPcrs *pcrs, unsigned banks, const SavedBoot *prev) {
        _cleanup_(json_object_putp) json_object *meta = json_object_new_object();
        json_object *cps = json_object_new_array();
        if (!meta || !cps)
                return NULL;
        json_object_object_add(meta, "boot_id", json_object_new_string(boot_id));
        json_object_object_add(meta, "kernel_release", json_object_new_string(strempty(release)));
        json_object_object_add(meta, "snapshot_time", json_object_new_uint64((uint64_t) time(NULL)));
        json_object_object_add(meta, "records", json_object_new_uint64(records));
        json_object_object_add(meta, "bytes", json_object_new_uint64(bytes));
        json_object_object_add(meta, "pcrs", pcrs_to_json(pcrs, banks));
        size_t n = prev ? prev->n_checkpoints : 0;
        for (size_t i = 0; i < n; i++)
                if (i == 0 || n - i < CHECKPOINTS_MAX - 1) {
                        const Checkpoint *cp = &prev->checkpoints[i];
                        if (cp->records <= records)
                                json_object_array_add(cps, checkpoint_to_json(cp->records, cp->pcr10, cp->banks));
                }
        uint8_t pcr10[_IMA_BANK_MAX][IMA_DIGEST_MAX] = {};
        unsigned cp_banks = 0;
        for (int b = 0; b < _IMA_BANK_MAX; b++)
                if ((banks & (1u << b)) && (pcrs->valid[b] & (1u << 10))) {
                        memcpy(pcr10[b], pcrs->value[b][10], IMA_DIGEST_MAX);
                        cp_banks |= 1u << b;
                }
        if (cp_banks)
                json_object_array_add(cps, checkpoint_to_json(records, pcr10, cp_banks));
        json_object_object_add(meta, "checkpoints", cps);
        return strdup(json_object_to_json_string_ext(meta, JSON_C_TO_STRING_PRETTY));
}

/* Compares a stream of bytes with a file's, front to back, through a
 * small buffer. */
typedef struct FileCompare {
        int fd;
        uint8_t buf[64 * 1024];
        size_t pos, len;
} FileCompare;

static bool file_compare_next(FileCompare *c, const uint8_t *p, size_t n) {
        while (n > 0) {
                if (c->pos == c->len) {
                        ssize_t k = read(c->fd, c->buf, sizeof(c->buf));
                        if (k < 0 && errno == EINTR)
                                continue;
                        if (k <= 0)
                                return false;
                        c->pos = 0;
                        c->len = (size_t) k;
                }
                size_t m = MIN(n, c->len - c->pos);
                if (memcmp(c->buf + c->pos, p, m) != 0)
                        return false;
                c->pos += m;
                p += m;
                n -= m;
        }
        return true;
}

static int write_all(int fd, const uint8_t *p, size_t n) {
        while (n > 0) {
                ssize_t k = write(fd, p, n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                p += k;
                n -= (size_t) k;
        }
        return 0;
}

/* Saves the list `src` as the list of boot `boot_id`, append-only: what was
 * saved for that boot must be a prefix of it, record for record. The list
 * is streamed: compared with the saved bytes, then the rest appended.
 * `pcrs` were read right before the list; *ret_used gets the PCR indexes
 * the list extends. */
static int chain_save(const char *state_dir, const char *boot_id, const char *release, const ListSource *src,
                      const ImaPcrs *pcrs, unsigned banks, ImaSnapshotResult *ret, uint32_t *ret_used) {
        _cleanup_free_ char *dir = NULL, *log_path = NULL, *meta_path = NULL, *meta = NULL;
        _cleanup_(list_stream_done) ListStream l = { .fd = -EBADF };
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ FileCompare *cmp = NULL;
        _cleanup_free_ uint8_t *out = NULL;
        SavedBoot prev = {};
        uint64_t old_size = 0;
        size_t out_len = 0;
        const size_t out_size = 1024 * 1024;
        uint32_t used = 0;
        ImaParseError err = {};
        ImaRecord rec;
        int r;

        if (!boot_id_is_valid(boot_id))
                return -EBADMSG;
        r = find_or_create_boot_dir(state_dir, boot_id, &dir);
        if (r < 0)
                goto finish;
        if (asprintf(&log_path, "%s/log.bin", dir) < 0 || asprintf(&meta_path, "%s/meta.json", dir) < 0) {
                r = -ENOMEM;
                goto finish;
        }
        if (read_meta(dir, &prev) >= 0)
                old_size = prev.bytes;
        r = list_stream_open(src, &l);
        if (r < 0)
                goto finish;
        fd = open(log_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        cmp = calloc(1, sizeof(*cmp));
        out = malloc(out_size);
        if (fd < 0 || !cmp || !out) {
                r = fd < 0 ? -errno : -ENOMEM;
                goto finish;
        }
        cmp->fd = fd;
        /* Drop bytes a crashed earlier snapshot left past the recorded
         * length; what is new is appended after it. */
        if (ftruncate(fd, (off_t) old_size) < 0) {
                r = -errno;
                goto finish;
        }
        while ((r = ima_reader_next(&l.reader, &rec, &err)) > 0) {
                used |= 1u << rec.pcr;
                if (rec.offset < old_size) {
                        /* Append-only: the saved records must be this list's first. */
                        if (rec.offset + rec.raw_len > old_size || !file_compare_next(cmp, rec.raw, rec.raw_len)) {
                                r = -ENOTUNIQ;
                                break;
                        }
                        continue;
                }
                if (out_len + rec.raw_len > out_size) {
                        r = write_all(fd, out, out_len);
                        if (r < 0)
                                break;
                        out_len = 0;
                }
                if (rec.raw_len > out_size) {
                        r = write_all(fd, rec.raw, rec.raw_len);
                        if (r < 0)
                                break;
                } else {
                        memcpy(out + out_len, rec.raw, rec.raw_len);
                        out_len += rec.raw_len;
                }
        }
        if (r == 0 && l.reader.offset < old_size)
                r = -ENOTUNIQ; /* shorter than what was saved */
        if (r == 0)
                r = write_all(fd, out, out_len);
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (r < 0) {
                if (r == -ENOTUNIQ) {
                        log_warning("Saved IMA list of boot %s is not a prefix of the new one; keeping it and not appending.", boot_id);
                        r = -EBADMSG;
                } else if (r == -EBADMSG)
                        log_warning("IMA list is malformed at byte %zu: %s; not saving it.", err.offset, err.reason);
                /* Nothing half-appended stays behind the recorded length. */
                (void) ftruncate(fd, (off_t) old_size);
                goto finish;
        }

        meta = meta_format(boot_id, release, l.reader.records, l.reader.offset, pcrs, banks, &prev);
        if (!meta) {
                r = -ENOMEM;
                goto finish;
        }
        r = write_file_atomic(meta_path, meta, strlen(meta), 0600);
        if (r < 0)
                goto finish;
        ret->records = l.reader.records;
        ret->bytes = l.reader.offset;
        ret->new_bytes = l.reader.offset - old_size;
        snprintf(ret->boot_dir, sizeof(ret->boot_dir), "%s", dir);
        if (ret_used)
                *ret_used = used;
        r = 0;
finish:
        saved_boot_done(&prev);
        return r;
}

/* PCR 10 (IMA's) and 0..9 (boot_aggregate): read before the list, so that
 * a match is accepted after any prefix of it (the list may run ahead of
 * the PCRs, never behind). */
#define LIST_PCRS 0x7ffu

/* A policy may extend other PCRs too (rare): those are read after the
 * list, once it says which. */
static void read_extra_pcrs(Backend *b, uint32_t used, ImaPcrs *pcrs, unsigned banks) {
        uint32_t extra = used & ~LIST_PCRS;
        ImaPcrs more;
        unsigned more_banks = 0;

        if (!extra || !banks || ima_tpm_read_pcrs(b, banks, extra, &more, &more_banks) < 0)
                return;
        for (int k = 0; k < _IMA_BANK_MAX; k++)
                for (unsigned i = 11; i < IMA_PCR_MAX; i++)
                        if (more.valid[k] & (1u << i)) {
                                memcpy(pcrs->value[k][i], more.value[k][i], IMA_DIGEST_MAX);
                                pcrs->valid[k] |= 1u << i;
                        }
}

int ima_snapshot(Backend *b, const char *state_dir, ImaSnapshotResult *ret) {
        _cleanup_free_ char *boot_id = NULL, *release = NULL;
        ImaPcrs pcrs;
        unsigned banks = 0;
        uint32_t used = 0;
        int r;

        *ret = (ImaSnapshotResult) {};
        if (ima_tpm_read_pcrs(b, ALL_BANKS, LIST_PCRS, &pcrs, &banks) < 0)
                banks = 0;
        r = backend_read_string(b, KERNEL_BOOT_ID, &boot_id);
        if (r < 0)
                return r;
        (void) backend_read_string(b, KERNEL_OSRELEASE, &release);
        r = chain_save(state_dir, boot_id, release, &(ListSource) { .backend = b }, &pcrs, banks, ret, &used);
        if (r < 0 || !(used & ~LIST_PCRS))
                return r;
        /* The extra PCRs go into meta.json: save it again with them (the
         * list part is unchanged but for what was appended meanwhile). */
        read_extra_pcrs(b, used, &pcrs, banks);
        return chain_save(state_dir, boot_id, release, &(ListSource) { .backend = b }, &pcrs, banks, ret, NULL);
}


/* Checks a boot_aggregate record against PCRs 0-7 / 0-9 of the TPM. */
static int check_boot_aggregate(const ImaRecord *r, const ImaPcrs *tpm) {
        if (!record_is_boot_aggregate(r))
                return -1;
        /* d-ng: "<algo>:\0<digest>", preceded by its u32 length. */
        if (r->ima_template || r->data_len < 4)
                return -1;
        uint32_t flen = (uint32_t) r->data[0] | (uint32_t) r->data[1] << 8 | (uint32_t) r->data[2] << 16 | (uint32_t) r->data[3] << 24;
        const uint8_t *f = r->data + 4;
        if (flen > r->data_len - 4)
                return -1;
        const uint8_t *nul = memchr(f, 0, flen);
        if (!nul || nul == f || f[nul - f - 1] != ':')
                return -1;
        char algo[16];
        size_t alen = (size_t) (nul - f - 1);
        if (alen >= sizeof(algo))
                return -1;
        memcpy(algo, f, alen);
        algo[alen] = 0;
        int bank = ima_bank_from_name(algo);
        if (bank < 0)
                return -1;
        size_t dsize = ima_bank_size(bank);
        const uint8_t *digest = nul + 1;
        if ((size_t) (f + flen - digest) != dsize)
                return -1;
        int gcry = bank == IMA_BANK_SHA1 ? GCRY_MD_SHA1 : bank == IMA_BANK_SHA256 ? GCRY_MD_SHA256 :
                   bank == IMA_BANK_SHA384 ? GCRY_MD_SHA384 : bank == IMA_BANK_SHA512 ? GCRY_MD_SHA512 : GCRY_MD_SM3;
        /* SHA-1 covers PCRs 0-7; other banks 0-9 (kernels >= 5.8) or 0-7. */
        for (int last = bank == IMA_BANK_SHA1 ? 7 : 9; last >= 7; last -= 2) {
                uint8_t cat[10 * IMA_DIGEST_MAX], out[IMA_DIGEST_MAX];
                bool have = true;
                for (int i = 0; i <= last; i++) {
                        if (!(tpm->valid[bank] & (1u << i)))
                                have = false;
                        memcpy(cat + (size_t) i * dsize, tpm->value[bank][i], dsize);
                }
                if (!have)
                        return -1;
                gcry_md_hash_buffer(gcry, out, cat, (size_t) (last + 1) * dsize);
                if (memcmp(out, digest, dsize) == 0)
                        return 1;
                if (bank == IMA_BANK_SHA1)
                        break;
        }
        return 0;
}

/* One streaming pass over a list that replays it, record by record, for
 * every story that could explain the PCRs at once (alternatives ×
 * banks × replay modes), each record's hashes computed once. */
enum {
        ALT_ON_TOP,     /* extended on top of the chain so far */
        ALT_CARRIED,    /* on top of the chain, after the records the previous boot's list repeats */
        ALT_FRESH,      /* from zero: a cold boot, or a list carried over whole */
        _ALT_MAX,
};

typedef struct Pass {
        ImaMatcher m[_ALT_MAX][_IMA_BANK_MAX][2];
        bool alt[_ALT_MAX];
        unsigned banks;
        uint32_t used;
        uint64_t aggregates;
        const ImaPcrs *aggregate_tpm; /* check boot_aggregate records against these */
        int boot_aggregate;
} Pass;

static void pass_init(Pass *p, unsigned banks, const ImaPcrs *tpm, const ImaPcrs *chain, const ImaPcrs *zero,
                      bool on_top, uint64_t carried) {
        const ImaPcrs *start[_ALT_MAX] = { chain, chain, zero };
        const uint64_t start_at[_ALT_MAX] = { 0, carried, 0 };

        p->banks = banks;
        p->used = 0;
        p->aggregates = 0;
        p->boot_aggregate = -1;
        p->aggregate_tpm = NULL;
        p->alt[ALT_ON_TOP] = on_top;
        p->alt[ALT_CARRIED] = on_top && carried > 0;
        p->alt[ALT_FRESH] = true;
        for (int a = 0; a < _ALT_MAX; a++)
                for (int b = 0; b < _IMA_BANK_MAX; b++)
                        for (int mode = 0; mode < 2; mode++) {
                                if (p->alt[a] && (banks & (1u << b)))
                                        ima_matcher_init(&p->m[a][b][mode], start[a], (ImaBank) b, (ImaReplayMode) mode,
                                                         tpm, start_at[a]);
                                else
                                        p->m[a][b][mode].active = false;
                        }
}

static void pass_feed(Pass *p, const ImaRecord *rec) {
        ImaRecordDigests d;

        p->used |= 1u << rec->pcr;
        if (record_is_boot_aggregate(rec)) {
                p->aggregates++;
                if (p->aggregate_tpm && p->boot_aggregate != 0) {
                        int a = check_boot_aggregate(rec, p->aggregate_tpm);
                        if (a >= 0)
                                p->boot_aggregate = a;
                }
        }
        ima_record_digests(rec, p->banks, true, &d);
        for (int a = 0; a < _ALT_MAX; a++)
                if (p->alt[a])
                        for (int b = 0; b < _IMA_BANK_MAX; b++)
                                if (p->banks & (1u << b)) {
                                        ima_matcher_feed(&p->m[a][b][IMA_REPLAY_PER_BANK], rec, &d);
                                        ima_matcher_feed(&p->m[a][b][IMA_REPLAY_PADDED], rec, &d);
                                }
}

static int pass_run(Pass *p, const ListSource *src, uint64_t *ret_records, ImaParseError *err) {
        _cleanup_(list_stream_done) ListStream l = { .fd = -EBADF };
        ImaRecord rec;
        int r = list_stream_open(src, &l);
        if (r < 0)
                return r;
        while ((r = ima_reader_next(&l.reader, &rec, err)) > 0)
                pass_feed(p, &rec);
        *ret_records = l.reader.records;
        return r;
}

/* Does alternative `a` explain every bank in `banks` that `tpm` has a
 * value for (in per-bank or padded mode, each bank on its own: a kernel
 * extends a bank whose hash it cannot compute with the padded SHA-1 digest
 * while computing the others, seen with swtpm's extra banks)? modes[] gets
 * each bank's mode, *prefix the longest matched prefix. */
static bool pass_explains(Pass *p, int a, unsigned banks, const ImaPcrs *tpm, ImaReplayMode modes[_IMA_BANK_MAX],
                          uint64_t *prefix) {
        uint32_t idx = p->used | (1u << 10);
        uint64_t longest = 0;
        bool any = false;

        if (!p->alt[a])
                return false;
        for (int b = 0; b < _IMA_BANK_MAX; b++) {
                if (!(banks & (1u << b)) || !(p->banks & (1u << b)) || !(tpm->valid[b] & idx))
                        continue;
                bool found = false;
                for (int mode = IMA_REPLAY_PER_BANK; mode <= IMA_REPLAY_PADDED && !found; mode++)
                        if (ima_matcher_finish(&p->m[a][b][mode], p->used)) {
                                modes[b] = (ImaReplayMode) mode;
                                longest = MAX(longest, p->m[a][b][mode].prefix);
                                found = true;
                        }
                if (!found)
                        return false;
                any = true;
        }
        if (any && prefix)
                *prefix = longest;
        return any;
}

/* The PCRs after the whole list under alternative `a`. */
static void pass_end_state(const Pass *p, int a, const ImaReplayMode modes[_IMA_BANK_MAX], ImaPcrs *ret) {
        for (int b = 0; b < _IMA_BANK_MAX; b++)
                if (p->banks & (1u << b)) {
                        const ImaMatcher *m = &p->m[a][b][modes[b]];
                        memcpy(ret->value[b], m->state.value[b], sizeof(ret->value[b]));
                        ret->valid[b] = m->state.valid[b];
                }
}

static void verification_from_error(ImaVerification *v, int r, const ImaParseError *err, const char *which) {
        if (r == -EFBIG) {
                snprintf(v->status, sizeof(v->status), "too-large");
                snprintf(v->detail, sizeof(v->detail), "the %s measurement list is larger than the %u MiB kexecd reads",
                         which, IMA_LIST_MAX >> 20);
        } else if (r == -EBADMSG) {
                snprintf(v->status, sizeof(v->status), "malformed");
                snprintf(v->detail, sizeof(v->detail), "%s list malformed at byte %zu: %s", which, err->offset, err->reason);
        } else {
                snprintf(v->status, sizeof(v->status), r == -ENOENT ? "disabled" : "unknown");
                snprintf(v->detail, sizeof(v->detail), "no IMA measurement list (%s)", strerror(-r));
        }
}

/* A replay of one bank in one mode from one start, walking the boot's
 * checkpoints in order: each must match IMA's PCR at a prefix no longer
 * than the records it saw (its PCRs were read before its list). */
typedef struct CheckpointWalk {
        ImaPcrs state;
        ImaBank bank;
        ImaReplayMode mode;
        size_t next;        /* first checkpoint not matched */
        uint64_t ok_prefix; /* records verified by the last matched checkpoint */
        bool failed;
} CheckpointWalk;

static void walk_check(CheckpointWalk *w, const SavedBoot *s, uint64_t prefix) {
        while (!w->failed && w->next < s->n_checkpoints) {
                const Checkpoint *cp = &s->checkpoints[w->next];
                if (!(cp->banks & (1u << w->bank)) || cp->records < prefix) {
                        /* Passed its record count without a match. */
                        w->failed = cp->banks & (1u << w->bank);
                        if (!w->failed)
                                w->next++;
                        continue;
                }
                if (memcmp(w->state.value[w->bank][10], cp->pcr10[w->bank], ima_bank_size(w->bank)) != 0)
                        return;
                w->next++;
                w->ok_prefix = prefix;
        }
}

/* Places a gap inside saved boot `s`, whose list replays to none of the
 * PCRs its snapshots read: between the last checkpoint some replay (from
 * the chain so far or from zero, any bank, either mode) reaches and the
 * next one. Without checkpoints (older meta.json) it stays unplaced. */
static void locate_gap_inside(const SavedBoot *s, const ImaPcrs *chain, const ImaPcrs *zero, unsigned banks,
                              ImaVerification *v) {
        _cleanup_(list_stream_done) ListStream l = { .fd = -EBADF };
        _cleanup_free_ CheckpointWalk *w = NULL;
        size_t n = 0;
        ImaRecord rec;

        if (s->n_checkpoints == 0 || list_stream_open(&(ListSource) { .saved = s }, &l) < 0)
                return;
        w = calloc(2 * _IMA_BANK_MAX * 2, sizeof(CheckpointWalk));
        if (!w)
                return;
        for (int start = 0; start < 2; start++)
                for (int b = 0; b < _IMA_BANK_MAX; b++)
                        for (int mode = 0; mode < 2; mode++)
                                if (banks & (1u << b)) {
                                        w[n] = (CheckpointWalk) { .state = start ? *zero : *chain, .bank = (ImaBank) b,
                                                                  .mode = (ImaReplayMode) mode };
                                        walk_check(&w[n], s, 0);
                                        n++;
                                }
        while (ima_reader_next(&l.reader, &rec, NULL) > 0) {
                ImaRecordDigests d;
                ima_record_digests(&rec, banks, true, &d);
                for (size_t i = 0; i < n; i++)
                        if (!w[i].failed && w[i].next < s->n_checkpoints) {
                                ima_extend(&w[i].state, w[i].bank, &rec, &d, w[i].mode);
                                walk_check(&w[i], s, l.reader.records);
                        }
        }
        const CheckpointWalk *best = NULL;
        for (size_t i = 0; i < n; i++)
                if (!best || w[i].next > best->next || (w[i].next == best->next && w[i].ok_prefix > best->ok_prefix))
                        best = &w[i];
        if (!best || best->next >= s->n_checkpoints)
                return;
        v->gap_after_record = best->ok_prefix;
        v->gap_before_record = s->checkpoints[best->next].records;
}

int ima_verify(Backend *b, const char *state_dir, ImaVerification *v) {
        _cleanup_free_ char *boot_id = NULL;
        _cleanup_free_ Pass *p = NULL;
        const ListSource current = { .backend = b };
        SavedBoot *boots = NULL;
        size_t nboots = 0;
        uint64_t n = 0, prefix = 0;
        ImaParseError err = {};
        ImaPcrs tpm, zero, state;
        ImaReplayMode modes[_IMA_BANK_MAX] = {};
        unsigned banks = 0;
        int r;

        *v = (ImaVerification) { .boot_aggregate = -1, .gap_unaccounted = -1 };
        p = calloc(1, sizeof(Pass));
        if (!p)
                return -ENOMEM;
        (void) backend_read_string(b, KERNEL_BOOT_ID, &boot_id);
        /* The PCRs first, then the list (see LIST_PCRS). */
        if (ima_tpm_read_pcrs(b, ALL_BANKS, LIST_PCRS, &tpm, &banks) < 0) {
                uint32_t used;
                r = list_count(&current, &n, &used, &err);
                if (r < 0) {
                        verification_from_error(v, r, &err, "current");
                        return 0;
                }
                v->measurements = n;
                snprintf(v->status, sizeof(v->status), "no-tpm");
                snprintf(v->detail, sizeof(v->detail), "no TPM PCRs readable: the list cannot be verified");
                return 0;
        }
        v->banks = banks;
        ima_pcrs_init_zero(&zero, banks);

        (void) load_chain(state_dir, &boots, &nboots);
        /* The current boot's own snapshot is not part of the past. */
        size_t past = nboots;
        if (past > 0 && boot_id && streq(boots[past - 1].boot_id, boot_id))
                past--;

        /* (b, first half) the saved chain's end state: which story explains
         * each boot's PCRs at its snapshot: extended on top of the previous
         * boot, a carried-over list, or a fresh start (a real reboot reset
         * the TPM)? */
        state = zero;
        uint64_t counted = 0;
        bool gap = false, gap_inside = false;
        const SavedBoot *gap_saved = NULL;
        for (size_t k = 0; k < past; k++) {
                SavedBoot *s = &boots[k];
                const ListSource src = { .saved = s };
                uint64_t skip = k > 0 ? repeated_prefix_records(&src, &boots[k - 1]) : 0;
                ImaReplayMode bm[_IMA_BANK_MAX] = {};
                unsigned sb = s->pcr_banks & banks;
                int chosen;

                pass_init(p, banks, &s->pcrs, &state, &zero, true, skip);
                r = pass_run(p, &src, &n, &err);
                if (r < 0) {
                        /* It validated when the chain was loaded: changed since. */
                        verification_from_error(v, r, &err, "a saved");
                        goto done;
                }
                if (sb && pass_explains(p, ALT_ON_TOP, sb, &s->pcrs, bm, NULL)) {
                        chosen = ALT_ON_TOP;
                        skip = 0;
                } else if (sb && skip && pass_explains(p, ALT_CARRIED, sb, &s->pcrs, bm, NULL)) {
                        chosen = ALT_CARRIED;
                        v->carried_over = true;
                } else if (sb && pass_explains(p, ALT_FRESH, sb, &s->pcrs, bm, NULL)) {
                        chosen = ALT_FRESH;
                        skip = 0;
                        counted = 0;
                        v->boots_in_chain = 0;
                } else {
                        if (!gap) {
                                gap = true;
                                gap_inside = true;
                                gap_saved = s;
                                snprintf(v->gap_boot, sizeof(v->gap_boot), "%s", s->boot_id);
                                v->gap_after_record = 0;
                                locate_gap_inside(s, &state, &zero, sb ? sb : banks, v);
                                /* kexecd's own count of what it saved says how many
                                 * are missing at least when the list got shorter. */
                                if (s->meta_records > n)
                                        v->gap_unaccounted = (int64_t) (s->meta_records - n);
                        }
                        chosen = skip ? ALT_CARRIED : ALT_ON_TOP;
                        memset(bm, 0, sizeof(bm));
                }
                /* Records after the last matched one were measured after
                 * the snapshot read the PCRs: they still count, so the
                 * state is that of the whole saved list. */
                pass_end_state(p, chosen, bm, &state);
                counted += n - skip;
                v->boots_in_chain++;
        }

        /* The current list, in one pass for every story. */
        uint64_t skip_cur = past > 0 ? repeated_prefix_records(&current, &boots[past - 1]) : 0;
        for (int attempt = 0;; attempt++) {
                pass_init(p, banks, &tpm, &state, &zero, past > 0, skip_cur);
                p->aggregate_tpm = &tpm;
                r = pass_run(p, &current, &n, &err);
                if (r < 0) {
                        verification_from_error(v, r, &err, "current");
                        goto done;
                }
                /* Another PCR than IMA's: read it and replay again (rare). */
                if (attempt > 0 || !(p->used & ~LIST_PCRS))
                        break;
                read_extra_pcrs(b, p->used, &tpm, banks);
        }
        v->measurements = n;
        v->boot_aggregate = p->boot_aggregate;

        /* (a) the current list alone: cold boot, or a carried-over list. */
        if (pass_explains(p, ALT_FRESH, banks, &tpm, modes, &prefix)) {
                snprintf(v->status, sizeof(v->status), "verified");
                snprintf(v->method, sizeof(v->method), "current-list");
                v->boots_in_chain = p->aggregates > 0 ? (unsigned) p->aggregates : 1;
                v->carried_over = p->aggregates > 1;
                snprintf(v->detail, sizeof(v->detail), "%" PRIu64 " of %" PRIu64 " records replay to the TPM (%s mode)%s",
                         prefix, n, modes[IMA_BANK_SHA1] == IMA_REPLAY_PADDED ? "padded" : "per-bank",
                         v->carried_over ? "; the list was carried over from earlier boots" : "");
                goto done;
        }

        /* (b) the saved chain's end state, then the current list. */
        bool extended = past > 0 && pass_explains(p, ALT_ON_TOP, banks, &tpm, modes, &prefix);
        if (extended)
                skip_cur = 0;
        if (extended || (past > 0 && skip_cur && pass_explains(p, ALT_CARRIED, banks, &tpm, modes, &prefix))) {
                snprintf(v->status, sizeof(v->status), "verified");
                snprintf(v->method, sizeof(v->method), "chain");
                v->boots_in_chain++;
                if (skip_cur)
                        v->carried_over = true;
                /* The carried records are counted with the boot that saved them. */
                v->measurements = counted + n - skip_cur;
                snprintf(v->detail, sizeof(v->detail), "%zu saved boot(s) plus the current list replay to the TPM", past);
                goto done;
        }

        /* (c) a gap: name the boot, where in it, and what to do. */
        if (past == 0) {
                snprintf(v->status, sizeof(v->status), "mismatch");
                snprintf(v->detail, sizeof(v->detail),
                         "the current list does not replay to the TPM and no earlier boot is saved");
        } else if (gap_inside) {
                char where[160], missing[128] = "";
                snprintf(v->status, sizeof(v->status), "gap");
                if (v->gap_before_record > 0)
                        snprintf(where, sizeof(where), "records are missing or altered between record %" PRIu64
                                 " and record %" PRIu64, v->gap_after_record, v->gap_before_record);
                else
                        snprintf(where, sizeof(where), "records are missing or altered (no earlier snapshot of it "
                                 "replays either, so not placed)");
                if (v->gap_unaccounted > 0)
                        snprintf(missing, sizeof(missing), " (%" PRId64 " extend(s) unaccounted for: kexecd saved %" PRIu64
                                 " records of it, the list now holds %" PRIu64 ")", v->gap_unaccounted,
                                 gap_saved->meta_records, gap_saved->records);
                snprintf(v->detail, sizeof(v->detail),
                         "boot %s's saved list does not replay to the PCRs its snapshots read: %s%s; its saved list "
                         "was changed or damaged after it was written (restore %s/ima from a backup); "
                         "the chain verifies again after a cold reboot",
                         v->gap_boot, where, missing, state_dir);
        } else {
                snprintf(v->status, sizeof(v->status), "gap");
                if (!gap) {
                        /* Every saved boot matched its own snapshot: the
                         * missing measurements are those of the last saved
                         * boot after its last snapshot; how many cannot be
                         * known (only their hashes are in the TPM). */
                        SavedBoot *s = &boots[past - 1];
                        snprintf(v->gap_boot, sizeof(v->gap_boot), "%s", s->boot_id);
                        v->gap_after_record = s->records;
                }
                snprintf(v->detail, sizeof(v->detail),
                         "measurements missing after record %" PRIu64 " of boot %s (saved chain: %zu boot(s)); "
                         "how many is unknown: only their sum is in the TPM. If that boot ended with a kexec, its "
                         "shutdown hook did not hand the rest of its list over (its console shows why: kexecd-shutdown); "
                         "the chain verifies again after a cold reboot",
                         v->gap_after_record, v->gap_boot, past);
        }
        v->boots_in_chain = (unsigned) past + 1;
        v->measurements = counted + n - skip_cur;

done:
        free_chain(boots, nboots);
        return 0;
}

static void append_ascii(FILE *f, const ImaRecord *r) {
        char hex[2 * IMA_DIGEST_MAX + 1];
        ima_hex(r->digest, r->digest_len, hex);
        fprintf(f, "%u %s %s ", r->pcr, hex, r->template_name);
        fwrite(r->event_name ? r->event_name : "", 1,
               r->event_name_len && r->event_name[r->event_name_len - 1] == 0 ? r->event_name_len - 1 : r->event_name_len, f);
        fputc('\n', f);
}

/* The chain's records into a sealed memfd, streamed: never the whole chain
 * in kexecd's memory. */
int ima_export(Backend *b, const char *state_dir, const char *format, int *ret_fd) {
        _cleanup_free_ char *boot_id = NULL;
        _cleanup_close_ int fd = -EBADF;
        _cleanup_fclose_ FILE *f = NULL;
        SavedBoot *boots = NULL;
        size_t nboots = 0;
        bool ascii;
        int r;

        if (streq(format, "ascii"))
                ascii = true;
        else if (streq(format, "binary"))
                ascii = false;
        else
                return -EINVAL;

        /* The current list first: without one there is nothing to export. */
        {
                _cleanup_(list_stream_done) ListStream l = { .fd = -EBADF };
                r = list_stream_open(&(ListSource) { .backend = b }, &l);
                if (r < 0)
                        return r;
        }
        fd = memfd_create(ascii ? "ima-chain.txt" : "ima-chain.bin", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0)
                return -errno;
        int wfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        f = wfd >= 0 ? fdopen(wfd, "w") : NULL;
        if (!f) {
                r = -errno;
                if (wfd >= 0)
                        close(wfd);
                return r;
        }
        (void) backend_read_string(b, KERNEL_BOOT_ID, &boot_id);
        (void) load_chain(state_dir, &boots, &nboots);
        size_t past = nboots;
        if (past > 0 && boot_id && streq(boots[past - 1].boot_id, boot_id))
                past--;

        r = 0;
        for (size_t k = 0; k <= past && r >= 0; k++) {
                const ListSource src = k < past ? (ListSource) { .saved = &boots[k] } : (ListSource) { .backend = b };
                _cleanup_(list_stream_done) ListStream l = { .fd = -EBADF };
                uint64_t skip = k > 0 ? repeated_prefix_records(&src, &boots[k - 1]) : 0;
                ImaRecord rec;
                r = list_stream_open(&src, &l);
                while (r >= 0 && (r = ima_reader_next(&l.reader, &rec, NULL)) > 0) {
                        if (l.reader.records <= skip)
                                continue;
                        if (ascii)
                                append_ascii(f, &rec);
                        else
                                fwrite(rec.raw, 1, rec.raw_len, f);
                        if (ferror(f))
                                r = -EIO;
                }
        }
        if (fflush(f) != 0 && r >= 0)
                r = -EIO;
        free_chain(boots, nboots);
        if (r < 0)
                return r;
        r = memfd_seal(fd);
        if (r < 0)
                return r;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int ima_chain_import(const char *state_dir, const char *boot_dir, ImaSnapshotResult *ret) {
        SavedBoot s = {};
        int r;

        *ret = (ImaSnapshotResult) {};
        r = load_boot(boot_dir, &s);
        if (r >= 0)
                r = chain_save(state_dir, s.boot_id, s.release, &(ListSource) { .saved = &s }, &s.pcrs, s.pcr_banks,
                               ret, NULL);
        saved_boot_done(&s);
        return r;
}

int ima_snapshot_to_memory(Backend *b, char **ret_meta, uint8_t **ret_list, size_t *ret_size) {
        _cleanup_free_ char *boot_id = NULL, *release = NULL;
        _cleanup_free_ uint8_t *list = NULL;
        ImaReader reader;
        ImaRecord rec;
        ImaParseError err = {};
        ImaPcrs pcrs;
        unsigned banks = 0;
        uint32_t used = 0;
        size_t size = 0;
        int r;

        if (ima_tpm_read_pcrs(b, ALL_BANKS, LIST_PCRS, &pcrs, &banks) < 0)
                banks = 0;
        r = backend_read_full_max(b, IMA_LIST_PATH, IMA_LIST_MAX, (char **) &list, &size);
        if (r < 0)
                return r;
        ima_reader_init_memory(&reader, list, size, 20, IMA_ORDER_AUTO);
        while ((r = ima_reader_next(&reader, &rec, &err)) > 0)
                used |= 1u << rec.pcr;
        ima_reader_done(&reader);
        if (r < 0) {
                log_warning("Current IMA list is malformed at byte %zu: %s; not saving it.", err.offset, err.reason);
                return r;
        }
        read_extra_pcrs(b, used, &pcrs, banks);
        r = backend_read_string(b, KERNEL_BOOT_ID, &boot_id);
        if (r < 0)
                return r;
        (void) backend_read_string(b, KERNEL_OSRELEASE, &release);
        *ret_meta = meta_format(boot_id, release, reader.records, size, &pcrs, banks, NULL);
        if (!*ret_meta)
                return -ENOMEM;
        *ret_list = TAKE_PTR(list);
        *ret_size = size;
        return (int) MIN(reader.records, (uint64_t) INT_MAX);
}
