#!/usr/bin/env bash
# `make run`: private MariaDB + Redis, migrations, demo data, then summitd on 127.0.0.1:8080 until
# Ctrl-C, which stops summitd and the services this script started.
#
# Settings come as summitd takes them: SUMMITD_<KEY> over config/dev.conf. So SUMMITD_LISTEN
# moves the server off 8080, SUMMITD_ADMIN_EMAIL / SUMMITD_ADMIN_PASSWORD name the admin (the
# demo logs in with it), and SD_MYSQL_PORT / SD_REDIS_PORT, which place the private services
# (scripts/services.sh), are handed to summitd unless SUMMITD_MYSQL_PORT / _REDIS_PORT are set.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/conf.sh
CONF=config/dev.conf
BIN=${SUMMITD_BIN:-build/summitd}
[ -n "${SD_MYSQL_PORT:-}" ] && export SUMMITD_MYSQL_PORT=${SUMMITD_MYSQL_PORT:-$SD_MYSQL_PORT}
[ -n "${SD_REDIS_PORT:-}" ] && export SUMMITD_REDIS_PORT=${SUMMITD_REDIS_PORT:-$SD_REDIS_PORT}
# E-mail goes to the private SMTP server of scripts/services.sh (its port: SD_SMTP_PORT, else
# SD_MYSQL_PORT - 900), which writes every message into the Maildir var/mail (new/).
if [ -n "${SD_SMTP_PORT:-}" ] || [ -n "${SD_MYSQL_PORT:-}" ]; then
    SMTP_PORT=${SD_SMTP_PORT:-$((${SD_MYSQL_PORT:-3407} - 900))}
    export SUMMITD_SMTP_URL=${SUMMITD_SMTP_URL:-smtp://127.0.0.1:$SMTP_PORT}
fi
LISTEN=$(conf_get listen "$CONF")
LISTEN=${LISTEN:-127.0.0.1:8080}
PORT=${LISTEN##*:}
HOST=${LISTEN%:*}
[ "$HOST" = 0.0.0.0 ] && HOST=127.0.0.1
ADMIN_EMAIL=$(conf_get admin_email "$CONF")
if [ -n "${SUMMITD_ADMIN_PASSWORD+x}" ]; then
    ADMIN_PW_NOTE="password from SUMMITD_ADMIN_PASSWORD"
else
    ADMIN_PW_NOTE="password $(conf_get admin_password "$CONF")"
fi

started=$(scripts/services.sh status)
scripts/services.sh start
cleanup() {
    trap - INT TERM EXIT
    [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    # Stop only what this run started.
    echo "$started" | grep -q 'mariadb: running' || scripts/services.sh stop-mysql
    echo "$started" | grep -q 'redis: running' || scripts/services.sh stop-redis
    echo "$started" | grep -q 'smtp: running' || scripts/services.sh stop-smtp
    echo "stopped."
}
trap cleanup INT TERM EXIT

mkdir -p var/log
"$BIN" --config "$CONF" migrate
"$BIN" --config "$CONF" 2>>var/log/summitd.log &
pid=$!
for _ in $(seq 1 100); do
    curl -fs "http://$HOST:$PORT/healthz" >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { echo "summitd failed to start" >&2; exit 1; }
    sleep 0.1
done
SUMMITD_URL="http://$HOST:$PORT" DEMO_CONFIG="$CONF" scripts/demo.sh
cat <<MSG

summitd is serving http://$HOST:$PORT  (API under /api/v1; /healthz /readyz /metrics)
Web client: http://$HOST:$PORT/  (the demo's events; log in with a demo login for the rest)
Log: var/log/summitd.log   API: docs/openapi.yaml
E-mail: every notification mail lands in the Maildir var/mail/new/ (one file per message; the
  demo's waitlist promotion sends one to attendee@demo.summitd)
Demo logins (password for all: demo-password):
  admin       $ADMIN_EMAIL ($ADMIN_PW_NOTE)
  organizer   organizer@demo.summitd
  enterprise  leader@demo.summitd, innovative@demo.summitd, seed@demo.summitd
  attendee    attendee@demo.summitd
Try:  curl -s -XPOST http://$HOST:$PORT/api/v1/auth/login \\
        -d '{"email":"leader@demo.summitd","password":"demo-password"}'
Ctrl-C stops summitd, MariaDB, Redis and the SMTP server.
MSG
wait "$pid"
