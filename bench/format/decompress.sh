#!/bin/bash
# Unpacking Debian's kernel with each codec: kexecd's in-memory path
# (kernel_image_open into a sealed memfd) vs the command-line decompressors.
# Prints figures; asserts nothing. `kexec -s -l` cannot run on a host kernel
# without kexec (this machine): its time is measured in the VM bench only.
# Usage: bench/format/decompress.sh [build-dir]
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$here/build}
tool=$build/tests/format/kernel-image-tool
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
kernel=$(ls /boot/vmlinuz-* "$HOME"/.cache/kexecd-vm/kernel*/*/vmlinuz "$HOME"/.cache/kexecd-test/boot/vmlinuz-* 2>/dev/null | tail -1 || true)
if [ -z "$kernel" ]; then
    echo "no Debian kernel found (run the unit tests or the VM bench once to cache one)" >&2
    exit 1
fi
cp "$kernel" "$tmp/vmlinuz"
echo "kernel: $kernel ($(stat -c %s "$tmp/vmlinuz") bytes)"
ms() { local s e; s=$(date +%s%N); "$@" > /dev/null 2>&1; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
printf '%-6s %12s %16s %16s\n' codec "packed bytes" "kexecd (ms)" "CLI -d (ms)"
for c in gzip zstd xz lzma; do
    case $c in
        gzip) gzip -9 -n -c "$tmp/vmlinuz" > "$tmp/k.$c"; cli=(gzip -d -c "$tmp/k.$c");;
        zstd) zstd -19 -q -c "$tmp/vmlinuz" > "$tmp/k.$c"; cli=(zstd -d -q -c "$tmp/k.$c");;
        xz) xz -c "$tmp/vmlinuz" > "$tmp/k.$c"; cli=(xz -d -c "$tmp/k.$c");;
        lzma) lzma -c "$tmp/vmlinuz" > "$tmp/k.$c"; cli=(lzma -d -c "$tmp/k.$c");;
    esac
    best=999999; for _ in 1 2 3; do t=$(ms "$tool" "$tmp/k.$c"); [ "$t" -lt "$best" ] && best=$t; done
    bcli=999999; for _ in 1 2 3; do t=$(ms "${cli[@]}"); [ "$t" -lt "$bcli" ] && bcli=$t; done
    printf '%-6s %12s %16s %16s\n' "$c" "$(stat -c %s "$tmp/k.$c")" "$best" "$bcli"
done
echo "(kexecd's figure includes hashing the unpacked kernel with SHA-256, as a load does)"
