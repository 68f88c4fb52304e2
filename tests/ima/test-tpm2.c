/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* TPM2_PCR_Read command and response codec (the /dev/tpmrm0 fallback), and
 * PCR reading through sysfs on a fake root. */
#include <stdlib.h>

#include "ima-tpm.h"
#include "macro.h"
#include "test-util.h"

TEST(test_command_layout) {
        uint8_t cmd[64];
        size_t n = tpm2_pcr_read_command(IMA_BANK_SHA256, 10, cmd, sizeof(cmd));
        static const uint8_t want[] = {
                0x80, 0x01,             /* TPM_ST_NO_SESSIONS */
                0x00, 0x00, 0x00, 0x14, /* size 20 */
                0x00, 0x00, 0x01, 0x7e, /* TPM_CC_PCR_Read */
                0x00, 0x00, 0x00, 0x01, /* one selection */
                0x00, 0x0b,             /* TPM_ALG_SHA256 */
                0x03, 0x00, 0x04, 0x00, /* sizeofSelect 3, PCR 10 */
        };
        ASSERT_EQ(n, sizeof(want));
        ASSERT_TRUE(memcmp(cmd, want, n) == 0);
        ASSERT_EQ(tpm2_pcr_read_command(IMA_BANK_SHA1, 24, cmd, sizeof(cmd)), 0);
        ASSERT_EQ(tpm2_pcr_read_command(IMA_BANK_SHA1, 0, cmd, 4), 0);
}

static size_t response(uint8_t *r, uint32_t rc, uint32_t digests, uint16_t dsize) {
        size_t n = 0;
        r[n++] = 0x80; r[n++] = 0x01;
        n += 4; /* size, filled below */
        r[n++] = rc >> 24; r[n++] = rc >> 16; r[n++] = rc >> 8; r[n++] = rc;
        if (rc == 0) {
                memset(r + n, 0, 4); n += 4;                    /* update counter */
                r[n++] = 0; r[n++] = 0; r[n++] = 0; r[n++] = 1; /* one selection */
                r[n++] = 0x00; r[n++] = 0x04; r[n++] = 3; r[n++] = 0; r[n++] = 4; r[n++] = 0;
                r[n++] = 0; r[n++] = 0; r[n++] = 0; r[n++] = (uint8_t) digests;
                for (uint32_t i = 0; i < digests; i++) {
                        r[n++] = dsize >> 8; r[n++] = dsize & 0xff;
                        for (uint16_t k = 0; k < dsize; k++)
                                r[n++] = (uint8_t) (0xa0 + k);
                }
        }
        r[2] = 0; r[3] = 0; r[4] = (uint8_t) (n >> 8); r[5] = (uint8_t) n;
        return n;
}

TEST(test_response_parsing) {
        uint8_t r[256], d[64];
        size_t n = response(r, 0, 1, 20);
        ASSERT_EQ(tpm2_pcr_read_response(r, n, IMA_BANK_SHA1, d), 0);
        ASSERT_EQ(d[0], 0xa0);
        ASSERT_EQ(d[19], 0xa0 + 19);
        ASSERT_EQ(tpm2_pcr_read_response(r, n - 1, IMA_BANK_SHA1, d), -EBADMSG); /* size mismatch */
        ASSERT_EQ(tpm2_pcr_read_response(r, n, IMA_BANK_SHA256, d), -EBADMSG);   /* wrong digest size */
        n = response(r, 0, 0, 20);
        ASSERT_EQ(tpm2_pcr_read_response(r, n, IMA_BANK_SHA1, d), -EBADMSG);     /* bank not allocated */
        n = response(r, 0x101, 0, 0);
        ASSERT_EQ(tpm2_pcr_read_response(r, n, IMA_BANK_SHA1, d), -EIO);         /* TPM error code */
        ASSERT_EQ(tpm2_pcr_read_response(r, 5, IMA_BANK_SHA1, d), -EBADMSG);
}

TEST(test_sysfs_read) {
        char *root = test_tmpdir();
        Backend *b = NULL;
        ImaPcrs p;
        unsigned banks;
        test_make_fake_root(root, 0, "[none]", "x\n");
        ASSERT_EQ(backend_new_fake(root, &b), 0);
        ASSERT_EQ(ima_tpm_read_pcrs(b, 3, 1u << 10, &p, &banks), -ENODEV);
        test_write(root, "sys/class/tpm/tpm0/pcr-sha1/10", "00112233445566778899AABBCCDDEEFF00112233\n");
        ASSERT_EQ(ima_tpm_read_pcrs(b, 3, 1u << 10, &p, &banks), 0);
        ASSERT_EQ(banks, 1); /* sha256 not allocated: no sysfs, no /dev/tpmrm0 */
        ASSERT_EQ(p.value[IMA_BANK_SHA1][10][10], 0xaa);
        test_write(root, "sys/class/tpm/tpm0/pcr-sha1/10", "not hex\n");
        ASSERT_EQ(ima_tpm_read_pcrs(b, 1, 1u << 10, &p, &banks), -ENODEV);
        backend_free(b);
}

int main(void) {
        RUN(test_command_layout);
        RUN(test_response_parsing);
        RUN(test_sysfs_read);
        return test_finish("test-tpm2");
}
