#include "notify/webhook.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "notify/channel.h"
#include "notify/dispatch.h"
#include "notify/notify.h"
#include "server/app.h"
#include "server/config.h"
#include "server/crypto.h"
#include "server/db.h"
#include "server/err.h"
#include "server/log.h"
#include "server/timeutil.h"

const char *const webhook_types[] = {
    NOTIFY_REGISTRATION_CONFIRMED,
    NOTIFY_REGISTRATION_WAITLISTED,
    NOTIFY_REGISTRATION_PROMOTED,
    NOTIFY_REGISTRATION_CANCELLED,
    NOTIFY_EVENT_CANCELLED,
    NOTIFY_SESSION_CHANGED,
    NOTIFY_PITCH_PLACED,
    NOTIFY_MEETING_SCHEDULED,
    NOTIFY_MEETING_CHANGED,
    NOTIFY_MATCH_MUTUAL,
    NOTIFY_RECOMMENDATIONS_DIGEST,
    NOTIFY_RESULTS_PUBLISHED,
    NOTIFY_ORG_INVITATION,
    NOTIFY_REMINDER,
    NULL,
};

/* ---------------------------------------------------------------- keys and signatures */

void webhook_key_new(char *out, size_t outlen)
{
    unsigned char key[WEBHOOK_KEY_NEW];
    char b64[WEBHOOK_SECRET_MAX];
    crypto_random(key, sizeof(key));
    crypto_b64_encode(key, sizeof(key), b64);
    snprintf(out, outlen, "%s", b64);
}

long webhook_key_decode(const char *b64, unsigned char *key, size_t cap)
{
    if (!b64)
        return -1;
    if (strncmp(b64, "whsec_", 6) == 0)
        b64 += 6;
    long n = crypto_b64_decode(b64, strlen(b64), key, cap);
    return n >= WEBHOOK_KEY_MIN && n <= WEBHOOK_KEY_MAX ? n : -1;
}

void webhook_sign(const unsigned char *key, size_t keylen, const char *msg_id, int64_t timestamp,
                  const char *body, size_t bodylen, char *out, size_t outlen)
{
    char ts[24];
    int tslen = snprintf(ts, sizeof(ts), "%lld", (long long)timestamp);
    const void *parts[] = {msg_id, ".", ts, ".", body};
    size_t lens[] = {strlen(msg_id), 1, (size_t)tslen, 1, bodylen};
    unsigned char mac[CRYPTO_HMAC_LEN];
    crypto_hmac_sha256(key, keylen, parts, lens, 5, mac);
    char b64[48];
    crypto_b64_encode(mac, sizeof(mac), b64);
    snprintf(out, outlen, "v1,%s", b64);
}

/* ---------------------------------------------------------------- the address filter */

static bool in4(uint32_t a, uint32_t net, int bits)
{
    uint32_t mask = bits ? 0xffffffffu << (32 - bits) : 0;
    return (a & mask) == (net & mask);
}

#define V4(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (d))

static const char *v4_refused(uint32_t a, bool allow_loopback)
{
    if (in4(a, V4(127, 0, 0, 0), 8))
        return allow_loopback ? NULL : "loopback";
    if (in4(a, V4(0, 0, 0, 0), 8))
        return "unspecified";
    if (in4(a, V4(10, 0, 0, 0), 8) || in4(a, V4(172, 16, 0, 0), 12) ||
        in4(a, V4(192, 168, 0, 0), 16))
        return "private";
    if (in4(a, V4(100, 64, 0, 0), 10)) /* Alibaba Cloud's metadata 100.100.100.200 too */
        return "CGNAT";
    if (in4(a, V4(169, 254, 0, 0), 16)) /* metadata 169.254.169.254 */
        return "link-local";
    if (in4(a, V4(224, 0, 0, 0), 4))
        return "multicast";
    if (in4(a, V4(192, 0, 2, 0), 24) || in4(a, V4(198, 51, 100, 0), 24) ||
        in4(a, V4(203, 0, 113, 0), 24))
        return "documentation";
    if (in4(a, V4(240, 0, 0, 0), 4) || in4(a, V4(192, 0, 0, 0), 24) ||
        in4(a, V4(198, 18, 0, 0), 15) || in4(a, V4(192, 88, 99, 0), 24))
        return "reserved"; /* 240/4 and broadcast, IETF protocol assignments, benchmarking */
    return NULL;
}

static uint32_t v4_at(const unsigned char *p)
{
    return V4(p[0], p[1], p[2], p[3]);
}

static const char *v6_refused(const unsigned char *a, bool allow_loopback)
{
    static const unsigned char zero[16];
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const unsigned char nat64[12] = {0, 0x64, 0xff, 0x9b};
    if (memcmp(a, zero, 15) == 0 && a[15] == 1)
        return allow_loopback ? NULL : "loopback";
    if (memcmp(a, zero, 16) == 0)
        return "unspecified";
    if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0)
        return v4_refused(v4_at(a + 12), allow_loopback);
    if (memcmp(a, zero, 12) == 0) /* IPv4-compatible (deprecated) */
        return "reserved";
    if (a[0] == 0x20 && a[1] == 0x02) /* 6to4: the IPv4 address follows */
        return v4_refused(v4_at(a + 2), allow_loopback);
    if ((a[0] & 0xfe) == 0xfc) /* ULA fc00::/7 (AWS metadata fd00:ec2::254) */
        return "private";
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
        return "link-local";
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0) /* site-local (deprecated) */
        return "private";
    if (a[0] == 0xff)
        return "multicast";
    if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8)
        return "documentation";
    if (a[0] == 0x01 && memcmp(a + 1, zero, 7) == 0) /* discard-only 100::/64 */
        return "reserved";
    return NULL;
}

const char *webhook_addr_refused(const struct sockaddr *sa, bool allow_loopback)
{
    if (!sa)
        return "not an address";
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        return v4_refused(ntohl(s4->sin_addr.s_addr), allow_loopback);
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        return v6_refused(s6->sin6_addr.s6_addr, allow_loopback);
    }
    return "not an IP address";
}

const char *webhook_addr_text_refused(const char *addr, bool allow_loopback)
{
    struct sockaddr_in s4 = {.sin_family = AF_INET};
    struct sockaddr_in6 s6 = {.sin6_family = AF_INET6};
    if (addr && inet_pton(AF_INET, addr, &s4.sin_addr) == 1)
        return webhook_addr_refused((struct sockaddr *)&s4, allow_loopback);
    if (addr && inet_pton(AF_INET6, addr, &s6.sin6_addr) == 1)
        return webhook_addr_refused((struct sockaddr *)&s6, allow_loopback);
    return "not an address";
}

/* ---------------------------------------------------------------- URLs */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static bool host_is_localhost(const char *h)
{
    size_t n = strlen(h);
    if (n && h[n - 1] == '.')
        n--;
    return (n == 9 && strncasecmp(h, "localhost", 9) == 0) ||
           (n > 10 && strncasecmp(h + n - 10, ".localhost", 10) == 0);
}

int webhook_url_check(const char *url, bool allow_loopback, const char **reason, char *addr,
                      size_t addrlen)
{
    *reason = NULL;
    if (addrlen)
        addr[0] = 0;
    for (const unsigned char *p = (const unsigned char *)url; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f)
            return -1;
    pthread_once(&curl_once, curl_init_once);
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL;
    int rc = -1;
    if (!u)
        return -1;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host[0])
        goto out;
    if (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0)
        goto out;
    char h[256];
    size_t hl = strlen(host);
    if (host[0] == '[' && hl >= 2) { /* an IPv6 literal, maybe with a zone */
        snprintf(h, sizeof(h), "%.*s", (int)(hl - 2), host + 1);
        char *zone = strchr(h, '%');
        if (zone)
            *zone = 0;
    } else {
        snprintf(h, sizeof(h), "%s", host);
    }
    const char *bad = NULL;
    char badaddr[INET6_ADDRSTRLEN] = "";
    unsigned char tmp[16];
    if (inet_pton(AF_INET, h, tmp) == 1 || inet_pton(AF_INET6, h, tmp) == 1) {
        bad = webhook_addr_text_refused(h, allow_loopback);
        snprintf(badaddr, sizeof(badaddr), "%.45s", h);
    } else if (host_is_localhost(h)) {
        bad = allow_loopback ? NULL : "loopback";
        snprintf(badaddr, sizeof(badaddr), "%s", "localhost");
    } else {
        struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
        if (getaddrinfo(h, NULL, &hints, &res) == 0) {
            for (struct addrinfo *ai = res; ai && !bad; ai = ai->ai_next) {
                bad = webhook_addr_refused(ai->ai_addr, allow_loopback);
                if (bad)
                    getnameinfo(ai->ai_addr, ai->ai_addrlen, badaddr, sizeof(badaddr), NULL, 0,
                                NI_NUMERICHOST);
            }
            freeaddrinfo(res);
        }
    }
    if (bad) {
        *reason = bad;
        snprintf(addr, addrlen, "%s", badaddr);
        rc = -2;
        goto out;
    }
    rc = 0;
out:
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return rc;
}

/* ---------------------------------------------------------------- delivery */

struct attempt {
    bool allow_loopback;
    char refused[160]; /* set when the address curl was about to connect to is refused */
};

/* Every connection curl opens goes through here, after its own DNS resolution: the address
 * checked is the address connected to, so a name that resolves to a public address at
 * registration and to a private one later (DNS rebinding) is still refused. */
static curl_socket_t open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *a)
{
    struct attempt *at = clientp;
    (void)purpose;
    const char *bad = webhook_addr_refused(&a->addr, at->allow_loopback);
    if (bad) {
        char text[INET6_ADDRSTRLEN] = "?";
        getnameinfo(&a->addr, a->addrlen, text, sizeof(text), NULL, 0, NI_NUMERICHOST);
        snprintf(at->refused, sizeof(at->refused), "address %s refused (%s)", text, bad);
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype, a->protocol);
}

/* A stopping dispatcher aborts the transfer (the row is released and retried). */
static int progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)arg;
    (void)dt;
    (void)dn;
    (void)ut;
    (void)un;
    return dispatch_stopping() ? 1 : 0;
}

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
    (void)p;
    (void)arg;
    return size * n;
}

static pthread_key_t db_key;
static pthread_once_t db_once = PTHREAD_ONCE_INIT;
static void db_key_free(void *p)
{
    db_free(p);
}
static void db_key_make(void)
{
    pthread_key_create(&db_key, db_key_free);
}

enum deliver_result webhook_deliver(struct app *app, const struct outbox_row *row, char *err,
                                    size_t errlen)
{
    struct db *db = dispatch_db(); /* the dispatcher thread's own connection */
    if (db)
        return (enum deliver_result)webhook_deliver_db(app, db, row, err, errlen);
    pthread_once(&db_once, db_key_make);
    db = pthread_getspecific(db_key);
    if (!db) {
        db = db_new(app->cfg);
        pthread_setspecific(db_key, db);
    }
    return (enum deliver_result)webhook_deliver_db(app, db, row, err, errlen);
}

enum { EP_URL, EP_SECRET, EP_PREV, EP_PREV_LIVE, EP_ENABLED, EP_FAILURES };

/* The body receivers get: {"type", "timestamp", "data"} from the outbox payload {type, data}. */
static char *make_body(const struct outbox_row *row)
{
    cJSON *in = cJSON_Parse(row->payload ? row->payload : "");
    cJSON *o = cJSON_CreateObject();
    char ts[40];
    cJSON_AddStringToObject(o, "type", row->type);
    cJSON_AddStringToObject(o, "timestamp", time_format_rfc3339(row->created_at, ts));
    cJSON *data = in ? cJSON_DetachItemFromObject(in, "data") : NULL;
    cJSON_AddItemToObject(o, "data", data ? data : cJSON_CreateObject());
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    cJSON_Delete(in);
    return s;
}

/* Logs one attempt and moves the endpoint's count of failures in a row: 0 after a success; after
 * a failure +1, disabling the endpoint when it reaches `disable_after` (or at once for `gone`).
 * Returns whether the endpoint is (now) disabled. */
static bool record(struct db *db, const struct outbox_row *row, long status, const char *error,
                   int64_t ms, bool ok, bool gone, int disable_after, bool had_failures)
{
    char e[500];
    snprintf(e, sizeof(e), "%s", error ? error : "");
    if (db_exec(db, NULL,
                "INSERT INTO webhook_deliveries (endpoint_id, outbox_id, attempt, status_code,"
                " error, duration_ms, created_at) VALUES (?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(3))",
                "iiinsi", row->endpoint_id, row->id, (int64_t)row->attempts + 1, (int64_t)status,
                ok ? NULL : e, ms))
        log_warn("webhook %lld: the delivery log failed", (long long)row->endpoint_id);
    if (ok) {
        if (had_failures &&
            db_exec(db, NULL,
                    "UPDATE webhook_endpoints SET failures = 0 WHERE id = ? AND failures <> 0", "i",
                    row->endpoint_id))
            log_warn("webhook %lld: resetting failures failed", (long long)row->endpoint_id);
        return false;
    }
    char why[200];
    if (gone)
        snprintf(why, sizeof(why), "the receiver answered 410 Gone");
    else
        snprintf(why, sizeof(why), "%d failed deliveries in a row", disable_after);
    /* enabled and disabled_reason are assigned before failures: they read its old value. */
    int64_t limit = gone ? 0 : disable_after; /* 0: disabled by this failure whatever the count */
    if (db_exec(db, NULL,
                "UPDATE webhook_endpoints SET enabled = IF(failures + 1 >= ?, 0, enabled),"
                " disabled_reason = IF(failures + 1 >= ?, ?, disabled_reason),"
                " failures = failures + 1 WHERE id = ? AND enabled = 1",
                "iisi", limit, limit, why, row->endpoint_id))
        return false;
    struct db_res res;
    if (db_exec(db, &res, "SELECT enabled FROM webhook_endpoints WHERE id = ?", "i",
                row->endpoint_id))
        return false;
    bool disabled = res.nrows == 0 || db_get_i64(&res, 0, 0) == 0;
    db_res_clear(&res);
    if (disabled)
        log_info("webhook %lld disabled: %s", (long long)row->endpoint_id, why);
    return disabled;
}

int webhook_deliver_db(struct app *app, struct db *db, const struct outbox_row *row, char *err,
                       size_t errlen)
{
    const struct config *cfg = app->cfg;
    struct db_res ep;
    if (db_exec(db, &ep,
                "SELECT url, secret, prev_secret, prev_secret_until > UTC_TIMESTAMP(3), enabled,"
                " failures FROM webhook_endpoints WHERE id = ?",
                "i", row->endpoint_id)) {
        snprintf(err, errlen, "database unavailable");
        return DELIVER_RETRY;
    }
    if (ep.nrows == 0 || db_get_i64(&ep, 0, EP_ENABLED) == 0) {
        snprintf(err, errlen, "endpoint %lld %s", (long long)row->endpoint_id,
                 ep.nrows ? "is disabled" : "was deleted");
        db_res_clear(&ep);
        return DELIVER_GIVE_UP;
    }
    unsigned char key[WEBHOOK_KEY_MAX], prev[WEBHOOK_KEY_MAX];
    long keylen = webhook_key_decode(db_get(&ep, 0, EP_SECRET), key, sizeof(key));
    long prevlen = db_get_i64(&ep, 0, EP_PREV_LIVE) == 1
                       ? webhook_key_decode(db_get(&ep, 0, EP_PREV), prev, sizeof(prev))
                       : -1;
    char *url = strdup(db_get(&ep, 0, EP_URL));
    bool had_failures = db_get_i64(&ep, 0, EP_FAILURES) > 0;
    db_res_clear(&ep);
    if (keylen < 0 || !url) {
        free(url);
        snprintf(err, errlen, "endpoint %lld has no usable secret", (long long)row->endpoint_id);
        return DELIVER_GIVE_UP;
    }

    char *body = make_body(row);
    int64_t now = (int64_t)time(NULL);
    char sig[2 * WEBHOOK_SIG_MAX + 1], sig2[WEBHOOK_SIG_MAX];
    size_t blen = strlen(body);
    webhook_sign(key, (size_t)keylen, row->msg_id, now, body, blen, sig, sizeof(sig));
    if (prevlen > 0) {
        webhook_sign(prev, (size_t)prevlen, row->msg_id, now, body, blen, sig2, sizeof(sig2));
        strcat(sig, " ");
        strcat(sig, sig2);
    }
    char h_id[128], h_ts[64], h_sig[160];
    snprintf(h_id, sizeof(h_id), "webhook-id: %s", row->msg_id);
    snprintf(h_ts, sizeof(h_ts), "webhook-timestamp: %lld", (long long)now);
    snprintf(h_sig, sizeof(h_sig), "webhook-signature: %s", sig);
    struct curl_slist *hdr = NULL;
    hdr = curl_slist_append(hdr, "Content-Type: application/json");
    hdr = curl_slist_append(hdr, h_id);
    hdr = curl_slist_append(hdr, h_ts);
    hdr = curl_slist_append(hdr, h_sig);
    hdr = curl_slist_append(hdr, "Expect:");

    pthread_once(&curl_once, curl_init_once);
    struct attempt at = {.allow_loopback = cfg->webhook_allow_loopback};
    char cerr[CURL_ERROR_SIZE] = "";
    long status = 0;
    CURLcode cc = CURLE_FAILED_INIT;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CURL *c = curl_easy_init();
    if (c) {
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L); /* a redirect is an answer, not 2xx */
        curl_easy_setopt(c, CURLOPT_PROXY, "");          /* no proxy from the environment */
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)cfg->webhook_timeout_ms);
        curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_socket);
        curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &at);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
        curl_easy_setopt(c, CURLOPT_USERAGENT, "summitd-webhooks/1");
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)blen);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
        curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress);
        curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
        cc = curl_easy_perform(c);
        if (cc == CURLE_ABORTED_BY_CALLBACK)
            dispatch_note_aborted();
        if (cc == CURLE_OK)
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_cleanup(c);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    int64_t ms = (int64_t)(t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    curl_slist_free_all(hdr);
    free(body);
    free(url);

    bool ok = cc == CURLE_OK && status >= 200 && status < 300;
    bool gone = cc == CURLE_OK && status == 410;
    char why[300] = "";
    if (at.refused[0])
        snprintf(why, sizeof(why), "%s", at.refused);
    else if (cc != CURLE_OK)
        snprintf(why, sizeof(why), "%s", cerr[0] ? cerr : curl_easy_strerror(cc));
    else if (!ok)
        snprintf(why, sizeof(why), "HTTP %ld", status);
    bool disabled =
        record(db, row, status, why, ms, ok, gone, cfg->webhook_disable_after, had_failures);
    if (ok)
        return DELIVER_OK;
    snprintf(err, errlen, "%s%s", why, disabled ? "; endpoint disabled" : "");
    return disabled ? DELIVER_GIVE_UP : DELIVER_RETRY;
}
