#!/usr/bin/env bash
# The driver of `make bench` (see bench/bench.mk; never part of `make test`).
#
# 1. starts the private services (scripts/services.sh start) and an optimized summitd against a
#    fresh database summitd_bench (Redis prefix "bench:", access log off);
# 2. loads a data set: accounts through the API plus tens of thousands of attendees in bulk SQL
#    (their login sessions minted straight into Redis by build/bench/mktokens), events and
#    sessions through the API where the routes exist plus bulk SQL for volume, projects through
#    the API when the route exists;
# 3. measures each scenario (wrk, 64 connections) and its floor INTERLEAVED: BENCH_ROUNDS rounds
#    of BENCH_SECONDS each, scenario then floor, so that load from elsewhere on the machine hits
#    both alike. The floors: bare evhttp (build/bench/floor_http, same loop count) with a tiny
#    body for healthz and with the cached event page's size and headers for event; the
#    registration transaction straight against MariaDB in one round trip (stored procedure), and
#    the same writing the rows of its notices too (build/bench/floor_db proc / procn, same
#    concurrency as summitd's workers); yescrypt (build/bench/floor_crypt); GET /me alone for GET /me during a signup
#    flood; Redis (redis-benchmark, once, for reference). A scenario whose route is missing is
#    reported as "skipped: route missing" after a probe request, never faked;
# 4. prints a table: per scenario the median req/s and p99 over the rounds, the median of the
#    per-round ratios scenario/floor with its min–max and interquartile range, and how many
#    rounds make the median's uncertainty (2 standard errors, from the round-to-round spread)
#    smaller than the gap between the ratio and its target; writes var/bench/latest.json.
#
# Knobs (environment): BENCH_ROUNDS (5), BENCH_SECONDS (3, per round and leg), BENCH_CONNS (64),
# BENCH_WRK_THREADS (2),
# BENCH_THREADS (summitd loops, 2), BENCH_WORKERS (summitd workers, 16), BENCH_PASSWORD_COST (5),
# BENCH_USERS (bulk attendees; default 5,000 + 16,000 a second of every round of the hot
# registration leg: one user a hot registration at up to 16k/s, above its 2x target),
# BENCH_ME_CONNS (GET /me connections in signup_flood, 16), BENCH_NOTICES (1; 0: summitd
# writes no notices, so a registration does what the plain one-round-trip floor does),
# BENCH_ONLY (comma-separated scenarios and/or "floors" (Redis) to run, e.g. "event"; default
# all), B (build dir). More scenarios: bench/scenarios/*.sh (see "measurements" below).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
B=${B:-build}
SECS=${BENCH_SECONDS:-3}
ROUNDS=${BENCH_ROUNDS:-5}
CONNS=${BENCH_CONNS:-64}
WT=${BENCH_WRK_THREADS:-2}
THREADS=${BENCH_THREADS:-2}
WORKERS=${BENCH_WORKERS:-16}
COST=${BENCH_PASSWORD_COST:-5}
NUSERS=${BENCH_USERS:-$((5000 + 16000 * SECS * ROUNDS))}
NLOGIN=1000
ME_CONNS=${BENCH_ME_CONNS:-16}
ONLY=${BENCH_ONLY:-}
want() { [ -z "$ONLY" ] || [[ ",$ONLY," == *",$1,"* ]]; }
PASSWORD=bench-password-1
OUT=var/bench
DB=summitd_bench
FLOORDB=summitd_bench_floor
MYSQL_PORT=${SD_MYSQL_PORT:-3407}
REDIS_PORT=${SD_REDIS_PORT:-6391}
PREFIX=bench:
export BENCH_DIR=$ROOT/bench BENCH_WRK_THREADS=$WT

mkdir -p "$OUT"
rm -f "$OUT"/*.out "$OUT"/*.ids "$OUT"/tokens*.txt "$OUT"/*.json
M() { mariadb --no-defaults -S var/mysql/mariadbd.sock -uroot "$@"; }
R() { redis-cli -p "$REDIS_PORT" "$@"; }
log() { printf 'bench: %s\n' "$*" >&2; }

# free_port, bench_conf
. bench/lib.sh

PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

wait_http() { # url seconds
    local deadline=$((SECONDS + $2))
    until curl -fs -o /dev/null "$1"; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.1
    done
}

# ---------------------------------------------------------------- services and summitd
scripts/services.sh start >/dev/null
M -e "DROP DATABASE IF EXISTS $DB; CREATE DATABASE $DB CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
      DROP DATABASE IF EXISTS $FLOORDB; CREATE DATABASE $FLOORDB CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
redis_clean() { R --scan --pattern "$PREFIX*" | xargs -r -n 1000 redis-cli -p "$REDIS_PORT" UNLINK >/dev/null; }
redis_clean

# (From this checkout's MySQL port, so that benches of several checkouts do not race for one.)
PORT=$(free_port $((18000 + (MYSQL_PORT % 1000) * 10)))
BASE=http://127.0.0.1:$PORT
bench_conf "$OUT/summitd.conf" "$PORT" "$DB" "$PREFIX" bench <<CONF
password_cost = $COST
login_limit_account = 1000000
login_limit_ip = 1000000
CONF
"$B/summitd" --config "$OUT/summitd.conf" migrate >"$OUT/migrate.log" 2>&1
"$B/summitd" --config "$OUT/summitd.conf" >"$OUT/summitd.log" 2>&1 &
SPID=$!
PIDS+=("$SPID")
wait_http "$BASE/healthz" 30 && kill -0 "$SPID" 2>/dev/null \
    || { log "summitd did not start; see $OUT/summitd.log"; exit 1; }
log "summitd on $BASE ($THREADS loops, $WORKERS workers, password_cost $COST)"

# ---------------------------------------------------------------- API helpers
# api METHOD PATH TOKEN BODY -> status in $ST, body in $OUT/api.out
api() {
    local auth=()
    [ -n "$3" ] && auth=(-H "Authorization: Bearer $3")
    ST=$(curl -s -o "$OUT/api.out" -w '%{http_code}' -X "$1" "${auth[@]}" \
        -H 'Content-Type: application/json' ${4:+--data-binary "$4"} "$BASE$2")
}
# api_ok EXPECTED METHOD PATH TOKEN BODY -> body; fails loudly otherwise
api_ok() {
    local want=$1; shift
    api "$@"
    if [ "$ST" != "$want" ]; then
        log "$1 $2 -> $ST (wanted $want): $(cat "$OUT/api.out")"
        exit 1
    fi
    cat "$OUT/api.out"
}
# route_exists METHOD PATH: a probe; the router answers 404 "no route for" or 405 when missing
route_exists() {
    api "$1" "$2" "" ""
    ! { [ "$ST" = 405 ] || { [ "$ST" = 404 ] && grep -q 'no route for' "$OUT/api.out"; }; }
}
jget() { jq -r "$1"; }
# block URL TOKEN [BODY]: one POST as a block of a curl config file (for bulk_api)
block() {
    printf 'url = "%s"\nrequest = "POST"\nheader = "Authorization: Bearer %s"\n' "$1" "$2"
    printf 'header = "Content-Type: application/json"\noutput = "/dev/null"\n'
    printf 'write-out = "%%{http_code}\\n"\n'
    [ -n "${3:-}" ] && printf 'data = %s\n' "$(jq -Rs . <<<"$3" | sed 's/\\n"$/"/')"
    printf 'next\n'
}
# bulk_api FILE: runs the requests of a curl config file, 8 at a time; prints the non-2xx count
bulk_api() {
    sed -i '$d' "$1" # no `next` after the last block
    { curl -s --no-progress-meter --parallel --parallel-max 8 -K "$1" || true; } \
        | awk '$1 !~ /^2/ {n++} END {print n + 0}'
}

NOW=$(date -u +%s)
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }

# ---------------------------------------------------------------- data set
T0=$SECONDS
ADMIN=$(api_ok 200 POST /api/v1/auth/login "" \
    '{"email":"admin@bench.example","password":"bench-admin-password"}' | jget .token)
ORG_ID=$(api_ok 201 POST /api/v1/users "" \
    "{\"email\":\"organizer@bench.example\",\"password\":\"$PASSWORD\",\"display_name\":\"会务组\",\"role\":\"attendee\"}" | jget .id)
api_ok 200 POST "/api/v1/users/$ORG_ID/roles" "$ADMIN" '{"role":"organizer"}' >/dev/null
ORG=$(api_ok 200 POST /api/v1/auth/login "" \
    "{\"email\":\"organizer@bench.example\",\"password\":\"$PASSWORD\"}" | jget .token)
api_ok 201 POST /api/v1/users "" \
    "{\"email\":\"bench-l0@bench.example\",\"password\":\"$PASSWORD\",\"display_name\":\"模板\",\"role\":\"attendee\"}" >/dev/null
HASH=$(M -N "$DB" -e "SELECT password_hash FROM users WHERE email_lower = 'bench-l0@bench.example'")
# Bulk accounts, all with the same yescrypt hash (same password, same cost): login users
# bench-l1.. and attendees bench-u1..
M "$DB" -e "
INSERT INTO users (email, email_lower, password_hash, display_name, roles, created_at)
  SELECT CONCAT('bench-l', seq, '@bench.example'), CONCAT('bench-l', seq, '@bench.example'),
         '$HASH', CONCAT('登录用户 ', seq), 1, UTC_TIMESTAMP() FROM seq_1_to_$((NLOGIN - 1));
INSERT INTO users (email, email_lower, password_hash, display_name, roles, created_at)
  SELECT CONCAT('bench-u', seq, '@bench.example'), CONCAT('bench-u', seq, '@bench.example'),
         '$HASH', CONCAT('参会者 ', seq), 1, UTC_TIMESTAMP() FROM seq_1_to_$NUSERS;"
M -N "$DB" -e "SELECT id FROM users WHERE email LIKE 'bench-u%' ORDER BY id" \
    | "$B/bench/mktokens" "$PREFIX" 1 86400 "$OUT/tokens.txt" 2>/dev/null \
    | R --pipe >/dev/null
log "accounts: $((NUSERS + NLOGIN + 2)) users, $(wc -l <"$OUT/tokens.txt") attendee tokens"

# Events and sessions: through the API when the routes exist, bulk SQL for volume.
HAVE_EVENTS=0
# (Skipped when no scenario that reads them runs: BENCH_ONLY.)
if { want event || want register; } && route_exists POST /api/v1/events \
    && route_exists POST /api/v1/events/1/sessions; then
    HAVE_EVENTS=1
fi
SESS_BODY() { # title capacity
    printf '{"title":"%s","kind":"forum","room":"主会场","starts_at":"%s","ends_at":"%s","capacity":%d,"waitlist":false,"registration_opens_at":"%s","registration_closes_at":"%s"}' \
        "$1" "$(iso $((NOW + 30 * 86400)))" "$(iso $((NOW + 30 * 86400 + 7200)))" "$2" \
        "$(iso $((NOW - 86400)))" "$(iso $((NOW + 20 * 86400)))"
}
EV_BODY() { # title
    printf '{"title":"%s","kind":"summit","city":"成都","venue":"天府国际会议中心","starts_at":"%s","ends_at":"%s","description":"人工智能产业高峰论坛、项目路演、应用大赛、成果展示"}' \
        "$1" "$(iso $((NOW + 30 * 86400)))" "$(iso $((NOW + 32 * 86400)))"
}
if [ $HAVE_EVENTS = 1 ]; then
    BENCH_EV=$(api_ok 201 POST /api/v1/events "$ORG" "$(EV_BODY '基准测试峰会')" | jget .id)
    : > "$OUT/spread.ids"
    for i in $(seq 1 100); do
        api_ok 201 POST "/api/v1/events/$BENCH_EV/sessions" "$ORG" "$(SESS_BODY "分论坛 $i" 100000)" \
            | jget .id >> "$OUT/spread.ids"
    done
    # The hot session: one a round, so that every round starts on an empty one and none fills up
    # (100,000 seats, the most a session may have, at up to 16k registrations a second).
    : > "$OUT/hot.ids"
    for r in $(seq 1 "$ROUNDS"); do
        api_ok 201 POST "/api/v1/events/$BENCH_EV/sessions" "$ORG" "$(SESS_BODY "热门主论坛 $r" 100000)" \
            | jget .id >> "$OUT/hot.ids"
    done
    api_ok 200 POST "/api/v1/events/$BENCH_EV/publish" "$ORG" "" >/dev/null
    # 50 more events with 4 sessions each through the API (8 requests at a time).
    : > "$OUT/events.curl"
    for i in $(seq 1 50); do
        block "$BASE/api/v1/events" "$ORG" "$(EV_BODY "人工智能产业路演 第${i}场")" >> "$OUT/events.curl"
    done
    bad=$(bulk_api "$OUT/events.curl")
    [ "$bad" = 0 ] || { log "creating events through the API: $bad failures"; exit 1; }
    : > "$OUT/sessions.curl"
    for ev in $(M -N "$DB" -e "SELECT id FROM events WHERE id <> $BENCH_EV ORDER BY id"); do
        for j in 1 2 3 4; do
            block "$BASE/api/v1/events/$ev/sessions" "$ORG" "$(SESS_BODY "论坛 $j" 300)" >> "$OUT/sessions.curl"
        done
        block "$BASE/api/v1/events/$ev/publish" "$ORG" >> "$OUT/sessions.curl"
    done
    bad=$(bulk_api "$OUT/sessions.curl")
    [ "$bad" = 0 ] || { log "creating sessions through the API: $bad failures"; exit 1; }
fi
# Volume: 2000 more published events with 5 sessions each, straight into the tables.
M "$DB" -e "
INSERT INTO events (organizer_id, title, kind, city, venue, description, starts_at, ends_at,
                    status, created_at, updated_at)
  SELECT $ORG_ID, CONCAT('人工智能产业活动 ', seq), ELT(1 + seq % 3, 'summit', 'roadshow', 'fair'),
         '成都', CONCAT('会场 ', seq % 40), '高峰论坛、项目路演、应用大赛、成果展示',
         UTC_TIMESTAMP() + INTERVAL (seq % 300) DAY, UTC_TIMESTAMP() + INTERVAL (seq % 300 + 1) DAY,
         'published', UTC_TIMESTAMP(), UTC_TIMESTAMP() FROM seq_1_to_2000;
INSERT INTO sessions (event_id, title, kind, room, starts_at, ends_at, capacity, waitlist,
                      registration_opens_at, registration_closes_at, created_at)
  SELECT e.id, CONCAT('分会场 ', s.seq), ELT(s.seq, 'forum', 'pitch', 'competition', 'exhibition', 'forum'),
         CONCAT('厅 ', s.seq), e.starts_at, e.starts_at + INTERVAL 2 HOUR, 200, 1,
         UTC_TIMESTAMP() - INTERVAL 1 DAY, e.starts_at, UTC_TIMESTAMP()
    FROM events e JOIN seq_1_to_5 s WHERE e.title LIKE '人工智能产业活动 %';"
if [ $HAVE_EVENTS = 0 ]; then
    # The registration routes are missing too; the floors still need their ids.
    M -N "$DB" -e "SELECT id FROM sessions ORDER BY id LIMIT 100" > "$OUT/spread.ids"
    M -N "$DB" -e "SELECT id FROM sessions ORDER BY id DESC LIMIT $ROUNDS" > "$OUT/hot.ids"
fi
M -N "$DB" -e "SELECT id FROM events WHERE status = 'published' ORDER BY id LIMIT 200" > "$OUT/events.ids"

# Projects: only through the API (the match index and the text terms are built by summitd).
HAVE_PROJECTS=0
want recommendations && route_exists POST /api/v1/projects && HAVE_PROJECTS=1
if [ $HAVE_PROJECTS = 1 ]; then
    ENT_ID=$(api_ok 201 POST /api/v1/users "" \
        "{\"email\":\"enterprise@bench.example\",\"password\":\"$PASSWORD\",\"display_name\":\"企业用户\",\"role\":\"enterprise\"}" | jget .id)
    ENT=$(api_ok 200 POST /api/v1/auth/login "" \
        "{\"email\":\"enterprise@bench.example\",\"password\":\"$PASSWORD\"}" | jget .token)
    echo "$ENT_ID $ENT" > "$OUT/tokens-ent.txt"
    # A second enterprise user owns every organization but the first: the scenario's caller
    # belongs to one organization only (its own organizations' projects are never recommended
    # to it, so with all 40 its lists would be empty).
    api_ok 201 POST /api/v1/users "" \
        "{\"email\":\"enterprise2@bench.example\",\"password\":\"$PASSWORD\",\"display_name\":\"企业用户二\",\"role\":\"enterprise\"}" >/dev/null
    ENT2=$(api_ok 200 POST /api/v1/auth/login "" \
        "{\"email\":\"enterprise2@bench.example\",\"password\":\"$PASSWORD\"}" | jget .token)
    SECTORS=(电子信息 智能制造 医疗健康 金融科技 智慧城市 现代物流 文化创意 农业)
    # the sector and zone fields take codes of GET /api/v1/vocabularies (the labels above are text)
    SECTOR_CODES=(electronics smart_manufacturing healthcare ai big_data transport_logistics
                  industrial_internet green_food)
    ZONES=(hitech_zone tianfu_new_area science_city xinchuan_ai longquanyi medical_city)
    TIERS=(leader innovative seed)
    TAGS=(计算机视觉 语音识别 自然语言处理 知识图谱 机器人 自动驾驶 智能芯片 边缘计算 大模型 推荐系统
          数据标注 工业质检 医学影像 智能客服 无人机 智慧交通 安防 风控 OCR 数字孪生
          AR VR 5G 物联网 区块链 云计算 SaaS 隐私计算 联邦学习 智能穿戴)
    : > "$OUT/orgs.curl"
    for i in $(seq 0 39); do
        block "$BASE/api/v1/organizations" "$([ "$i" = 0 ] && echo "$ENT" || echo "$ENT2")" "$(printf '{"name":"成都智能企业%d","tier":"%s","sector":"%s","zone":"%s","description":"AI"}' \
            "$i" "${TIERS[$((i % 3))]}" "${SECTOR_CODES[$((i % 8))]}" "${ZONES[$((i % 6))]}")" >> "$OUT/orgs.curl"
    done
    bad=$(bulk_api "$OUT/orgs.curl")
    [ "$bad" = 0 ] || { log "creating organizations through the API: $bad failures"; exit 1; }
    # the caller's organization first (created in parallel: ids come in any order)
    mapfile -t ORGS < <(M -N "$DB" -e "SELECT org_id FROM org_members WHERE user_id = $ENT_ID;
                                       SELECT id FROM organizations WHERE id NOT IN
                                         (SELECT org_id FROM org_members WHERE user_id = $ENT_ID)
                                       ORDER BY id")
    : > "$OUT/projects.curl"
    for i in $(seq 0 1999); do
        side=$([ $((i % 2)) = 0 ] && echo supply || echo demand)
        t1=${TAGS[$((i % 30))]} t2=${TAGS[$(((i * 7 + 3) % 30))]} t3=${TAGS[$(((i * 13 + 5) % 30))]}
        lo=$(( (i % 50) * 100000 )); hi=$(( lo + 500000 + (i % 7) * 100000 ))
        body=$(printf '{"organization_id":%s,"side":"%s","title":"%s项目 %d：%s与%s","description":"面向%s的%s解决方案，%s场景落地","sector":"%s","tags":["%s","%s","%s"],"zone":"%s","budget_min":%d,"budget_max":%d,"stage":"%s"}' \
            "${ORGS[$((i % ${#ORGS[@]}))]}" "$side" "${SECTORS[$((i % 8))]}" "$i" "$t1" "$t2" \
            "${SECTORS[$(((i / 8) % 8))]}" "$t1" "$t3" "${SECTOR_CODES[$((i % 8))]}" "$t1" "$t2" "$t3" \
            "${ZONES[$((i % 6))]}" "$lo" "$hi" "$(echo idea prototype pilot production | cut -d' ' -f$((1 + i % 4)))")
        block "$BASE/api/v1/projects" "$([ $((i % ${#ORGS[@]})) = 0 ] && echo "$ENT" || echo "$ENT2")" "$body" >> "$OUT/projects.curl"
    done
    bad=$(bulk_api "$OUT/projects.curl")
    [ "$bad" = 0 ] || { log "creating projects through the API: $bad failures"; exit 1; }
    # the caller's organization's projects (warm: the same 50 again and again)
    M -N "$DB" -e "SELECT id FROM projects WHERE org_id = ${ORGS[0]} ORDER BY id LIMIT 500" > "$OUT/projects.ids"
fi
log "data: $(M -N "$DB" -e "SELECT CONCAT((SELECT COUNT(*) FROM users), ' users, ',
    (SELECT COUNT(*) FROM events), ' events, ', (SELECT COUNT(*) FROM sessions), ' sessions, ',
    (SELECT COUNT(*) FROM projects), ' projects')") (loaded in $((SECONDS - T0)) s)"

# ---------------------------------------------------------------- measurements
# Every scenario is measured in ROUNDS short rounds, interleaved with its floor (scenario, floor,
# scenario, floor, …), so that a neighbour's load hits both alike; the table gives medians and
# the median of the per-round ratios with its spread.
#
# A leg is a shell function `leg_X OUTFILE ROUND` that writes one JSON object to OUTFILE with at
# least "rps" and "p99_ms" (run_wrk's BENCHJSON object, floor_db's line with "tps" copied to
# "rps", …). To add a scenario (another part's file may do it: every bench/scenarios/*.sh is
# sourced after the built-in ones), define its legs and call
#   measure NAME SCENARIO_LEG FLOOR_LEG|- 'FLOOR DESCRIPTION' TARGET|null P99MAX|null [SECOND_FLOOR_LEG]
# which runs the rounds and appends the row to $OUT/rows.jsonl; the table and latest.json are
# built from that file.

# run_wrk NAME SCRIPT PATH [ENV...] -> the BENCHJSON object in $OUT/NAME.json
run_wrk() {
    local name=$1 script=$2 path=$3; shift 3
    env "$@" wrk -t"$WT" -c"$CONNS" -d"${SECS}s" --timeout 5s --latency -s "bench/$script" \
        "${URL:-$BASE}$path" > "$OUT/$name.out" 2>&1 || true
    if ! grep -q '^BENCHJSON ' "$OUT/$name.out"; then
        log "wrk $name gave no result; see $OUT/$name.out"
        echo '{"requests":0,"seconds":0,"rps":0,"p50_ms":0,"p99_ms":0,"non2xx":0,"socket_errors":1,"codes":{},"full":0}' > "$OUT/$name.json"
        return
    fi
    sed -n 's/^BENCHJSON //p' "$OUT/$name.out" > "$OUT/$name.json"
}
# wrk_leg OUTFILE SCRIPT PATH [ENV...]: one round of wrk, its result in OUTFILE
wrk_leg() {
    local out=$1 name; name=$(basename "$1" .json); shift
    run_wrk "$name" "$@"
}

# CPU time per request of summitd and of MariaDB in a leg (cpu_app_us, cpu_db_us in its JSON):
# what a request costs whatever else the machine runs, where rates only say what it got.
HZ=$(getconf CLK_TCK)
DBPID=$(cat var/mysql/mariadbd.pid 2>/dev/null || echo 0)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
with_cpu() { # leg out round
    local a0 d0 a1 d1
    a0=$(ticks "$SPID") d0=$(ticks "$DBPID")
    "$@"
    a1=$(ticks "$SPID") d1=$(ticks "$DBPID")
    [ -s "$2" ] || return 0
    jq -c --argjson a $((a1 - a0)) --argjson d $((d1 - d0)) --argjson hz "$HZ" \
        '(.requests // .tx // 0) as $n | if $n > 0 then
           . + {cpu_app_us: ($a * 1e6 / $hz / $n | round), cpu_db_us: ($d * 1e6 / $hz / $n | round)}
         else . end' "$2" > "$2.tmp" && mv "$2.tmp" "$2"
}

# measure NAME SCEN FLOOR FLOOR_DESC TARGET P99MAX [FLOOR2]
measure() {
    local name=$1 scen=$2 floor=$3 desc=$4 target=$5 p99max=$6 floor2=${7:--} r
    for r in $(seq 1 "$ROUNDS"); do
        with_cpu "$scen" "$OUT/$name.r$r.json" "$r"
        [ "$floor" = - ] || with_cpu "$floor" "$OUT/$name.floor.r$r.json" "$r"
        [ "$floor2" = - ] || with_cpu "$floor2" "$OUT/$name.floor2.r$r.json" "$r"
    done
    local sj fj f2j
    legs() { # kind: the rounds' results in round order, as a JSON array
        [ "$2" = - ] && { echo '[]'; return; }
        for r in $(seq 1 "$ROUNDS"); do cat "$OUT/$name$1.r$r.json"; done | jq -s -c .
    }
    sj=$(legs "" "$scen")
    fj=$(legs .floor "$floor")
    f2j=$(legs .floor2 "$floor2")
    jq -n -c --arg name "$name" --arg desc "$desc" --argjson s "$sj" --argjson f "$fj" \
        --argjson f2 "$f2j" --argjson target "$target" --argjson p99max "$p99max" "$ROW_JQ" \
        >> "$OUT/rows.jsonl"
    log "$(jq -r -s 'last | "\(.name): \(.rps)/s p99 \(.p99_ms) ms" +
        (if .ratio then ", ratio \(.ratio) [\(.ratio_min)–\(.ratio_max)] to \(.floor_rps)/s" else "" end)' \
        "$OUT/rows.jsonl")"
    local reused
    reused=$(jq -s 'last | .users_reused // 0' "$OUT/rows.jsonl")
    [ "$reused" = 0 ] || log "WARNING: $name: $reused requests reused (user, session) pairs of" \
        "another round, whose 409s slow it: its figures are low; raise BENCH_USERS"
}
# The row of one scenario from its rounds ($s, $f, $f2: arrays of leg results).
ROW_JQ='
def r2: if . == null then null else (. * 100 | round) / 100 end;
def median: sort | if length == 0 then null elif length % 2 == 1 then .[length / 2 | floor]
            else (.[length / 2 - 1] + .[length / 2]) / 2 end;
def q($p): sort | if length == 0 then null else .[((length - 1) * $p) | round] end;
def sd: if length < 2 then 0 else (add / length) as $m
        | (map((. - $m) * (. - $m)) | add) / (length - 1) | sqrt end;
def sumk($k): map(.[$k] // 0) | add // 0;
($s | map(.rps)) as $rps
| ([range(0; [($s | length), ($f | length)] | min)]
   | map(if $f[.].rps > 0 then $s[.].rps / $f[.].rps else empty end)) as $ratios
| ($ratios | median) as $ratio
| ($ratios | sd) as $sd
| ($s | map(.codes // {} | to_entries) | add // [] | group_by(.key)
   | map({key: .[0].key, value: (map(.value) | add)}) | from_entries) as $codes
| ($s | sumk("non2xx") + sumk("socket_errors") - sumk("full") - sumk("shed")) as $err
| {name: $name, status: "ok", rounds: ($s | length),
   rps: ($rps | median | r2), rps_min: ($rps | min | r2), rps_max: ($rps | max | r2),
   p50_ms: ($s | map(.p50_ms) | median | r2), p99_ms: ($s | map(.p99_ms) | median | r2),
   errors: $err, codes: $codes, session_full: ($s | sumk("full")), shed: ($s | sumk("shed")),
   users_reused: ($s | sumk("wrapped")),
   floor: $desc, floor_rps: ($f | map(.rps) | median | r2),
   floor_p99_ms: ($f | map(.p99_ms) | median | r2),
   floor2_rps: (if ($f2 | length) > 0 then $f2 | map(.rps) | median | r2 else null end),
   ratio2: ([range(0; [($s | length), ($f2 | length)] | min)]
            | map(if $f2[.].rps > 0 then $s[.].rps / $f2[.].rps else empty end)
            | if length > 0 then (median | r2) else null end),
   ratio: ($ratio | r2), ratio_min: ($ratios | min | r2), ratio_max: ($ratios | max | r2),
   ratio_q1: ($ratios | q(0.25) | r2), ratio_q3: ($ratios | q(0.75) | r2),
   ratio_sd: ($sd | . * 1000 | round / 1000), ratios: ($ratios | map(r2)),
   target: $target,
   cpu_app_us: ($s | map(.cpu_app_us // empty) | median),
   cpu_db_us: ($s | map(.cpu_db_us // empty) | median),
   floor_cpu_db_us: ($f | map(.cpu_db_us // empty) | median),
   floor2_cpu_db_us: ($f2 | map(.cpu_db_us // empty) | median)}
# Rounds needed: the median of n rounds has a standard error of about 1.25 sd / sqrt(n); n such
# that two standard errors are below the gap between the ratio and its target.
| .rounds_needed = (if $target == null or $ratio == null then null
                    elif ($ratio - $target) == 0 then null
                    else ((2.5066 * $sd / (($ratio - $target) | fabs)) | . * . | ceil | if . < 1 then 1 else . end) end)
| .meets_target = (($target == null or ($ratio != null and $ratio >= $target))
                   and ($p99max == null or .p99_ms <= $p99max) and $err == 0)'

skip_row() { # name floor_desc message
    jq -n -c --arg n "$1" --arg d "$2" --arg m "$3" \
        '{name: $n, status: $m, floor: $d, rps: null, ratio: null, target: null}' >> "$OUT/rows.jsonl"
}
: > "$OUT/rows.jsonl"

# ---- floors that run as servers: bare evhttp, tiny body (healthz) and event-sized (event)
FPORT=$(free_port $((PORT + 1)))
"$B/bench/floor_http" "127.0.0.1:$FPORT" "$THREADS" 2>/dev/null &
PIDS+=("$!")
wait_http "http://127.0.0.1:$FPORT/" 10
FURL=http://127.0.0.1:$FPORT

# The cached event page as wrk reads it: its mean size over the events the scenario reads, and
# the headers summitd sends with a cache hit (evhttp adds Date, Content-Length itself).
EV_BYTES=0 EV_HEADERS=()
if want event; then
    EV_BYTES=$(while read -r id; do
        curl -s -o /dev/null -w '%{size_download}\n' "$BASE/api/v1/events/$id"
    done < "$OUT/events.ids" | awk '{ s += $1; n++ } END { printf "%d", n ? s / n : 0 }')
    id=$(head -1 "$OUT/events.ids")
    curl -s -o /dev/null "$BASE/api/v1/events/$id" # (fills one loop; the next hit may be the other's)
    for _ in 1 2 3 4; do
        curl -s -D "$OUT/event.headers" -o /dev/null "$BASE/api/v1/events/$id"
        grep -qi '^X-Cache: hit' "$OUT/event.headers" && break
    done
    mapfile -t EV_HEADERS < <(tr -d '\r' < "$OUT/event.headers" | sed 1d \
        | grep -viE '^(date|content-length|connection|transfer-encoding):' | grep .)
    log "cached event page: $EV_BYTES bytes on average; headers: $(printf '%s; ' "${EV_HEADERS[@]}")"
    EPORT=$(free_port $((FPORT + 1)))
    "$B/bench/floor_http" "127.0.0.1:$EPORT" "$THREADS" "$EV_BYTES" "${EV_HEADERS[@]}" 2>/dev/null &
    PIDS+=("$!")
    wait_http "http://127.0.0.1:$EPORT/" 10
    EURL=http://127.0.0.1:$EPORT
fi

REDIS_GET=0
if want floors; then
    redis-benchmark -p "$REDIS_PORT" -c "$CONNS" -n 200000 -t get,set,incr -q --csv 2>/dev/null \
        | awk -F'","' 'NR > 1 || $1 !~ /test/ { gsub(/"/, ""); split($0, a, ","); printf "{\"test\":\"%s\",\"rps\":%s}\n", a[1], a[2] }' \
        > "$OUT/floor_redis.jsonl" || true
    R DEL key:__rand_int__ counter:__rand_int__ >/dev/null || true
    REDIS_GET=$(jq -s 'map(select(.test == "GET")) | .[0].rps // 0' "$OUT/floor_redis.jsonl")
    log "floor redis: $(jq -sc 'map({(.test): .rps}) | add' "$OUT/floor_redis.jsonl")"
fi

# ---- scenarios
probe() { # name method path floor_desc
    if ! route_exists "$2" "$3"; then skip_row "$1" "$4" "skipped: route missing ($2 $3)"; return 1; fi
}

leg_healthz() { wrk_leg "$1" plain.lua /healthz; }
leg_floor_http() { URL=$FURL wrk_leg "$1" plain.lua /healthz; }
want healthz && measure healthz leg_healthz leg_floor_http "http (bare evhttp, tiny body)" 0.9 null

leg_event() { wrk_leg "$1" event.lua /api/v1/events/1 BENCH_IDS="$OUT/events.ids"; }
leg_floor_event() { URL=$EURL wrk_leg "$1" plain.lua /; }
EV_DESC="http (bare evhttp, ${EV_BYTES}-byte body and the same headers)"
if want event && probe event GET "/api/v1/events/$(head -1 "$OUT/events.ids")" "$EV_DESC"; then
    measure event leg_event leg_floor_event "$EV_DESC" 0.8 null
fi

# Registrations: round r starts at its own slice of the (user, session) pairs, so no pair repeats
# across rounds (bench/register.lua, BENCH_OFFSET); the floor deletes its rows before each run.
FC=(127.0.0.1 "$MYSQL_PORT" summitd summitd "$FLOORDB")
db_leg() { # out mode sessions
    local err=${1%.json}.err
    "$B/bench/floor_db" run "${FC[@]}" "$2" "$3" "$WORKERS" "$SECS" 2>"$err" \
        | jq -c '. + {rps: .tps}' > "$1" || true
    [ -s "$1" ] || echo '{"rps":0,"p99_ms":0}' > "$1"
    [ ! -s "$err" ] || log "floor_db $2 $3 reported errors; see $err"
}
leg_floor_db_100() { db_leg "$1" proc 100; }
leg_floor_db_n_100() { db_leg "$1" procn 100; }
leg_floor_db_hot() { db_leg "$1" proc 1; }
leg_floor_db_n_hot() { db_leg "$1" procn 1; }
reg_leg() { # out round ids tokens
    local pairs=$(( $(wc -l <"$3") * $(wc -l <"$4") ))
    wrk_leg "$1" register.lua /api/v1/sessions/1/registrations BENCH_IDS="$3" BENCH_TOKENS="$4" \
        BENCH_OFFSET=$(( (${2} - 1) * (pairs / ROUNDS) )) BENCH_SLICE=$(( pairs / ROUNDS ))
}
leg_register_100() { reg_leg "$1" "$2" "$OUT/spread.ids" "$OUT/tokens-spread.txt"; }
leg_register_hot() { # round r's own hot session
    sed -n "${2}p" "$OUT/hot.ids" > "$OUT/hot.r$2.ids"
    reg_leg "$1" "$2" "$OUT/hot.r$2.ids" "$OUT/tokens-hot.txt"
}
if want register; then
    M "$FLOORDB" < sql/0002_events.sql
    "$B/bench/floor_db" setup "${FC[@]}"
fi
if want register && probe register_100 POST "/api/v1/sessions/$(head -1 "$OUT/spread.ids")/registrations" "db one round trip, 100 sessions"; then
    # the probe's anonymous request must not leave a registration behind (it gets 401)
    # spread: (user, session) pairs over 100 sessions need few users; hot: one user a request
    head -n 5000 "$OUT/tokens.txt" > "$OUT/tokens-spread.txt"
    tail -n +5001 "$OUT/tokens.txt" > "$OUT/tokens-hot.txt"
    # Targets: issue 18 (100 sessions >= 1x, one hot session >= 2x the one-round-trip floor, p99
    # <= 50 ms). The second floor writes what a registration writes since notices (issue 13):
    # the registration, its feed row and its e-mail outbox row, in one round trip.
    measure register_100 leg_register_100 leg_floor_db_100 "db one round trip, 100 sessions" 1 50 \
        leg_floor_db_n_100
    measure register_hot leg_register_hot leg_floor_db_hot "db one round trip, 1 hot session" 2 50 \
        leg_floor_db_n_hot
    # How many requests a registration transaction carried (summitd's /metrics, both scenarios).
    curl -s "$BASE/metrics" | awk '/^summitd_combined_batches_total /{b=$2}
        /^summitd_combined_requests_total /{r=$2}
        END{if (b > 0) printf "combined registrations: %d requests in %d transactions (%.1f a transaction)\n", r, b, r / b}' \
        | tee "$OUT/combined.txt" >&2
    # What the API acknowledged must be what the database holds.
    M -N "$DB" -e "SELECT COUNT(*) FROM sessions s WHERE s.confirmed_count > s.capacity
                   OR s.confirmed_count <> (SELECT COUNT(*) FROM registrations r
                                            WHERE r.session_id = s.id AND r.status = 'confirmed')" \
        > "$OUT/overbooked.txt"
elif want register; then
    skip_row register_hot "db one round trip, 1 hot session" "skipped: route missing (POST /api/v1/sessions/{id}/registrations)"
fi

leg_recommendations() {
    wrk_leg "$1" recs.lua /api/v1/projects/1/recommendations BENCH_IDS="$OUT/projects.ids" \
        BENCH_TOKENS="$OUT/tokens-ent.txt"
}
if ! want recommendations; then
    :
elif [ $HAVE_PROJECTS = 1 ] && probe recommendations GET "/api/v1/projects/$(head -1 "$OUT/projects.ids")/recommendations" "http (bare evhttp, tiny body)"; then
    measure recommendations leg_recommendations leg_floor_http "http (bare evhttp, tiny body)" null null
elif [ $HAVE_PROJECTS = 0 ]; then
    skip_row recommendations "http (bare evhttp, tiny body)" "skipped: route missing (POST /api/v1/projects, GET /api/v1/projects/{id}/recommendations)"
fi

NCPU=$(nproc)
# login: the requests summitd shed (503) are not logins
leg_login() {
    wrk_leg "$1" login.lua /api/v1/auth/login BENCH_LOGIN_USERS=$NLOGIN BENCH_PASSWORD=$PASSWORD
    jq -c 'if (.shed // 0) > 0 and .seconds > 0 then .rps = (.requests - .shed) / .seconds else . end' \
        "$1" > "$1.tmp" && mv "$1.tmp" "$1"
}
leg_floor_crypt() { "$B/bench/floor_crypt" "$COST" "$NCPU" "$SECS" > "$1"; }
want login && measure login leg_login leg_floor_crypt "yescrypt cost $COST verify, $NCPU threads" null null

# Other routes during a signup flood: every signup hashes a password, and hashing has a
# capacity of its own (server/pwhash.h), so GET /me (Redis + MySQL, no hash) should answer
# about as fast as without the flood: GET /me alone (the "floor") interleaved with GET /me while
# $CONNS connections flood POST /users (refused signups: 503 overloaded, counted as `shed`).
leg_me() { CONNS=$ME_CONNS wrk_leg "$1" me.lua /api/v1/me BENCH_TOKENS="$OUT/tokens-me.txt"; }
leg_me_flood() {
    env BENCH_RUN="$NOW-$2" wrk -t1 -c"$CONNS" -d"$((SECS + 2))s" --timeout 5s --latency \
        -s bench/signup.lua "$BASE/api/v1/users" > "$OUT/signup_flood.r$2.out" 2>&1 &
    local flood=$!
    sleep 1 # the flood is under way
    leg_me "$1"
    wait "$flood" || true
    sed -n 's/^BENCHJSON //p' "$OUT/signup_flood.r$2.out" > "$OUT/signup_flood.r$2.json"
    [ -s "$OUT/signup_flood.r$2.json" ] || echo null > "$OUT/signup_flood.r$2.json"
}
if want signup_flood; then
    head -n 5000 "$OUT/tokens.txt" > "$OUT/tokens-me.txt"
    measure me_signup_flood leg_me_flood leg_me "me without the flood" null null
    cat "$OUT"/signup_flood.r*.json | jq -s -c --argjson conns "$CONNS" --argjson meconns "$ME_CONNS" '
      map(select(. != null)) | {connections: $conns, requests: (map(.requests) | add),
        created: (map(.codes["201"] // 0) | add), shed: (map(.shed // 0) | add),
        seconds: (map(.seconds) | add)}
      | .created_per_s = (if .seconds > 0 then (.created / .seconds * 10 | round) / 10 else null end)
      | .shed_per_s = (if .seconds > 0 then (.shed / .seconds * 10 | round) / 10 else null end)
      | {me_connections: $meconns, flood: .}' > "$OUT/signup_flood.json"
    log "signup flood: $(jq -c .flood "$OUT/signup_flood.json")"
fi

# More scenarios from other parts (each defines legs and calls measure).
for f in bench/scenarios/*.sh; do
    [ -f "$f" ] || continue
    # shellcheck source=/dev/null
    . "$f"
done

kill "$SPID"; wait "$SPID" 2>/dev/null || true
redis_clean

# ---------------------------------------------------------------- report
res() { [ -f "$OUT/$1.json" ] && cat "$OUT/$1.json" || echo null; }
jq -s -c . "$OUT/rows.jsonl" > "$OUT/rows.json"
jq -n \
    --slurpfile rows "$OUT/rows.json" --argjson flood "$(res signup_flood)" \
    --argjson redis_get "$REDIS_GET" --argjson ev_bytes "$EV_BYTES" \
    --argjson secs "$SECS" --argjson rounds "$ROUNDS" --argjson conns "$CONNS" \
    --argjson threads "$THREADS" --argjson workers "$WORKERS" --argjson cost "$COST" \
    --arg machine "$(uname -n), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')" \
    --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" '
($rows[0]) as $r
| def row($n): $r | map(select(.name == $n)) | .[0];
{
  machine: $machine, date: $date,
  config: {seconds: $secs, rounds: $rounds, connections: $conns, summitd_threads: $threads,
           summitd_workers: $workers, password_cost: $cost},
  floors: {http_rps: (row("healthz").floor_rps), http_event_rps: (row("event").floor_rps),
           http_event_body_bytes: $ev_bytes,
           db_proc_100_tps: (row("register_100").floor_rps), db_proc_hot_tps: (row("register_hot").floor_rps),
           db_notices_100_tps: (row("register_100").floor2_rps), db_notices_hot_tps: (row("register_hot").floor2_rps),
           redis_get_rps: $redis_get, yescrypt_rps: (row("login").floor_rps)},
  scenarios: ($r | map(if .name == "me_signup_flood" and $flood != null then . + $flood
                       | .p99_vs_alone = (if .floor_p99_ms > 0 then (.p99_ms / .floor_p99_ms * 100 | round) / 100 else null end)
                       else . end))
}' > "$OUT/latest.json"

jq -r '
def f: if . == null then "-" elif type == "number" then (. * 100 | round / 100 | tostring) else tostring end;
"machine: \(.machine)   \(.date)",
"summitd: \(.config.summitd_threads) loops, \(.config.summitd_workers) workers; wrk \(.config.connections) connections; \(.config.rounds) interleaved rounds of \(.config.seconds) s per scenario and per floor (medians)",
"floors: http \(.floors.http_rps | f)/s (tiny body), \(.floors.http_event_rps | f)/s (\(.floors.http_event_body_bytes)-byte event body); db one round trip \(.floors.db_proc_100_tps | f)/s (100 sessions), \(.floors.db_proc_hot_tps | f)/s (hot); db one round trip with the notice rows \(.floors.db_notices_100_tps | f)/s / \(.floors.db_notices_hot_tps | f)/s; redis GET \(.floors.redis_get_rps | f)/s; yescrypt cost \(.config.password_cost) \(.floors.yescrypt_rps | f)/s"
' "$OUT/latest.json"
echo
jq -r '
def f: if . == null then "-" elif type == "number" then (. * 100 | round / 100 | tostring) else tostring end;
(["scenario", "req/s", "p50_ms", "p99_ms", "errors", "floor_req/s", "ratio", "min–max", "IQR", "target", "rounds_needed", "floor"] | @tsv),
(.scenarios[] | if .status == "ok" then
   [.name, (.rps | f), (.p50_ms | f), (.p99_ms | f), (.errors | f), (.floor_rps | f), (.ratio | f),
    (if .ratio == null then "-" else "\(.ratio_min | f)–\(.ratio_max | f)" end),
    (if .ratio == null then "-" else "\(.ratio_q1 | f)–\(.ratio_q3 | f)" end),
    (if .target == null then "-" elif .meets_target then "met(\(.target))" else "MISSED(\(.target))" end),
    (.rounds_needed | f), .floor] | @tsv
 else [.name, "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", .status] | @tsv end)
' "$OUT/latest.json" | column -t -s $'\t'
echo
jq -r '.config.rounds as $n | .scenarios[] | select(.status == "ok" and .target != null and .ratio != null) |
  "\(.name): ratio \(.ratio) (rounds \(.ratios | map(tostring) | join(" "))), target \(.target), gap \(((.ratio - .target) | fabs) * 100 | round / 100), round-to-round sd \(.ratio_sd): " +
  (if .rounds_needed == null then "the ratio sits on the target"
   elif .rounds_needed <= $n then "\(.rounds_needed) rounds make 2 standard errors of the median smaller than the gap (ran \($n)): the verdict holds"
   else "\(.rounds_needed) rounds would make 2 standard errors of the median smaller than the gap (ran \($n)): not settled" end)' \
    "$OUT/latest.json"
jq -r '.scenarios[] | select(.status == "ok" and .ratio2 != null) |
  "\(.name): against the one round trip that also writes the notice rows (\(.floor2_rps)/s): ratio \(.ratio2)"' \
    "$OUT/latest.json"
jq -r '.scenarios[] | select(.status == "ok" and .cpu_app_us != null and (.name | startswith("register"))) |
  "\(.name): CPU per request: summitd \(.cpu_app_us) us, MariaDB \(.cpu_db_us) us; MariaDB per floor transaction \(.floor_cpu_db_us) us (\(.floor2_cpu_db_us) us with the notice rows)"' \
    "$OUT/latest.json"
jq -r '.scenarios[] | select(.name == "me_signup_flood" and .flood != null) |
  "signup flood (\(.flood.connections) connections): \(.flood.created_per_s) signups/s created, \(.flood.shed_per_s)/s refused (503 overloaded); GET /me p99 \(.p99_ms) ms during it vs alone: x\(.p99_vs_alone)"' \
    "$OUT/latest.json"
if [ -s "$OUT/overbooked.txt" ] && [ "$(cat "$OUT/overbooked.txt")" != 0 ]; then
    log "INCONSISTENT: $(cat "$OUT/overbooked.txt") sessions over capacity or with counters unequal to rows"
fi
log "wrote $OUT/latest.json"
