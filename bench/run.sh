#!/usr/bin/env bash
# The driver of `make bench` (see bench/bench.mk; never part of `make test`).
#
# 1. starts the private services (scripts/services.sh start) and an optimized summitd against a
#    fresh database summitd_bench (Redis prefix "bench:", access log off);
# 2. loads a data set: accounts through the API plus tens of thousands of attendees in bulk SQL
#    (their login sessions minted straight into Redis by build/bench/mktokens), events and
#    sessions through the API where the routes exist plus bulk SQL for volume, projects through
#    the API when the route exists;
# 3. measures the floors: bare evhttp (build/bench/floor_http, same loop count), the registration
#    transaction straight against MariaDB in one round trip (stored procedure) and as summitd's
#    statement sequence (build/bench/floor_db, same concurrency as summitd's workers), Redis
#    (redis-benchmark) and yescrypt (build/bench/floor_crypt);
# 4. drives each scenario with wrk (64 connections, BENCH_SECONDS each); a scenario whose route
#    is missing is reported as "skipped: route missing" after a probe request, never faked;
# 5. prints a table and writes var/bench/latest.json.
#
# Knobs (environment): BENCH_SECONDS (10), BENCH_CONNS (64), BENCH_WRK_THREADS (2),
# BENCH_THREADS (summitd loops, 2), BENCH_WORKERS (summitd workers, 16), BENCH_PASSWORD_COST (5),
# BENCH_USERS (bulk attendees, 80000), BENCH_ME_CONNS (GET /me connections in signup_flood, 16),
# BENCH_ONLY (comma-separated scenarios and/or "floors" to run, e.g. "signup_flood"; default
# all), B (build dir).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
B=${B:-build}
SECS=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNS:-64}
WT=${BENCH_WRK_THREADS:-2}
THREADS=${BENCH_THREADS:-2}
WORKERS=${BENCH_WORKERS:-16}
COST=${BENCH_PASSWORD_COST:-5}
NUSERS=${BENCH_USERS:-80000}
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

free_port() { # first port from $1 nobody listens on
    local p=$1
    while (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; do p=$((p + 1)); done
    echo "$p"
}

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

PORT=$(free_port 18480)
BASE=http://127.0.0.1:$PORT
cat > "$OUT/summitd.conf" <<CONF
listen = 127.0.0.1:$PORT
threads = $THREADS
workers = $WORKERS
access_log = false
log_level = warn
mysql_host = 127.0.0.1
mysql_port = $MYSQL_PORT
mysql_user = summitd
mysql_password = summitd
mysql_database = $DB
redis_host = 127.0.0.1
redis_port = $REDIS_PORT
redis_prefix = $PREFIX
password_cost = $COST
login_limit_account = 1000000
login_limit_ip = 1000000
admin_email = admin@bench.example
admin_password = bench-admin-password
CONF
"$B/summitd" --config "$OUT/summitd.conf" migrate >"$OUT/migrate.log" 2>&1
"$B/summitd" --config "$OUT/summitd.conf" >"$OUT/summitd.log" 2>&1 &
SPID=$!
PIDS+=("$SPID")
wait_http "$BASE/healthz" 30 || { log "summitd did not start; see $OUT/summitd.log"; exit 1; }
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
    api_ok 201 POST "/api/v1/events/$BENCH_EV/sessions" "$ORG" "$(SESS_BODY '热门主论坛' 100000)" \
        | jget .id > "$OUT/hot.ids"
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
    M -N "$DB" -e "SELECT id FROM sessions ORDER BY id DESC LIMIT 1" > "$OUT/hot.ids"
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
    SECTORS=(电子信息 智能制造 医疗健康 金融科技 智慧城市 现代物流 文化创意 农业)
    ZONES=(高新区 天府新区 武侯区 成华区 双流区 郫都区)
    TIERS=(leader innovative seed)
    TAGS=(计算机视觉 语音识别 自然语言处理 知识图谱 机器人 自动驾驶 智能芯片 边缘计算 大模型 推荐系统
          数据标注 工业质检 医学影像 智能客服 无人机 智慧交通 安防 风控 OCR 数字孪生
          AR VR 5G 物联网 区块链 云计算 SaaS 隐私计算 联邦学习 智能穿戴)
    : > "$OUT/orgs.curl"
    for i in $(seq 0 39); do
        block "$BASE/api/v1/organizations" "$ENT" "$(printf '{"name":"成都智能企业%d","tier":"%s","sector":"%s","zone":"%s","description":"AI"}' \
            "$i" "${TIERS[$((i % 3))]}" "${SECTORS[$((i % 8))]}" "${ZONES[$((i % 6))]}")" >> "$OUT/orgs.curl"
    done
    bad=$(bulk_api "$OUT/orgs.curl")
    [ "$bad" = 0 ] || { log "creating organizations through the API: $bad failures"; exit 1; }
    mapfile -t ORGS < <(M -N "$DB" -e "SELECT id FROM organizations ORDER BY id")
    : > "$OUT/projects.curl"
    for i in $(seq 0 1999); do
        side=$([ $((i % 2)) = 0 ] && echo supply || echo demand)
        t1=${TAGS[$((i % 30))]} t2=${TAGS[$(((i * 7 + 3) % 30))]} t3=${TAGS[$(((i * 13 + 5) % 30))]}
        lo=$(( (i % 50) * 100000 )); hi=$(( lo + 500000 + (i % 7) * 100000 ))
        body=$(printf '{"organization_id":%s,"side":"%s","title":"%s项目 %d：%s与%s","description":"面向%s的%s解决方案，%s场景落地","sector":"%s","tags":["%s","%s","%s"],"zone":"%s","budget_min":%d,"budget_max":%d,"stage":"%s"}' \
            "${ORGS[$((i % ${#ORGS[@]}))]}" "$side" "${SECTORS[$((i % 8))]}" "$i" "$t1" "$t2" \
            "${SECTORS[$(((i / 8) % 8))]}" "$t1" "$t3" "${SECTORS[$((i % 8))]}" "$t1" "$t2" "$t3" \
            "${ZONES[$((i % 6))]}" "$lo" "$hi" "$(echo idea prototype pilot production | cut -d' ' -f$((1 + i % 4)))")
        block "$BASE/api/v1/projects" "$ENT" "$body" >> "$OUT/projects.curl"
    done
    bad=$(bulk_api "$OUT/projects.curl")
    [ "$bad" = 0 ] || { log "creating projects through the API: $bad failures"; exit 1; }
    M -N "$DB" -e "SELECT id FROM projects ORDER BY id LIMIT 500" > "$OUT/projects.ids"
fi
log "data: $(M -N "$DB" -e "SELECT CONCAT((SELECT COUNT(*) FROM users), ' users, ',
    (SELECT COUNT(*) FROM events), ' events, ', (SELECT COUNT(*) FROM sessions), ' sessions, ',
    (SELECT COUNT(*) FROM projects), ' projects')") (loaded in $((SECONDS - T0)) s)"

# ---------------------------------------------------------------- measurements
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

# Floors first, while summitd idles.
REDIS_GET=0
if want floors; then
    FPORT=$(free_port $((PORT + 1)))
    "$B/bench/floor_http" "127.0.0.1:$FPORT" "$THREADS" 2>/dev/null &
    FPID=$!
    PIDS+=("$FPID")
    wait_http "http://127.0.0.1:$FPORT/" 10
    URL=http://127.0.0.1:$FPORT run_wrk floor_http plain.lua /healthz
    kill "$FPID"; wait "$FPID" 2>/dev/null || true
    log "floor http: $(jq .rps "$OUT/floor_http.json") req/s"

    M "$FLOORDB" < sql/0002_events.sql
    FC=(127.0.0.1 "$MYSQL_PORT" summitd summitd "$FLOORDB")
    "$B/bench/floor_db" setup "${FC[@]}"
    for m in proc seq; do
        for s in 100 1; do
            "$B/bench/floor_db" run "${FC[@]}" "$m" "$s" "$WORKERS" "$SECS" > "$OUT/floor_db_${m}_$s.json" \
                2> "$OUT/floor_db_${m}_$s.err" || log "floor_db $m $s reported errors; see $OUT/floor_db_${m}_$s.err"
            log "floor db $m, $s sessions: $(jq -c '{tps, p50_ms, p99_ms, errors}' "$OUT/floor_db_${m}_$s.json")"
        done
    done

    redis-benchmark -p "$REDIS_PORT" -c "$CONNS" -n 200000 -t get,set,incr -q --csv 2>/dev/null \
        | awk -F'","' 'NR > 1 || $1 !~ /test/ { gsub(/"/, ""); split($0, a, ","); printf "{\"test\":\"%s\",\"rps\":%s}\n", a[1], a[2] }' \
        > "$OUT/floor_redis.jsonl" || true
    R DEL key:__rand_int__ counter:__rand_int__ >/dev/null || true
    REDIS_GET=$(jq -s 'map(select(.test == "GET")) | .[0].rps // 0' "$OUT/floor_redis.jsonl")
    log "floor redis: $(jq -sc 'map({(.test): .rps}) | add' "$OUT/floor_redis.jsonl")"

    NCPU=$(nproc)
    "$B/bench/floor_crypt" "$COST" "$NCPU" "$((SECS < 5 ? SECS : 5))" > "$OUT/floor_crypt.json"
    log "floor yescrypt cost $COST: $(jq -c . "$OUT/floor_crypt.json")"
fi

# Scenarios.
declare -A SKIP=()
probe() { # name method path
    if ! route_exists "$2" "$3"; then SKIP[$1]="skipped: route missing ($2 $3)"; return 1; fi
}
want healthz && run_wrk healthz plain.lua /healthz
if want event && probe event GET "/api/v1/events/$(head -1 "$OUT/events.ids")"; then
    run_wrk event event.lua /api/v1/events/1 BENCH_IDS="$OUT/events.ids"
fi
if want register && probe register_100 POST "/api/v1/sessions/$(head -1 "$OUT/spread.ids")/registrations"; then
    # the probe's anonymous request must not leave a registration behind (it gets 401)
    # spread: (user, session) pairs over 100 sessions need few users; hot: one user a request
    head -n 5000 "$OUT/tokens.txt" > "$OUT/tokens-spread.txt"
    tail -n +5001 "$OUT/tokens.txt" > "$OUT/tokens-hot.txt"
    run_wrk register_100 register.lua /api/v1/sessions/1/registrations \
        BENCH_IDS="$OUT/spread.ids" BENCH_TOKENS="$OUT/tokens-spread.txt"
    run_wrk register_hot register.lua /api/v1/sessions/1/registrations \
        BENCH_IDS="$OUT/hot.ids" BENCH_TOKENS="$OUT/tokens-hot.txt"
    # What the API acknowledged must be what the database holds.
    M -N "$DB" -e "SELECT COUNT(*) FROM sessions s WHERE s.confirmed_count > s.capacity
                   OR s.confirmed_count <> (SELECT COUNT(*) FROM registrations r
                                            WHERE r.session_id = s.id AND r.status = 'confirmed')" \
        > "$OUT/overbooked.txt"
elif want register; then
    SKIP[register_hot]=${SKIP[register_100]}
fi
if ! want recommendations; then
    :
elif [ $HAVE_PROJECTS = 1 ] && probe recommendations GET "/api/v1/projects/$(head -1 "$OUT/projects.ids")/recommendations"; then
    run_wrk recommendations recs.lua /api/v1/projects/1/recommendations \
        BENCH_IDS="$OUT/projects.ids" BENCH_TOKENS="$OUT/tokens-ent.txt"
elif [ $HAVE_PROJECTS = 0 ]; then
    SKIP[recommendations]="skipped: route missing (POST /api/v1/projects, GET /api/v1/projects/{id}/recommendations)"
fi
want login && run_wrk login login.lua /api/v1/auth/login BENCH_LOGIN_USERS=$NLOGIN BENCH_PASSWORD=$PASSWORD

# Other routes during a signup flood: every signup hashes a password, and hashing has a
# capacity of its own (server/pwhash.h), so GET /me (Redis + MySQL, no hash) should answer
# about as fast as without the flood. GET /me alone first, then the same while $CONNS
# connections flood POST /users (refused signups: 503 overloaded, counted as `shed`).
if want signup_flood; then
    head -n 5000 "$OUT/tokens.txt" > "$OUT/tokens-me.txt"
    CONNS=$ME_CONNS run_wrk me me.lua /api/v1/me BENCH_TOKENS="$OUT/tokens-me.txt"
    env BENCH_RUN="$NOW" wrk -t1 -c"$CONNS" -d"$((SECS + 2))s" --timeout 5s --latency \
        -s bench/signup.lua "$BASE/api/v1/users" > "$OUT/signup_flood.out" 2>&1 &
    FLOOD=$!
    sleep 1 # the flood is under way
    CONNS=$ME_CONNS run_wrk me_signup_flood me.lua /api/v1/me BENCH_TOKENS="$OUT/tokens-me.txt"
    wait "$FLOOD" || true
    sed -n 's/^BENCHJSON //p' "$OUT/signup_flood.out" > "$OUT/signup_flood.json"
    [ -s "$OUT/signup_flood.json" ] || echo null > "$OUT/signup_flood.json"
    log "signup flood: $(jq -c '{rps, codes, shed}' "$OUT/signup_flood.json")"
fi

kill "$SPID"; wait "$SPID" 2>/dev/null || true
redis_clean

# ---------------------------------------------------------------- report
skip_json="{}"
for k in "${!SKIP[@]}"; do skip_json=$(jq -c --arg k "$k" --arg v "${SKIP[$k]}" '. + {($k): $v}' <<<"$skip_json"); done
res() { [ -f "$OUT/$1.json" ] && cat "$OUT/$1.json" || echo null; }
jq -n \
    --argjson skip "$skip_json" \
    --argjson healthz "$(res healthz)" --argjson event "$(res event)" \
    --argjson r100 "$(res register_100)" --argjson rhot "$(res register_hot)" \
    --argjson recs "$(res recommendations)" --argjson login "$(res login)" \
    --argjson me "$(res me)" --argjson mef "$(res me_signup_flood)" \
    --argjson flood "$(res signup_flood)" --argjson meconns "$ME_CONNS" \
    --argjson fhttp "$(res floor_http)" \
    --argjson fp100 "$(res floor_db_proc_100)" --argjson fp1 "$(res floor_db_proc_1)" \
    --argjson fs100 "$(res floor_db_seq_100)" --argjson fs1 "$(res floor_db_seq_1)" \
    --argjson fcrypt "$(res floor_crypt)" --argjson redis_get "$REDIS_GET" \
    --argjson secs "$SECS" --argjson conns "$CONNS" --argjson threads "$THREADS" \
    --argjson workers "$WORKERS" --argjson cost "$COST" \
    --arg machine "$(uname -n), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')" \
    --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" '
def r2: if . == null then null else (. * 100 | round) / 100 end;
def row($name; $res; $floor; $frps; $target; $p99max; $extra):
  if $res == null and $skip[$name] == null then empty
  elif $skip[$name] then
    {name: $name, status: $skip[$name], rps: null, p50_ms: null, p99_ms: null, errors: null,
     floor: $floor, floor_rps: $frps, ratio: null, target: $target}
  else
    ($res.non2xx + $res.socket_errors - ($res.full // 0) - ($res.shed // 0)) as $err
    | {name: $name, status: "ok", rps: ($res.rps | r2), p50_ms: ($res.p50_ms | r2),
       p99_ms: ($res.p99_ms | r2), errors: $err, floor: $floor, floor_rps: ($frps | r2),
       ratio: (if $frps > 0 then ($res.rps / $frps * 100 | round) / 100 else null end),
       target: $target, codes: $res.codes, session_full: ($res.full // 0),
       shed: ($res.shed // 0), users_reused: ($res.wrapped // 0)}
    | .meets_target = (($target == null or .ratio >= $target) and ($p99max == null or .p99_ms <= $p99max) and .errors == 0)
  end + $extra;
{
  machine: $machine, date: $date,
  config: {seconds: $secs, connections: $conns, summitd_threads: $threads, summitd_workers: $workers,
           password_cost: $cost},
  floors: {http: $fhttp, db_proc_100: $fp100, db_proc_hot: $fp1, db_seq_100: $fs100, db_seq_hot: $fs1,
           redis_get_rps: $redis_get, yescrypt: $fcrypt},
  scenarios: [
    row("healthz"; $healthz; "http (bare evhttp)"; $fhttp.rps; 0.9; null; {}),
    row("event"; $event; "http (bare evhttp)"; $fhttp.rps; 0.5; null; {}),
    row("register_100"; $r100; "db one round trip, 100 sessions"; $fp100.tps; 0.5; 50;
        {seq_floor_rps: $fs100.tps}),
    row("register_hot"; $rhot; "db one round trip, 1 hot session"; $fp1.tps; 0.5; 50;
        {seq_floor_rps: $fs1.tps}),
    row("recommendations"; $recs; "http (bare evhttp)"; $fhttp.rps; null; null; {}),
    row("login"; ($login | if . != null and (.shed // 0) > 0 then
                             .rps = (.requests - .shed) / .seconds else . end);
        "yescrypt cost \($cost) verify, \($fcrypt.threads) threads"; $fcrypt.rps; null; null;
        {password_cost: $cost}),
    row("me"; $me; "-"; null; null; null; {connections: $meconns}),
    row("me_signup_flood"; $mef; "me without the flood"; $me.rps; null; null;
        {connections: $meconns,
         p99_vs_alone: (if $me.p99_ms > 0 then ($mef.p99_ms / $me.p99_ms * 100 | round) / 100
                        else null end),
         flood: (if $flood == null then null else
                   {connections: $conns, requests: $flood.requests,
                    created: ($flood.codes["201"] // 0), shed: ($flood.shed // 0),
                    created_per_s: ((($flood.codes["201"] // 0) / $flood.seconds * 10 | round) / 10),
                    shed_per_s: ((($flood.shed // 0) / $flood.seconds * 10 | round) / 10)} end)})
  ]
}' > "$OUT/latest.json"

jq -r '
def f: if . == null then "-" elif type == "number" then (. * 100 | round / 100 | tostring) else tostring end;
"machine: \(.machine)   \(.date)",
"summitd: \(.config.summitd_threads) loops, \(.config.summitd_workers) workers; wrk \(.config.connections) connections, \(.config.seconds) s per scenario",
"floors: http \(.floors.http.rps | f)/s; db one round trip \(.floors.db_proc_100.tps | f)/s (100 sessions), \(.floors.db_proc_hot.tps | f)/s (hot); db summitd sequence \(.floors.db_seq_100.tps | f)/s / \(.floors.db_seq_hot.tps | f)/s; redis GET \(.floors.redis_get_rps | f)/s; yescrypt cost \(.config.password_cost) \(.floors.yescrypt.rps | f)/s"
' "$OUT/latest.json"
echo
jq -r '
def f: if . == null then "-" elif type == "number" then (. * 100 | round / 100 | tostring) else tostring end;
(["scenario", "req/s", "p50_ms", "p99_ms", "errors", "floor_req/s", "ratio", "target", "floor"] | @tsv),
(.scenarios[] | if .status == "ok" then
   [.name, (.rps | f), (.p50_ms | f), (.p99_ms | f), (.errors | f), (.floor_rps | f), (.ratio | f),
    (if .target == null then "-" elif .meets_target then "met(\(.target))" else "MISSED(\(.target))" end), .floor] | @tsv
 else [.name, "-", "-", "-", "-", (.floor_rps | f), "-", "-", .status] | @tsv end)
' "$OUT/latest.json" | column -t -s $'\t'
jq -r '.scenarios[] | select(.name == "me_signup_flood" and .flood != null) |
  "signup flood (\(.flood.connections) connections): \(.flood.created_per_s) signups/s created, \(.flood.shed_per_s)/s refused (503 overloaded); GET /me p99 \(.p99_ms) ms during it vs alone: x\(.p99_vs_alone)"' \
    "$OUT/latest.json"
if [ -s "$OUT/overbooked.txt" ] && [ "$(cat "$OUT/overbooked.txt")" != 0 ]; then
    log "INCONSISTENT: $(cat "$OUT/overbooked.txt") sessions over capacity or with counters unequal to rows"
fi
log "wrote $OUT/latest.json"
