-- Events, their sessions, registrations (with waitlist and check-in) and exhibitors.
-- Capacity is enforced under the session row's lock (SELECT … FOR UPDATE) in one transaction;
-- "one active registration per user and session" by the unique key on active_user_id, which the
-- application sets to user_id while a registration is active and to NULL when it is cancelled
-- (portable: no partial indexes or generated columns needed).

CREATE TABLE IF NOT EXISTS events (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    title VARCHAR(200) NOT NULL,
    kind VARCHAR(16) NOT NULL,            -- summit | roadshow | fair
    city VARCHAR(64) NOT NULL,
    venue VARCHAR(200) NOT NULL,
    description TEXT NOT NULL,
    starts_at DATETIME NOT NULL,
    ends_at DATETIME NOT NULL,
    status VARCHAR(16) NOT NULL,          -- draft | published | cancelled
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    KEY ix_events_status_start (status, starts_at, id),
    KEY ix_events_organizer (organizer_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS sessions (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    event_id BIGINT NOT NULL,
    title VARCHAR(200) NOT NULL,
    kind VARCHAR(16) NOT NULL,            -- forum | pitch | competition | exhibition
    room VARCHAR(100) NOT NULL,
    starts_at DATETIME NOT NULL,
    ends_at DATETIME NOT NULL,
    capacity INT NOT NULL,
    waitlist TINYINT NOT NULL,
    registration_opens_at DATETIME NULL,
    registration_closes_at DATETIME NULL,
    confirmed_count INT NOT NULL DEFAULT 0,
    waitlist_count INT NOT NULL DEFAULT 0,
    results_published TINYINT NOT NULL DEFAULT 0,
    created_at DATETIME NOT NULL,
    KEY ix_sessions_event (event_id, starts_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS registrations (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    session_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    active_user_id BIGINT NULL,           -- user_id while confirmed/waitlisted, NULL once cancelled
    status VARCHAR(16) NOT NULL,          -- confirmed | waitlisted | cancelled
    waitlist_position INT NULL,           -- 1..waitlist_count, dense, while waitlisted
    checkin_code VARCHAR(32) NOT NULL,
    checked_in_at DATETIME NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    UNIQUE KEY uq_reg_active (session_id, active_user_id),
    UNIQUE KEY uq_reg_checkin (checkin_code),
    KEY ix_reg_session_status (session_id, status, waitlist_position),
    KEY ix_reg_user (user_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS event_exhibitors (
    event_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    added_by BIGINT NOT NULL,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (event_id, org_id),
    KEY ix_exhibitors_org (org_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS audit_log (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    event_id BIGINT NULL,
    actor_id BIGINT NOT NULL,
    action VARCHAR(64) NOT NULL,
    subject VARCHAR(200) NOT NULL,
    detail TEXT NOT NULL,
    request_id VARCHAR(32) NOT NULL,
    created_at DATETIME NOT NULL,
    KEY ix_audit_event (event_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
