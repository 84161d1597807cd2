-- Notifications (issue 13): everything that happens to a person reaches them exactly as reliably
-- as the change itself is stored. A producer calls notify_emit() (notify/notify.h) inside the
-- transaction of the change, so a rolled-back change leaves no row here.
--
--   notifications          the in-app feed: one row per (recipient, notice), read by
--                          GET /api/v1/me/notifications (read state: sql/0024).
--   outbox                 the transactional outbox for the channels that leave the process
--                          (email, webhook): one row per (recipient or endpoint, notice), claimed
--                          by any instance's dispatcher with SELECT ... FOR UPDATE SKIP LOCKED
--                          and delivered at least once (notify/dispatch.c).
--   notification_prefs     a user's choice per (kind, channel); absent = the kind's default.
--   webhook_endpoints      organizer (per event) and organization endpoints with their types.
--   webhook_deliveries     the delivery log per endpoint (every attempt).
--   notify_once            dedupe keys for what must happen once across instances and restarts
--                          (reminders, recommendation digests): INSERT IGNORE decides.

CREATE TABLE IF NOT EXISTS notifications (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id BIGINT NOT NULL,
    type VARCHAR(40) NOT NULL,
    event_id BIGINT NULL,
    data LONGTEXT NOT NULL,
    created_at DATETIME(3) NOT NULL,
    KEY ix_notifications_user (user_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE users ADD COLUMN notif_read_id BIGINT NOT NULL DEFAULT 0;

CREATE TABLE IF NOT EXISTS outbox (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    -- stable across retries: the e-mail Message-ID's left part, the webhook-id
    msg_id VARCHAR(64) NOT NULL,
    channel VARCHAR(8) NOT NULL,              -- 'email' | 'webhook'
    type VARCHAR(40) NOT NULL,
    user_id BIGINT NULL,                      -- email: the recipient
    endpoint_id BIGINT NULL,                  -- webhook: the endpoint
    notification_id BIGINT NULL,              -- the feed row of the same notice, if any
    event_id BIGINT NULL,
    payload LONGTEXT NOT NULL,                -- JSON: {type, data} (the notice as emitted)
    status VARCHAR(8) NOT NULL DEFAULT 'pending', -- 'pending' | 'sent' | 'dead'
    attempts INT NOT NULL DEFAULT 0,
    next_at DATETIME(3) NOT NULL,             -- due time; a claim moves it past the lease
    last_error VARCHAR(500) NULL,
    created_at DATETIME(3) NOT NULL,
    sent_at DATETIME(3) NULL,
    UNIQUE KEY uq_outbox_msg (msg_id),
    KEY ix_outbox_due (status, next_at),
    KEY ix_outbox_endpoint (endpoint_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS notification_prefs (
    user_id BIGINT NOT NULL,
    kind VARCHAR(40) NOT NULL,                -- an event type, e.g. 'registration.promoted'
    channel VARCHAR(8) NOT NULL,              -- 'inapp' | 'email'
    enabled TINYINT NOT NULL,
    PRIMARY KEY (user_id, kind, channel)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS webhook_endpoints (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    event_id BIGINT NULL,                     -- exactly one of event_id and org_id is set
    org_id BIGINT NULL,
    url VARCHAR(2048) NOT NULL,
    types VARCHAR(1000) NOT NULL,             -- comma-separated event types
    secret VARCHAR(128) NOT NULL,             -- base64 of the key (what follows whsec_)
    enabled TINYINT NOT NULL DEFAULT 1,
    failures INT NOT NULL DEFAULT 0,          -- consecutive failed deliveries
    created_by BIGINT NOT NULL,
    created_at DATETIME(3) NOT NULL,
    KEY ix_webhook_endpoints_event (event_id),
    KEY ix_webhook_endpoints_org (org_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    endpoint_id BIGINT NOT NULL,
    outbox_id BIGINT NOT NULL,
    attempt INT NOT NULL,
    status_code INT NULL,                     -- HTTP status, NULL when no answer
    error VARCHAR(500) NULL,
    duration_ms INT NOT NULL,
    created_at DATETIME(3) NOT NULL,
    KEY ix_webhook_deliveries_endpoint (endpoint_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS notify_once (
    dedupe_key VARCHAR(191) NOT NULL PRIMARY KEY,
    created_at DATETIME(3) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
