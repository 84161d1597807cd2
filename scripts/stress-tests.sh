#!/usr/bin/env bash
# `make stress-tests N=20`: the integration binaries N rounds in a row under the CI configuration
# (the Makefile points SUMMITD_BIN at the ASan+UBSan summitd; the drivers are the plain ones),
# each binary under scripts/run-tests.sh's time limit. Reports, by test name: hangs (a binary
# over its limit, with the test that was running), crashes, and flaky failures (failed in some
# rounds, passed in others). Exits non-zero when any round hung, crashed or failed.
#
#   scripts/stress-tests.sh ROUNDS LIMIT_SECONDS BIN...
set -uo pipefail
cd "$(dirname "$0")/.."
rounds=$1
limit=$2
shift 2
dir=var/stress
rm -rf "$dir"
mkdir -p "$dir"
hangs=0
start=$SECONDS
for ((i = 1; i <= rounds; i++)); do
    t0=$SECONDS
    for bin in "$@"; do
        name=$(basename "$bin")
        log=$dir/round-$i-$name.log
        scripts/run-tests.sh --limit "$limit" "$bin" >"$log" 2>&1
        rc=$?
        # run-tests keeps the per-test [RUN ]/[PASS] lines in var/test-logs/<bin>.out.
        cp "var/test-logs/$(echo "$bin" | tr '/' '_').out" "$dir/round-$i-$name.out" 2>/dev/null
        if [ $rc -eq 124 ]; then
            hangs=$((hangs + 1))
            sed -n '/still running:/,/^----/p' "$log" | grep '^    ' |
                sed "s/^ *\(.*\)/HANG \1 round $i/" >>"$dir/events"
        fi
    done
    echo "stress: round $i/$rounds done in $((SECONDS - t0)) s"
done

# One line per test and outcome across every round.
cat "$dir"/round-*.out 2>/dev/null |
    sed -n 's/^\[\(PASS\|FAIL\)\] \([^:]*::[^:]*\):.*/\1 \2/p' | sort | uniq -c >"$dir/outcomes"
crashes=$(grep -h 'CRASH\|crashed' "$dir"/round-*.out 2>/dev/null | sort | uniq -c)
echo "stress: $rounds rounds in $((SECONDS - start)) s over $# binaries"
awk '{n[$3] += $1; if ($2 == "FAIL") f[$3] += $1} END {
        for (t in n) { runs++; if (f[t]) printf "stress: %s failed %d of %d runs%s\n", t, f[t], n[t],
                                             (f[t] < n[t] ? " (flaky)" : "") }
        printf "stress: %d distinct tests\n", runs }' "$dir/outcomes"
fails=$(awk '$2 == "FAIL" {s += $1} END {print s + 0}' "$dir/outcomes")
[ -n "$crashes" ] && echo "stress: crashes:" && echo "$crashes"
[ -f "$dir/events" ] && cat "$dir/events"
echo "stress: hangs=$hangs failures=$fails crashes=$(echo -n "$crashes" | grep -c .)"
[ $hangs -eq 0 ] && [ "$fails" -eq 0 ] && [ -z "$crashes" ]
