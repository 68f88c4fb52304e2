# Not a test: the guest half of bench/format/load-vs-kexec-tools.sh. Loads
# every kernel file in /vm/extra with kexecd (kexecctl load, file syscall)
# and with kexec-tools (`kexec -s -l`, the same syscall, kexec-tools
# unpacking what it can), three times each, and reports the best wall
# times (busybox `time`, 10 ms resolution) and kexecd's own
# LoadDurationUSec. A load that fails is reported as such, not timed.
# vm-arch: arm64
# vm-kernel: source
# vm-memory: 2G
# vm-timeout: 900

wall() {
    # busybox time reports "real\t0m 1.23s" on its stderr; prints seconds
    # and returns the command's status (its error text stays in bench.err).
    busybox time "$@" >/dev/null 2>/tmp/bench.err
    rc=$?
    sed -n 's/^real[^0-9]*\([0-9]*\)m \([0-9.]*\)s$/\1 \2/p' /tmp/bench.err |
        awk '{ printf "%.2f\n", $1 * 60 + $2 }'
    return $rc
}

best_of_3() {
    best=""
    for run in 1 2 3; do
        t=$(wall "$@") || return 1
        if [ -z "$best" ] || awk "BEGIN { exit !($t < $best) }"; then best=$t; fi
    done
    echo "$best"
}

stage_first() {
    append="$VM_CONSOLE_ARGS vm.stage=never"
    # A small initrd: the figures are about the kernel file.
    initrd=/tmp/initrd.img
    head -c 65536 /dev/zero >"$initrd"
    for f in /vm/extra/*; do
        name=$(basename "$f")
        size=$(stat -c %s "$f")
        if k=$(best_of_3 kexecctl --no-ask-password load "$f" --initrd "$initrd" --append "$append"); then
            json=$(kexecctl --json=short status | grep -o '"kexec":{[^}]*}')
            internal=$(echo "$json" | sed -n 's/.*"LoadDurationUSec":\([0-9]*\).*/\1/p')
            format=$(echo "$json" | sed -n 's/.*"KernelFormat":"\([^"]*\)".*/\1/p')
            syscall=$(echo "$json" | sed -n 's/.*"Syscall":"\([^"]*\)".*/\1/p')
            kd="kexecd ${k}s (last load inside kexecd $((internal / 1000)) ms, $format, $syscall syscall)"
        else
            kd="kexecd failed: $(grep -v '^real\|^user\|^sys' /tmp/bench.err | head -c 200 | tr '\n' ' ')"
        fi
        if t=$(best_of_3 kexec -s -l "$f" --initrd="$initrd" --append="$append"); then
            kt="kexec -s -l ${t}s"
        else
            kt="kexec -s -l failed: $(grep -v '^real\|^user\|^sys' /tmp/bench.err | head -c 200 | tr '\n' ' ')"
        fi
        vm_info "bench $name $size bytes: $kd; $kt"
    done
    vm_pass
}
