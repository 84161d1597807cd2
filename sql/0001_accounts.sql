-- Accounts and organizations. Portable to MySQL 8 (no MariaDB-only syntax); utf8mb4, InnoDB.
-- Roles are a bit set: 1 attendee, 2 enterprise, 4 organizer, 8 admin (server/http.h).

CREATE TABLE IF NOT EXISTS users (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    email VARCHAR(254) NOT NULL,
    email_lower VARCHAR(254) NOT NULL,
    password_hash VARCHAR(128) NOT NULL,
    display_name VARCHAR(100) NOT NULL,
    roles INT UNSIGNED NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL,
    UNIQUE KEY uq_users_email (email_lower)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS organizations (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(200) NOT NULL,
    tier VARCHAR(16) NOT NULL,
    sector VARCHAR(64) NOT NULL,
    zone VARCHAR(64) NOT NULL,
    description TEXT NOT NULL,
    created_by BIGINT NOT NULL,
    created_at DATETIME NOT NULL,
    KEY ix_org_created_by (created_by)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS org_members (
    org_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    member_role VARCHAR(16) NOT NULL,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (org_id, user_id),
    KEY ix_org_members_user (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
