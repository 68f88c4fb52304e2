#!/bin/bash
# A whole load, compressed kernel to loaded image, by kexecd and by
# kexec-tools (`kexec -s -l`), on a real kernel: the arm64 VM guest with the
# kernel built from Debian's linux-source (KEXEC_FILE), loading Debian's own
# arm64 kernel (32 MB uncompressed Image) as shipped and packed with each
# codec. Under TCG, so compare the columns, not the absolute seconds.
# Prints figures; asserts nothing. Needs what the arm64 VM scenarios need.
# Usage: bench/format/load-vs-kexec-tools.sh [build-dir]
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$here/build}
extra=$(mktemp -d)
trap 'rm -rf "$extra"' EXIT
tree=$("$here/tests/vm/arm64/build-sysroot")
src=$(ls "$tree"/boot/vmlinuz-* | tail -n 1)
cp "$src" "$extra/Image"
gzip -9 -n -c "$src" >"$extra/Image.gz"
zstd -19 -q -c "$src" >"$extra/Image.zst"
xz -c "$src" >"$extra/Image.xz"
echo "kernel: $(basename "$src") (Debian arm64), loaded in the arm64 guest"
KEXECD_VM_EXTRA=$extra "$here/tests/vm/run" --build-dir "$build" "$here/bench/format/arm64-load-scenario.sh" |
    sed -n 's/^vm: arm64-load-scenario: guest: bench //p; /FAIL/p'
