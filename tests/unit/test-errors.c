/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "errors.h"
#include "macro.h"
#include "test-util.h"

/* Every name maps to a distinct errno, and sd-bus converts both ways once
 * the map is registered (as kexecctl does). */
TEST(test_round_trip_all) {
        ASSERT_EQ(kexecd_error_map_register(), 0);
        for (const sd_bus_error_map *m = kexecd_error_map; m->name; m++) {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                ASSERT_TRUE(strncmp(m->name, KEXECD_ERROR_PREFIX, strlen(KEXECD_ERROR_PREFIX)) == 0);
                for (const sd_bus_error_map *o = kexecd_error_map; o != m; o++)
                        ASSERT_TRUE(o->code != m->code);
                ASSERT_EQ(kexecd_error_setf(&e, -m->code, "msg %d", 1), -m->code);
                ASSERT_STREQ(e.name, m->name);
                ASSERT_STREQ(e.message, "msg 1");
                ASSERT_EQ(sd_bus_error_get_errno(&e), m->code);
                ASSERT_STREQ(kexecd_error_name_from_errno(m->code), m->name);
        }
}

TEST(test_specific_names) {
        ASSERT_STREQ(kexecd_error_name_from_errno(-EADDRNOTAVAIL), "org.kexecd1.Error.NoCrashKernel");
        ASSERT_STREQ(kexecd_error_name_from_errno(ENOEXEC), "org.kexecd1.Error.NotAKernel");
        ASSERT_STREQ(kexecd_error_name_from_errno(-E2BIG), "org.kexecd1.Error.CmdlineTooLong");
        ASSERT_STREQ(kexecd_error_name_from_errno(-EPERM), "org.kexecd1.Error.LockedDown");
        ASSERT_TRUE(kexecd_error_name_from_errno(-ENOMEM) == NULL);
}

TEST(test_foreign_errno_uses_standard_names) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        ASSERT_EQ(kexecd_error_setf(&e, -ENOMEM, "oom"), -ENOMEM);
        ASSERT_STREQ(e.name, SD_BUS_ERROR_NO_MEMORY);
}

int main(void) {
        RUN(test_round_trip_all);
        RUN(test_specific_names);
        RUN(test_foreign_errno_uses_standard_names);
        return test_finish("test-errors");
}
