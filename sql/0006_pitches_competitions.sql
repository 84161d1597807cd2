-- Pitches in sessions of kind `pitch` (a slot is starts_at/ends_at, NULL while unplaced) and
-- competitions in sessions of kind `competition`: criteria, entries, judges and their scores.
-- Placing a pitch checks clashes and writes under the event row's lock (SELECT … FOR UPDATE on
-- events), so concurrent placements in one event are serialized. event_id is copied onto each
-- pitch so that a presenter's agenda across the event's sessions is one indexed query.
-- competition_boards.version counts changes that move a session's leaderboard; the Redis copy of
-- the leaderboard carries the version it was computed from and is rebuilt when it differs.

CREATE TABLE IF NOT EXISTS pitches (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    session_id BIGINT NOT NULL,
    event_id BIGINT NOT NULL,
    project_id BIGINT NOT NULL,
    presenter_user_id BIGINT NOT NULL,
    minutes INT NOT NULL,
    available_from DATETIME NULL,         -- NULL: no limit
    available_until DATETIME NULL,        -- NULL: no limit
    starts_at DATETIME NULL,              -- NULL while unplaced
    ends_at DATETIME NULL,
    created_by BIGINT NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    UNIQUE KEY uq_pitch_session_project (session_id, project_id),
    KEY ix_pitches_session (session_id, starts_at),
    KEY ix_pitches_event_presenter (event_id, presenter_user_id, starts_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS competition_criteria (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    session_id BIGINT NOT NULL,
    name VARCHAR(100) NOT NULL,
    weight DOUBLE NOT NULL,               -- > 0
    max_score DOUBLE NOT NULL,            -- > 0; a score is 0..max_score
    created_at DATETIME NOT NULL,
    UNIQUE KEY uq_criteria_session_name (session_id, name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS competition_entries (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    session_id BIGINT NOT NULL,
    project_id BIGINT NOT NULL,
    created_by BIGINT NOT NULL,
    created_at DATETIME NOT NULL,
    UNIQUE KEY uq_entries_session_project (session_id, project_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS competition_judges (
    session_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    created_by BIGINT NOT NULL,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (session_id, user_id),
    KEY ix_judges_user (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS competition_scores (
    entry_id BIGINT NOT NULL,
    judge_user_id BIGINT NOT NULL,
    criterion_id BIGINT NOT NULL,
    session_id BIGINT NOT NULL,
    value DOUBLE NOT NULL,
    updated_at DATETIME NOT NULL,
    PRIMARY KEY (entry_id, judge_user_id, criterion_id),
    KEY ix_scores_session (session_id, judge_user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS competition_boards (
    session_id BIGINT NOT NULL PRIMARY KEY,
    version BIGINT NOT NULL,
    updated_at DATETIME NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
