#!/usr/bin/env bash
# `make e2e`: the browser suite. Starts the private MariaDB and Redis (scripts/services.sh), a
# summitd serving the embedded client on E2E_PORT (default 8432) against a fresh database summitd_e2e,
# runs tests/e2e/run.mjs (playwright-core + Debian's chromium), stops summitd.
# Screenshots under var/e2e/, summitd's log in var/e2e/summitd.log.
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${B:-build}
PORT=${E2E_PORT:-8432}
mkdir -p var/e2e
rm -f var/e2e/*.png
scripts/services.sh start >/dev/null
# A database and Redis prefix of its own, fresh every run: the pages show only what the
# scenarios made, and the integration suite's database stays untouched.
mariadb --no-defaults -h127.0.0.1 -P"${SD_MYSQL_PORT:-3407}" -usummitd -psummitd -e \
    'DROP DATABASE IF EXISTS summitd_e2e;
     CREATE DATABASE summitd_e2e CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;'
redis-cli -p "${SD_REDIS_PORT:-6391}" --scan --pattern 'e2e:*' |
    xargs -r redis-cli -p "${SD_REDIS_PORT:-6391}" del >/dev/null
"$B/summitd" --listen "127.0.0.1:$PORT" \
    --set mysql_host=127.0.0.1 --set "mysql_port=${SD_MYSQL_PORT:-3407}" --set mysql_user=summitd \
    --set mysql_password=summitd --set mysql_database=summitd_e2e \
    --set redis_host=127.0.0.1 --set "redis_port=${SD_REDIS_PORT:-6391}" --set redis_prefix=e2e: \
    --set password_cost=1 --set login_limit_ip=1000000 --set login_limit_account=1000 \
    --set admin_email=admin@summitd.local --set admin_password=admin-change-me \
    --set log_level=info >var/e2e/summitd.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
    kill -0 $pid 2>/dev/null || { echo "e2e: summitd exited; see var/e2e/summitd.log"; tail -20 var/e2e/summitd.log; exit 1; }
    sleep 0.2
done
E2E_BASE="http://127.0.0.1:$PORT" node tests/e2e/run.mjs "$@"
