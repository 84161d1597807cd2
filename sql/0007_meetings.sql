-- 1:1 meetings at an event (SPEC "1:1 meetings"): time slots with a number of tables, and the
-- meetings placed in them. The hard constraints live in unique keys, not only in the scheduler:
--   * a table holds one meeting per slot           uq_meetings_slot_table (slot_id, table_no)
--   * an organization sits in one meeting per slot  meeting_seats PRIMARY KEY (slot_id, org_id),
--     one row per side of every scheduled meeting (a meeting's two organizations are two columns,
--     so one unique key over meetings could not cover both)
--   * one meeting per pair of organizations and event  uq_meetings_pair (event_id, org_a, org_b),
--     org_a < org_b
-- A cancelled meeting (DELETE /meetings/{id}) keeps its row with status 'cancelled' and no slot,
-- so that later schedule runs do not bring the pair back; its seats are deleted.
-- meeting_matches lists the mutual matches merged into a meeting (several projects of the same
-- two organizations).

CREATE TABLE IF NOT EXISTS meeting_slots (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    event_id BIGINT NOT NULL,
    starts_at DATETIME NOT NULL,
    ends_at DATETIME NOT NULL,
    minutes INT NOT NULL,
    tables_count INT NOT NULL,
    created_by BIGINT NOT NULL,
    created_at DATETIME NOT NULL,
    UNIQUE KEY uq_meeting_slots_start (event_id, starts_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS meetings (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    event_id BIGINT NOT NULL,
    org_a BIGINT NOT NULL,
    org_b BIGINT NOT NULL,
    status VARCHAR(16) NOT NULL,          -- scheduled | cancelled
    slot_id BIGINT NULL,                  -- NULL once cancelled
    table_no INT NULL,                    -- 1-based; NULL once cancelled
    score DOUBLE NOT NULL,                -- the best score of the merged matches
    cancelled_by BIGINT NULL,
    created_by BIGINT NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    CONSTRAINT ck_meetings_pair CHECK (org_a < org_b),
    UNIQUE KEY uq_meetings_pair (event_id, org_a, org_b),
    UNIQUE KEY uq_meetings_slot_table (slot_id, table_no),
    KEY ix_meetings_org_a (org_a),
    KEY ix_meetings_org_b (org_b)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS meeting_seats (
    slot_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    meeting_id BIGINT NOT NULL,
    PRIMARY KEY (slot_id, org_id),
    KEY ix_meeting_seats_meeting (meeting_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS meeting_matches (
    meeting_id BIGINT NOT NULL,
    match_id BIGINT NOT NULL,
    PRIMARY KEY (meeting_id, match_id),
    KEY ix_meeting_matches_match (match_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
