#ifndef SUMMITD_SERVER_CONFIG_H
#define SUMMITD_SERVER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* All settings of one summitd process. Filled once at start by cfg_load(), then read-only and
 * passed around as `const struct config *`. Strings are owned by the struct (cfg_deinit). */
struct config {
    char *listen; /* "host:port", host an IP address */
    int threads;  /* event-loop threads */
    int workers;  /* worker threads, each with one MySQL and one Redis connection */
    int registration_batch_max; /* handlers/registrations.c: combined registrations */
    int queue_max;
    int max_body_bytes;
    int idle_timeout_s;
    int shutdown_timeout_s;
    char *log_level;
    bool access_log;

    char *mysql_host;
    int mysql_port;
    char *mysql_socket;
    char *mysql_user;
    char *mysql_password;
    char *mysql_database;
    int mysql_connect_timeout_s;
    int mysql_rw_timeout_s;
    char *mysql_hosts; /* "ip:port,..." in order of preference; "" = mysql_host:mysql_port */
    int mysql_sync_wait;
    int mysql_tx_tries;
    int mysql_retry_max_ms;
    int mysql_failback_s;

    char *redis_host;
    int redis_port;
    int redis_timeout_ms;
    char *redis_sentinels; /* "ip:port,..."; "" = redis_host:redis_port */
    char *redis_master_name;
    char *redis_prefix;

    int token_ttl_s;
    int token_max_age_s;
    int auth_cache_ms; /* server/auth.h: the token cache */
    int password_cost;
    int hash_threads; /* 0: one per CPU (server/pwhash.h) */
    int hash_wait_ms;
    int login_limit_account;
    int login_limit_ip;
    int login_window_s;
    char *trusted_proxies; /* CIDRs whose X-Forwarded-For is believed (server/netaddr.h) */
    char *cors_origins;    /* origins allowed to call from a browser: "https://a.example ..." */
    char *admin_email;
    char *admin_password;
    bool debug_routes;

    int idempotency_ttl_s;
    int event_cache_ttl_s;
    int loop_cache_ttl_ms;

    double match_weight_tag;
    double match_weight_sector;
    double match_weight_zone;
    double match_weight_budget;
    double match_weight_stage;
    double match_weight_text;

    /* Exposure control (server/recs.h) */
    int match_exposure_places;
    double match_exposure_cap;
    int match_exposure_floor;
    double match_exposure_floor_min_score;
    double match_exposure_floor_slack;
    int match_pending_interests_max;
    int match_exposure_max_projects;
    /* notifications: delivery (notify/dispatch.c) and e-mail (notify/email.c) */
    char *smtp_url;      /* "smtp://127.0.0.1:2525" or smtps://; "" = no e-mail is sent */
    char *smtp_from;     /* the From address */
    char *smtp_user;     /* SMTP login; "" = none */
    char *smtp_password;
    char *smtp_starttls; /* none | try | required */
    int smtp_timeout_s;
    char *public_url;    /* the web client's origin, for links in mails */
    bool notify_dispatch;     /* this instance runs a dispatcher */
    int notify_max_attempts;  /* then the row is dead-lettered */
    int notify_batch;         /* rows claimed at once */
    int notify_lease_s;       /* a claimed row is due again after this (crash mid-delivery) */
    int notify_backoff_ms;    /* the first retry's pause; doubles per attempt, with jitter */
    int notify_backoff_max_s; /* the longest pause */
    int notify_poll_ms;       /* how often an idle dispatcher looks for due rows */
    bool notify_enabled; /* false: notify_emit writes nothing (benchmarks only) */
    int notify_jobs_interval_s;
    int reminder_minutes;
    int digest_period_hours;
    double digest_min_score;

    /* webhooks (notify/webhook.c) */
    bool webhook_allow_loopback; /* endpoints on 127.0.0.0/8 and ::1 (tests, local receivers) */
    int webhook_timeout_ms;
    int webhook_disable_after;  /* consecutive failed deliveries before an endpoint is disabled */
    int webhook_secret_grace_s; /* how long a rotated-out key keeps signing */
};

/* One endpoint of a list key (mysql_hosts, redis_sentinels). */
#define CFG_HOSTS_MAX 16
struct cfg_host {
    char host[64];
    int port;
};
/* Parses "ip:port,ip:port" (spaces allowed); fills up to cap entries of out (may be NULL).
 * Returns the number of endpoints, or -1 for a malformed list. */
int cfg_hosts_parse(const char *list, struct cfg_host *out, int cap);

/* Parses cors_origins ("https://a.example http://127.0.0.1:3000", spaces or commas). Returns the
 * count, or -1 for a malformed list; *out (when out is not NULL) gets the malloc'd strings in a
 * malloc'd array (NULL when the count is 0). */
int cfg_origins_parse(const char *list, char ***out);

/* Fills *cfg with the defaults. */
void cfg_defaults(struct config *cfg);

/* Defaults < file < environment (SUMMITD_<KEY>) < flags. Understands `--config FILE`,
 * `--listen HOST:PORT`, `--set key=value`; other arguments (the command, e.g. "migrate") are
 * left in *rest (borrowed from argv, at most restcap). Returns 0, or 2 after writing a message
 * naming the key to `err`. */
int cfg_load(struct config *cfg, int argc, char **argv, const char **rest, int restcap, int *nrest,
             FILE *err);

/* Sets one key from its text form; returns 0 or -1 with a message in errbuf. */
int cfg_set(struct config *cfg, const char *key, const char *value, char *errbuf, size_t errlen);

/* Writes the commented example config (every key with its default and help). */
void cfg_write_example(FILE *out);

/* Frees the owned strings. */
void cfg_deinit(struct config *cfg);

#endif
