#!/usr/bin/env bash
# Prints a gdb backtrace of every thread of PID and of all its descendants (for a hung test or CI
# phase), installing gdb when it is missing. Prints only; stops nothing.
#
#   scripts/backtraces.sh PID
set -uo pipefail
cd "$(dirname "$0")/.."

descendants() { # children found through /proc (no procps needed), depth first
    local p c
    for p in "$@"; do
        for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do
            echo "$c"
            descendants "$c"
        done
    done
}

if ! command -v gdb >/dev/null 2>&1; then
    scripts/deps.sh gdb >/dev/null 2>&1 || true
fi
for p in "$1" $(descendants "$1"); do
    [ -d /proc/"$p" ] || continue
    echo "---- backtrace of pid $p: $(tr '\0' ' ' < /proc/"$p"/cmdline 2>/dev/null | cut -c1-200)"
    if command -v gdb >/dev/null 2>&1; then
        timeout 60 gdb -p "$p" -batch -nx -ex 'set pagination off' \
            -ex 'thread apply all bt 30' 2>&1 | grep -v '^\[New LWP\|^warning:' | head -300
    else
        echo "(gdb missing: kernel stack)"
        cat /proc/"$p"/stack 2>/dev/null || true
    fi
done
