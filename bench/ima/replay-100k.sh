#!/bin/bash
# Replay of a 100k-record IMA list (sha1 + sha256): kexecctl ima replay vs
# evmctl ima_measurement on the same file vs raw hashing of the same bytes.
# Prints figures; asserts nothing. Usage: bench/ima/replay-100k.sh [build-dir] [records]
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$here/build}
n=${2:-100000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

/usr/bin/python3 - "$here/tests/ima" "$tmp/list.bin" "$n" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import imagen as g
tpm = g.fake_tpm_pcrs()
recs = g.sample_boot(tpm, int(sys.argv[3]) - 1)
open(sys.argv[2], "wb").write(g.encode(recs))
PY
size=$(stat -c %s "$tmp/list.bin")
echo "list: $n records, $size bytes"

t() { local s e; s=$(date +%s.%N); "$@" > "$tmp/out" 2>&1 || true; e=$(date +%s.%N); echo "$e - $s" | bc; }

k=$(t "$build/src/ctl/kexecctl" ima replay --json "$tmp/list.bin")
"$build/src/ctl/kexecctl" ima replay --json "$tmp/list.bin" > "$tmp/ours.json"
for bank in sha1 sha256; do
    /usr/bin/python3 - "$tmp/ours.json" "$bank" > "$tmp/pcrs-$bank" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))["pcrs"][sys.argv[2]]
size = 20 if sys.argv[2] == "sha1" else 32
for i in range(24):
    print("PCR-%02d: %s" % (i, p.get(str(i), "00" * size).upper()))
PY
done
e=$(t evmctl ima_measurement --pcrs "sha1,$tmp/pcrs-sha1" --pcrs "sha256,$tmp/pcrs-sha256" "$tmp/list.bin")
evmctl ima_measurement --pcrs "sha1,$tmp/pcrs-sha1" --pcrs "sha256,$tmp/pcrs-sha256" "$tmp/list.bin" 2>&1 | grep -q Matched \
    && verdict="agrees" || verdict="DISAGREES"
r=$(t sh -c "sha1sum '$tmp/list.bin'; sha256sum '$tmp/list.bin'")
printf '%-34s %8.3f s\n' "kexecctl ima replay (sha1+sha256)" "$k"
printf '%-34s %8.3f s  (%s)\n' "evmctl ima_measurement" "$e" "$verdict"
printf '%-34s %8.3f s\n' "raw sha1sum + sha256sum of bytes" "$r"
printf 'ratio evmctl / kexecctl: %.1f\n' "$(echo "$e / $k" | bc -l)"
