-- Every event has an IANA time zone (issue 15): its times stay UTC, the zone says how to show
-- them (the .ics writes them as local times with TZID and a VTIMEZONE). Existing events and any
-- row written without one are in China's zone, as every summit so far was.
ALTER TABLE events ADD COLUMN time_zone VARCHAR(64) NOT NULL DEFAULT 'Asia/Shanghai';

-- A person's subscribable calendar feed: GET /api/v1/calendar/<secret>.ics needs no token, so
-- the secret in the URL is the credential. Only its SHA-256 (hex) is stored; one per user (a new
-- one replaces the old, DELETE removes it).
CREATE TABLE IF NOT EXISTS calendar_feeds (
    user_id BIGINT NOT NULL PRIMARY KEY,
    secret_sha256 CHAR(64) NOT NULL,
    created_at DATETIME NOT NULL,
    UNIQUE KEY uq_calendar_feeds_secret (secret_sha256)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
