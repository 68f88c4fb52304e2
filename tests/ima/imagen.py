# SPDX-License-Identifier: LGPL-2.1-or-later
"""Independent generator of IMA binary measurement lists and their expected
PCR values, written from the format description (docs/ima.md) with Python's
hashlib only, so that kexecd's C replay is checked against a second
implementation."""
import hashlib
import struct

BANKS = {"sha1": 20, "sha256": 32, "sha384": 48, "sha512": 64}


def h(bank, data):
    return hashlib.new(bank, data).digest()


class Record:
    def __init__(self, pcr, template, data, ima_hashed=None, violation=False):
        self.pcr = pcr
        self.template = template
        self.data = data                  # template data as in the list
        self.ima_hashed = ima_hashed      # for the "ima" template: what is hashed
        self.violation = violation

    def hashed(self):
        return self.ima_hashed if self.ima_hashed is not None else self.data

    def template_digest(self, bank="sha1"):
        if self.violation:
            return b"\0" * BANKS[bank]
        return h(bank, self.hashed())

    def encode(self, order="<", list_bank="sha1"):
        name = self.template.encode()
        out = struct.pack(order + "I", self.pcr) + self.template_digest(list_bank)
        out += struct.pack(order + "I", len(name)) + name
        if self.template == "ima":
            return out + self.data
        return out + struct.pack(order + "I", len(self.data)) + self.data


def fields(*values, order="<"):
    return b"".join(struct.pack(order + "I", len(v)) + v for v in values)


def d_ng(algo, digest):
    return algo.encode() + b":\0" + digest


def ima_ng(path, content, pcr=10, algo="sha256", order="<", extra=(), template="ima-ng"):
    data = fields(d_ng(algo, h(algo, content)), path.encode() + b"\0", *extra, order=order)
    return Record(pcr, template, data)


def ima_sig(path, content, sig=b"", pcr=10):
    return ima_ng(path, content, pcr=pcr, extra=(sig,), template="ima-sig")


def ima_buf(name, buf, pcr=10):
    return ima_ng(name, buf, pcr=pcr, extra=(buf,), template="ima-buf")


def custom(path, content, pcr=10, fmt="d-ng|n-ng|sig"):
    n = fmt.count("|") + 1
    values = [d_ng("sha256", h("sha256", content)), path.encode() + b"\0"] + [b"x"] * (n - 2)
    return Record(pcr, fmt, fields(*values))


def ima_old(path, content, pcr=10, order="<"):
    """The original "ima" template: SHA-1 file digest, u32 length, name."""
    digest = h("sha1", content)
    name = path.encode()
    data = digest + struct.pack(order + "I", len(name)) + name
    hashed = digest + name + b"\0" * (256 - len(name))
    return Record(pcr, "ima", data, ima_hashed=hashed)


def violation(path, pcr=10):
    data = fields(d_ng("sha256", b"\0" * 20), path.encode() + b"\0")
    return Record(pcr, "ima-ng", data, violation=True)


def boot_aggregate(pcrs0_9, bank="sha256", pcr=10):
    """pcrs0_9: {bank: [10 digests]} of the TPM; aggregate over 0-7 (sha1)
    or 0-9 (other banks, kernels >= 5.8)."""
    last = 8 if bank == "sha1" else 10
    agg = h(bank, b"".join(pcrs0_9[bank][:last]))
    data = fields(d_ng(bank, agg), b"boot_aggregate\0")
    return Record(pcr, "ima-ng", data)


def replay(records, banks=("sha1", "sha256"), start=None, padded=False):
    state = {b: dict(start[b]) if start else {} for b in banks}
    for r in records:
        for b in banks:
            size = BANKS[b]
            if r.violation:
                ext = b"\xff" * 20 + b"\0" * (size - 20) if padded else b"\xff" * size
            elif padded:
                ext = h("sha1", r.hashed()) + b"\0" * (size - 20)
            else:
                ext = h(b, r.hashed())
            old = state[b].get(r.pcr, b"\0" * size)
            state[b][r.pcr] = h(b, old + ext)
    return state


def encode(records, order="<", list_bank="sha1"):
    return b"".join(r.encode(order, list_bank) for r in records)


def fake_tpm_pcrs(seed=b"firmware"):
    """PCRs 0-9 as firmware and the boot loader might leave them."""
    return {b: [h(b, seed + bytes([i])) for i in range(10)] for b in BANKS}


def sample_boot(tpm09, n=40, salt="", bank="sha256"):
    recs = [boot_aggregate(tpm09, bank)]
    for i in range(n):
        recs.append(ima_ng("/usr/bin/tool%d%s" % (i, salt), b"content %d %s" % (i, salt.encode())))
    return recs
