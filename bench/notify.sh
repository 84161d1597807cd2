#!/usr/bin/env bash
# `make bench-notify` (also the last step of `make bench`): notification delivery beside its floor.
#
# 1. e-mail: BENCH_MAILS (2000) outbox rows for one user, delivered by one summitd's dispatcher
#    (then by three instances at once) to the private SMTP server of scripts/services.sh
#    (Debian's aiosmtpd writing a Maildir), timed from the first claim to the last `sent`; the
#    (the span from the first row sent to the last: start-up left out); the
#    floor is a tiny client (bench/smtp_floor.py, Debian's python3 smtplib) sending the same
#    message, as summitd built it, over one connection to the same server: the server's own rate.
# 2. the extra cost a registration pays for its notice (feed row + outbox row in its
#    transaction): registrations/s with notify_enabled=true and =false in the same run, when the
#    producers (part 1 of issue 13) and that key are in this build; else reported as skipped.
# Prints a table and writes var/bench/notify.json. Uses its own database summitd_bench_notify.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${B:-build}
N=${BENCH_MAILS:-2000}
NREG=${BENCH_REGS:-1000}
OUT=var/bench
DB=summitd_bench_notify
MYSQL_PORT=${SD_MYSQL_PORT:-3407}
REDIS_PORT=${SD_REDIS_PORT:-6391}
SMTP_PORT=${SD_SMTP_PORT:-$((MYSQL_PORT - 900))}
mkdir -p "$OUT"
M() { mariadb --no-defaults -S var/mysql/mariadbd.sock -uroot -N -B "$@"; }
log() { printf 'bench-notify: %s\n' "$*" >&2; }
now() { date +%s.%N; }

PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

. bench/lib.sh # free_port

scripts/services.sh start >/dev/null
M -e "DROP DATABASE IF EXISTS $DB; CREATE DATABASE $DB CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"

# start_summitd N DISPATCH [extra --set ...]: instance N on its own port; echoes the port
start_summitd() {
    local i=$1 dispatch=$2; shift 2
    local port
    port=$(free_port $((18580 + i * 7)))
    local sets=(--set "mysql_port=$MYSQL_PORT" --set mysql_user=summitd --set mysql_password=summitd
        --set "mysql_database=$DB" --set "redis_port=$REDIS_PORT" --set redis_prefix=bnotify:
        --set "smtp_url=smtp://127.0.0.1:$SMTP_PORT" --set smtp_starttls=none
        --set "smtp_from=bench <noreply@bench.example>" --set access_log=false --set log_level=warn
        --set password_cost=1 --set "notify_dispatch=$dispatch" --set notify_batch=50
        --set notify_poll_ms=20 --set admin_email=admin@bench.example
        --set admin_password=bench-admin-password "$@")
    "$B/summitd" --listen "127.0.0.1:$port" "${sets[@]}" >>"$OUT/notify-summitd-$i.log" 2>&1 &
    PIDS+=($!)
    LASTPID=$!
    local deadline=$((SECONDS + 30))
    until curl -fs -o /dev/null "http://127.0.0.1:$port/healthz"; do
        [ $SECONDS -lt $deadline ] || { log "summitd $i did not start"; exit 1; }
        sleep 0.1
    done
    PORT=$port
}
stop_pid() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

"$B/summitd" --set "mysql_port=$MYSQL_PORT" --set mysql_user=summitd --set mysql_password=summitd \
    --set "mysql_database=$DB" migrate >"$OUT/notify-migrate.log" 2>&1
start_summitd 0 false
BASE=http://127.0.0.1:$PORT
EMAIL=bench-mail@bench.example
curl -fs -o /dev/null -XPOST "$BASE/api/v1/users" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$EMAIL\",\"password\":\"bench-password-1\",\"display_name\":\"压测用户\",\"role\":\"attendee\"}"
UID_=$(M "$DB" -e "SELECT id FROM users WHERE email = '$EMAIL'")
stop_pid "$LASTPID"

rows() { # prefix n: n pending rows
    {
        printf "INSERT INTO outbox (msg_id, channel, type, user_id, payload, next_at, created_at) VALUES "
        for i in $(seq 0 $(($2 - 1))); do
            [ "$i" -gt 0 ] && printf ","
            printf "('%s-%d','email','reminder',%d,'{\"type\":\"reminder\",\"data\":{\"title\":\"第 %d 场路演\",\"session\":{\"title\":\"大模型应用论坛\",\"starts_at\":\"2031-05-20T01:00:00Z\",\"room\":\"A1\"}}}',UTC_TIMESTAMP(3),UTC_TIMESTAMP(3))" "$1" "$i" "$UID_" "$i"
        done
        printf ";\n"
    } | M "$DB"
}
sent() { M "$DB" -e "SELECT COUNT(*) FROM outbox WHERE msg_id LIKE '$1-%' AND status = 'sent'"; }
# deliver PREFIX INSTANCES: seconds from the first row sent to the last
deliver() {
    local prefix=$1 n=$2 pids=()
    rows "$prefix" "$N"
    for i in $(seq 1 "$n"); do start_summitd "$i" true; pids+=("$LASTPID"); done
    local deadline=$((SECONDS + 600))
    while [ "$(sent "$prefix")" -lt "$N" ]; do
        [ $SECONDS -lt $deadline ] || { log "not all sent"; exit 1; }
        sleep 0.05
    done
    for p in "${pids[@]}"; do stop_pid "$p"; done
    # the span from the first row sent to the last (start-up left out)
    M "$DB" -e "SELECT TIMESTAMPDIFF(MICROSECOND, MIN(sent_at), MAX(sent_at)) / 1e6 FROM outbox
                WHERE msg_id LIKE '$prefix-%'"
}

log "e-mail: $N rows, one dispatcher"
T1=$(deliver "b1-$$" 1)
log "e-mail: $N rows, three instances"
T3=$(deliver "b3-$$" 3)
SAMPLE=$(grep -l "Message-ID: <b1-$$-0@" var/mail/new/* | head -1)
log "floor: the same message $N times straight to the SMTP server"
TF=$(/usr/bin/python3 bench/smtp_floor.py 127.0.0.1 "$SMTP_PORT" "$SAMPLE" "$N" "$EMAIL")
R1=$(awk -v n="$N" -v t="$T1" 'BEGIN{printf "%.0f", (n - 1) / t}')
R3=$(awk -v n="$N" -v t="$T3" 'BEGIN{printf "%.0f", (n - 1) / t}')
RF=$(awk -v n="$N" -v t="$TF" 'BEGIN{printf "%.0f", n / t}')

# ---------------------------------------------------------------- registrations with notify on/off
REG_ON=skipped REG_OFF=skipped REG_NOTE="producers or notify_enabled not in this build"
if "$B/summitd" print-config | grep -q '^#* *notify_enabled'; then
    reg_run() { # notify_enabled -> registrations/s
        start_summitd 5 false --set "notify_enabled=$1"
        local base=http://127.0.0.1:$PORT
        local admin org tok ev sid
        admin=$(curl -fs -XPOST "$base/api/v1/auth/login" -d '{"email":"admin@bench.example","password":"bench-admin-password"}' | jq -r .token)
        local oemail="org-$1-$$@bench.example" uemail="att-$1-$$@bench.example"
        curl -fs -o /dev/null -XPOST "$base/api/v1/users" -d "{\"email\":\"$oemail\",\"password\":\"bench-password-1\",\"display_name\":\"主办\",\"role\":\"attendee\"}"
        local oid
        oid=$(M "$DB" -e "SELECT id FROM users WHERE email = '$oemail'")
        curl -fs -o /dev/null -XPOST "$base/api/v1/users/$oid/roles" -H "Authorization: Bearer $admin" -d '{"role":"organizer"}'
        org=$(curl -fs -XPOST "$base/api/v1/auth/login" -d "{\"email\":\"$oemail\",\"password\":\"bench-password-1\"}" | jq -r .token)
        curl -fs -o /dev/null -XPOST "$base/api/v1/users" -d "{\"email\":\"$uemail\",\"password\":\"bench-password-1\",\"display_name\":\"观众\",\"role\":\"attendee\"}"
        tok=$(curl -fs -XPOST "$base/api/v1/auth/login" -d "{\"email\":\"$uemail\",\"password\":\"bench-password-1\"}" | jq -r .token)
        local a b
        a=$(date -u -d '+30 days' +%Y-%m-%dT%H:%M:%SZ) b=$(date -u -d '+31 days' +%Y-%m-%dT%H:%M:%SZ)
        ev=$(curl -fs -XPOST "$base/api/v1/events" -H "Authorization: Bearer $org" -d "{\"title\":\"压测峰会\",\"kind\":\"summit\",\"city\":\"成都\",\"venue\":\"会展中心\",\"starts_at\":\"$a\",\"ends_at\":\"$b\",\"description\":\"bench\"}" | jq -r .id)
        curl -fs -o /dev/null -XPOST "$base/api/v1/events/$ev/publish" -H "Authorization: Bearer $org"
        sid=$(curl -fs -XPOST "$base/api/v1/events/$ev/sessions" -H "Authorization: Bearer $org" -d "{\"title\":\"分论坛\",\"kind\":\"forum\",\"room\":\"A1\",\"starts_at\":\"$a\",\"ends_at\":\"$b\",\"capacity\":100000,\"waitlist\":false}" | jq -r .id)
        # NREG sessions like it (bulk SQL), one registration each for the one attendee
        local cols
        cols=$(M "$DB" -e "SELECT GROUP_CONCAT(column_name ORDER BY ordinal_position) FROM information_schema.columns WHERE table_schema = '$DB' AND table_name = 'sessions' AND column_name <> 'id'")
        while [ "$(M "$DB" -e "SELECT COUNT(*) FROM sessions WHERE event_id = $ev")" -lt "$NREG" ]; do
            M "$DB" -e "INSERT INTO sessions ($cols) SELECT $cols FROM sessions WHERE event_id = $ev"
        done
        M "$DB" -e "SELECT id FROM sessions WHERE event_id = $ev LIMIT $NREG" >"$OUT/notify-sessions.ids"
        local t0 t1
        t0=$(now)
        xargs -P 16 -I{} curl -s -o /dev/null -XPOST -H "Authorization: Bearer $tok" \
            "$base/api/v1/sessions/{}/registrations" <"$OUT/notify-sessions.ids"
        t1=$(now)
        stop_pid "$LASTPID"
        echo "$t0 $t1" | awk -v n="$NREG" '{printf "%.0f", n / ($2 - $1)}'
    }
    REG_OFF=$(reg_run false)
    REG_ON=$(reg_run true)
    REG_NOTE="curl -P 16, $NREG registrations each"
fi

printf '\n%-44s %10s %10s\n' "notifications" "per s" "vs floor"
printf '%-44s %10s %10s\n' "SMTP floor (python smtplib, one connection)" "$RF" "1.00"
printf '%-44s %10s %10s\n' "e-mail via outbox, 1 instance" "$R1" "$(awk -v a="$R1" -v b="$RF" 'BEGIN{printf "%.2f", a / b}')"
printf '%-44s %10s %10s\n' "e-mail via outbox, 3 instances" "$R3" "$(awk -v a="$R3" -v b="$RF" 'BEGIN{printf "%.2f", a / b}')"
if [ "$REG_ON" != skipped ]; then
    printf '%-44s %10s %10s\n' "registrations, notify off" "$REG_OFF" "1.00"
    printf '%-44s %10s %10s\n' "registrations, notify on (feed + outbox)" "$REG_ON" "$(awk -v a="$REG_ON" -v b="$REG_OFF" 'BEGIN{printf "%.2f", a / b}')"
else
    printf '%-44s %10s   (%s)\n' "registrations, notify on vs off" skipped "$REG_NOTE"
fi
cat >"$OUT/notify.json" <<JSON
{"mails": $N, "smtp_floor_per_s": $RF, "email_1_instance_per_s": $R1, "email_3_instances_per_s": $R3,
 "registrations_notify_off_per_s": "$REG_OFF", "registrations_notify_on_per_s": "$REG_ON"}
JSON
M -e "DROP DATABASE IF EXISTS $DB"
