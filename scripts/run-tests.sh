#!/usr/bin/env bash
# Runs Criterion test binaries one after the other, each under a time limit, so that a hung test
# fails the run at once instead of stalling CI until its own limit.
#
#   scripts/run-tests.sh [--limit SECONDS] [--jobs N] BIN...
#
# Each binary runs with --verbose (a [RUN ] line per test) in its own process group, its output
# kept in var/test-logs/<name>.out and printed when it ends. When a binary outlives its limit:
# the tests that started and did not finish are named, every process of its group (the runner,
# its test processes, the summitd they started) gets a gdb backtrace of all threads, the group is
# killed, and the script exits 124. Otherwise it exits with the first failing binary's status
# after running all of them (so one failure does not hide another).
set -uo pipefail
cd "$(dirname "$0")/.."

limit=900
jobs=2
while [ $# -gt 0 ]; do
    case "$1" in
    --limit) limit=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --) shift; break ;;
    -*) echo "run-tests: unknown option $1" >&2; exit 2 ;;
    *) break ;;
    esac
done
[ $# -gt 0 ] || { echo "usage: $0 [--limit S] [--jobs N] BIN..." >&2; exit 2; }

mkdir -p var/test-logs

# Our child until we wait for it: a zombie counts as finished.
running() {
    [ -d /proc/"$1" ] && ! grep -q '^State:[[:space:]]*Z' /proc/"$1"/status 2>/dev/null
}

status=0
for bin in "$@"; do
    name=$(echo "$bin" | tr '/' '_')
    out=var/test-logs/$name.out
    echo "== $bin (limit ${limit}s)"
    start=$SECONDS
    # setsid: the binary leads its own process group, so the group can be found and killed.
    setsid "$bin" --jobs "$jobs" --verbose >"$out" 2>&1 &
    pid=$!
    hung=0
    while running "$pid"; do
        if [ $((SECONDS - start)) -ge "$limit" ]; then
            hung=1
            break
        fi
        sleep 0.2
    done
    if [ $hung -eq 1 ]; then
        grep -v '^\[RUN \]\|^\[PASS\]' "$out" | tail -50
        echo "run-tests: $bin did not finish within ${limit}s"
        started=$(sed -n 's/^\[RUN \] \(.*\)/\1/p' "$out" | sort -u)
        finished=$(sed -n 's/^\[\(PASS\|FAIL\|SKIP\)\] \([^:]*::[^:]*\):.*/\2/p' "$out" | sort -u)
        echo "run-tests: still running:"
        comm -23 <(echo "$started") <(echo "$finished") | sed 's/^/    /'
        scripts/backtraces.sh "$pid"
        # The whole group: the runner, its test processes and the summitd they started.
        kill -9 -- -"$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        exit 124
    fi
    wait "$pid"
    rc=$?
    # The per-test lines are in the log; the console gets failures and the summary.
    grep -v '^\[RUN \]\|^\[PASS\]' "$out"
    echo "   ($((SECONDS - start)) s)"
    if [ $rc -ne 0 ] && [ $status -eq 0 ]; then
        status=$rc
    fi
done
exit $status
