#!/usr/bin/env bash
# A production-shaped summitd on one machine, on loopback, everything under var/cluster/:
#   three MariaDB Galera nodes (galera-4, rsync SST, nodes run as the mysql user),
#   a Redis master with one replica and three sentinels,
#   three summitd instances, each preferring a different Galera node (mysql_hosts),
#   HAProxy in front of them on 127.0.0.1:$CLUSTER_LB_PORT (8090), health-checking /readyz.
#
#   scripts/cluster.sh up            start (fresh), load the demo data, print the topology, wait
#                                    for Ctrl-C, then stop everything (make cluster)
#   scripts/cluster.sh start|stop|status
#   scripts/cluster.sh kill-node N | restart-node N     kill -9 / restart (IST) a Galera node
#   scripts/cluster.sh kill-redis-master | restart-redis OLDPORT
#   scripts/cluster.sh topology | wait-synced | sql N [mariadb args...]
#   scripts/cluster.sh logs          the recent cluster events of every node and summitd (what a
#                                    failed check prints: scripts/with-cluster.sh)
#
# Environment: CLUSTER_VAR (var/cluster), CLUSTER_PORT_BASE (4500: SQL 4501-4503, gmcast
# 4511-4513, IST 4521-4523, SST 4531-4533, Redis 4541/4542, sentinels 4551-4553, summitd
# 4561-4563), CLUSTER_LB_PORT (8090), CLUSTER_SYNC_WAIT (summitd's mysql_sync_wait, 1),
# CLUSTER_PASSWORD_COST (5), CLUSTER_KEEP=1 (start from the data already there: a full-cluster
# restart, bootstrapping the most advanced node), CLUSTER_SUMMITD=0 (only the databases, Redis
# and sentinels: what the integration suite needs), CLUSTER_SINGLE=1 (the same shape on one
# plain MariaDB and one Redis: the baseline of make bench-cluster), SUMMITD_BIN.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VAR=$(realpath -m "${CLUSTER_VAR:-var/cluster}")
BASE=${CLUSTER_PORT_BASE:-4500}
LB_PORT=${CLUSTER_LB_PORT:-8090}
SYNC_WAIT=${CLUSTER_SYNC_WAIT:-1}
COST=${CLUSTER_PASSWORD_COST:-5}
BIN=$(realpath -m "${SUMMITD_BIN:-build/summitd}")
ADMIN_EMAIL=${CLUSTER_ADMIN_EMAIL:-admin@cluster.summitd}
ADMIN_PASSWORD=${CLUSTER_ADMIN_PASSWORD:-cluster-admin-password}
DB=${CLUSTER_DB:-summitd}
SINGLE=${CLUSTER_SINGLE:-0}
N=3
[ "$SINGLE" = 1 ] && N=1 && SYNC_WAIT=0
GALERA_LIB=/usr/lib/galera/libgalera_smm.so

sql_port() { echo $((BASE + $1)); }
gm_port() { echo $((BASE + 10 + $1)); }
ist_port() { echo $((BASE + 20 + $1)); }
sst_port() { echo $((BASE + 30 + $1)); }
REDIS_MASTER_PORT=$((BASE + 41))
REDIS_REPLICA_PORT=$((BASE + 42))
sentinel_port() { echo $((BASE + 50 + $1)); }
summitd_port() { echo $((BASE + 60 + $1)); }
MASTER_NAME=summitd

log() { printf 'cluster: %s\n' "$*" >&2; }

alive() { # pidfile -> 0 when the process runs (a zombie counts as stopped)
    local pid
    [ -f "$1" ] || return 1
    pid=$(cat "$1" 2>/dev/null) || return 1
    [ -n "$pid" ] && [ -d "/proc/$pid" ] || return 1
    ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null
}

wait_for() { # seconds cmd...
    local deadline=$((SECONDS + $1)); shift
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.1
    done
}

wait_gone() { # pidfile seconds
    local deadline=$((SECONDS + $2))
    while alive "$1"; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.1
    done
}

# ---------------------------------------------------------------- Galera
# The nodes run as mysql, which must reach their files. When a directory above $VAR is private
# (a clone under /root), their data lives in /var/tmp/summitd-cluster-<hash of $VAR>/ instead,
# linked from $VAR/galera-N, and the configuration names the real paths.
ALT=/var/tmp/summitd-cluster-$(printf %s "$VAR" | md5sum | cut -c1-12)
PHYS=$VAR
[ -L "$VAR/galera-1" ] && PHYS=$ALT
node_dir() { echo "$PHYS/galera-$1"; }
node_pid() { echo "$VAR/galera-$1.pid"; } # a link to the pid file in the node's directory
node_sock() { echo "$(node_dir "$1")/mysqld.sock"; }
sql() { local n=$1; shift; mariadb --no-defaults -uroot -S "$(node_sock "$n")" "$@"; }
node_state() { sql "$1" -N -B -e "SHOW GLOBAL STATUS LIKE 'wsrep_local_state_comment'" 2>/dev/null | cut -f2; }
node_synced() {
    if [ "$SINGLE" = 1 ]; then sql "$1" -e 'SELECT 1' >/dev/null 2>&1; else [ "$(node_state "$1")" = Synced ]; fi
}

write_cnf() {
    local n=$1 d
    d=$(node_dir "$n")
    mkdir -p "$d/data" "$d/tmp"
    local addrs="127.0.0.1:$(gm_port 1),127.0.0.1:$(gm_port 2),127.0.0.1:$(gm_port 3)"
    cat > "$d/my.cnf" <<CNF
[mariadbd]
user=mysql
datadir=$d/data
tmpdir=$d/tmp
socket=$(node_sock "$n")
pid-file=$d/mysqld.pid
port=$(sql_port "$n")
bind-address=127.0.0.1
skip-name-resolve
character-set-server=utf8mb4
collation-server=utf8mb4_unicode_ci
max_connections=600
innodb_buffer_pool_size=128M
innodb_log_file_size=48M
innodb_flush_log_at_trx_commit=1
log-error=$d/error.log
CNF
    [ "$SINGLE" = 1 ] && { chown -R mysql:mysql "$d"; return 0; }
    cat >> "$d/my.cnf" <<CNF
# Galera: row-based replication, interleaved auto-increment (no table-level AUTO-INC lock)
binlog_format=ROW
default_storage_engine=InnoDB
innodb_autoinc_lock_mode=2
wsrep_on=ON
wsrep_provider=$GALERA_LIB
wsrep_cluster_name=summitd
wsrep_cluster_address=gcomm://$addrs
wsrep_node_name=galera-$n
wsrep_node_address=127.0.0.1:$(gm_port "$n")
wsrep_sst_method=rsync
wsrep_sst_receive_address=127.0.0.1:$(sst_port "$n")
wsrep_slave_threads=2
# Loopback timings: a killed node is suspected after 2 s (default 5 s) and evicted after 4 s.
wsrep_provider_options="gmcast.listen_addr=tcp://127.0.0.1:$(gm_port "$n");ist.recv_addr=127.0.0.1:$(ist_port "$n");gcache.size=128M;evs.keepalive_period=PT0.5S;evs.inactive_check_period=PT0.5S;evs.suspect_timeout=PT2S;evs.inactive_timeout=PT4S;evs.install_timeout=PT4S;pc.recovery=TRUE"
CNF
    chown -R mysql:mysql "$d"
}

start_node() { # n [extra mariadbd args...]
    local n=$1; shift
    local d
    d=$(node_dir "$n")
    alive "$(node_pid "$n")" && return 0
    # The node runs as mysql: it must reach its files (rsync SST drops to that user) and write
    # its pid file, which lives beside the others in $VAR (owned by root).
    chmod o+x "$VAR" "$(dirname "$VAR")" 2>/dev/null || true
    ln -sfn "$d/mysqld.pid" "$(node_pid "$n")"
    setsid mariadbd --defaults-file="$d/my.cnf" "$@" </dev/null >>"$d/stdout.log" 2>&1 &
    local pid=$! deadline=$((SECONDS + 180))
    # wait until it serves (Synced), bounded; an SST takes a few seconds
    until node_synced "$n"; do
        if ! kill -0 "$pid" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
            pid=0
            break
        fi
        sleep 0.1
    done
    if [ "$pid" = 0 ]; then
        log "galera-$n did not reach Synced; see $d/error.log"
        tail -30 "$d/error.log" >&2 || true
        return 1
    fi
}

# The position InnoDB holds (after a kill -9, grastate.dat says seqno -1): uuid:seqno.
recover_position() {
    local n=$1 d pos
    d=$(node_dir "$n")
    rm -f "$d/recover.log"
    mariadbd --defaults-file="$d/my.cnf" --wsrep-recover --log-error="$d/recover.log" \
        >/dev/null 2>&1 || true
    chown mysql:mysql "$d/recover.log" 2>/dev/null || true
    pos=$(sed -n 's/.*WSREP: Recovered position: *\([^ ]*\).*/\1/p' "$d/recover.log" | tail -1)
    echo "$pos"
}

bootstrap_fresh() {
    local d
    d=$(node_dir 1)
    log "bootstrapping galera-1 (new cluster)"
    mariadb-install-db --defaults-file="$d/my.cnf" --user=mysql --force \
        --auth-root-authentication-method=socket --skip-test-db >"$d/install.log" 2>&1 \
        || { cat "$d/install.log" >&2; return 1; }
    if [ "$SINGLE" = 1 ]; then start_node 1; else start_node 1 --wsrep-new-cluster; fi
    sql 1 <<SQL
CREATE USER IF NOT EXISTS 'summitd'@'127.0.0.1' IDENTIFIED BY 'summitd';
CREATE USER IF NOT EXISTS 'summitd'@'localhost' IDENTIFIED BY 'summitd';
GRANT ALL PRIVILEGES ON *.* TO 'summitd'@'127.0.0.1';
GRANT ALL PRIVILEGES ON *.* TO 'summitd'@'localhost';
CREATE DATABASE IF NOT EXISTS summitd CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE DATABASE IF NOT EXISTS summitd_test CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
SQL
    [ "$SINGLE" = 1 ] && return 0
    for n in 2 3; do
        log "galera-$n joins (rsync SST from a donor)"
        start_node "$n"
    done
}

# A full-cluster restart (CLUSTER_KEEP=1): bootstrap the node that stopped last
# (safe_to_bootstrap: 1), else the one with the highest recovered seqno; the others rejoin.
bootstrap_existing() {
    local best=0 bestseq=-2 n seq pos
    for n in 1 2 3; do
        if grep -q '^safe_to_bootstrap: *1' "$(node_dir "$n")/data/grastate.dat" 2>/dev/null; then
            best=$n
            break
        fi
    done
    if [ $best = 0 ]; then
        for n in 1 2 3; do
            pos=$(recover_position "$n")
            seq=${pos##*:}
            log "galera-$n recovered position ${pos:-none}"
            if [ -n "$seq" ] && [ "$seq" -gt "$bestseq" ]; then best=$n bestseq=$seq; fi
        done
        [ $best != 0 ] || { log "no node has a position to bootstrap from"; return 1; }
        sed -i 's/^safe_to_bootstrap: *0/safe_to_bootstrap: 1/' "$(node_dir $best)/data/grastate.dat"
    fi
    log "full-cluster restart: bootstrapping galera-$best"
    start_node "$best" --wsrep-new-cluster
    for n in 1 2 3; do
        [ "$n" = $best ] || restart_node "$n"
    done
}

restart_node() { # rejoin with the position InnoDB has, so a donor can send IST, not a full SST
    local n=$1 pos
    alive "$(node_pid "$n")" && return 0
    pos=$(recover_position "$n")
    log "galera-$n restarts at ${pos:-an unknown position}"
    if [ -n "$pos" ]; then
        start_node "$n" --wsrep-start-position="$pos"
    else
        start_node "$n"
    fi
    if grep -q "IST received" "$(node_dir "$n")/error.log" 2>/dev/null; then
        log "galera-$n is Synced (rejoined by IST)"
    else
        log "galera-$n is Synced"
    fi
}

kill_node() {
    local p
    p=$(node_pid "$1")
    alive "$p" || return 0
    kill -9 "$(cat "$p")"
    wait_gone "$p" 10 || true
}

stop_node() {
    local p
    p=$(node_pid "$1")
    alive "$p" || return 0
    kill "$(cat "$p")" 2>/dev/null || true
    wait_gone "$p" 90 || kill -9 "$(cat "$p")" 2>/dev/null || true
}

# ---------------------------------------------------------------- Redis and Sentinel
redis_pid() { echo "$VAR/redis-$1.pid"; } # master | replica (by the role they started with)
start_redis() { # name port [replicaof-port]
    local name=$1 port=$2 of=${3:-}
    mkdir -p "$VAR/redis-$name"
    alive "$(redis_pid "$name")" && return 0
    redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --pidfile "$(redis_pid "$name")" \
        --dir "$VAR/redis-$name" --logfile "$VAR/redis-$name/redis.log" --save "" \
        --appendonly no --protected-mode no ${of:+--replicaof 127.0.0.1 $of} >/dev/null
    wait_for 20 redis-cli -p "$port" ping || { log "redis $name did not start"; return 1; }
}

start_sentinel() {
    local i=$1 d=$VAR/sentinel-$i
    mkdir -p "$d"
    alive "$VAR/sentinel-$i.pid" && return 0
    cat > "$d/sentinel.conf" <<CONF
port $(sentinel_port "$i")
bind 127.0.0.1
protected-mode no
daemonize yes
pidfile $VAR/sentinel-$i.pid
logfile $d/sentinel.log
dir $d
sentinel resolve-hostnames no
sentinel monitor $MASTER_NAME 127.0.0.1 $REDIS_MASTER_PORT 2
sentinel down-after-milliseconds $MASTER_NAME 1000
sentinel failover-timeout $MASTER_NAME 5000
sentinel parallel-syncs $MASTER_NAME 1
CONF
    redis-sentinel "$d/sentinel.conf" >/dev/null
    wait_for 20 redis-cli -p "$(sentinel_port "$i")" ping || { log "sentinel $i did not start"; return 1; }
}

current_master_port() {
    local i
    [ "$SINGLE" = 1 ] && { echo $REDIS_MASTER_PORT; return 0; }
    for i in 1 2 3; do
        redis-cli -p "$(sentinel_port "$i")" SENTINEL get-master-addr-by-name $MASTER_NAME 2>/dev/null \
            | sed -n 2p && return 0
    done
}

# ---------------------------------------------------------------- summitd and HAProxy
hosts_from() { # first node -> "ip:port,..." starting there
    local first=$1 out="" k n
    for k in $(seq 0 $((N - 1))); do
        n=$(( (first - 1 + k) % N + 1 ))
        out+="${out:+,}127.0.0.1:$(sql_port $n)"
    done
    echo "$out"
}

write_summitd_conf() {
    local i=$1
    cat > "$VAR/summitd-$i.conf" <<CONF
# summitd instance $i of the loopback cluster (scripts/cluster.sh): prefers galera-$i.
listen = 127.0.0.1:$(summitd_port "$i")
threads = 2
workers = 16
access_log = false
mysql_hosts = $(hosts_from "$i")
mysql_user = summitd
mysql_password = summitd
mysql_database = $DB
mysql_connect_timeout_s = 1
mysql_rw_timeout_s = 5
mysql_sync_wait = $SYNC_WAIT
$(if [ "$SINGLE" = 1 ]; then
    echo "redis_host = 127.0.0.1"; echo "redis_port = $REDIS_MASTER_PORT"
else
    echo "redis_sentinels = 127.0.0.1:$(sentinel_port 1),127.0.0.1:$(sentinel_port 2),127.0.0.1:$(sentinel_port 3)"
    echo "redis_master_name = $MASTER_NAME"
fi)
redis_timeout_ms = 500
trusted_proxies = 127.0.0.1/32
password_cost = $COST
admin_email = $ADMIN_EMAIL
admin_password = $ADMIN_PASSWORD
${CLUSTER_SUMMITD_EXTRA:-}
CONF
}

start_summitd() {
    local i=$1
    alive "$VAR/summitd-$i.pid" && return 0
    write_summitd_conf "$i"
    setsid "$BIN" --config "$VAR/summitd-$i.conf" </dev/null >>"$VAR/summitd-$i.log" 2>&1 &
    echo $! > "$VAR/summitd-$i.pid"
}

summitd_ready() { curl -fs "http://127.0.0.1:$(summitd_port "$1")/readyz" >/dev/null; }

start_haproxy() {
    alive "$VAR/haproxy.pid" && return 0
    cat > "$VAR/haproxy.cfg" <<CFG
# HAProxy in front of the three summitd instances (scripts/cluster.sh).
global
    maxconn 4096
    log stdout format raw local0 warning
defaults
    mode http
    log global
    option dontlognull
    timeout connect 1s
    timeout client 30s
    timeout server 30s
    timeout http-keep-alive 10s
    # a connection that fails is tried again on another server; a request that reached
    # summitd is never sent twice (a POST may have committed)
    retries 2
    option redispatch
    # HAProxy's own errors in summitd's envelope, 503 with Retry-After (no instance ready: e.g.
    # all of them lost Redis at once during a Sentinel failover)
    errorfile 502 $VAR/haproxy-502.http
    errorfile 503 $VAR/haproxy-503.http
    errorfile 504 $VAR/haproxy-504.http
frontend api
    bind 127.0.0.1:$LB_PORT
    option forwardfor
    default_backend summitd
backend summitd
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter 500ms fall 2 rise 2
$(for i in 1 2 3; do echo "    server summitd-$i 127.0.0.1:$(summitd_port $i) check"; done)
    # When every instance fails /readyz at once (a dependency they share is away, e.g. Redis
    # during a failover), send to all of them anyway: each answers 503 + Retry-After itself and
    # serves again the moment the dependency is back, without waiting for 'rise'.
    option allbackups
$(for i in 1 2 3; do echo "    server summitd-$i-all 127.0.0.1:$(summitd_port $i) backup"; done)
CFG
    local code
    for code in 502 503 504; do
        local msg="no summitd instance is ready" status="503 Service Unavailable"
        [ $code = 502 ] && msg="summitd gave no valid response" status="502 Bad Gateway"
        [ $code = 504 ] && msg="summitd did not answer in time" status="504 Gateway Timeout"
        local body="{\"error\":{\"code\":\"unavailable\",\"message\":\"$msg\"}}"
        printf 'HTTP/1.1 %s\r\nContent-Type: application/json\r\nRetry-After: 1\r\nCache-Control: no-store\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
            "$status" "${#body}" "$body" > "$VAR/haproxy-$code.http"
    done
    haproxy -c -q -f "$VAR/haproxy.cfg"
    haproxy -D -p "$VAR/haproxy.pid" -f "$VAR/haproxy.cfg" >>"$VAR/haproxy.log" 2>&1
    wait_for 20 curl -fs "http://127.0.0.1:$LB_PORT/readyz" || { log "haproxy does not answer"; return 1; }
}

# ---------------------------------------------------------------- whole cluster
need_packages() {
    scripts/deps.sh galera-4 rsync redis-sentinel haproxy
    [ -x "$BIN" ] || { log "no summitd at $BIN (make build/summitd)"; return 1; }
}

start_all() {
    local t0=$SECONDS
    need_packages
    if [ "${CLUSTER_KEEP:-0}" != 1 ]; then
        stop_all 2>/dev/null || true
        rm -rf "$VAR" "$ALT"
        PHYS=$VAR
    fi
    mkdir -p "$VAR"
    chmod o+x "$VAR" "$(dirname "$VAR")" 2>/dev/null || true
    if [ ! -d "$VAR/galera-1" ] && ! runuser -u mysql -- test -x "$VAR" 2>/dev/null; then
        log "the mysql user cannot reach $VAR (a directory above it is private): node data in $ALT, linked from ${VAR#"$ROOT"/}/galera-N"
        mkdir -p "$ALT"
        chmod 755 "$ALT"
        PHYS=$ALT
        for n in $(seq 1 $N); do
            mkdir -p "$ALT/galera-$n"
            ln -sfn "$ALT/galera-$n" "$VAR/galera-$n"
        done
    fi
    for n in $(seq 1 $N); do write_cnf "$n"; done
    if [ -f "$(node_dir 1)/data/grastate.dat" ] || [ -f "$(node_dir 2)/data/grastate.dat" ]; then
        bootstrap_existing
    else
        bootstrap_fresh
    fi
    start_redis master $REDIS_MASTER_PORT
    if [ "$SINGLE" = 1 ]; then
        log "one MariaDB (no Galera), one Redis (no Sentinel)"
    else
        log "Galera: $(sql 1 -N -B -e "SHOW GLOBAL STATUS LIKE 'wsrep_cluster_size'" | cut -f2) nodes synced"
        start_redis replica $REDIS_REPLICA_PORT $REDIS_MASTER_PORT
        for i in 1 2 3; do start_sentinel "$i"; done
    fi
    if [ "${CLUSTER_SUMMITD:-1}" = 1 ]; then
        # All three at once, each on its own node: migrations must serialize by themselves.
        for i in 1 2 3; do start_summitd "$i"; done
        for i in 1 2 3; do
            if ! wait_for 90 summitd_ready "$i"; then
                log "summitd-$i is not ready; see $VAR/summitd-$i.log"
                tail -20 "$VAR/summitd-$i.log" >&2
                return 1
            fi
        done
        start_haproxy
    fi
    log "up in $((SECONDS - t0)) s"
}

stop_summitd() {
    local i
    for i in 1 2 3; do
        alive "$VAR/summitd-$i.pid" && kill "$(cat "$VAR/summitd-$i.pid")" 2>/dev/null || true
    done
    for i in 1 2 3; do wait_gone "$VAR/summitd-$i.pid" 20 || kill -9 "$(cat "$VAR/summitd-$i.pid")" 2>/dev/null || true; done
}

restart_summitd() { # new configuration (e.g. CLUSTER_SYNC_WAIT) for the three instances
    stop_summitd
    for i in 1 2 3; do start_summitd "$i"; done
    for i in 1 2 3; do wait_for 90 summitd_ready "$i" || { log "summitd-$i is not ready"; return 1; }; done
    wait_for 20 curl -fs "http://127.0.0.1:$LB_PORT/readyz"
}

stop_all() {
    local i
    for i in 1 2 3; do
        alive "$VAR/summitd-$i.pid" && kill "$(cat "$VAR/summitd-$i.pid")" 2>/dev/null || true
    done
    for i in 1 2 3; do wait_gone "$VAR/summitd-$i.pid" 20 || kill -9 "$(cat "$VAR/summitd-$i.pid")" 2>/dev/null || true; done
    if alive "$VAR/haproxy.pid"; then kill "$(cat "$VAR/haproxy.pid")" 2>/dev/null || true; fi
    for p in "$VAR"/sentinel-*.pid "$(redis_pid replica)" "$(redis_pid master)"; do
        alive "$p" && kill "$(cat "$p")" 2>/dev/null || true
    done
    # Galera: the last node stopped is the one to bootstrap from next time (safe_to_bootstrap).
    for n in 3 2 1; do [ -d "$(node_dir "$n")" ] && stop_node "$n"; done
    for p in "$VAR"/sentinel-*.pid "$(redis_pid replica)" "$(redis_pid master)" "$VAR/haproxy.pid"; do
        wait_gone "$p" 10 || kill -9 "$(cat "$p")" 2>/dev/null || true
    done
}

topology() {
    local n i st master
    echo "summitd cluster on loopback (state under ${VAR#"$ROOT"/}/)"
    echo "  load balancer  HAProxy  http://127.0.0.1:$LB_PORT  (roundrobin, health check GET /readyz every 500 ms)"
    for i in 1 2 3; do
        st=$(curl -s "http://127.0.0.1:$(summitd_port "$i")/readyz" | jq -r '"\(.status // "not ready") on \(.mysql_endpoint // "-")"' 2>/dev/null || echo down)
        echo "  summitd-$i      http://127.0.0.1:$(summitd_port "$i")  mysql_hosts $(hosts_from "$i")  ($st)"
    done
    for n in 1 2 3; do
        st=$(node_state "$n" || true)
        echo "  galera-$n       mysql 127.0.0.1:$(sql_port "$n")  gmcast $(gm_port "$n")  IST $(ist_port "$n")  SST $(sst_port "$n")  (${st:-down})"
    done
    master=$(current_master_port || true)
    echo "  redis          master 127.0.0.1:${master:-?}  (started: master $REDIS_MASTER_PORT, replica $REDIS_REPLICA_PORT)"
    echo "  sentinels      127.0.0.1:$(sentinel_port 1),$(sentinel_port 2),$(sentinel_port 3)  (master name $MASTER_NAME, quorum 2)"
}

# What a failed check needs to tell a stall from a crash, with wall-clock times to set beside the
# check's own: each node's membership changes (suspicions, views, primary or not, state changes)
# and the last lines of each summitd's log.
show_logs() {
    local n f
    for n in $(seq 1 $N); do
        f=$(node_dir "$n")/error.log
        [ -f "$f" ] || continue
        echo "---- galera-$n: membership and state (last 40 of $f)"
        grep -aE "suspect|declaring|inactive|view\(|non-Primary|New cluster view|Shifting|STATE|gcomm|isolate|Flow-control|timed out" "$f" \
            | tail -40 || true
    done
    for n in $(seq 1 $N); do
        f=$VAR/summitd-$n.log
        [ -f "$f" ] || continue
        echo "---- summitd-$n (last 25 of $f)"
        tail -25 "$f"
    done
}

case "${1:-}" in
start) start_all ;;
up)
    trap 'echo; log "stopping"; stop_all; exit 0' INT TERM
    start_all
    SUMMITD_URL="http://127.0.0.1:$LB_PORT" DEMO_CONFIG="$VAR/summitd-1.conf" scripts/demo.sh
    topology
    cat <<MSG

Admin: $ADMIN_EMAIL / $ADMIN_PASSWORD; demo logins as make run prints them (password demo-password).
Logs: ${VAR#"$ROOT"/}/summitd-N.log, galera-N/error.log, redis-*/redis.log, sentinel-N/sentinel.log
Try: scripts/cluster.sh kill-node 2; scripts/cluster.sh restart-node 2; scripts/cluster.sh topology
Ctrl-C stops everything this started (or: make cluster-stop).
MSG
    while true; do sleep 1; done
    ;;
stop) stop_all ;;
restart-summitd) restart_summitd ;;
status | topology) topology ;;
kill-node) kill_node "$2" ;;
restart-node) restart_node "$2" ;;
stop-node) stop_node "$2" ;;
kill-redis-master)
    port=$(current_master_port)
    for name in master replica; do
        p=$(redis_pid "$name")
        if alive "$p" && [ "$(redis-cli -p "$([ $name = master ] && echo $REDIS_MASTER_PORT || echo $REDIS_REPLICA_PORT)" ROLE 2>/dev/null | head -1)" = master ]; then
            kill -9 "$(cat "$p")"
            wait_gone "$p" 10 || true
            echo "$name:$port"
        fi
    done
    ;;
restart-redis) # name (master|replica): back as a replica of whoever is master now
    start_redis "$2" "$([ "$2" = master ] && echo $REDIS_MASTER_PORT || echo $REDIS_REPLICA_PORT)" "$(current_master_port)" ;;
master-port) current_master_port ;;
wait-synced)
    for n in 1 2 3; do wait_for 180 node_synced "$n" || { log "galera-$n not synced"; exit 1; }; done ;;
sql) n=$2; shift 2; sql "$n" "$@" ;;
logs) show_logs ;;
*) echo "usage: $0 up|start|stop|status|logs|kill-node N|restart-node N|kill-redis-master|restart-redis NAME|wait-synced|sql N ..." >&2; exit 2 ;;
esac
