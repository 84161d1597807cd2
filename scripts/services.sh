#!/usr/bin/env bash
# Private MariaDB, Redis and SMTP server for development and tests: data under $SD_VAR (default
# var/), loopback only, non-default ports, no systemd, no system-wide service touched.
#
#   scripts/services.sh start|stop|status        all three services
#   scripts/services.sh start-mysql|stop-mysql|kill-mysql
#   scripts/services.sh start-redis|stop-redis|kill-redis
#   scripts/services.sh start-smtp|stop-smtp|kill-smtp
#
# Environment: SD_VAR (state dir), SD_MYSQL_PORT (3407), SD_REDIS_PORT (6391), SD_SMTP_PORT
# (SD_MYSQL_PORT - 900, so 2507 by default). The SMTP server is Debian's python3-aiosmtpd
# writing every message it accepts into the Maildir $SD_VAR/mail (one file per message under
# mail/new/); summitd's e-mail (smtp_url) goes there in `make run` and in the tests.
# Start reuses a service that is already running. The databases `summitd` (demo) and
# `summitd_test` (tests) and the user summitd/summitd@127.0.0.1 are created on first start.
# (We never export MYSQL_HOST & co.: the mariadb client would obey them over -S.)
set -euo pipefail
cd "$(dirname "$0")/.."
VAR=$(realpath -m "${SD_VAR:-var}")
MYSQL_PORT=${SD_MYSQL_PORT:-3407}
REDIS_PORT=${SD_REDIS_PORT:-6391}
MYDIR=$VAR/mysql
RDIR=$VAR/redis
MYCNF=$MYDIR/my.cnf
MYPID=$MYDIR/mariadbd.pid
MYSOCK=$MYDIR/mariadbd.sock
RPID=$RDIR/redis.pid
SMTP_PORT=${SD_SMTP_PORT:-$((MYSQL_PORT - 900))}
SDIR=$VAR/smtp
SPID=$SDIR/aiosmtpd.pid
MAILDIR=$VAR/mail

alive() { # pidfile -> 0 when the process runs (a zombie counts as stopped)
    local pid
    [ -f "$1" ] || return 1
    pid=$(cat "$1" 2>/dev/null) || return 1
    [ -n "$pid" ] && [ -d "/proc/$pid" ] || return 1
    ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null
}

wait_for() { # seconds cmd... : poll until cmd succeeds
    local deadline=$((SECONDS + $1)); shift
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.05
    done
}

wait_gone() { # pidfile seconds
    local deadline=$((SECONDS + $2))
    while alive "$1"; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.05
    done
}

mysql_sock() { mariadb --no-defaults -uroot -S "$MYSOCK" "$@"; }

start_mysql() {
    # Its own tmpdir: two instances bootstrapping at once in /tmp collide on temporary tables.
    mkdir -p "$MYDIR/tmp"
    if alive "$MYPID"; then return 0; fi
    cat > "$MYCNF" <<CNF
[mariadbd]
user=root
datadir=$MYDIR/data
socket=$MYSOCK
pid-file=$MYPID
tmpdir=$MYDIR/tmp
port=$MYSQL_PORT
bind-address=127.0.0.1
skip-name-resolve
character-set-server=utf8mb4
collation-server=utf8mb4_unicode_ci
innodb_buffer_pool_size=256M
innodb_log_file_size=128M
innodb_flush_log_at_trx_commit=1
max_connections=1000
log-error=$MYDIR/error.log
CNF
    local fresh=0
    if [ ! -d "$MYDIR/data/mysql" ]; then
        fresh=1
        # --force: go on where the host name does not resolve (a minimal machine without
        # /etc/hosts); grant entries then use addresses, and ours are 127.0.0.1 and the socket.
        mariadb-install-db --defaults-file="$MYCNF" --auth-root-authentication-method=socket \
            --force \
            --skip-test-db >"$MYDIR/install.log" 2>&1 \
            || { cat "$MYDIR/install.log" >&2; return 1; }
    fi
    setsid mariadbd --defaults-file="$MYCNF" </dev/null >>"$MYDIR/stdout.log" 2>&1 &
    if ! wait_for 60 mysql_sock -e 'SELECT 1'; then
        echo "services: MariaDB did not start; see $MYDIR/error.log" >&2
        tail -20 "$MYDIR/error.log" >&2 || true
        return 1
    fi
    if [ $fresh -eq 1 ] || ! mysql_sock -e 'SELECT 1 FROM mysql.user WHERE user="summitd"' | grep -q 1; then
        mysql_sock <<SQL
CREATE USER IF NOT EXISTS 'summitd'@'127.0.0.1' IDENTIFIED BY 'summitd';
CREATE USER IF NOT EXISTS 'summitd'@'localhost' IDENTIFIED BY 'summitd';
GRANT ALL PRIVILEGES ON *.* TO 'summitd'@'127.0.0.1';
GRANT ALL PRIVILEGES ON *.* TO 'summitd'@'localhost';
FLUSH PRIVILEGES;
SQL
    fi
    mysql_sock -e 'CREATE DATABASE IF NOT EXISTS summitd CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
                   CREATE DATABASE IF NOT EXISTS summitd_test CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;'
    echo "services: MariaDB on 127.0.0.1:$MYSQL_PORT (socket $MYSOCK)"
}

stop_mysql() {
    alive "$MYPID" || return 0
    kill "$(cat "$MYPID")" 2>/dev/null || true
    wait_gone "$MYPID" 60 || kill -9 "$(cat "$MYPID")" 2>/dev/null || true
}

kill_mysql() {
    alive "$MYPID" || return 0
    kill -9 "$(cat "$MYPID")" 2>/dev/null || true
    wait_gone "$MYPID" 10 || true
}

start_redis() {
    mkdir -p "$RDIR"
    if alive "$RPID"; then return 0; fi
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --pidfile "$RPID" \
        --dir "$RDIR" --logfile "$RDIR/redis.log" --save "" --appendonly no \
        --protected-mode yes >/dev/null
    if ! wait_for 20 redis-cli -p "$REDIS_PORT" ping; then
        echo "services: Redis did not start; see $RDIR/redis.log" >&2
        return 1
    fi
    echo "services: Redis on 127.0.0.1:$REDIS_PORT"
}

stop_redis() {
    alive "$RPID" || return 0
    kill "$(cat "$RPID")" 2>/dev/null || true
    wait_gone "$RPID" 20 || kill -9 "$(cat "$RPID")" 2>/dev/null || true
}

kill_redis() {
    alive "$RPID" || return 0
    kill -9 "$(cat "$RPID")" 2>/dev/null || true
    wait_gone "$RPID" 10 || true
}

smtp_up() { # an SMTP greeting on the port
    /usr/bin/python3 - "$SMTP_PORT" <<'PY'
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=2)
s.noop()
s.quit()
PY
}

start_smtp() {
    mkdir -p "$SDIR" "$MAILDIR/new" "$MAILDIR/cur" "$MAILDIR/tmp"
    if alive "$SPID"; then return 0; fi
    # Debian's python3 (the one on PATH may be another build without the package); -n: no setuid.
    setsid /usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" \
        -c aiosmtpd.handlers.Mailbox "$MAILDIR" </dev/null >>"$SDIR/smtp.log" 2>&1 &
    echo $! >"$SPID"
    if ! wait_for 20 smtp_up; then
        echo "services: the SMTP server did not start; see $SDIR/smtp.log" >&2
        tail -20 "$SDIR/smtp.log" >&2 || true
        return 1
    fi
    echo "services: SMTP on 127.0.0.1:$SMTP_PORT (Maildir $MAILDIR)"
}

stop_smtp() {
    alive "$SPID" || return 0
    kill "$(cat "$SPID")" 2>/dev/null || true
    wait_gone "$SPID" 20 || kill -9 "$(cat "$SPID")" 2>/dev/null || true
}

kill_smtp() {
    alive "$SPID" || return 0
    kill -9 "$(cat "$SPID")" 2>/dev/null || true
    wait_gone "$SPID" 10 || true
}

case "${1:-}" in
start) start_mysql; start_redis; start_smtp ;;
stop) stop_smtp; stop_redis; stop_mysql ;;
status)
    alive "$MYPID" && echo "mariadb: running (127.0.0.1:$MYSQL_PORT)" || echo "mariadb: stopped"
    alive "$RPID" && echo "redis: running (127.0.0.1:$REDIS_PORT)" || echo "redis: stopped"
    alive "$SPID" && echo "smtp: running (127.0.0.1:$SMTP_PORT)" || echo "smtp: stopped" ;;
start-mysql) start_mysql ;;
stop-mysql) stop_mysql ;;
kill-mysql) kill_mysql ;;
start-redis) start_redis ;;
stop-redis) stop_redis ;;
kill-redis) kill_redis ;;
start-smtp) start_smtp ;;
stop-smtp) stop_smtp ;;
kill-smtp) kill_smtp ;;
*) echo "usage: $0 start|stop|status|start-mysql|stop-mysql|kill-mysql|start-redis|stop-redis|kill-redis|start-smtp|stop-smtp|kill-smtp" >&2; exit 2 ;;
esac
