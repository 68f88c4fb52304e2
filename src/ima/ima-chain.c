/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gcrypt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "ima-chain.h"
#include "ima-log.h"
#include "ima-replay.h"
#include "ima-tpm.h"
#include "input-file.h"
#include "log.h"
#include "macro.h"

#define IMA_LIST_MAX (512u * 1024u * 1024u)
#define ALL_BANKS ((1u << _IMA_BANK_MAX) - 1)

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put)

typedef struct SavedBoot {
        char *dir;        /* full path */
        char *boot_id;
        char *release;
        uint64_t bytes;   /* valid bytes of log.bin */
        uint8_t *log;     /* the valid bytes */
        ImaLog parsed;
        ImaPcrs pcrs;     /* read with the last snapshot */
        unsigned pcr_banks;
} SavedBoot;

static void saved_boot_done(SavedBoot *s) {
        free(s->dir);
        free(s->boot_id);
        free(s->release);
        free(s->log);
        ima_log_done(&s->parsed);
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

static int load_boot(const char *dir, SavedBoot *s) {
        _cleanup_free_ char *path = NULL;
        uint8_t *buf = NULL;
        size_t size = 0;
        ImaParseError err;
        int r;

        s->dir = strdup(dir);
        if (!s->dir)
                return -ENOMEM;
        r = read_meta(dir, s);
        if (r < 0)
                return r;
        if (asprintf(&path, "%s/log.bin", dir) < 0)
                return -ENOMEM;
        r = read_full_file(path, IMA_LIST_MAX, (char **) &buf, &size);
        if (r < 0)
                return r;
        /* Bytes past the recorded length are from a snapshot that crashed
         * before its meta.json was written: not part of the chain. */
        if (size < s->bytes) {
                free(buf);
                return -EBADMSG;
        }
        s->log = buf;
        r = ima_log_parse(buf, s->bytes, 20, IMA_ORDER_AUTO, &s->parsed, &err);
        if (r < 0)
                log_warning("Saved IMA list %s is malformed at byte %zu: %s", path, err.offset, err.reason);
        return r;
}

static int dir_cmp(const struct dirent **a, const struct dirent **b) {
        return strcmp((*a)->d_name, (*b)->d_name);
}

static int dir_filter(const struct dirent *de) {
        return de->d_name[0] != '.' && strchr(de->d_name, '-') != NULL;
}

/* All saved boots, oldest first. */
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

static int read_current(Backend *b, uint8_t **ret, size_t *ret_size) {
        /* Long-running machines have lists far above the 16 MiB kexecd
         * reads other kernel files with (every executable, every boot). */
        return backend_read_full_max(b, IMA_LIST_PATH, IMA_LIST_MAX, (char **) ret, ret_size);
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

/* A saved boot's meta.json text (read back by read_meta()). */
static char *meta_format(const char *boot_id, const char *release, size_t records, size_t bytes,
                         const ImaPcrs *pcrs, unsigned banks) {
        _cleanup_(json_object_putp) json_object *meta = json_object_new_object();
        if (!meta)
                return NULL;
        json_object_object_add(meta, "boot_id", json_object_new_string(boot_id));
        json_object_object_add(meta, "kernel_release", json_object_new_string(strempty(release)));
        json_object_object_add(meta, "snapshot_time", json_object_new_uint64((uint64_t) time(NULL)));
        json_object_object_add(meta, "records", json_object_new_uint64(records));
        json_object_object_add(meta, "bytes", json_object_new_uint64(bytes));
        json_object_object_add(meta, "pcrs", pcrs_to_json(pcrs, banks));
        return strdup(json_object_to_json_string_ext(meta, JSON_C_TO_STRING_PRETTY));
}

/* Saves `cur` as the list of boot `boot_id`, append-only: what was saved for
 * that boot must be a prefix of it. `pcrs` were read right before `cur`. */
static int chain_save(const char *state_dir, const char *boot_id, const char *release, const uint8_t *cur, size_t size,
                      const ImaLog *parsed, const ImaPcrs *pcrs, unsigned banks, ImaSnapshotResult *ret) {
        _cleanup_free_ char *dir = NULL, *log_path = NULL, *meta_path = NULL;
        _cleanup_free_ uint8_t *old = NULL;
        _cleanup_free_ char *meta = NULL;
        SavedBoot prev = {};
        size_t old_size = 0;
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

        /* Append-only: what was saved must be a prefix of the list now. */
        if (old_size > 0) {
                size_t file_size = 0;
                r = read_full_file(log_path, IMA_LIST_MAX, (char **) &old, &file_size);
                if (r < 0 || file_size < old_size || old_size > size || memcmp(old, cur, old_size) != 0) {
                        log_warning("Saved IMA list of boot %s is not a prefix of the new one; keeping it and not appending.", boot_id);
                        r = -EBADMSG;
                        goto finish;
                }
        }
        {
                _cleanup_close_ int fd = open(log_path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
                if (fd < 0) {
                        r = -errno;
                        goto finish;
                }
                /* Drop bytes a crashed earlier snapshot left past the
                 * recorded length, then append what is new. */
                if (ftruncate(fd, (off_t) old_size) < 0 || lseek(fd, (off_t) old_size, SEEK_SET) < 0) {
                        r = -errno;
                        goto finish;
                }
                for (size_t done = old_size; done < size;) {
                        ssize_t k = write(fd, cur + done, size - done);
                        if (k < 0) {
                                r = -errno;
                                goto finish;
                        }
                        done += (size_t) k;
                }
                if (fsync(fd) < 0) {
                        r = -errno;
                        goto finish;
                }
        }

        meta = meta_format(boot_id, release, parsed->n, size, pcrs, banks);
        if (!meta) {
                r = -ENOMEM;
                goto finish;
        }
        r = write_file_atomic(meta_path, meta, strlen(meta), 0600);
        if (r < 0)
                goto finish;
        ret->records = parsed->n;
        ret->bytes = size;
        ret->new_bytes = size - old_size;
        snprintf(ret->boot_dir, sizeof(ret->boot_dir), "%s", dir);
        r = 0;
finish:
        saved_boot_done(&prev);
        return r;
}

/* The PCRs first, then the list: a match is accepted after any prefix of
 * the list (it may run ahead of the PCRs, never behind). */
static int read_list_and_pcrs(Backend *b, uint8_t **ret_list, size_t *ret_size, ImaLog *ret_parsed,
                              ImaPcrs *ret_pcrs, unsigned *ret_banks) {
        _cleanup_free_ uint8_t *cur = NULL;
        ImaParseError err;
        size_t size = 0;
        int r;

        /* PCR 10 (IMA's) and 0..9 (boot_aggregate) before the list. */
        if (ima_tpm_read_pcrs(b, ALL_BANKS, 0x7ff, ret_pcrs, ret_banks) < 0)
                *ret_banks = 0;
        r = read_current(b, &cur, &size);
        if (r < 0)
                return r; /* -ENOENT: IMA not enabled */
        r = ima_log_parse(cur, size, 20, IMA_ORDER_AUTO, ret_parsed, &err);
        if (r < 0) {
                log_warning("Current IMA list is malformed at byte %zu: %s; not saving it.", err.offset, err.reason);
                return r;
        }
        /* A policy may extend other PCRs too (rare): read those after. */
        unsigned extra = ima_log_pcr_indexes(ret_parsed) & ~0x7ffu;
        if (extra && *ret_banks) {
                ImaPcrs more;
                unsigned more_banks = 0;
                if (ima_tpm_read_pcrs(b, *ret_banks, extra, &more, &more_banks) >= 0)
                        for (int k = 0; k < _IMA_BANK_MAX; k++)
                                for (unsigned i = 11; i < IMA_PCR_MAX; i++)
                                        if (more.valid[k] & (1u << i)) {
                                                memcpy(ret_pcrs->value[k][i], more.value[k][i], IMA_DIGEST_MAX);
                                                ret_pcrs->valid[k] |= 1u << i;
                                        }
        }
        *ret_list = TAKE_PTR(cur);
        *ret_size = size;
        return 0;
}

/* This boot's list, PCRs, id and release: what every snapshot records. */
typedef struct ThisBoot {
        uint8_t *list;
        size_t size;
        ImaLog parsed;
        ImaPcrs pcrs;
        unsigned banks;
        char *boot_id;
        char *release;
} ThisBoot;

static void this_boot_done(ThisBoot *t) {
        free(t->list);
        ima_log_done(&t->parsed);
        free(t->boot_id);
        free(t->release);
        *t = (ThisBoot) {};
}

static int this_boot_read(Backend *b, ThisBoot *t) {
        *t = (ThisBoot) {};
        int r = read_list_and_pcrs(b, &t->list, &t->size, &t->parsed, &t->pcrs, &t->banks);
        if (r >= 0)
                r = backend_read_string(b, KERNEL_BOOT_ID, &t->boot_id);
        if (r < 0) {
                this_boot_done(t);
                return r;
        }
        (void) backend_read_string(b, KERNEL_OSRELEASE, &t->release);
        return 0;
}

int ima_snapshot(Backend *b, const char *state_dir, ImaSnapshotResult *ret) {
        _cleanup_(this_boot_done) ThisBoot t = {};
        int r;

        *ret = (ImaSnapshotResult) {};
        r = this_boot_read(b, &t);
        if (r < 0)
                return r;
        return chain_save(state_dir, t.boot_id, t.release, t.list, t.size, &t.parsed, &t.pcrs, t.banks, ret);
}

/* n-ng names carry their NUL, n names do not. */
static bool record_is_boot_aggregate(const ImaRecord *r) {
        return (r->event_name_len == 14 || (r->event_name_len == 15 && r->event_name[14] == 0)) &&
               memcmp(r->event_name, "boot_aggregate", 14) == 0;
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

/* Records at the start of `cur` that a kernel with CONFIG_IMA_KEXEC carried
 * over from `prev`'s boot, and that `prev` saved too. A boot's own records
 * start with its boot_aggregate (the kernel adds it first, after restoring a
 * carried list), so the carried ones are those before cur's last
 * boot_aggregate; a list that starts with its boot_aggregate carried nothing,
 * however much it resembles the previous one. The kernel copies its list
 * when the image is loaded: before the previous boot's last snapshot (the
 * rest of that boot is only in the saved list) or after it (the carried
 * records past the saved ones are that boot's tail, replayed from cur). The
 * overlap must repeat `prev` record for record, or nothing was carried from
 * it. Only the PCRs decide whether this story is true. */
static size_t repeated_prefix_records(const ImaLog *cur, const SavedBoot *prev) {
        size_t carried = 0;
        if (!prev)
                return 0;
        for (size_t i = 0; i < cur->n; i++)
                if (record_is_boot_aggregate(&cur->records[i]))
                        carried = i;
        size_t n = carried < prev->parsed.n ? carried : prev->parsed.n;
        for (size_t i = 0; i < n; i++) {
                const ImaRecord *a = &cur->records[i], *b = &prev->parsed.records[i];
                if (a->pcr != b->pcr || memcmp(a->digest, b->digest, 20) != 0)
                        return 0;
        }
        return n;
}

/* Each bank is matched on its own, in per-bank or padded mode: a kernel
 * extends a bank whose hash it cannot compute with the padded SHA-1 digest
 * while computing the others (seen with swtpm's extra banks). Every bank
 * the TPM reported must be explained. modes[] gets each bank's mode. */
static bool try_match(const ImaPcrs *start, unsigned banks, const ImaLog *log, size_t skip, const ImaPcrs *tpm,
                      ImaReplayMode modes[_IMA_BANK_MAX], size_t *prefix, ImaPcrs *end) {
        ImaLog view = { .records = log->records + skip, .n = log->n - skip };
        uint32_t idx = ima_log_pcr_indexes(log) | (1u << 10);
        ImaPcrs result = *start;
        size_t longest = 0;
        bool any = false;

        for (int b = 0; b < _IMA_BANK_MAX; b++) {
                if (!(banks & (1u << b)) || !(tpm->valid[b] & idx))
                        continue;
                bool found = false;
                for (int m = IMA_REPLAY_PER_BANK; m <= IMA_REPLAY_PADDED && !found; m++) {
                        ImaPcrs e;
                        size_t p;
                        if (ima_replay_match(start, 1u << b, &view, m, tpm, idx, &p, &e)) {
                                memcpy(result.value[b], e.value[b], sizeof(result.value[b]));
                                result.valid[b] = e.valid[b];
                                modes[b] = m;
                                if (p > longest)
                                        longest = p;
                                found = true;
                        }
                }
                if (!found)
                        return false;
                any = true;
        }
        if (!any)
                return false;
        *prefix = longest;
        if (end)
                *end = result;
        return true;
}

static void replay_banks(ImaPcrs *state, unsigned banks, const ImaLog *view, const ImaReplayMode modes[_IMA_BANK_MAX]) {
        for (int b = 0; b < _IMA_BANK_MAX; b++)
                if (banks & (1u << b))
                        ima_replay(state, 1u << b, view, 0, view->n, modes[b]);
}

int ima_verify(Backend *b, const char *state_dir, ImaVerification *v) {
        _cleanup_free_ uint8_t *cur = NULL;
        _cleanup_free_ char *boot_id = NULL;
        SavedBoot *boots = NULL;
        size_t nboots = 0, size = 0, prefix = 0;
        ImaLog log = {};
        ImaParseError err;
        ImaPcrs tpm, zero, state, end;
        ImaReplayMode modes[_IMA_BANK_MAX] = {};
        unsigned banks = 0;
        int r;

        *v = (ImaVerification) { .boot_aggregate = -1 };
        r = read_current(b, &cur, &size);
        if (r == -EFBIG) {
                snprintf(v->status, sizeof(v->status), "too-large");
                snprintf(v->detail, sizeof(v->detail), "the measurement list is larger than the %u MiB kexecd reads",
                         IMA_LIST_MAX >> 20);
                return 0;
        }
        if (r < 0) {
                snprintf(v->status, sizeof(v->status), r == -ENOENT ? "disabled" : "unknown");
                snprintf(v->detail, sizeof(v->detail), "no IMA measurement list (%s)", strerror(-r));
                return 0;
        }
        r = ima_log_parse(cur, size, 20, IMA_ORDER_AUTO, &log, &err);
        if (r < 0) {
                snprintf(v->status, sizeof(v->status), "malformed");
                snprintf(v->detail, sizeof(v->detail), "current list malformed at byte %zu: %s", err.offset, err.reason);
                return 0;
        }
        (void) backend_read_string(b, KERNEL_BOOT_ID, &boot_id);
        r = ima_tpm_read_pcrs(b, ALL_BANKS, ima_log_pcr_indexes(&log) | 0x3ff | (1u << 10), &tpm, &banks);
        v->measurements = log.n;
        if (r < 0) {
                snprintf(v->status, sizeof(v->status), "no-tpm");
                snprintf(v->detail, sizeof(v->detail), "no TPM PCRs readable: the list cannot be verified");
                ima_log_done(&log);
                return 0;
        }
        v->banks = banks;
        for (size_t i = 0; i < log.n && v->boot_aggregate != 0; i++) {
                int a = check_boot_aggregate(&log.records[i], &tpm);
                if (a >= 0)
                        v->boot_aggregate = a;
        }
        (void) load_chain(state_dir, &boots, &nboots);
        /* The current boot's own snapshot is not part of the past. */
        size_t past = nboots;
        if (past > 0 && boot_id && streq(boots[past - 1].boot_id, boot_id))
                past--;

        ima_pcrs_init_zero(&zero, banks);
        /* (a) the current list alone: cold boot, or a carried-over list. */
        if (try_match(&zero, banks, &log, 0, &tpm, modes, &prefix, &end)) {
                size_t aggregates = 0;
                for (size_t i = 0; i < log.n; i++)
                        if (record_is_boot_aggregate(&log.records[i]))
                                aggregates++;
                snprintf(v->status, sizeof(v->status), "verified");
                snprintf(v->method, sizeof(v->method), "current-list");
                v->boots_in_chain = aggregates > 0 ? (unsigned) aggregates : 1;
                v->carried_over = aggregates > 1;
                snprintf(v->detail, sizeof(v->detail), "%zu of %zu records replay to the TPM (%s mode)%s", prefix, log.n,
                         modes[IMA_BANK_SHA1] == IMA_REPLAY_PADDED ? "padded" : "per-bank",
                         v->carried_over ? "; the list was carried over from earlier boots" : "");
                goto done;
        }

        /* (b) the saved chain's end state, then the current list. */
        state = zero;
        uint64_t counted = 0;
        bool gap = false;
        for (size_t k = 0; k < past; k++) {
                SavedBoot *s = &boots[k];
                size_t skip = k > 0 ? repeated_prefix_records(&s->parsed, &boots[k - 1]) : 0;
                ImaPcrs after;
                size_t p = 0;
                ImaReplayMode bm[_IMA_BANK_MAX] = {};
                unsigned sb = s->pcr_banks & banks;
                /* Which story explains this boot's PCRs at its snapshot:
                 * extended on top of the previous boot, a carried-over
                 * list, or a fresh start (a real reboot reset the TPM)? */
                if (sb && try_match(&state, sb, &s->parsed, 0, &s->pcrs, bm, &p, &after)) {
                        skip = 0;
                } else if (sb && skip && try_match(&state, sb, &s->parsed, skip, &s->pcrs, bm, &p, &after)) {
                        p += skip;
                        v->carried_over = true;
                } else if (sb && try_match(&zero, sb, &s->parsed, 0, &s->pcrs, bm, &p, &after)) {
                        state = zero;
                        skip = 0;
                        counted = 0;
                        v->boots_in_chain = 0;
                } else if (!gap) {
                        gap = true;
                        snprintf(v->gap_boot, sizeof(v->gap_boot), "%s", s->boot_id);
                        v->gap_after_record = 0;
                }
                /* Records after the last matched one were measured after
                 * the snapshot read the PCRs: they still count, so the
                 * whole saved list is replayed. */
                ImaLog view = { .records = s->parsed.records + skip, .n = s->parsed.n - skip };
                replay_banks(&state, banks, &view, bm);
                counted += view.n;
                v->boots_in_chain++;
        }
        size_t skip_cur = past > 0 ? repeated_prefix_records(&log, &boots[past - 1]) : 0;
        bool extended = past > 0 && try_match(&state, banks, &log, 0, &tpm, modes, &prefix, &end);
        if (extended)
                skip_cur = 0;
        if (extended || (past > 0 && skip_cur && try_match(&state, banks, &log, skip_cur, &tpm, modes, &prefix, &end))) {
                snprintf(v->status, sizeof(v->status), "verified");
                snprintf(v->method, sizeof(v->method), "chain");
                v->boots_in_chain++;
                if (skip_cur)
                        v->carried_over = true;
                /* The carried records are counted with the boot that saved them. */
                v->measurements = counted + log.n - skip_cur;
                snprintf(v->detail, sizeof(v->detail), "%zu saved boot(s) plus the current list replay to the TPM", past);
                goto done;
        }

        /* (c) a gap: name the last boot whose snapshot matched and where. */
        snprintf(v->status, sizeof(v->status), past > 0 || log.n > 0 ? "gap" : "mismatch");
        if (past == 0) {
                snprintf(v->status, sizeof(v->status), "mismatch");
                snprintf(v->detail, sizeof(v->detail),
                         "the current list does not replay to the TPM and no earlier boot is saved");
        } else {
                if (!gap) {
                        /* Every saved boot matched its own snapshot: the
                         * missing measurements are those of the last saved
                         * boot after its last snapshot. */
                        SavedBoot *s = &boots[past - 1];
                        snprintf(v->gap_boot, sizeof(v->gap_boot), "%s", s->boot_id);
                        v->gap_after_record = s->parsed.n;
                }
                snprintf(v->detail, sizeof(v->detail),
                         "measurements missing after record %" PRIu64 " of boot %s (saved chain: %zu boot(s)); "
                         "if that boot ended with a kexec, its shutdown hook did not hand the rest of its list over "
                         "(its console shows why: kexecd-shutdown); the chain verifies again after a cold reboot",
                         v->gap_after_record, v->gap_boot, past);
        }
        v->boots_in_chain = (unsigned) past + 1;
        v->measurements = counted + log.n - skip_cur;

done:
        free_chain(boots, nboots);
        ima_log_done(&log);
        return 0;
}

static int append_ascii(FILE *f, const ImaLog *log) {
        for (size_t i = 0; i < log->n; i++) {
                const ImaRecord *r = &log->records[i];
                char hex[2 * IMA_DIGEST_MAX + 1];
                ima_hex(r->digest, r->digest_len, hex);
                fprintf(f, "%u %s %s ", r->pcr, hex, r->template_name);
                fwrite(r->event_name ? r->event_name : "", 1,
                       r->event_name_len && r->event_name[r->event_name_len - 1] == 0 ? r->event_name_len - 1 : r->event_name_len, f);
                fputc('\n', f);
        }
        return ferror(f) ? -EIO : 0;
}

int ima_export(Backend *b, const char *state_dir, const char *format, int *ret_fd) {
        _cleanup_free_ uint8_t *cur = NULL;
        _cleanup_free_ char *boot_id = NULL, *out = NULL;
        SavedBoot *boots = NULL;
        size_t nboots = 0, size = 0, outlen = 0;
        ImaLog log = {};
        ImaParseError err;
        bool ascii;
        int r;

        if (streq(format, "ascii"))
                ascii = true;
        else if (streq(format, "binary"))
                ascii = false;
        else
                return -EINVAL;

        r = read_current(b, &cur, &size);
        if (r < 0)
                return r;
        r = ima_log_parse(cur, size, 20, IMA_ORDER_AUTO, &log, &err);
        if (r < 0)
                return r;
        (void) backend_read_string(b, KERNEL_BOOT_ID, &boot_id);
        (void) load_chain(state_dir, &boots, &nboots);
        size_t past = nboots;
        if (past > 0 && boot_id && streq(boots[past - 1].boot_id, boot_id))
                past--;

        FILE *f = open_memstream(&out, &outlen);
        if (!f) {
                r = -ENOMEM;
                goto finish;
        }
        for (size_t k = 0; k <= past; k++) {
                const ImaLog *l = k < past ? &boots[k].parsed : &log;
                const uint8_t *base = k < past ? boots[k].log : cur;
                size_t skip = k > 0 ? repeated_prefix_records(l, &boots[k - 1]) : 0;
                ImaLog view = { .records = l->records + skip, .n = l->n - skip };
                if (ascii)
                        r = append_ascii(f, &view);
                else if (view.n > 0) {
                        size_t start = view.records[0].offset;
                        size_t end = k < past ? boots[k].bytes : size;
                        fwrite(base + start, 1, end - start, f);
                        r = ferror(f) ? -EIO : 0;
                }
                if (r < 0)
                        break;
        }
        if (fclose(f) != 0 && r >= 0)
                r = -EIO;
        if (r >= 0) {
                int fd = memfd_new_sealed(ascii ? "ima-chain.txt" : "ima-chain.bin", out, outlen);
                if (fd < 0)
                        r = fd;
                else
                        *ret_fd = fd;
        }
finish:
        free_chain(boots, nboots);
        ima_log_done(&log);
        return r < 0 ? r : 0;
}

int ima_chain_import(const char *state_dir, const char *boot_dir, ImaSnapshotResult *ret) {
        SavedBoot s = {};
        int r;

        *ret = (ImaSnapshotResult) {};
        r = load_boot(boot_dir, &s);
        if (r >= 0)
                r = chain_save(state_dir, s.boot_id, s.release, s.log, s.bytes, &s.parsed, &s.pcrs, s.pcr_banks, ret);
        saved_boot_done(&s);
        return r;
}

int ima_snapshot_to_memory(Backend *b, char **ret_meta, uint8_t **ret_list, size_t *ret_size) {
        _cleanup_(this_boot_done) ThisBoot t = {};
        int r = this_boot_read(b, &t);
        if (r < 0)
                return r;
        *ret_meta = meta_format(t.boot_id, t.release, t.parsed.n, t.size, &t.pcrs, t.banks);
        if (!*ret_meta)
                return -ENOMEM;
        *ret_list = TAKE_PTR(t.list);
        *ret_size = t.size;
        return (int) t.parsed.n;
}
