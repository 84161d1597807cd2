#include "server/config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "server/netaddr.h"

enum cfg_type { CFG_STR, CFG_INT, CFG_BOOL, CFG_DOUBLE };

struct cfg_key {
    const char *name;
    enum cfg_type type;
    size_t offset;
    const char *def;
    double min, max;
    const char *help;
};

#define K(name, type, def, min, max, help)                                                         \
    {                                                                                              \
#name, type, offsetof(struct config, name), def, min, max, help                            \
    }

/* The one table: drives defaults, the file parser, SUMMITD_<KEY> overrides and the example. */
static const struct cfg_key keys[] = {
    K(listen, CFG_STR, "127.0.0.1:8080", 0, 0, "address to serve HTTP on, IP:PORT"),
    K(threads, CFG_INT, "2", 1, 64, "event-loop threads (HTTP parsing, routing, replies)"),
    K(workers, CFG_INT, "16", 1, 512,
      "worker threads; each owns one MySQL and one Redis connection"),
    K(registration_batch_max, CFG_INT, "64", 1, 64,
      "registrations for one session that arrive while a transaction for it is in flight are"
      " combined into one transaction of at most this many (1: off, each request runs its own"
      " transaction at once)"),
    K(queue_max, CFG_INT, "4096", 1, 1000000,
      "jobs waiting for a worker before new requests get 503"),
    K(max_body_bytes, CFG_INT, "65536", 1024, 16777216, "largest request body accepted (413)"),
    K(idle_timeout_s, CFG_INT, "60", 1, 3600, "idle or slow client connections are dropped"),
    K(shutdown_timeout_s, CFG_INT, "10", 0, 600, "how long SIGTERM waits for in-flight requests"),
    K(log_level, CFG_STR, "info", 0, 0, "error | warn | info | debug"),
    K(access_log, CFG_BOOL, "true", 0, 0, "one log line per request"),
    K(mysql_host, CFG_STR, "127.0.0.1", 0, 0, "MySQL/MariaDB server IP (not a name)"),
    K(mysql_port, CFG_INT, "3306", 1, 65535, "MySQL port"),
    K(mysql_socket, CFG_STR, "", 0, 0, "unix socket; when set it is used instead of host/port"),
    K(mysql_user, CFG_STR, "summitd", 0, 0, "MySQL user"),
    K(mysql_password, CFG_STR, "", 0, 0, "MySQL password"),
    K(mysql_database, CFG_STR, "summitd", 0, 0, "MySQL database"),
    K(mysql_connect_timeout_s, CFG_INT, "2", 1, 60, "MySQL connect timeout"),
    K(mysql_rw_timeout_s, CFG_INT, "10", 1, 600, "MySQL read and write timeout"),
    K(mysql_hosts, CFG_STR, "", 0, 0,
      "several database endpoints, IP:PORT,IP:PORT,... in order of preference (a Galera"
      " cluster's nodes); empty: mysql_host and mysql_port. A connection whose node dies or"
      " leaves the primary component (wsrep_ready=OFF) is dropped and the next endpoint tried;"
      " the instance returns to a preferred endpoint when it is back"),
    K(mysql_sync_wait, CFG_INT, "0", 0, 15,
      "Galera causal reads: wsrep_sync_wait on every connection (1: reads and BEGIN wait until"
      " the node has applied every commit the cluster made before them); 0: not set (plain"
      " MySQL/MariaDB)"),
    K(mysql_tx_tries, CFG_INT, "20", 1, 100,
      "attempts of a transaction (and of a lone statement) that hit a deadlock, a lock wait"
      " timeout or a Galera certification conflict"),
    K(mysql_retry_max_ms, CFG_INT, "100", 1, 10000,
      "longest pause between two such attempts (exponential from 1 ms, full jitter)"),
    K(mysql_failback_s, CFG_INT, "5", 1, 3600,
      "how often a connection on a less preferred endpoint checks whether a preferred one is"
      " back"),
    K(redis_host, CFG_STR, "127.0.0.1", 0, 0, "Redis server IP (not a name)"),
    K(redis_port, CFG_INT, "6379", 1, 65535, "Redis port"),
    K(redis_timeout_ms, CFG_INT, "500", 10, 60000, "Redis connect and command timeout"),
    K(redis_sentinels, CFG_STR, "", 0, 0,
      "Redis Sentinel endpoints IP:PORT,... (empty: redis_host and redis_port); on every new"
      " connection summitd asks them for the current master of redis_master_name"),
    K(redis_master_name, CFG_STR, "summitd", 0, 0, "the master's name in Sentinel"),
    K(redis_prefix, CFG_STR, "summitd:", 0, 64,
      "prefix of every Redis key this instance uses (at most 64 bytes)"),
    K(token_ttl_s, CFG_INT, "86400", 60, 31536000,
      "idle lifetime of a login session: each use extends it by this much (written to Redis only"
      " once less than half of it remains), up to token_max_age_s after the login"),
    K(token_max_age_s, CFG_INT, "2592000", 60, 31536000,
      "absolute lifetime of a login session from the login, however often it is used"),
    K(auth_cache_ms, CFG_INT, "1000", 0, 600000,
      "how long an instance may answer a token from memory (0: ask Redis on every request);"
      " a logout, a role change or any other change of the session in Redis reaches every"
      " instance at once through Redis client tracking, this is the bound should that message be"
      " lost"),
    K(password_cost, CFG_INT, "5", 1, 11, "yescrypt cost (crypt_gensalt count)"),
    K(hash_threads, CFG_INT, "0", 0, 256,
      "password hashes (signup, login) computed at once, on threads of their own; 0: one per"
      " CPU. Hashing never holds more than half of the workers"),
    K(hash_wait_ms, CFG_INT, "100", 0, 60000,
      "how long a signup or login waits for a hashing thread before it gets 503 + Retry-After"),
    K(login_limit_account, CFG_INT, "10", 1, 1000000, "login attempts per account per window"),
    K(login_limit_ip, CFG_INT, "100", 1, 1000000, "login attempts per client address per window"),
    K(login_window_s, CFG_INT, "300", 1, 86400, "login rate-limit window"),
    K(trusted_proxies, CFG_STR, "", 0, 0,
      "proxies (IPv4/IPv6 CIDRs, comma-separated) whose X-Forwarded-For names the client: the"
      " right-most address not in this list is the client (login limits, access log); empty:"
      " X-Forwarded-For is ignored and the client is the peer"),
    K(cors_origins, CFG_STR, "", 0, 0,
      "origins allowed to call the API from a browser page they serve (CORS), exact"
      " scheme://host[:port] values separated by spaces or commas, e.g. https://m.example.com;"
      " empty: none (the web client summitd serves at / is same-origin and needs none)"),
    K(admin_email, CFG_STR, "", 0, 0, "admin account created at start when absent"),
    K(admin_password, CFG_STR, "", 0, 0, "its password (at least 8 characters)"),
    K(debug_routes, CFG_BOOL, "false", 0, 0,
      "expose /api/v1/debug/* test routes; never in production"),
    K(idempotency_ttl_s, CFG_INT, "86400", 60, 604800, "how long Idempotency-Key replies last"),
    K(event_cache_ttl_s, CFG_INT, "30", 0, 3600, "Redis cache lifetime of published events"),
    K(loop_cache_ttl_ms, CFG_INT, "1000", 0, 60000,
      "anonymous reads of cacheable routes (an event page) served from the loop for this long;"
      " counts shown to signed-out readers may be that old; 0 disables"),
    K(match_weight_tag, CFG_DOUBLE, "0.25", 0, 100, "matching: shared tags (IDF-weighted cosine)"),
    K(match_weight_text, CFG_DOUBLE, "0.45", 0, 100,
      "matching: title + description TF-IDF cosine (CJK bigrams, Latin words)"),
    K(match_weight_sector, CFG_DOUBLE, "0.10", 0, 100, "matching: same sector"),
    K(match_weight_zone, CFG_DOUBLE, "0.05", 0, 100, "matching: same zone"),
    K(match_weight_budget, CFG_DOUBLE, "0.10", 0, 100,
      "matching: budget fit (overlap over the longer range; an unknown budget fits 0.2)"),
    K(match_weight_stage, CFG_DOUBLE, "0.05", 0, 100, "matching: stage fit"),
    K(match_exposure_places, CFG_INT, "10", 1, 100,
      "exposure control: the first places of a recommendation list that count as exposure"),
    K(match_exposure_cap, CFG_DOUBLE, "3", 0, 1000,
      "exposure control: no project takes more of those places than this multiple of the"
      " average; 0 disables the cap"),
    K(match_exposure_floor, CFG_INT, "3", 0, 100,
      "exposure control: every open project with a plausible match is shown in at least this"
      " many lists (0 disables)"),
    K(match_exposure_floor_min_score, CFG_DOUBLE, "0.3", 0, 100,
      "exposure control: a pair scoring below this is no plausible match"),
    K(match_exposure_floor_slack, CFG_DOUBLE, "0.05", 0, 100,
      "exposure control: a floor entry displaces only items scoring less than this above it"),
    K(match_exposure_max_projects, CFG_INT, "20000", 0, 10000000,
      "exposure control runs while the index holds at most this many open projects: a"
      " background thread keeps every list up to date incrementally after a change (about 0.5 s"
      " at 10,000 per side, 6 s at 100,000); above it lists are ranked by score"
      " alone"),
    K(match_pending_interests_max, CFG_INT, "50", 0, 100000,
      "pending interests one project may receive; more are refused with 409"
      " too_many_pending_interests (0: no bound)"),
    K(smtp_url, CFG_STR, "", 0, 1000,
      "SMTP server for notification e-mail, smtp://host:port (or smtps://); empty: no e-mail is"
      " sent (e-mail rows wait in the outbox)"),
    K(smtp_from, CFG_STR, "summitd <noreply@summitd.local>", 0, 320,
      "the From of notification e-mail: an address, or a name and <address>"),
    K(smtp_user, CFG_STR, "", 0, 320, "SMTP login name; empty: no login"),
    K(smtp_password, CFG_STR, "", 0, 1000, "SMTP password"),
    K(smtp_starttls, CFG_STR, "try", 0, 0,
      "STARTTLS on smtp:// URLs: none | try (when the server offers it) | required"),
    K(smtp_timeout_s, CFG_INT, "20", 1, 600, "SMTP connect and transfer timeout"),
    K(public_url, CFG_STR, "http://127.0.0.1:8080", 0, 500,
      "where people reach the web client (links in e-mail: preferences, tickets)"),
    K(notify_dispatch, CFG_BOOL, "true", 0, 0,
      "this instance delivers due outbox rows (e-mail, webhooks); every instance may"),
    K(notify_max_attempts, CFG_INT, "8", 1, 100,
      "delivery attempts of one notification before it is dead-lettered (admin: GET"
      " /api/v1/admin/outbox?status=dead, POST .../retry)"),
    K(notify_batch, CFG_INT, "20", 1, 1000, "outbox rows a dispatcher claims at once"),
    K(notify_lease_s, CFG_INT, "120", 5, 86400,
      "a claimed row is due again after this long if its instance died delivering it"),
    K(notify_backoff_ms, CFG_INT, "30000", 10, 86400000,
      "pause before the first retry; doubles each attempt (jittered to 50-100%)"),
    K(notify_backoff_max_s, CFG_INT, "3600", 1, 604800, "the longest pause between retries"),
    K(notify_poll_ms, CFG_INT, "1000", 10, 60000, "how often an idle dispatcher looks for due rows"),
    K(notify_enabled, CFG_BOOL, "true", 0, 0,
      "write notification rows (feed, outbox) with the changes they are about; false only to"
      " measure what they cost (make bench): nobody is told anything then"),
    K(notify_jobs_interval_s, CFG_INT, "10", 1, 3600,
      "notifications: how often each instance looks for reminders and recommendation digests"
      " due (every instance does; a dedupe key makes each happen once)"),
    K(reminder_minutes, CFG_INT, "30", 1, 10080,
      "notifications: a reminder this long before a session, pitch or meeting starts"),
    K(digest_period_hours, CFG_INT, "24", 1, 8760,
      "notifications: at most one recommendations digest per open project per period"),
    K(digest_min_score, CFG_DOUBLE, "0.3", 0, 100,
      "notifications: counterpart projects scoring above this go into a digest"),
    K(webhook_allow_loopback, CFG_BOOL, "false", 0, 0,
      "webhooks: allow endpoints on loopback addresses (127.0.0.0/8, ::1); private, link-local,"
      " CGNAT, multicast and metadata addresses are refused regardless"),
    K(webhook_timeout_ms, CFG_INT, "5000", 100, 60000,
      "webhooks: a delivery attempt's whole time (connect, send, answer)"),
    K(webhook_disable_after, CFG_INT, "10", 1, 1000,
      "webhooks: failed deliveries in a row after which an endpoint is disabled"),
    K(webhook_secret_grace_s, CFG_INT, "86400", 0, 2592000,
      "webhooks: after a secret rotation the old key keeps signing beside the new one this long"),
};

/* The next item of a list separated by spaces and/or commas: its start (and *len), or NULL at
 * the end. */
static const char *list_item(const char *p, size_t *len)
{
    p += strspn(p, " ,");
    if (!*p)
        return NULL;
    *len = strcspn(p, " ,");
    return p;
}

int cfg_hosts_parse(const char *list, struct cfg_host *out, int cap)
{
    int n = 0;
    const char *p = list;
    size_t len;
    while ((p = list_item(p, &len))) {
        const char *end = p + len;
        const char *colon = NULL;
        for (const char *q = p; q < end; q++)
            if (*q == ':')
                colon = q;
        if (!colon || colon == p || (size_t)(colon - p) >= sizeof(out->host) || n >= CFG_HOSTS_MAX)
            return -1;
        char *e;
        long port = strtol(colon + 1, &e, 10);
        if (e != end || port < 1 || port > 65535)
            return -1;
        if (out && n < cap) {
            memcpy(out[n].host, p, (size_t)(colon - p));
            out[n].host[colon - p] = '\0';
            out[n].port = (int)port;
        }
        n++;
        p = end;
    }
    return n;
}

int cfg_origins_parse(const char *list, char ***out)
{
    int n = 0;
    char **v = NULL;
    const char *p = list;
    size_t len;
    while ((p = list_item(p, &len))) {
        /* scheme://host[:port]: http or https, a host, no path, query, user or trailing slash */
        const char *host = NULL;
        if (len > 7 && strncmp(p, "http://", 7) == 0)
            host = p + 7;
        else if (len > 8 && strncmp(p, "https://", 8) == 0)
            host = p + 8;
        bool ok = host != NULL && host < p + len && len < 256;
        for (const char *q = host; ok && q < p + len; q++)
            ok = isalnum((unsigned char)*q) || *q == '.' || *q == '-' || *q == ':' || *q == '[' ||
                 *q == ']';
        if (!ok) {
            for (int i = 0; i < n; i++)
                free(v[i]);
            free(v);
            return -1;
        }
        v = xrealloc(v, (size_t)(n + 1) * sizeof(char *));
        v[n++] = xstrndup(p, len);
        p += len;
    }
    if (out)
        *out = v;
    else {
        for (int i = 0; i < n; i++)
            free(v[i]);
        free(v);
    }
    return n;
}

static const struct cfg_key *find_key(const char *name)
{
    for (size_t i = 0; i < SD_ARRAY_LEN(keys); i++)
        if (strcmp(keys[i].name, name) == 0)
            return &keys[i];
    return NULL;
}

static int set_value(struct config *cfg, const struct cfg_key *k, const char *value, char *errbuf,
                     size_t errlen)
{
    char *field = (char *)cfg + k->offset;
    char *end;
    switch (k->type) {
    case CFG_STR: {
        char **s = (char **)field;
        if (strcmp(k->name, "log_level") == 0 && strcmp(value, "error") && strcmp(value, "warn") &&
            strcmp(value, "info") && strcmp(value, "debug")) {
            snprintf(errbuf, errlen, "%s: must be error, warn, info or debug, not '%s'", k->name,
                     value);
            return -1;
        }
        /* A string key's max is its length in bytes (0: any); Redis keys are built in fixed
         * buffers sized for a prefix of at most 64 bytes. */
        if (k->max > 0 && strlen(value) > (size_t)k->max) {
            snprintf(errbuf, errlen, "%s: at most %.0f bytes", k->name, k->max);
            return -1;
        }
        if ((strcmp(k->name, "mysql_hosts") == 0 || strcmp(k->name, "redis_sentinels") == 0) &&
            cfg_hosts_parse(value, NULL, 0) < 0) {
            snprintf(errbuf, errlen, "%s: expected IP:PORT,IP:PORT,... (at most %d), not '%s'",
                     k->name, CFG_HOSTS_MAX, value);
            return -1;
        }
        if (strcmp(k->name, "smtp_starttls") == 0 && strcmp(value, "none") &&
            strcmp(value, "try") && strcmp(value, "required")) {
            snprintf(errbuf, errlen, "%s: must be none, try or required, not '%s'", k->name,
                     value);
            return -1;
        }
        if (strcmp(k->name, "smtp_url") == 0 && *value && strncmp(value, "smtp://", 7) &&
            strncmp(value, "smtps://", 8)) {
            snprintf(errbuf, errlen, "%s: expected smtp://host:port or smtps://host:port, not '%s'",
                     k->name, value);
            return -1;
        }
        if (strcmp(k->name, "cors_origins") == 0 && cfg_origins_parse(value, NULL) < 0) {
            snprintf(errbuf, errlen,
                     "%s: expected origins like https://app.example.com or http://127.0.0.1:3000"
                     " (scheme, host, optional port; no path), separated by spaces or commas,"
                     " not '%s'",
                     k->name, value);
            return -1;
        }
        if (strcmp(k->name, "trusted_proxies") == 0) {
            struct netaddr_acl *acl;
            char why[160];
            if (netaddr_acl_parse(value, &acl, why, sizeof(why)) != 0) {
                snprintf(errbuf, errlen, "%s: %s", k->name, why);
                return -1;
            }
            netaddr_acl_free(acl);
        }
        free(*s);
        *s = xstrdup(value);
        return 0;
    }
    case CFG_INT: {
        errno = 0;
        long v = strtol(value, &end, 10);
        if (errno || end == value || *end != '\0' || v < (long)k->min || v > (long)k->max) {
            snprintf(errbuf, errlen, "%s: expected an integer from %.0f to %.0f, not '%s'", k->name,
                     k->min, k->max, value);
            return -1;
        }
        *(int *)field = (int)v;
        return 0;
    }
    case CFG_DOUBLE: {
        errno = 0;
        double v = strtod(value, &end);
        if (errno || end == value || *end != '\0' || !isfinite(v) || v < k->min || v > k->max) {
            snprintf(errbuf, errlen, "%s: expected a number from %g to %g, not '%s'", k->name,
                     k->min, k->max, value);
            return -1;
        }
        *(double *)field = v;
        return 0;
    }
    case CFG_BOOL:
        if (!strcmp(value, "true") || !strcmp(value, "1") || !strcmp(value, "yes") ||
            !strcmp(value, "on")) {
            *(bool *)field = true;
        } else if (!strcmp(value, "false") || !strcmp(value, "0") || !strcmp(value, "no") ||
                   !strcmp(value, "off")) {
            *(bool *)field = false;
        } else {
            snprintf(errbuf, errlen, "%s: expected true or false, not '%s'", k->name, value);
            return -1;
        }
        return 0;
    }
    return -1;
}

int cfg_set(struct config *cfg, const char *key, const char *value, char *errbuf, size_t errlen)
{
    const struct cfg_key *k = find_key(key);
    if (!k) {
        snprintf(errbuf, errlen, "%s: unknown key", key);
        return -1;
    }
    return set_value(cfg, k, value, errbuf, errlen);
}

void cfg_defaults(struct config *cfg)
{
    char err[256];
    memset(cfg, 0, sizeof(*cfg));
    for (size_t i = 0; i < SD_ARRAY_LEN(keys); i++)
        SD_ASSERT(set_value(cfg, &keys[i], keys[i].def, err, sizeof(err)) == 0);
}

void cfg_deinit(struct config *cfg)
{
    for (size_t i = 0; i < SD_ARRAY_LEN(keys); i++) {
        if (keys[i].type == CFG_STR) {
            char **s = (char **)((char *)cfg + keys[i].offset);
            free(*s);
            *s = NULL;
        }
    }
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

static int load_file(struct config *cfg, const char *path, FILE *err)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(err, "summitd: config %s: %s\n", path, strerror(errno));
        return 2;
    }
    char line[4096];
    int lineno = 0, rc = 0;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        char *s = trim(line);
        if (*s == '\0' || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            fprintf(err, "summitd: %s:%d: expected 'key = value'\n", path, lineno);
            rc = 2;
            break;
        }
        *eq = '\0';
        char *key = trim(s), *value = trim(eq + 1);
        size_t vl = strlen(value);
        if (vl >= 2 && value[0] == '"' && value[vl - 1] == '"') {
            value[vl - 1] = '\0';
            value++;
        }
        char msg[512];
        if (cfg_set(cfg, key, value, msg, sizeof(msg)) != 0) {
            fprintf(err, "summitd: %s:%d: %s\n", path, lineno, msg);
            rc = 2;
            break;
        }
    }
    fclose(f);
    return rc;
}

static int load_env(struct config *cfg, FILE *err)
{
    for (size_t i = 0; i < SD_ARRAY_LEN(keys); i++) {
        char name[96] = "SUMMITD_";
        size_t n = strlen(name);
        for (const char *p = keys[i].name; *p && n < sizeof(name) - 1; p++)
            name[n++] = (char)toupper((unsigned char)*p);
        name[n] = '\0';
        const char *v = getenv(name);
        if (!v)
            continue;
        char msg[512];
        if (set_value(cfg, &keys[i], v, msg, sizeof(msg)) != 0) {
            fprintf(err, "summitd: environment %s: %s\n", name, msg);
            return 2;
        }
    }
    return 0;
}

int cfg_load(struct config *cfg, int argc, char **argv, const char **rest, int restcap, int *nrest,
             FILE *err)
{
    const char *file = NULL;
    *nrest = 0;
    cfg_defaults(cfg);
    /* First pass: find --config, so that flags can override what the file says. */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0) {
            if (i + 1 >= argc) {
                fprintf(err, "summitd: --config needs a file\n");
                return 2;
            }
            file = argv[++i];
        }
    }
    if (file && load_file(cfg, file, err) != 0)
        return 2;
    if (load_env(cfg, err) != 0)
        return 2;
    for (int i = 1; i < argc; i++) {
        char msg[512];
        if (strcmp(argv[i], "--config") == 0) {
            i++;
        } else if (strcmp(argv[i], "--listen") == 0 || strcmp(argv[i], "--set") == 0) {
            if (i + 1 >= argc) {
                fprintf(err, "summitd: %s needs a value\n", argv[i]);
                return 2;
            }
            const char *arg = argv[++i];
            int rc;
            if (strcmp(argv[i - 1], "--listen") == 0) {
                rc = cfg_set(cfg, "listen", arg, msg, sizeof(msg));
            } else {
                const char *eq = strchr(arg, '=');
                if (!eq) {
                    fprintf(err, "summitd: --set expects key=value, not '%s'\n", arg);
                    return 2;
                }
                char *key = xstrndup(arg, (size_t)(eq - arg));
                rc = cfg_set(cfg, key, eq + 1, msg, sizeof(msg));
                free(key);
            }
            if (rc != 0) {
                fprintf(err, "summitd: %s\n", msg);
                return 2;
            }
        } else if (strncmp(argv[i], "--", 2) == 0) {
            fprintf(err, "summitd: unknown flag %s\n", argv[i]);
            return 2;
        } else if (*nrest < restcap) {
            rest[(*nrest)++] = argv[i];
        } else {
            fprintf(err, "summitd: unexpected argument %s\n", argv[i]);
            return 2;
        }
    }
    if (!strchr(cfg->listen, ':')) {
        fprintf(err, "summitd: listen: expected IP:PORT, not '%s'\n", cfg->listen);
        return 2;
    }
    if (cfg->admin_email[0] && strlen(cfg->admin_password) < 8) {
        fprintf(err, "summitd: admin_password: needs at least 8 characters with admin_email\n");
        return 2;
    }
    return 0;
}

void cfg_write_example(FILE *out)
{
    fputs("# summitd configuration: `key = value`; '#' starts a comment.\n"
          "# Every key can also be set with the environment variable SUMMITD_<KEY> (upper case),\n"
          "# which wins over this file; `--listen` and `--set key=value` win over both.\n",
          out);
    for (size_t i = 0; i < SD_ARRAY_LEN(keys); i++) {
        fprintf(out, "\n# %s", keys[i].help);
        if (keys[i].type == CFG_INT)
            fprintf(out, " (%.0f..%.0f)", keys[i].min, keys[i].max);
        else if (keys[i].type == CFG_DOUBLE)
            fprintf(out, " (%g..%g)", keys[i].min, keys[i].max);
        fprintf(out, "\n# %s = %s\n", keys[i].name, keys[i].def);
    }
}
