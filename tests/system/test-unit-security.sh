#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Checks the configured (installed) kexecd.service:
#  - `systemd-analyze security --offline=yes` rates its overall exposure at
#    MAX-EXPOSURE or lower (default 2.5);
#  - systemd parses every line of it (a misspelt or unknown setting is
#    silently ignored by systemd, and the margin could hide it);
#  - each hardening setting is still there (the exposure margin alone would
#    let one go unnoticed);
#  - it restarts on failure, within a start limit.
# Without systemd-analyze it is skipped (77), unless CI=true: then it fails.
#
# Usage: test-unit-security.sh UNIT-FILE [MAX-EXPOSURE]
set -uo pipefail

unit=${1:?usage: test-unit-security.sh UNIT-FILE [MAX-EXPOSURE]}
max=${2:-2.5}

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() {
    if [ "${CI:-}" = true ]; then
        fail "$* (CI=true: a skip is a failure)"
    fi
    echo "SKIP: $*" >&2
    exit 77
}

[ -r "$unit" ] || fail "cannot read $unit"
[[ $max =~ ^[0-9]+(\.[0-9])?$ ]] || fail "MAX-EXPOSURE must look like 2.5, not '$max'"
command -v systemd-analyze >/dev/null 2>&1 || skip "systemd-analyze not found"
# systemd-analyze's exposure is an integer 0..100 shown divided by ten;
# --threshold= takes that integer and fails when the exposure is above it.
threshold=$(awk -v m="$max" 'BEGIN { printf "%d", m * 10 + 0.5 }')

tmp=$(mktemp -d) || fail "mktemp"
trap 'rm -rf "$tmp"' EXIT
# systemd names the unit after the file: it must be called kexecd.service.
cp "$unit" "$tmp/kexecd.service" || fail "cannot copy $unit"

systemd-analyze security --offline=yes --threshold="$threshold" --no-pager "$tmp/kexecd.service" \
    >"$tmp/out" 2>"$tmp/err"
rc=$?
cat "$tmp/out"
if grep -q "Unknown command verb\|unrecognized option.*\(offline\|threshold\)" "$tmp/err"; then
    cat "$tmp/err" >&2
    skip "this systemd-analyze has no offline security assessment"
fi

# Lines systemd could not use ("Unknown key", "Failed to parse ...") are
# reported as FILE:LINE: ...; each one is a setting silently dropped.
if grep -q "^$tmp/kexecd.service:[0-9]*:" "$tmp/err"; then
    sed "s|^$tmp/kexecd.service|$unit|" "$tmp/err" >&2
    fail "systemd ignores lines of $unit (above)"
fi

line=$(grep "Overall exposure level for kexecd.service:" "$tmp/out")
[ -n "$line" ] || { cat "$tmp/err" >&2; fail "no overall exposure level in systemd-analyze's output (exit $rc)"; }
exposure=$(sed -n 's/.*Overall exposure level for kexecd\.service: \([0-9][0-9]*\.[0-9]\).*/\1/p' <<<"$line")
[ -n "$exposure" ] || fail "cannot parse: $line"
echo "exposure $exposure, allowed at most $max"
if awk -v e="$exposure" -v m="$max" 'BEGIN { exit !(e > m) }'; then
    fail "overall exposure $exposure is above $max"
fi
# The parsed value and systemd-analyze's own verdict must agree.
[ "$rc" -eq 0 ] || { cat "$tmp/err" >&2; fail "systemd-analyze security --threshold=$threshold exited $rc"; }

# setting SECTION KEY: the value of KEY's last assignment in [SECTION], the
# one systemd uses for a single-valued setting.
setting() {
    awk -v sect="[$1]" -v key="$2" '
        /^[ \t]*\[/ { cur = $0; sub(/[ \t]+$/, "", cur); next }
        cur == sect && index($0, key "=") == 1 { val = substr($0, length(key) + 2) }
        END { print val }' "$unit"
}
# expect SECTION KEY VALUE-REGEX WHAT: that value matches VALUE-REGEX.
expect() {
    local v
    v=$(setting "$1" "$2")
    [[ $v =~ ^($3)$ ]] || fail "[$1] $2= is '${v}', expected $4"
    echo "[$1] $2=$v"
}
# Each hardening setting on its own: the exposure has 0.2 of margin, and
# dropping one setting (ProtectSystem=strict, NoNewPrivileges=yes...) costs
# less than that. Loosening one on purpose means editing this list too.
expect Service CapabilityBoundingSet 'CAP_SYS_BOOT CAP_SYS_ADMIN CAP_DAC_READ_SEARCH' "exactly the three capabilities kexecd needs"
for kv in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=read-only PrivateTmp=yes PrivateMounts=yes \
          ProtectProc=invisible PrivateIPC=yes ProtectKernelTunables=yes ProtectKernelModules=yes \
          ProtectKernelLogs=yes ProtectControlGroups=yes ProtectClock=yes ProtectHostname=yes \
          LockPersonality=yes MemoryDenyWriteExecute=yes RestrictRealtime=yes RestrictSUIDSGID=yes \
          RestrictNamespaces=yes SystemCallArchitectures=native IPAddressDeny=any \
          'RestrictAddressFamilies=AF_UNIX AF_NETLINK'; do
    expect Service "${kv%%=*}" "${kv#*=}" "${kv#*=}"
done
# SystemCallFilter= lines add up rather than replace each other.
for f in '@system-service @reboot' '~@resources' '~reboot'; do
    grep -qxF "SystemCallFilter=$f" "$unit" || fail "no 'SystemCallFilter=$f' line"
    echo "[Service] SystemCallFilter=$f"
done

expect Service Restart 'on-failure' "on-failure"
expect Service RestartSec '[1-9][0-9]*(ms|s|min)?' "a non-zero delay"
expect Unit StartLimitIntervalSec '[1-9][0-9]*(s|min)?' "a non-zero interval (in [Unit])"
expect Unit StartLimitBurst '[1-9][0-9]*' "a burst (in [Unit])"
echo "PASS"
