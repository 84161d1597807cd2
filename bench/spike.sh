#!/usr/bin/env bash
# The "spike" scenario of `make bench` (issue 18): SPIKE_USERS (5000) distinct users register for
# one session within SPIKE_WINDOW_MS (1000), open loop (build/bench/spike), against an optimized
# summitd on a fresh database summitd_bench_spike. Prints the time to the last response and the
# latencies, checks that what was acknowledged is what the database holds (no session over
# capacity, positions dense), and writes var/bench/spike.json. Runs after bench/run.sh (its own
# summitd and database, so it does not disturb the other scenarios).
#
# Knobs: SPIKE_USERS (5000), SPIKE_WINDOW_MS (1000), SPIKE_SEATS (500), BENCH_THREADS (summitd
# loops, 2), BENCH_WORKERS (16), B (build dir).
set -euo pipefail
cd "$(dirname "$0")/.."
B=${B:-build}
N=${SPIKE_USERS:-5000}
WINDOW=${SPIKE_WINDOW_MS:-1000}
SEATS=${SPIKE_SEATS:-500}
THREADS=${BENCH_THREADS:-2}
WORKERS=${BENCH_WORKERS:-16}
OUT=var/bench
DB=summitd_bench_spike
MYSQL_PORT=${SD_MYSQL_PORT:-3407}
REDIS_PORT=${SD_REDIS_PORT:-6391}
PREFIX=spike:
mkdir -p "$OUT"
M() { mariadb --no-defaults -S var/mysql/mariadbd.sock -uroot "$@"; }
R() { redis-cli -p "$REDIS_PORT" "$@"; }
log() { printf 'spike: %s\n' "$*" >&2; }
. bench/lib.sh # free_port, bench_conf
SPID=
cleanup() { [ -z "$SPID" ] || { kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null; } || true; }
trap cleanup EXIT

scripts/services.sh start >/dev/null
M -e "DROP DATABASE IF EXISTS $DB; CREATE DATABASE $DB CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
R --scan --pattern "$PREFIX*" | xargs -r -n 1000 redis-cli -p "$REDIS_PORT" UNLINK >/dev/null
PORT=$(free_port 18580)
bench_conf "$OUT/spike.conf" "$PORT" "$DB" "$PREFIX" spike </dev/null
"$B/summitd" --config "$OUT/spike.conf" migrate >"$OUT/spike-migrate.log" 2>&1
"$B/summitd" --config "$OUT/spike.conf" >"$OUT/spike-summitd.log" 2>&1 &
SPID=$!
for _ in $(seq 1 300); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.1; done

# The data: N attendees (no password anyone uses: their login sessions are minted), one
# published event with one session of SEATS seats and a waitlist, registration open.
M "$DB" -e "
INSERT INTO users (email, email_lower, password_hash, display_name, roles, created_at)
  SELECT CONCAT('spike-u', seq, '@bench.example'), CONCAT('spike-u', seq, '@bench.example'),
         'x', CONCAT('参会者 ', seq), 1, UTC_TIMESTAMP() FROM seq_1_to_$N;
INSERT INTO events (organizer_id, title, kind, city, venue, description, starts_at, ends_at,
                    status, created_at, updated_at)
  VALUES (1, '开幕主论坛', 'summit', '成都', '天府国际会议中心', '人工智能产业高峰论坛',
          UTC_TIMESTAMP() + INTERVAL 30 DAY, UTC_TIMESTAMP() + INTERVAL 31 DAY, 'published',
          UTC_TIMESTAMP(), UTC_TIMESTAMP());
INSERT INTO sessions (event_id, title, kind, room, starts_at, ends_at, capacity, waitlist,
                      registration_opens_at, registration_closes_at, created_at)
  SELECT MAX(id), '开幕主论坛', 'forum', '主会场', UTC_TIMESTAMP() + INTERVAL 30 DAY,
         UTC_TIMESTAMP() + INTERVAL 30 DAY + INTERVAL 2 HOUR, $SEATS, 1,
         UTC_TIMESTAMP() - INTERVAL 1 DAY, UTC_TIMESTAMP() + INTERVAL 20 DAY, UTC_TIMESTAMP()
    FROM events;"
SID=$(M -N "$DB" -e "SELECT MAX(id) FROM sessions")
M -N "$DB" -e "SELECT id FROM users WHERE email LIKE 'spike-u%' ORDER BY id" \
    | "$B/bench/mktokens" "$PREFIX" 1 3600 "$OUT/tokens-spike.txt" 2>/dev/null | R --pipe >/dev/null

# MariaDB's own counters around the spike: statements and commits per acknowledged registration
# (the round trips combining saves, whatever the CPU left to this run).
status() { M -N -e "SHOW GLOBAL STATUS WHERE Variable_name IN ('Questions', 'Com_commit', 'Innodb_row_lock_waits')" \
    | awk '{v[$1] = $2} END {printf "%d %d %d", v["Questions"], v["Com_commit"], v["Innodb_row_lock_waits"]}'; }
read -r Q0 C0 W0 <<<"$(status)"
"$B/bench/spike" 127.0.0.1 "$PORT" "$SID" "$OUT/tokens-spike.txt" "$N" "$WINDOW" > "$OUT/spike.out"
read -r Q1 C1 W1 <<<"$(status)"
# How many transactions served them (summitd_combined_*: requests combined per transaction).
COMB=$(curl -fs "http://127.0.0.1:$PORT/metrics" | awk '/^summitd_combined_batches_total/ {b = $2}
    /^summitd_combined_requests_total/ {r = $2} END {printf "{\"batches\":%d,\"requests\":%d}", b, r}')
sed -n 's/^BENCHJSON //p' "$OUT/spike.out" | jq -c --argjson c "$COMB" --argjson q $((Q1 - Q0)) --argjson k $((C1 - C0)) --argjson w $((W1 - W0)) \
    '. + {combined: $c, mysql: {statements: $q, commits: $k, row_lock_waits: $w}}' > "$OUT/spike.json"
BAD=$(M -N "$DB" -e "
SELECT (SELECT COUNT(*) FROM sessions s WHERE s.confirmed_count > s.capacity
          OR s.confirmed_count <> (SELECT COUNT(*) FROM registrations r WHERE r.session_id = s.id AND r.status = 'confirmed')
          OR s.waitlist_count <> (SELECT COUNT(*) FROM registrations r WHERE r.session_id = s.id AND r.status = 'waitlisted'))
     + (SELECT COUNT(*) - COUNT(DISTINCT waitlist_position) + COALESCE(MAX(waitlist_position), 0) - COUNT(*)
          FROM registrations WHERE session_id = $SID AND status = 'waitlisted')")
ACKED=$(jq '.codes["201"] // 0' "$OUT/spike.json")
ROWS=$(M -N "$DB" -e "SELECT COUNT(*) FROM registrations WHERE session_id = $SID")
jq -r --arg bad "$BAD" --arg rows "$ROWS" '
"spike: \(.requests) users for one session in \(.window_ms) ms: last response after \(.last_response_ms) ms, p50 \(.p50_ms) ms, p99 \(.p99_ms) ms, max \(.max_ms) ms; codes \(.codes | tostring); \(.confirmed) confirmed, \(.waitlisted) waitlisted; rows \($rows); driver lag max \(.send_lag_max_ms) ms; \(.combined.requests) requests in \(.combined.batches) transactions; MariaDB per 201: \(.mysql.statements / (.codes["201"] // 1) * 100 | round / 100) statements, \(.mysql.commits / (.codes["201"] // 1) * 100 | round / 100) commits, \(.mysql.row_lock_waits / (.codes["201"] // 1) * 100 | round / 100) row lock waits; inconsistencies \($bad)"' \
    "$OUT/spike.json"
[ "$BAD" = 0 ] || { log "INCONSISTENT: counters, capacity or positions (see $DB)"; exit 1; }
[ "$ACKED" -le "$ROWS" ] || { log "INCONSISTENT: $ACKED acknowledged, $ROWS rows"; exit 1; }
cleanup
SPID=
R --scan --pattern "$PREFIX*" | xargs -r -n 1000 redis-cli -p "$REDIS_PORT" UNLINK >/dev/null
