-- Supply and demand projects, their tags and text terms (an inverted index in MySQL for `q`
-- searches without LIKE scans), interests and mutual matches.

CREATE TABLE IF NOT EXISTS projects (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    org_id BIGINT NOT NULL,
    side VARCHAR(8) NOT NULL,             -- supply | demand
    title VARCHAR(200) NOT NULL,
    description TEXT NOT NULL,
    sector VARCHAR(64) NOT NULL,
    zone VARCHAR(64) NOT NULL,
    tags TEXT NOT NULL,                   -- normalized tags as a JSON array (the rows of project_tags)
    budget_min BIGINT NOT NULL,
    budget_max BIGINT NOT NULL,
    stage VARCHAR(16) NOT NULL,           -- idea | prototype | pilot | production
    status VARCHAR(8) NOT NULL,           -- open | closed
    created_by BIGINT NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    KEY ix_projects_side (side, status, id),
    KEY ix_projects_org (org_id, id),
    KEY ix_projects_sector (sector, status, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS project_tags (
    project_id BIGINT NOT NULL,
    tag VARCHAR(64) NOT NULL,
    PRIMARY KEY (project_id, tag),
    KEY ix_project_tags_tag (tag, project_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS project_terms (
    term VARCHAR(64) NOT NULL,
    project_id BIGINT NOT NULL,
    PRIMARY KEY (term, project_id),
    KEY ix_project_terms_project (project_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS interests (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    project_id BIGINT NOT NULL,           -- the project whose organization speaks
    target_project_id BIGINT NOT NULL,
    decision VARCHAR(16) NOT NULL,        -- interested | not_interested
    user_id BIGINT NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    UNIQUE KEY uq_interest_pair (project_id, target_project_id),
    KEY ix_interest_target (target_project_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS matches (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    supply_project_id BIGINT NOT NULL,
    demand_project_id BIGINT NOT NULL,
    score DOUBLE NOT NULL,
    created_at DATETIME NOT NULL,
    UNIQUE KEY uq_match_pair (supply_project_id, demand_project_id),
    KEY ix_match_demand (demand_project_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
