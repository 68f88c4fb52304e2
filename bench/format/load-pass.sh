#!/bin/bash
# A load's cost over the kernel's bytes against its anchors, in one run:
# bench-load-pass (load-pass.c: kernel_image_open + KernelSHA256, as a load
# does, next to reading the file in the same process) on a 32 MiB kernel,
# uncompressed and packed with gzip, zstd and xz, and the command-line
# decompressors (and cat) on the same files. Prints figures; asserts nothing.
# Usage: bench/format/load-pass.sh [build-dir] [other-bench-load-pass]
# The optional second binary (a bench-load-pass built from another commit)
# is run on the same files in the same loop, for before/after figures.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$here/build}
tool=$build/bench/format/bench-load-pass
other=${2:-}
[ -x "$tool" ] || { echo "build it first: ninja -C $build bench-load-pass" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# 32 MiB with a kernel's compressibility (about 3:1): a bzImage header, then
# text-like runs of random words.
HERE=$here /usr/bin/python3 - "$tmp/Image" <<'PY'
import os, random, sys
sys.path.insert(0, os.path.join(os.environ["HERE"], "tests", "lib"))
import fakekernel
path = sys.argv[1]
fakekernel.make_bzimage(path, size=32 << 20)
rnd = random.Random(1)
words = [os.urandom(rnd.randint(2, 12)) for _ in range(4096)]
with open(path, "r+b") as f:
    f.seek(0x1000)
    left = (32 << 20) - 0x1000
    while left > 0:
        chunk = b"".join(rnd.choice(words) for _ in range(8192))[:left]
        f.write(chunk)
        left -= len(chunk)
PY
gzip -6 -n -c "$tmp/Image" > "$tmp/Image.gz"
zstd -19 -q -c "$tmp/Image" > "$tmp/Image.zst"
xz -6 --check=crc32 -c "$tmp/Image" > "$tmp/Image.xz"
ms_min() { # best of 5 wall times of a command, stdout to /dev/null
    local best=999999 s e t
    for _ in 1 2 3 4 5; do
        s=$(date +%s%N); "$@" > /dev/null; e=$(date +%s%N)
        t=$(( (e - s) / 1000 )); [ "$t" -lt "$best" ] && best=$t
    done
    printf '%d.%03d' $((best / 1000)) $((best % 1000))
}
printf '%-10s %9s %9s %9s %8s %9s %9s' file bytes "read ms" "load ms" "load-read" "cat ms" "CLI -d ms"
[ -n "$other" ] && printf ' %9s %8s' "other ms" "oth-read"
echo
for f in Image Image.gz Image.zst Image.xz; do
    p=$tmp/$f
    read -r rd ld < <("$tool" "$p" 9)
    case $f in
        *.gz) cli=$(ms_min gzip -dc "$p");;
        *.zst) cli=$(ms_min zstd -dqc "$p");;
        *.xz) cli=$(ms_min xz -dc "$p");;
        *) cli=-;;
    esac
    printf '%-10s %9s %9s %9s %8.2f %9s %9s' "$f" "$(stat -c %s "$p")" "$rd" "$ld" "$(echo "$ld - $rd" | bc)" \
        "$(ms_min cat "$p")" "$cli"
    if [ -n "$other" ]; then
        read -r ord old < <("$other" "$p" 9)
        printf ' %9s %8.2f' "$old" "$(echo "$old - $ord" | bc)"
    fi
    echo
done
echo "(read: pread of the whole file in the same process; load: sniff, unpack into a sealed memfd and"
echo " KernelSHA256; medians of 9. cat and CLI -d: best of 5 whole processes, output to /dev/null.)"
