/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <unistd.h>

#include "history.h"
#include "log.h"
#include "macro.h"
#include "test-util.h"

TEST(test_persist_and_reload) {
        char *dir = test_tmpdir();
        History h;
        ASSERT_EQ(history_open(&h, dir), 0);
        ASSERT_EQ(h.n, 0);
        ASSERT_EQ(history_add(&h, 100, "kexec", "loaded", "/boot/vmlinuz \"quoted\"\\ \u00e9"), 0);
        ASSERT_EQ(history_add(&h, 200, "kdump", "load-failed", "no crash kernel"), 0);
        ASSERT_EQ(history_add(&h, 300, "", "hotplug", "8 memory blocks"), 0);
        history_done(&h);

        ASSERT_EQ(history_open(&h, dir), 0);
        ASSERT_EQ(h.n, 3);
        ASSERT_EQ(h.entries[0].time_usec, 100);
        ASSERT_STREQ(h.entries[0].detail, "/boot/vmlinuz \"quoted\"\\ \u00e9");
        ASSERT_STREQ(h.entries[1].event, "load-failed");
        ASSERT_STREQ(h.entries[2].image, "");
        ASSERT_EQ(history_first_of_newest(&h, 2), 1);
        ASSERT_EQ(history_first_of_newest(&h, 0), 0);
        ASSERT_EQ(history_first_of_newest(&h, 10), 0);
        history_done(&h);
}

TEST(test_torn_last_line_is_skipped) {
        char *dir = test_tmpdir();
        History h;
        ASSERT_EQ(history_open(&h, dir), 0);
        ASSERT_EQ(history_add(&h, 1, "kexec", "loaded", "a"), 0);
        history_done(&h);
        /* A crash in the middle of an append leaves half a line. */
        char path[4096];
        snprintf(path, sizeof(path), "%s/history.jsonl", dir);
        int fd = open(path, O_WRONLY | O_APPEND);
        ASSERT_TRUE(fd >= 0);
        ASSERT_EQ(write(fd, "{\"time\":2,\"ima", 14), 14);
        close(fd);
        ASSERT_EQ(history_open(&h, dir), 0);
        ASSERT_EQ(h.n, 1);
        ASSERT_STREQ(h.entries[0].detail, "a");
        history_done(&h);
}

TEST(test_compaction_keeps_newest) {
        char *dir = test_tmpdir();
        History h;
        char detail[32];
        ASSERT_EQ(history_open(&h, dir), 0);
        for (unsigned k = 0; k < 2 * HISTORY_MAX_ENTRIES + 5; k++) {
                snprintf(detail, sizeof(detail), "%u", k);
                ASSERT_EQ(history_add(&h, k, "kexec", "loaded", detail), 0);
        }
        ASSERT_EQ(h.n, HISTORY_MAX_ENTRIES);
        history_done(&h);
        ASSERT_EQ(history_open(&h, dir), 0);
        ASSERT_EQ(h.n, HISTORY_MAX_ENTRIES);
        snprintf(detail, sizeof(detail), "%u", 2 * HISTORY_MAX_ENTRIES + 4);
        ASSERT_STREQ(h.entries[h.n - 1].detail, detail);
        /* The file itself was compacted, not only the memory copy. */
        ASSERT_TRUE(h.lines_in_file < 2 * HISTORY_MAX_ENTRIES);
        history_done(&h);
}

int main(void) {
        log_set_max_level(LOG_ERR);
        RUN(test_persist_and_reload);
        RUN(test_torn_last_line_is_skipped);
        RUN(test_compaction_keeps_newest);
        return test_finish("test-history");
}
