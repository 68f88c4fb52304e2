#!/bin/bash
# Replay of a 100k-record IMA list (sha1 + sha256): kexecctl ima replay vs
# evmctl ima_measurement on the same file vs raw hashing of the same bytes.
# Prints figures side by side from one run (each the best of 5 wall times)
# and the ratios; asserts nothing.
# Usage: bench/ima/replay-100k.sh [build-dir] [records] [other-kexecctl]
# (other-kexecctl: one built from another commit, timed in the same run.)
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$here/build}
n=${2:-100000}
other=${3:-}
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

t() { # best of 5 wall times, in seconds
    local s e d best=
    for _ in 1 2 3 4 5; do
        s=$(date +%s.%N); "$@" > "$tmp/out" 2>&1 || true; e=$(date +%s.%N)
        d=$(echo "$e - $s" | bc)
        if [ -z "$best" ] || [ "$(echo "$d < $best" | bc)" = 1 ]; then best=$d; fi
    done
    echo "$best"
}

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
if [ -n "$other" ]; then
    o=$(t "$other" ima replay --json "$tmp/list.bin")
    printf '%-34s %8.3f s\n' "other kexecctl ima replay" "$o"
fi
if [ -x /usr/bin/time ]; then
    peak() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }
    printf 'peak RSS: kexecctl %s KiB%s, list %s KiB\n' "$(peak "$build/src/ctl/kexecctl" ima replay "$tmp/list.bin")" \
        "${other:+, other $(peak "$other" ima replay "$tmp/list.bin") KiB}" "$((size / 1024))"
fi
printf 'ratio evmctl / kexecctl: %.1f (goal >= 5)\n' "$(echo "$e / $k" | bc -l)"
printf 'ratio kexecctl / raw hashing: %.1f (goal <= 2)\n' "$(echo "$k / $r" | bc -l)"
[ -n "$other" ] && printf 'ratio other / kexecctl: %.1f\n' "$(echo "$o / $k" | bc -l)"
exit 0
