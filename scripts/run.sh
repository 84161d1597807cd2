#!/usr/bin/env bash
# `make run`: private MariaDB + Redis, migrations, demo data, then summitd on 127.0.0.1:8080 until
# Ctrl-C, which stops summitd and the services this script started.
set -euo pipefail
cd "$(dirname "$0")/.."
CONF=config/dev.conf
BIN=${SUMMITD_BIN:-build/summitd}
PORT=8080

started=$(scripts/services.sh status)
scripts/services.sh start
cleanup() {
    trap - INT TERM EXIT
    [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    # Stop only what this run started.
    echo "$started" | grep -q 'mariadb: running' || scripts/services.sh stop-mysql
    echo "$started" | grep -q 'redis: running' || scripts/services.sh stop-redis
    echo "stopped."
}
trap cleanup INT TERM EXIT

mkdir -p var/log
"$BIN" --config "$CONF" migrate
"$BIN" --config "$CONF" 2>>var/log/summitd.log &
pid=$!
for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { echo "summitd failed to start" >&2; exit 1; }
    sleep 0.1
done
SUMMITD_URL="http://127.0.0.1:$PORT" scripts/demo.sh
cat <<MSG

summitd is serving http://127.0.0.1:$PORT  (API under /api/v1; /healthz /readyz /metrics)
Log: var/log/summitd.log   API: docs/openapi.yaml
Demo logins (password for all: demo-password):
  admin       admin@summitd.local (password admin-change-me)
  organizer   organizer@demo.summitd
  enterprise  leader@demo.summitd, innovative@demo.summitd, seed@demo.summitd
  attendee    attendee@demo.summitd
Try:  curl -s -XPOST http://127.0.0.1:$PORT/api/v1/auth/login \\
        -d '{"email":"leader@demo.summitd","password":"demo-password"}'
Ctrl-C stops summitd, MariaDB and Redis.
MSG
wait "$pid"
