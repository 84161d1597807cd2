/* The database floor of `make bench`: seat reservations driven straight against MariaDB over
 * Connector/C, C threads each owning one connection (like summitd's workers), no HTTP.
 *
 *   floor_db setup   CONN...             creates the procedure and 101 sessions (1..100 + hot 101)
 *   floor_db run     CONN... MODE SESSIONS CONC SECONDS
 *
 * CONN is HOST PORT USER PASSWORD DATABASE (a scratch database holding the tables of
 * sql/0002_events.sql, loaded by bench/run.sh). MODE:
 *   proc  one round trip: CALL bench_register(session, user, code), a stored procedure doing the
 *         guarded `UPDATE sessions … WHERE confirmed_count < capacity`, the INSERT and COMMIT;
 *   procn the same procedure writing also what a registration's notices write since issue 13: a
 *         feed row (notifications) and an e-mail outbox row, with summitd's notice document
 *         (notice_data), in the same round trip: the floor for the work summitd does, as the
 *         event floor serves the event page's size;
 *   seq   summitd's own statement sequence for a registration (handlers/registrations.c), one
 *         round trip per statement (see SEQ below).
 * SESSIONS is 100 (spread over sessions 1..100) or 1 (everyone on session 101).
 * Prints one JSON line: {"mode","sessions","conc","tx","seconds","tps","p50_ms","p99_ms",
 * "errors","retries"}. Deadlocks and lock-wait timeouts are retried like db_tx does. */
#include <errno.h>
#include <mysql.h>
#include <mysqld_error.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HIST_US 10    /* bucket width */
#define HIST_N 200000 /* 2 s of buckets; later ones land in the last */
#define HOT_SESSION 101

struct conn_args {
    const char *host, *user, *password, *db;
    unsigned port;
};

struct thr {
    int idx;
    pthread_t th;
    long tx, errors, retries;
    uint32_t *hist;
};

static struct conn_args ca;
static int mode_proc, mode_notices, nsessions;
static int64_t deadline_us;
static atomic_long next_k;

/* summitd's registration, statement by statement, as handlers/registrations.c does it for a
 * confirmed seat (keep in step when it changes): one transaction: the INSERT, the guarded UPDATE
 * taking the session row lock, COMMIT (the session's event id is remembered per worker thread,
 * so the warm path reads nothing before the transaction). Each
 * entry is one round trip. `args` names what each placeholder binds: s = session id, u = user
 * id, c = check-in code, n = now (DATETIME text); NULL = a plain query. */
struct seq_stmt {
    const char *sql;
    const char *args;
    int must_find_row; /* the statement must return (SELECT) or change (UPDATE) one row */
};
static const struct seq_stmt SEQ[] = {
    {"START TRANSACTION", NULL, 0},
    {"INSERT INTO registrations (session_id, user_id, active_user_id, status,"
     " waitlist_position, checkin_code, created_at, updated_at)"
     " VALUES (?, ?, ?, 'confirmed', NULL, ?, ?, ?)",
     "suucnn", 0},
    {"UPDATE sessions SET confirmed_count = confirmed_count + 1 WHERE id = ?"
     " AND confirmed_count < capacity AND waitlist_count = 0"
     " AND (registration_opens_at IS NULL OR registration_opens_at <= ?)"
     " AND COALESCE(registration_closes_at, ends_at) > ?"
     " AND EXISTS (SELECT 1 FROM events e WHERE e.id = sessions.event_id"
     " AND e.status = 'published')",
     "snn", 1},
    {"COMMIT", NULL, 0},
};
#define NSEQ (sizeof(SEQ) / sizeof(SEQ[0]))

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static MYSQL *conn(void)
{
    MYSQL *m = mysql_init(NULL);
    unsigned t = 10;
    mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &t);
    mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &t);
    mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &t);
    mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    if (!mysql_real_connect(m, ca.host, ca.user, ca.password, ca.db, ca.port, NULL,
                            CLIENT_MULTI_RESULTS | CLIENT_FOUND_ROWS)) {
        fprintf(stderr, "floor_db: connect: %s\n", mysql_error(m));
        mysql_close(m);
        return NULL;
    }
    return m;
}

static int query(MYSQL *m, const char *sql)
{
    if (mysql_query(m, sql) != 0) {
        fprintf(stderr, "floor_db: %s: %s\n", sql, mysql_error(m));
        return -1;
    }
    do {
        MYSQL_RES *r = mysql_store_result(m);
        if (r)
            mysql_free_result(r);
    } while (mysql_next_result(m) == 0);
    return 0;
}

/* The registration both procedures make: the guarded counter, then the row. */
#define REGISTER_BODY                                                                              \
    "BEGIN\n"                                                                                      \
    "  DECLARE EXIT HANDLER FOR SQLEXCEPTION BEGIN ROLLBACK; RESIGNAL; END;\n"                     \
    "  START TRANSACTION;\n"                                                                       \
    "  UPDATE sessions SET confirmed_count = confirmed_count + 1\n"                                \
    "   WHERE id = p_session AND confirmed_count < capacity;\n"                                    \
    "  IF ROW_COUNT() = 0 THEN\n"                                                                  \
    "    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'session_full';\n"                             \
    "  END IF;\n"                                                                                  \
    "  INSERT INTO registrations (session_id, user_id, active_user_id, status,\n"                  \
    "    waitlist_position, checkin_code, created_at, updated_at)\n"                               \
    "   VALUES (p_session, p_user, p_user, 'confirmed', NULL, p_code, UTC_TIMESTAMP(),\n"          \
    "    UTC_TIMESTAMP());\n"

static int setup(void)
{
    MYSQL *m = conn();
    if (!m)
        return 1;
    static const char *const stmts[] = {
        "DROP PROCEDURE IF EXISTS bench_register",
        "CREATE PROCEDURE bench_register(IN p_session BIGINT, IN p_user BIGINT, "
        "IN p_code VARCHAR(32))\n"
        REGISTER_BODY
        "  COMMIT;\n"
        "END",
        "DROP PROCEDURE IF EXISTS bench_register_n",
        "CREATE PROCEDURE bench_register_n(IN p_session BIGINT, IN p_user BIGINT, "
        "IN p_code VARCHAR(32), IN p_data TEXT)\n"
        REGISTER_BODY
        "  INSERT INTO notifications (user_id, type, event_id, data, created_at)\n"
        "   VALUES (p_user, 'registration.confirmed', 1, p_data, UTC_TIMESTAMP(3));\n"
        "  INSERT INTO outbox (msg_id, channel, type, user_id, event_id, payload, status,\n"
        "    attempts, next_at, created_at)\n"
        "   VALUES (CONCAT(p_code, '.u', p_user), 'email', 'registration.confirmed', p_user, 1,\n"
        "    CONCAT('{\"type\": \"registration.confirmed\", \"data\": ', p_data, '}'), 'pending', 0,\n"
        "    UTC_TIMESTAMP(3), UTC_TIMESTAMP(3));\n"
        "  COMMIT;\n"
        "END",
        /* the tables of sql/0018_notify.sql that a registration writes (no other statement
         * there applies to this scratch database) */
        "CREATE TABLE IF NOT EXISTS notifications (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
        " user_id BIGINT NOT NULL, type VARCHAR(40) NOT NULL, event_id BIGINT NULL,"
        " data LONGTEXT NOT NULL, created_at DATETIME(3) NOT NULL,"
        " KEY ix_notifications_user (user_id, id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
        " COLLATE=utf8mb4_unicode_ci",
        "CREATE TABLE IF NOT EXISTS outbox (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
        " msg_id VARCHAR(64) NOT NULL, channel VARCHAR(8) NOT NULL, type VARCHAR(40) NOT NULL,"
        " user_id BIGINT NULL, endpoint_id BIGINT NULL, notification_id BIGINT NULL,"
        " event_id BIGINT NULL, payload LONGTEXT NOT NULL,"
        " status VARCHAR(8) NOT NULL DEFAULT 'pending', attempts INT NOT NULL DEFAULT 0,"
        " next_at DATETIME(3) NOT NULL, last_error VARCHAR(500) NULL,"
        " created_at DATETIME(3) NOT NULL, sent_at DATETIME(3) NULL,"
        " UNIQUE KEY uq_outbox_msg (msg_id), KEY ix_outbox_due (status, next_at),"
        " KEY ix_outbox_endpoint (endpoint_id, id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
        " COLLATE=utf8mb4_unicode_ci",
        "DELETE FROM registrations",
        "DELETE FROM sessions",
        "DELETE FROM events",
        "INSERT INTO events (id, organizer_id, title, kind, city, venue, description, starts_at, "
        "ends_at, status, created_at, updated_at) VALUES (1, 1, 'floor', 'summit', 'c', 'v', '', "
        "'2030-01-01', '2030-01-02', 'published', UTC_TIMESTAMP(), UTC_TIMESTAMP())",
        "INSERT INTO sessions (id, event_id, title, kind, room, starts_at, ends_at, capacity, "
        "waitlist, created_at) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
        "WHERE i < 101) SELECT i, 1, CONCAT('floor ', i), 'forum', 'A', '2030-01-01', "
        "'2030-01-02', 100000000, 0, UTC_TIMESTAMP() FROM n",
    };
    int rc = 0;
    for (size_t i = 0; i < sizeof(stmts) / sizeof(stmts[0]) && rc == 0; i++)
        rc = query(m, stmts[i]);
    mysql_close(m);
    return rc ? 1 : 0;
}

static int retryable(unsigned e)
{
    return e == ER_LOCK_DEADLOCK || e == ER_LOCK_WAIT_TIMEOUT;
}

/* One registration via the procedure: returns 0, 1 (retry) or -1. */
/* A registration notice's JSON as summitd writes it (the feed row's data; the outbox payload
 * wraps it in {"type", "data"}), a row copied from the bench's database: about 300 bytes. */
static const char notice_data[] =
    "{\"session\": {\"id\": 101, \"title\": \"热门主论坛\", \"starts_at\": \"2027-01-05T03:49:19Z\","
    " \"ends_at\": \"2027-01-05T05:49:19Z\", \"room\": \"主会场\"}, \"event\": {\"id\": 1,"
    " \"title\": \"基准测试峰会\", \"time_zone\": \"Asia/Shanghai\"}, \"registration\":"
    " {\"id\": 15781, \"status\": \"confirmed\", \"waitlist_position\": null}}";

static int tx_proc(MYSQL *m, MYSQL_STMT *st, long long session, long long user, const char *code)
{
    MYSQL_BIND b[4];
    memset(b, 0, sizeof(b));
    b[0].buffer_type = MYSQL_TYPE_LONGLONG;
    b[0].buffer = &session;
    b[1].buffer_type = MYSQL_TYPE_LONGLONG;
    b[1].buffer = &user;
    unsigned long clen = strlen(code);
    b[2].buffer_type = MYSQL_TYPE_STRING;
    b[2].buffer = (void *)code;
    b[2].buffer_length = clen;
    b[2].length = &clen;
    unsigned long dlen = sizeof(notice_data) - 1;
    b[3].buffer_type = MYSQL_TYPE_STRING;
    b[3].buffer = (void *)notice_data;
    b[3].buffer_length = dlen;
    b[3].length = &dlen;
    if (mysql_stmt_bind_param(st, b) != 0 || mysql_stmt_execute(st) != 0) {
        unsigned e = mysql_stmt_errno(st);
        if (!retryable(e))
            fprintf(stderr, "floor_db: CALL: %s\n", mysql_stmt_error(st));
        return retryable(e) ? 1 : -1;
    }
    while (mysql_stmt_next_result(st) == 0)
        ;
    (void)m;
    return 0;
}

/* One registration as summitd's statement sequence. */
static int tx_seq(MYSQL *m, MYSQL_STMT **st, long long session, long long user, const char *code)
{
    for (size_t i = 0; i < NSEQ; i++) {
        if (!SEQ[i].args) { /* START TRANSACTION / COMMIT: plain queries, as db_tx does */
            if (mysql_query(m, SEQ[i].sql) != 0) {
                unsigned e = mysql_errno(m);
                if (!retryable(e))
                    fprintf(stderr, "floor_db: %s: %s\n", SEQ[i].sql, mysql_error(m));
                mysql_query(m, "ROLLBACK");
                return retryable(e) ? 1 : -1;
            }
            continue;
        }
        MYSQL_BIND b[8];
        memset(b, 0, sizeof(b));
        char now[32];
        time_t tnow = time(NULL);
        struct tm tm;
        gmtime_r(&tnow, &tm);
        strftime(now, sizeof(now), "%Y-%m-%d %H:%M:%S", &tm);
        unsigned long clen = strlen(code), nlen = strlen(now);
        for (size_t j = 0; SEQ[i].args[j] && j < 8; j++) {
            char a = SEQ[i].args[j];
            if (a == 'c' || a == 'n') {
                b[j].buffer_type = MYSQL_TYPE_STRING;
                b[j].buffer = a == 'c' ? (void *)code : now;
                b[j].buffer_length = a == 'c' ? clen : nlen;
                b[j].length = a == 'c' ? &clen : &nlen;
            } else {
                b[j].buffer_type = MYSQL_TYPE_LONGLONG;
                b[j].buffer = a == 's' ? &session : &user;
            }
        }
        if (mysql_stmt_bind_param(st[i], b) != 0 || mysql_stmt_execute(st[i]) != 0 ||
            (mysql_stmt_field_count(st[i]) > 0 && mysql_stmt_store_result(st[i]) != 0)) {
            unsigned e = mysql_stmt_errno(st[i]);
            if (!retryable(e))
                fprintf(stderr, "floor_db: %s: %s\n", SEQ[i].sql, mysql_stmt_error(st[i]));
            mysql_query(m, "ROLLBACK");
            return retryable(e) ? 1 : -1;
        }
        int bad = 0;
        if (mysql_stmt_field_count(st[i]) > 0) {
            bad = SEQ[i].must_find_row && mysql_stmt_num_rows(st[i]) != 1;
            mysql_stmt_free_result(st[i]);
        } else {
            bad = SEQ[i].must_find_row && mysql_stmt_affected_rows(st[i]) != 1;
        }
        if (bad) {
            fprintf(stderr, "floor_db: %s: no row\n", SEQ[i].sql);
            mysql_query(m, "ROLLBACK");
            return -1;
        }
    }
    return 0;
}

static void *run_thread(void *arg)
{
    struct thr *t = arg;
    MYSQL *m = conn();
    if (!m) {
        t->errors++;
        return NULL;
    }
    MYSQL_STMT *st[NSEQ] = {0};
    MYSQL_STMT *call = NULL;
    if (mode_proc) {
        call = mysql_stmt_init(m);
        const char *q = mode_notices ? "CALL bench_register_n(?, ?, ?, ?)"
                                     : "CALL bench_register(?, ?, ?)"; /* binds the first 3 */
        if (mysql_stmt_prepare(call, q, strlen(q)) != 0) {
            fprintf(stderr, "floor_db: prepare CALL: %s\n", mysql_stmt_error(call));
            t->errors++;
            goto out;
        }
    } else {
        for (size_t i = 0; i < NSEQ; i++) {
            if (!SEQ[i].args)
                continue;
            st[i] = mysql_stmt_init(m);
            if (mysql_stmt_prepare(st[i], SEQ[i].sql, strlen(SEQ[i].sql)) != 0) {
                fprintf(stderr, "floor_db: prepare %s: %s\n", SEQ[i].sql, mysql_stmt_error(st[i]));
                t->errors++;
                goto out;
            }
        }
    }
    while (now_us() < deadline_us) {
        long k = atomic_fetch_add(&next_k, 1);
        long long session = nsessions == 1 ? HOT_SESSION : 1 + k % 100;
        long long user = k + 1;
        char code[32];
        snprintf(code, sizeof(code), "f%ld", k);
        int64_t t0 = now_us();
        int rc;
        int tries = 0;
        do {
            rc = mode_proc ? tx_proc(m, call, session, user, code)
                           : tx_seq(m, st, session, user, code);
            if (rc == 1)
                t->retries++;
        } while (rc == 1 && ++tries < 10);
        int64_t us = now_us() - t0;
        if (rc != 0) {
            t->errors++;
            if (t->errors > 100)
                break; /* something is broken; do not spin */
            continue;
        }
        t->tx++;
        long b = us / HIST_US;
        t->hist[b < HIST_N ? b : HIST_N - 1]++;
    }
out:
    if (call)
        mysql_stmt_close(call);
    for (size_t i = 0; i < NSEQ; i++)
        if (st[i])
            mysql_stmt_close(st[i]);
    mysql_close(m);
    mysql_thread_end();
    return NULL;
}

static double pct(const uint64_t *h, uint64_t total, double p)
{
    uint64_t want = (uint64_t)(p * (double)total), seen = 0;
    for (long i = 0; i < HIST_N; i++) {
        seen += h[i];
        if (seen > want)
            return (double)(i * HIST_US + HIST_US / 2) / 1000.0;
    }
    return (double)HIST_N * HIST_US / 1000.0;
}

static int run(const char *mode, int sessions, int nconc, int seconds)
{
    mode_notices = strcmp(mode, "procn") == 0;
    mode_proc = mode_notices || strcmp(mode, "proc") == 0;
    nsessions = sessions;
    MYSQL *m = conn();
    if (!m)
        return 1;
    /* Each run starts from the same state: no registrations, counters zero. */
    if (query(m, "DELETE FROM registrations") || query(m, "DELETE FROM notifications") ||
        query(m, "DELETE FROM outbox") ||
        query(m, "UPDATE sessions SET confirmed_count = 0"))
        return 1;
    mysql_close(m);
    struct thr *t = calloc((size_t)nconc, sizeof(*t));
    int64_t start = now_us();
    deadline_us = start + (int64_t)seconds * 1000000;
    for (int i = 0; i < nconc; i++) {
        t[i].idx = i;
        t[i].hist = calloc(HIST_N, sizeof(uint32_t));
        pthread_create(&t[i].th, NULL, run_thread, &t[i]);
    }
    uint64_t *h = calloc(HIST_N, sizeof(uint64_t));
    long tx = 0, errors = 0, retries = 0;
    for (int i = 0; i < nconc; i++) {
        pthread_join(t[i].th, NULL);
        tx += t[i].tx;
        errors += t[i].errors;
        retries += t[i].retries;
        for (long j = 0; j < HIST_N; j++)
            h[j] += t[i].hist[j];
        free(t[i].hist);
    }
    double secs = (double)(now_us() - start) / 1e6;
    printf("{\"mode\":\"%s\",\"sessions\":%d,\"conc\":%d,\"tx\":%ld,\"seconds\":%.2f,"
           "\"tps\":%.1f,\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"errors\":%ld,\"retries\":%ld}\n",
           mode, sessions, nconc, tx, secs, (double)tx / secs, pct(h, (uint64_t)tx, 0.50),
           pct(h, (uint64_t)tx, 0.99), errors, retries);
    free(h);
    free(t);
    return errors ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc < 7) {
        fprintf(stderr,
                "usage: %s setup|run HOST PORT USER PASSWORD DB [MODE SESSIONS CONC "
                "SECONDS]\n",
                argv[0]);
        return 2;
    }
    ca.host = argv[2];
    ca.port = (unsigned)atoi(argv[3]);
    ca.user = argv[4];
    ca.password = argv[5];
    ca.db = argv[6];
    if (mysql_library_init(0, NULL, NULL) != 0)
        return 1;
    int rc;
    if (strcmp(argv[1], "setup") == 0) {
        rc = setup();
    } else if (strcmp(argv[1], "run") == 0 && argc == 11) {
        int sessions = atoi(argv[8]), conc = atoi(argv[9]), secs = atoi(argv[10]);
        if ((strcmp(argv[7], "proc") != 0 && strcmp(argv[7], "procn") != 0 &&
             strcmp(argv[7], "seq") != 0) ||
            (sessions != 1 && sessions != 100) || conc < 1 || conc > 512 || secs < 1 ||
            secs > 600) {
            fprintf(stderr, "floor_db: bad run arguments\n");
            return 2;
        }
        rc = run(argv[7], sessions, conc, secs);
    } else {
        fprintf(stderr, "floor_db: bad arguments\n");
        rc = 2;
    }
    mysql_library_end();
    return rc;
}
