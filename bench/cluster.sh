#!/usr/bin/env bash
# make bench-cluster: registrations per second through HAProxy and three summitd instances,
# first on one plain MariaDB (+ one Redis), then on the three-node Galera cluster (+ Sentinel),
# in the same run, same shape, same data: the ratio is what the cluster costs. Then the cost of
# causal reads: the cluster again with mysql_sync_wait = 0.
#
# Each side runs scripts/cluster.sh in its own state directory and ports (var/bench-single,
# 4600-4699, HAProxy 8091; var/bench-cluster, 4700-4799, HAProxy 8092), so a `make cluster`
# left running is not touched. Scenarios (wrk, BENCH_CONNS connections, BENCH_SECONDS each):
#   register_100  POST /sessions/{id}/registrations spread over 100 sessions
#   register_hot  the same on one session (every registration writes its row)
#   me            GET /me (Redis + one MySQL read)
# Prints a table and writes var/bench/cluster.json. Knobs: BENCH_SECONDS (10), BENCH_CONNS (64),
# BENCH_WRK_THREADS (2), BENCH_USERS (40000), BENCH_SIDES ("single cluster"; one of them alone
# reuses the other's last results from var/bench).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
B=${B:-build}
SECS=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNS:-64}
WT=${BENCH_WRK_THREADS:-2}
NUSERS=${BENCH_USERS:-40000}
OUT=var/bench
PW=bench-password-1
mkdir -p "$OUT"
export BENCH_DIR=$ROOT/bench BENCH_WRK_THREADS=$WT SUMMITD_BIN=${SUMMITD_BIN:-$ROOT/$B/summitd}
log() { printf 'bench-cluster: %s\n' "$*" >&2; }

side_env() { # single|cluster -> the environment of scripts/cluster.sh for that side
    if [ "$1" = single ]; then
        echo "CLUSTER_SINGLE=1 CLUSTER_VAR=var/bench-single CLUSTER_PORT_BASE=4600 CLUSTER_LB_PORT=8091"
    else
        echo "CLUSTER_SINGLE=0 CLUSTER_VAR=var/bench-cluster CLUSTER_PORT_BASE=4700 CLUSTER_LB_PORT=8092"
    fi
}
C() { env $(side_env "$SIDE") CLUSTER_PASSWORD_COST=5 CLUSTER_SYNC_WAIT="${SYNC_WAIT:-1}" scripts/cluster.sh "$@"; }
M() { C sql 1 summitd "$@"; }

cleanup() { for SIDE in single cluster; do C stop >/dev/null 2>&1 || true; done; }
trap cleanup EXIT

api() { # METHOD PATH TOKEN BODY -> body; fails on a non-2xx
    local auth=() out code
    [ -n "$3" ] && auth=(-H "Authorization: Bearer $3")
    out=$(curl -s -w '\n%{http_code}' -X "$1" "${auth[@]}" -H 'Content-Type: application/json' \
        ${4:+--data-binary "$4"} "$URL$2")
    code=${out##*$'\n'}
    [ "${code:0:1}" = 2 ] || { log "$1 $2 -> $code ${out%$'\n'*}"; return 1; }
    printf '%s' "${out%$'\n'*}"
}
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }

load_data() {
    local now admin oid org ev i hash
    now=$(date -u +%s)
    admin=$(api POST /api/v1/auth/login "" '{"email":"admin@cluster.summitd","password":"cluster-admin-password"}' | jq -r .token)
    oid=$(api POST /api/v1/users "" "{\"email\":\"organizer@bench.example\",\"password\":\"$PW\",\"display_name\":\"会务组\",\"role\":\"attendee\"}" | jq -r .id)
    api POST "/api/v1/users/$oid/roles" "$admin" '{"role":"organizer"}' >/dev/null
    org=$(api POST /api/v1/auth/login "" "{\"email\":\"organizer@bench.example\",\"password\":\"$PW\"}" | jq -r .token)
    ev=$(api POST /api/v1/events "$org" "{\"title\":\"基准测试峰会\",\"kind\":\"summit\",\"city\":\"成都\",\"venue\":\"天府\",\"starts_at\":\"$(iso $((now + 30 * 86400)))\",\"ends_at\":\"$(iso $((now + 32 * 86400)))\"}" | jq -r .id)
    local sess
    sess() {
        printf '{"title":"%s","kind":"forum","room":"R","starts_at":"%s","ends_at":"%s","capacity":100000,"waitlist":false,"registration_opens_at":"%s","registration_closes_at":"%s"}' \
            "$1" "$(iso $((now + 30 * 86400)))" "$(iso $((now + 30 * 86400 + 7200)))" "$(iso $((now - 86400)))" "$(iso $((now + 20 * 86400)))"
    }
    : > "$OUT/c-spread.ids"
    for i in $(seq 1 100); do
        api POST "/api/v1/events/$ev/sessions" "$org" "$(sess "分论坛 $i")" | jq -r .id >> "$OUT/c-spread.ids"
    done
    api POST "/api/v1/events/$ev/sessions" "$org" "$(sess 热门主论坛)" | jq -r .id > "$OUT/c-hot.ids"
    api POST "/api/v1/events/$ev/publish" "$org" "" >/dev/null
    hash=$(M -N -e "SELECT password_hash FROM users WHERE email_lower = 'organizer@bench.example'")
    M -e "INSERT INTO users (email, email_lower, password_hash, display_name, roles, created_at)
          SELECT CONCAT('bench-u', seq, '@bench.example'), CONCAT('bench-u', seq, '@bench.example'),
                 '$hash', CONCAT('参会者 ', seq), 1, UTC_TIMESTAMP() FROM seq_1_to_$NUSERS;"
    M -N -e "SELECT id FROM users WHERE email LIKE 'bench-u%' ORDER BY id" \
        | "$B/bench/mktokens" summitd: 1 86400 "$OUT/c-tokens.txt" 2>/dev/null \
        | redis-cli -p "$(C master-port)" --pipe >/dev/null
}

# run NAME SCRIPT PATH [ENV...] -> $OUT/c-$SIDE-NAME.json
run() {
    local name=$1 script=$2 path=$3; shift 3
    env "$@" wrk -t"$WT" -c"$CONNS" -d"${SECS}s" --timeout 5s --latency -s "bench/$script" \
        "$URL$path" > "$OUT/c-$TAG-$name.out" 2>&1 || true
    sed -n 's/^BENCHJSON //p' "$OUT/c-$TAG-$name.out" > "$OUT/c-$TAG-$name.json"
    [ -s "$OUT/c-$TAG-$name.json" ] || echo '{"rps":0,"p50_ms":0,"p99_ms":0,"non2xx":-1,"codes":{}}' > "$OUT/c-$TAG-$name.json"
    log "$TAG $name: $(jq -c '{rps, p50_ms, p99_ms, codes}' "$OUT/c-$TAG-$name.json")"
}

scenarios() {
    run register_100 register.lua /api/v1/sessions BENCH_IDS="$OUT/c-spread.ids" BENCH_TOKENS="$OUT/c-tokens.txt"
    run register_hot register.lua /api/v1/sessions BENCH_IDS="$OUT/c-hot.ids" BENCH_TOKENS="$OUT/c-tokens-hot.txt"
    run me me.lua /api/v1/me BENCH_TOKENS="$OUT/c-tokens.txt"
}

check() { # counters equal rows, nothing over capacity (read causally on the cluster)
    local bad
    bad=$(M -N --init-command="SET SESSION wsrep_sync_wait = $([ "$SIDE" = cluster ] && echo 1 || echo 0)" -e "
        SELECT COUNT(*) FROM sessions s WHERE s.confirmed_count > s.capacity
           OR s.confirmed_count <> (SELECT COUNT(*) FROM registrations r WHERE r.session_id = s.id AND r.status = 'confirmed')")
    echo "$bad" > "$OUT/c-$TAG-inconsistent.txt"
    [ "$bad" = 0 ] || log "INCONSISTENT on $TAG: $bad sessions"
}

for SIDE in ${BENCH_SIDES:-single cluster}; do
    T0=$SECONDS
    C start >/dev/null
    URL=http://127.0.0.1:$([ $SIDE = single ] && echo 8091 || echo 8092)
    load_data
    # The hot scenario starts at another offset of the users: no pair repeats across scenarios.
    tail -n +$((NUSERS / 2)) "$OUT/c-tokens.txt" > "$OUT/c-tokens-hot.txt"
    log "$SIDE: up and loaded in $((SECONDS - T0)) s"
    TAG=$SIDE
    scenarios
    check
    if [ $SIDE = cluster ]; then
        # The cost of causal reads: the same again with mysql_sync_wait = 0 (fresh users).
        SYNC_WAIT=0 C restart-summitd >/dev/null
        head -n $((NUSERS / 2)) "$OUT/c-tokens.txt" | tail -n +$((NUSERS / 4)) > "$OUT/c-tokens-nw.txt"
        TAG=cluster_nowait
        run register_100 register.lua /api/v1/sessions BENCH_IDS="$OUT/c-spread.ids" BENCH_TOKENS="$OUT/c-tokens-nw.txt"
        run me me.lua /api/v1/me BENCH_TOKENS="$OUT/c-tokens.txt"
        check
    fi
    C stop >/dev/null
done

j() { [ -s "$OUT/c-$1.json" ] && cat "$OUT/c-$1.json" || echo null; }
jq -n --argjson s100 "$(j single-register_100)" --argjson shot "$(j single-register_hot)" \
      --argjson sme "$(j single-me)" --argjson c100 "$(j cluster-register_100)" \
      --argjson chot "$(j cluster-register_hot)" --argjson cme "$(j cluster-me)" \
      --argjson n100 "$(j cluster_nowait-register_100)" --argjson nme "$(j cluster_nowait-me)" \
      --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg machine "$(uname -n), $(nproc) cores" \
      --argjson secs "$SECS" --argjson conns "$CONNS" '
def r2: (. * 100 | round) / 100;
def row($n; $a; $b; $what): {scenario: $n, single_rps: ($a.rps | r2), cluster_rps: ($b.rps | r2),
  ratio: (if $a.rps > 0 then ($b.rps / $a.rps) | r2 else null end),
  single_p99_ms: ($a.p99_ms | r2), cluster_p99_ms: ($b.p99_ms | r2),
  single_codes: $a.codes, cluster_codes: $b.codes, what: $what};
{date: $date, machine: $machine, seconds: $secs, connections: $conns,
 rows: [row("register_100"; $s100; $c100; "HAProxy + 3 summitd; 1 MariaDB vs 3 Galera nodes (wsrep_sync_wait=1)"),
        row("register_hot"; $shot; $chot; "one session: every registration writes its row"),
        row("me"; $sme; $cme; "GET /me: Redis + one MySQL read"),
        row("register_100 sync_wait=0"; $c100; $n100; "cluster: wsrep_sync_wait 1 (left) vs 0 (right)"),
        row("me sync_wait=0"; $cme; $nme; "cluster: wsrep_sync_wait 1 (left) vs 0 (right)")]}' > "$OUT/cluster.json"
echo "bench-cluster: $(jq -r '"\(.machine), \(.date), wrk \(.connections) connections, \(.seconds) s each"' "$OUT/cluster.json")"
jq -r '(["scenario", "single req/s", "cluster req/s", "ratio", "p99 single", "p99 cluster"] | @tsv),
       (.rows[] | [.scenario, .single_rps, .cluster_rps, .ratio, .single_p99_ms, .cluster_p99_ms] | @tsv)' \
    "$OUT/cluster.json" | column -t -s $'\t'
echo "(the last two rows compare the cluster with wsrep_sync_wait=1 to the cluster with 0)"
for t in single cluster cluster_nowait; do
    [ "$(cat "$OUT/c-$t-inconsistent.txt" 2>/dev/null || echo 0)" = 0 ] || { log "INCONSISTENT ($t)"; exit 1; }
done
log "wrote $OUT/cluster.json"
