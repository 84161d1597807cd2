# Shared by the bench drivers (bench/run.sh, spike.sh, notify.sh): sourced, not run.

free_port() { # first port from $1 nobody listens on
    local p=$1
    while (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; do p=$((p + 1)); done
    echo "$p"
}

# The configuration of a bench's summitd: bench_conf FILE PORT DATABASE REDIS_PREFIX NAME, with
# THREADS, WORKERS, MYSQL_PORT and REDIS_PORT from the caller; lines on stdin are appended.
# Notices are written (each registration's feed and outbox rows) but not delivered: the bench
# has no mail server, and an undeliverable row retried would bill its UPDATEs to the scenarios.
# Delivery is measured on its own (bench/notify.sh, make bench-webhooks). BENCH_NOTICES=0 turns
# notices off (notify_enabled = false): what a registration costs without its two notice rows.
bench_conf() {
    {
        cat <<CONF
listen = 127.0.0.1:$2
threads = $THREADS
workers = $WORKERS
access_log = false
log_level = warn
mysql_host = 127.0.0.1
mysql_port = $MYSQL_PORT
mysql_user = summitd
mysql_password = summitd
mysql_database = $3
redis_host = 127.0.0.1
redis_port = $REDIS_PORT
redis_prefix = $4
admin_email = admin@$5.example
admin_password = $5-admin-password
notify_dispatch = false
notify_enabled = $([ "${BENCH_NOTICES:-1}" = 0 ] && echo false || echo true)
CONF
        cat
    } > "$1"
}
