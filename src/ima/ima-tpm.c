/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ima-tpm.h"
#include "macro.h"

#define TPM2_ST_NO_SESSIONS 0x8001
#define TPM2_CC_PCR_READ 0x0000017e

static const uint16_t tpm2_alg[_IMA_BANK_MAX] = {
        [IMA_BANK_SHA1] = 0x0004,
        [IMA_BANK_SHA256] = 0x000b,
        [IMA_BANK_SHA384] = 0x000c,
        [IMA_BANK_SHA512] = 0x000d,
        [IMA_BANK_SM3] = 0x0012,
};

static void put16(uint8_t *p, uint16_t v) {
        p[0] = v >> 8;
        p[1] = v & 0xff;
}
static void put32(uint8_t *p, uint32_t v) {
        p[0] = v >> 24;
        p[1] = (v >> 16) & 0xff;
        p[2] = (v >> 8) & 0xff;
        p[3] = v & 0xff;
}
static uint16_t get16(const uint8_t *p) {
        return (uint16_t) (p[0] << 8 | p[1]);
}
static uint32_t get32(const uint8_t *p) {
        return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

size_t tpm2_pcr_read_command(ImaBank bank, unsigned index, uint8_t *buf, size_t size) {
        const size_t len = 10 + 4 + 2 + 1 + 3;
        if (size < len || index >= IMA_PCR_MAX)
                return 0;
        put16(buf, TPM2_ST_NO_SESSIONS);
        put32(buf + 2, (uint32_t) len);
        put32(buf + 6, TPM2_CC_PCR_READ);
        put32(buf + 10, 1);                 /* TPML_PCR_SELECTION.count */
        put16(buf + 14, tpm2_alg[bank]);
        buf[16] = 3;                        /* sizeofSelect: PCRs 0-23 */
        memset(buf + 17, 0, 3);
        buf[17 + index / 8] = (uint8_t) (1u << (index % 8));
        return len;
}

int tpm2_pcr_read_response(const uint8_t *buf, size_t size, ImaBank bank, uint8_t *digest) {
        size_t pos = 10;
        if (size < 10 || get32(buf + 2) != size)
                return -EBADMSG;
        if (get32(buf + 6) != 0)
                return -EIO;
        /* pcrUpdateCounter, then the selection that was actually read. */
        if (size < pos + 4 + 4)
                return -EBADMSG;
        pos += 4;
        uint32_t count = get32(buf + pos);
        pos += 4;
        for (uint32_t i = 0; i < count; i++) {
                if (size < pos + 3)
                        return -EBADMSG;
                uint8_t sel = buf[pos + 2];
                pos += 3 + sel;
                if (pos > size)
                        return -EBADMSG;
        }
        if (size < pos + 4)
                return -EBADMSG;
        uint32_t digests = get32(buf + pos);
        pos += 4;
        if (digests != 1 || size < pos + 2)
                return -EBADMSG; /* an unallocated bank yields no digest */
        uint16_t dsize = get16(buf + pos);
        pos += 2;
        if (dsize != ima_bank_size(bank) || size < pos + dsize)
                return -EBADMSG;
        memcpy(digest, buf + pos, dsize);
        return 0;
}

static int read_via_device(Backend *b, ImaBank bank, unsigned index, uint8_t *digest) {
        uint8_t cmd[64], resp[4096];
        size_t len = tpm2_pcr_read_command(bank, index, cmd, sizeof(cmd));
        _cleanup_close_ int fd = backend_open(b, "/dev/tpmrm0", O_RDWR);
        if (fd < 0)
                return fd;
        if (write(fd, cmd, len) != (ssize_t) len)
                return -EIO;
        ssize_t n = read(fd, resp, sizeof(resp));
        if (n < 0)
                return -errno;
        return tpm2_pcr_read_response(resp, (size_t) n, bank, digest);
}

int ima_tpm_read_pcrs(Backend *b, unsigned banks, uint32_t indexes, ImaPcrs *ret, unsigned *ret_banks) {
        _cleanup_free_ char *probe = backend_path(b, "/sys/class/tpm/tpm0");
        unsigned got = 0;

        memset(ret, 0, sizeof(*ret));
        if (!probe)
                return -ENOMEM;
        if (access(probe, F_OK) < 0)
                return -ENODEV;

        for (int bank = 0; bank < _IMA_BANK_MAX; bank++) {
                if (!(banks & (1u << bank)))
                        continue;
                for (unsigned i = 0; i < IMA_PCR_MAX; i++) {
                        if (!(indexes & (1u << i)))
                                continue;
                        char path[96];
                        _cleanup_free_ char *hex = NULL;
                        snprintf(path, sizeof(path), "/sys/class/tpm/tpm0/pcr-%s/%u", ima_bank_name(bank), i);
                        int r = backend_read_string(b, path, &hex);
                        if (r >= 0)
                                r = ima_unhex(hex, ret->value[bank][i], ima_bank_size(bank));
                        else
                                r = read_via_device(b, bank, i, ret->value[bank][i]);
                        if (r < 0)
                                break; /* bank not allocated (or unreadable) */
                        ret->valid[bank] |= 1u << i;
                }
                if (ret->valid[bank])
                        got |= 1u << bank;
        }
        if (ret_banks)
                *ret_banks = got;
        return got ? 0 : -ENODEV;
}
