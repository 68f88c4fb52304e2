# Helpers for scenario scripts, sourced in every guest (busybox ash, dash or
# bash: keep to POSIX sh). Reports go to the console, where the host runner
# reads them across every kernel of the scenario:
#   @@STAGE name        a stage (one kernel's part of the scenario) starts
#   @@INFO text         shown by the runner, not judged
#   @@PASS scenario     the scenario succeeded (the runner stops QEMU)
#   @@FAIL scenario why the scenario failed  (the runner stops QEMU)
# Requests to the host (hotplug, QMP) travel on the second serial port.

VM_CONSOLE=/dev/console
VM_CONTROL=/dev/ttyS1
# The kernel and the small (busybox) initramfs that the scenario loads for
# the next kernel or the crash kernel.
VM_KERNEL=/vm/vmlinuz
VM_INITRD=/vm/initrd-small.img
# Console arguments every next kernel needs for the runner to follow it.
VM_CONSOLE_ARGS="console=ttyS0,115200 panic=-1"
# The arm64 guest (tests/vm/arm64): QEMU virt's PL011 console, the kernel
# the runner put in /vm (Debian's vmlinuz or a built Image.gz), and the
# guest itself as the next initramfs, so that kexecd runs there too.
if [ "$(uname -m)" = aarch64 ]; then
    VM_CONSOLE_ARGS="console=ttyAMA0 panic=-1"
    VM_KERNEL=$(ls /vm/vmlinuz /vm/Image.gz 2>/dev/null | head -n 1)
    VM_INITRD=/vm/self.img
fi

vm_say() {
    # One write per line, so kernel messages do not split a report.
    printf '%s\n' "$*" >"$VM_CONSOLE"
}

vm_info() {
    vm_say "@@INFO $*"
}

vm_pass() {
    vm_say "@@PASS $VM_SCENARIO"
    exit 0
}

vm_fail() {
    vm_say "@@FAIL $VM_SCENARIO $*"
    exit 1
}

# The value of KEY=... on the running kernel's command line, empty if absent.
vm_cmdline_value() {
    tr ' ' '\n' </proc/cmdline | sed -n "s/^$1=//p" | tail -n 1
}

# vm_expect WHAT COMMAND...: run COMMAND; fail the scenario unless it exits 0.
vm_expect() {
    what=$1; shift
    if ! out=$("$@" 2>&1); then
        vm_info "$out"
        vm_fail "$what (command: $*)"
    fi
}

# vm_expect_status WHAT STATUS COMMAND...: fail unless COMMAND exits STATUS.
vm_expect_status() {
    what=$1; want=$2; shift 2
    out=$("$@" 2>&1)
    got=$?
    [ "$got" -eq "$want" ] || { vm_info "$out"; vm_fail "$what: exit status $got, wanted $want (command: $*)"; }
}

# vm_expect_eq WHAT ACTUAL EXPECTED
vm_expect_eq() {
    [ "$2" = "$3" ] || vm_fail "$1: got '$2', wanted '$3'"
}

# vm_expect_contains WHAT HAYSTACK NEEDLE
vm_expect_contains() {
    case $2 in
        *"$3"*) ;;
        *) vm_info "$2"; vm_fail "$1: '$3' not found" ;;
    esac
}

# vm_host REQUEST...: ask the host runner to act (see tests/vm/run for the
# requests: ping, mem-add, mem-del, cpu-add, cpu-del, qmp). Prints the reply
# text; returns 1 when the host answered ERR.
vm_host() {
    # One open file for request and reply: bytes that reach a serial port
    # nobody holds open are dropped.
    {
        stty raw -echo <&9 2>/dev/null
        printf '%s\n' "$*" >&9
        IFS= read -r reply <&9
    } 9<>"$VM_CONTROL" || return 1
    case $reply in
        "OK"*) printf '%s\n' "${reply#OK}" | sed 's/^ //'; return 0 ;;
        *) printf '%s\n' "$reply"; return 1 ;;
    esac
}

# vm_wait_for SECONDS COMMAND...: poll COMMAND every half second (a function
# when the condition must be recomputed: arguments are expanded only once).
vm_wait_for() {
    tries=$(($1 * 2)); shift
    while [ "$tries" -gt 0 ]; do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.5
        tries=$((tries - 1))
    done
    return 1
}

# --- helpers of the kexecd hotplug scenarios ---

# vm_kexecd_conf LINE...: write kexecd.conf where either install prefix
# reads it (/etc for -Dprefix=/usr, /usr/local/etc for the default prefix).
vm_kexecd_conf() {
    for d in /etc/kexecd /usr/local/etc/kexecd; do
        mkdir -p "$d" && printf '%s\n' "$@" >"$d/kexecd.conf"
    done
}

vm_memory_blocks() {
    ls -d /sys/devices/system/memory/memory[0-9]* | wc -l
}

# For vm_wait_for, which re-runs its command: count when called.
vm_memory_blocks_are() {
    [ "$(vm_memory_blocks)" -eq "$1" ]
}

# Hot-added blocks arrive offline on Debian's kernel: online them movable.
vm_online_new_memory() {
    grep -l offline /sys/devices/system/memory/memory*/state 2>/dev/null | while read -r f; do
        echo online_movable >"$f" || return 1
    done
}

# vm_reloads IMAGE: automatic reloads of IMAGE in kexecd's history.
# A failed kexecctl prints "error" (never a number, so every comparison
# with it fails) instead of counting as 0 reloads.
vm_reloads() {
    local history
    if ! history=$(kexecctl --json=short history); then
        echo "vm_reloads: kexecctl history failed" >&2
        echo error
        return 1
    fi
    # grep -c prints 0 and exits 1 when nothing matches: that 0 is an answer.
    printf '%s\n' "$history" | grep -c "\"image\":\"$1\",\"event\":\"reloaded\"" || true
}

# vm_status_object KEY: the {...} object KEY ("kexec", "kdump", "DeviceTree")
# of kexecd's Status as one line of JSON (none of them nests objects).
vm_status_object() {
    kexecctl --json=short status | grep -o "\"$1\":{[^}]*}"
}

# Where no systemd performs the jump (the arm64 guest): kexecd's
# last-moment check, then kexec-tools executes whatever is loaded.
vm_prepare_and_kexec() {
    vm_expect "kexecctl prepare-kexec" kexecctl --no-ask-password prepare-kexec
    vm_info "kexec -e"
    kexec -e
    vm_fail "kexec -e returned"
}
