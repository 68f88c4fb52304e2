/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* crash.json: the writer's output is read back unchanged, hostile files are
 * refused without crashing, and directory listings skip what is not a
 * crash directory (docs/capture.md). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crash-record.h"
#include "kexecd-limits.h"
#include "log.h"
#include "macro.h"
#include "test-util.h"
#include "utf8.h"

#define ID "20261129T060349Z-0123456789ab"
#define MINIMAL_RECORD "{\"version\":1,\"id\":\"" ID "\",\"complete\":true"

static int parse(const char *text) {
        CrashRecord r;
        int k = crash_record_parse(text, strlen(text), &r);
        if (k == 0)
                crash_record_done(&r);
        return k;
}

TEST(test_ids) {
        char buf[CRASH_ID_MAX];
        ASSERT_TRUE(crash_id_is_valid(ID));
        ASSERT_TRUE(crash_id_is_valid("20261129T060349Z-unknown"));
        ASSERT_TRUE(!crash_id_is_valid("20261129T060349Z-0123456789AB"));
        ASSERT_TRUE(!crash_id_is_valid("20261129T060349Z-0123456789a"));
        ASSERT_TRUE(!crash_id_is_valid("20261129T060349Z-0123456789abc"));
        ASSERT_TRUE(!crash_id_is_valid("20261129X060349Z-0123456789ab"));
        ASSERT_TRUE(!crash_id_is_valid("2026112aT060349Z-0123456789ab"));
        ASSERT_TRUE(!crash_id_is_valid("../../etc"));
        ASSERT_TRUE(!crash_id_is_valid(""));
        ASSERT_EQ(crash_id_make(1795932229330542ULL, "0123456789abcdef0123456789abcdef", buf), 0);
        ASSERT_STREQ(buf, ID);
        ASSERT_EQ(crash_id_make(0, NULL, buf), 0);
        ASSERT_STREQ(buf, "19700101T000000Z-unknown");
        ASSERT_EQ(crash_id_make(0, "not-hex", buf), -EINVAL);
        ASSERT_TRUE(crash_boot_id_is_valid("unknown"));
        ASSERT_TRUE(!crash_boot_id_is_valid("0123456789abcdef0123456789abcde"));
}

TEST(test_round_trip) {
        CrashRecord r, back;
        CrashHookResult hooks[2] = {
                { .name = (char *) "10-mail", .phase = (char *) "pre", .result = (char *) "ok", .exit_status = 0 },
                { .name = (char *) "20-ü", .phase = (char *) "post", .result = (char *) "timeout", .exit_status = 137 },
        };
        char *text;

        crash_record_init(&r);
        r.id = (char *) ID;
        r.complete = false;
        r.reason = (char *) "dump command failed with exit status 7 after 1000 bytes";
        r.crashed_boot_id = (char *) "0123456789abcdef0123456789abcdef";
        r.kernel_release = (char *) "6.1.0-56-amd64";
        r.kernel_release_source = (char *) "dmesg";
        r.crash_time_usec = 1795932229330542ULL;
        r.panic_line = (char *) "Kernel panic - not syncing: \"quoted\" /slash \\x1b";
        r.dump_level = 31;
        r.compression = (char *) "lzo";
        r.dump_command = (char *) "ssh host 'cat > /x'";
        r.dump_size = 1ULL << 40;
        r.dump_sha256 = (char *) "f8c54811304eb0213f7a5adaf251870477b2d0f37add552e9b897682e057b813";
        r.dmesg_size = 313;
        r.capture_usec = 5;
        r.makedumpfile_version = (char *) "1.7.2";
        r.makedumpfile_status = 0;
        r.command_status = 7;
        r.hooks = hooks;
        r.n_hooks = 2;
        r.test_id = (char *) "t-1";
        ASSERT_EQ(crash_record_format(&r, &text), 0);
        ASSERT_EQ(crash_record_parse(text, strlen(text), &back), 0);
        ASSERT_STREQ(back.id, ID);
        ASSERT_EQ(back.complete, 0);
        ASSERT_STREQ(back.reason, r.reason);
        ASSERT_STREQ(back.crashed_boot_id, r.crashed_boot_id);
        ASSERT_STREQ(back.kernel_release, r.kernel_release);
        ASSERT_STREQ(back.kernel_release_source, "dmesg");
        ASSERT_TRUE(back.crash_time_usec == r.crash_time_usec);
        ASSERT_STREQ(back.panic_line, r.panic_line);
        ASSERT_EQ(back.dump_level, 31);
        ASSERT_STREQ(back.compression, "lzo");
        ASSERT_TRUE(back.dump_file == NULL);
        ASSERT_STREQ(back.dump_command, r.dump_command);
        ASSERT_TRUE(back.dump_size == 1ULL << 40);
        ASSERT_STREQ(back.dump_sha256, r.dump_sha256);
        ASSERT_EQ(back.dmesg_size, 313);
        ASSERT_STREQ(back.makedumpfile_version, "1.7.2");
        ASSERT_EQ(back.makedumpfile_status, 0);
        ASSERT_EQ(back.command_status, 7);
        ASSERT_EQ(back.n_hooks, 2);
        ASSERT_STREQ(back.hooks[1].name, "20-ü");
        ASSERT_STREQ(back.hooks[1].result, "timeout");
        ASSERT_EQ(back.hooks[1].exit_status, 137);
        ASSERT_STREQ(back.test_id, "t-1");
        crash_record_done(&back);
        free(text);

        /* The minimum: unset numbers read back as "not recorded". */
        ASSERT_EQ(crash_record_parse(MINIMAL_RECORD "}", strlen(MINIMAL_RECORD "}"), &back), 0);
        ASSERT_EQ(back.dump_level, -1);
        ASSERT_EQ(back.makedumpfile_status, -1);
        ASSERT_EQ(back.n_hooks, 0);
        crash_record_done(&back);
        /* Unknown keys (a newer writer) are ignored. */
        ASSERT_EQ(parse(MINIMAL_RECORD ",\"future\":{\"a\":[1,2]}}"), 0);
}

TEST(test_hostile_records) {
        static const char *const bad[] = {
                "", "null", "[]", "\"text\"", "42", "{",
                "{\"id\":\"" ID "\",\"complete\":true}",                       /* no version */
                "{\"version\":2,\"id\":\"" ID "\",\"complete\":true}",         /* newer format */
                "{\"version\":\"1\",\"id\":\"" ID "\",\"complete\":true}",
                "{\"version\":1,\"id\":\"" ID "\"}",                            /* no complete */
                "{\"version\":1,\"id\":\"" ID "\",\"complete\":\"yes\"}",
                "{\"version\":1,\"id\":\"" ID "\",\"complete\":false}",        /* failure without reason */
                "{\"version\":1,\"id\":\"../etc\",\"complete\":true}",
                "{\"version\":1,\"id\":42,\"complete\":true}",
                "{\"version\":1,\"complete\":true}",
                MINIMAL_RECORD ",\"crashed_boot_id\":\"xyz\"}",
                MINIMAL_RECORD ",\"dump_sha256\":\"abc\"}",
                MINIMAL_RECORD ",\"dump_sha256\":\"F8C54811304EB0213F7A5ADAF251870477B2D0F37ADD552E9B897682E057B813\"}",
                MINIMAL_RECORD ",\"dump_size\":-1}",
                MINIMAL_RECORD ",\"dump_size\":\"1\"}",
                MINIMAL_RECORD ",\"dump_size\":1.5}",
                MINIMAL_RECORD ",\"dump_level\":32}",
                MINIMAL_RECORD ",\"makedumpfile_status\":256}",
                MINIMAL_RECORD ",\"panic_line\":42}",
                MINIMAL_RECORD ",\"panic_line\":[\"a\"]}",
                MINIMAL_RECORD ",\"panic_line\":\"a\\u0000b\"}",                           /* NUL inside */
                MINIMAL_RECORD ",\"hooks\":{}}",
                MINIMAL_RECORD ",\"hooks\":[1]}",
                MINIMAL_RECORD ",\"hooks\":[{\"phase\":\"pre\",\"result\":\"ok\"}]}",
                MINIMAL_RECORD ",\"hooks\":[{\"name\":\"a\",\"phase\":\"during\",\"result\":\"ok\"}]}",
                MINIMAL_RECORD ",\"hooks\":[{\"name\":\"a\",\"phase\":\"pre\",\"result\":\"great\"}]}",
                MINIMAL_RECORD ",\"hooks\":[{\"name\":\"a\",\"phase\":\"pre\",\"result\":\"ok\",\"exit_status\":-2}]}",
                MINIMAL_RECORD "} trailing",
                MINIMAL_RECORD "}{}",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                int k = parse(bad[i]);
                if (k != -EBADMSG)
                        fprintf(stderr, "accepted or wrong error (%d): %s\n", k, bad[i]);
                ASSERT_EQ(k, -EBADMSG);
        }

        /* json-c turns a lone surrogate into U+FFFD: what comes out is UTF-8. */
        CrashRecord r;
        const char *sur = MINIMAL_RECORD ",\"panic_line\":\"\\ud800\"}";
        ASSERT_EQ(crash_record_parse(sur, strlen(sur), &r), 0);
        ASSERT_TRUE(utf8_is_valid(r.panic_line));
        crash_record_done(&r);
        /* Invalid UTF-8 as raw bytes. */
        ASSERT_EQ(parse(MINIMAL_RECORD ",\"reason\":\"\xff\xfe\"}"), -EBADMSG);
        /* Bounds: a string just too long, too many hooks, too deep, too big. */
        size_t n = KEXECD_CRASH_STRING_MAX + 1;
        char *big = malloc(n + 128), *p = big;
        p += sprintf(p, MINIMAL_RECORD ",\"reason\":\"");
        memset(p, 'a', n);
        strcpy(p + n, "\"}");
        ASSERT_EQ(parse(big), -EBADMSG);
        p[n - 1] = '"'; /* exactly the maximum */
        strcpy(p + n, "}");
        ASSERT_EQ(parse(big), 0);
        free(big);

        big = malloc(KEXECD_CRASH_RECORD_MAX * 2);
        p = big + sprintf(big, MINIMAL_RECORD ",\"hooks\":[");
        for (unsigned i = 0; i <= KEXECD_CRASH_HOOKS_MAX * 2; i++)
                p += sprintf(p, "%s{\"name\":\"h\",\"phase\":\"pre\",\"result\":\"ok\"}", i ? "," : "");
        strcpy(p, "]}");
        ASSERT_EQ(parse(big), -EBADMSG);
        p = big + sprintf(big, MINIMAL_RECORD ",\"x\":");
        for (int i = 0; i < 1000; i++)
                *p++ = '[';
        for (int i = 0; i < 1000; i++)
                *p++ = ']';
        strcpy(p, "}");
        ASSERT_EQ(parse(big), -EBADMSG);
        p = big + sprintf(big, MINIMAL_RECORD ",\"pad\":\"");
        memset(p, ' ', KEXECD_CRASH_RECORD_MAX);
        strcpy(p + KEXECD_CRASH_RECORD_MAX, "\"}");
        ASSERT_EQ(parse(big), -EBADMSG);
        free(big);
}

static void make_dir(const char *dump, const char *name, const char *json) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dump, name);
        ASSERT_EQ(mkdir(path, 0700), 0);
        if (json) {
                snprintf(path, sizeof(path), "%s/crash.json", name);
                test_write(dump, path, json);
        }
}

TEST(test_load_files) {
        char *dir = test_tmpdir(), path[4096];
        CrashRecord r;

        make_dir(dir, "big", NULL);
        char *big = malloc(KEXECD_CRASH_RECORD_MAX + 2);
        memset(big, ' ', KEXECD_CRASH_RECORD_MAX + 1);
        big[KEXECD_CRASH_RECORD_MAX + 1] = 0;
        test_write(dir, "big/crash.json", big);
        free(big);
        snprintf(path, sizeof(path), "%s/big", dir);
        ASSERT_EQ(crash_record_load(path, &r), -EFBIG);

        /* A symlink as crash.json, a FIFO, a directory: refused, no hang. */
        make_dir(dir, "link", NULL);
        snprintf(path, sizeof(path), "%s/link/crash.json", dir);
        ASSERT_EQ(symlink("/etc/passwd", path), 0);
        snprintf(path, sizeof(path), "%s/link", dir);
        ASSERT_EQ(crash_record_load(path, &r), -EBADFD);
        make_dir(dir, "fifo", NULL);
        snprintf(path, sizeof(path), "%s/fifo/crash.json", dir);
        ASSERT_EQ(mkfifo(path, 0600), 0);
        snprintf(path, sizeof(path), "%s/fifo", dir);
        ASSERT_EQ(crash_record_load(path, &r), -EBADFD);
        make_dir(dir, "dir", NULL);
        make_dir(dir, "dir/crash.json", NULL);
        snprintf(path, sizeof(path), "%s/dir", dir);
        ASSERT_EQ(crash_record_load(path, &r), -EISDIR);
        snprintf(path, sizeof(path), "%s/none", dir);
        ASSERT_EQ(crash_record_load(path, &r), -ENOENT);
}

TEST(test_list) {
        char *dir = test_tmpdir(), path[4096], target[4096];
        CrashEntry *e;
        size_t n;

        make_dir(dir, "20200102T000000Z-aaaaaaaaaaaa", "{\"version\":1,\"id\":\"20200102T000000Z-aaaaaaaaaaaa\",\"complete\":true}");
        make_dir(dir, "20200101T000000Z-unknown", "{\"version\":1,\"id\":\"20200101T000000Z-unknown\",\"complete\":false,\"reason\":\"r\"}");
        make_dir(dir, "20200103T000000Z-bbbbbbbbbbbb.partial", NULL);
        /* A record that names another crash does not belong here. */
        make_dir(dir, "20200104T000000Z-cccccccccccc", "{\"version\":1,\"id\":\"20200102T000000Z-aaaaaaaaaaaa\",\"complete\":true}");
        make_dir(dir, "20200105T000000Z-dddddddddddd", "garbage");
        make_dir(dir, "lost+found", NULL);
        make_dir(dir, "20200106T000000Z-EEEEEEEEEEEE", NULL);
        test_write(dir, "20200107T000000Z-ffffffffffff", "a file");
        snprintf(target, sizeof(target), "%s/20200102T000000Z-aaaaaaaaaaaa", dir);
        snprintf(path, sizeof(path), "%s/20200108T000000Z-111111111111", dir);
        ASSERT_EQ(symlink(target, path), 0);

        ASSERT_EQ(crash_dir_list(dir, &e, &n), 0);
        ASSERT_EQ(n, 5);
        ASSERT_STREQ(e[0].id, "20200101T000000Z-unknown");
        ASSERT_EQ(e[0].load_error, 0);
        ASSERT_EQ(e[0].record.complete, 0);
        ASSERT_STREQ(e[0].record.reason, "r");
        ASSERT_STREQ(e[1].id, "20200102T000000Z-aaaaaaaaaaaa");
        ASSERT_EQ(e[1].record.complete, 1);
        ASSERT_STREQ(e[2].id, "20200103T000000Z-bbbbbbbbbbbb");
        ASSERT_EQ(e[2].partial, 1);
        ASSERT_EQ(e[2].load_error, -ENOENT);
        ASSERT_EQ(e[3].load_error, -EBADMSG);
        ASSERT_EQ(e[4].load_error, -EBADMSG);
        crash_entries_free(e, n);

        snprintf(path, sizeof(path), "%s/missing", dir);
        ASSERT_EQ(crash_dir_list(path, &e, &n), -ENOENT);
}

TEST(test_list_is_bounded) {
        char *dir = test_tmpdir();
        CrashEntry *e;
        size_t n;
        for (unsigned i = 0; i < KEXECD_CRASH_DIRS_MAX + 10; i++) {
                char name[64];
                snprintf(name, sizeof(name), "2020010%uT%06uZ-unknown", 1 + i / 100000, i);
                make_dir(dir, name, NULL);
        }
        ASSERT_EQ(crash_dir_list(dir, &e, &n), 0);
        ASSERT_EQ(n, KEXECD_CRASH_DIRS_MAX);
        ASSERT_STREQ(e[0].id, "20200101T000010Z-unknown"); /* the oldest ten dropped */
        crash_entries_free(e, n);
}

int main(void) {
        log_set_max_level(LOG_ERR);
        RUN(test_ids);
        RUN(test_round_trip);
        RUN(test_hostile_records);
        RUN(test_load_files);
        RUN(test_list);
        RUN(test_list_is_bounded);
        return test_finish("test-crash-record");
}
