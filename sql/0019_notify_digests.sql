-- Recommendation digests (issue 13, notify/jobs.c): the counterpart projects a project's digest
-- has listed, so that the next digest lists only new ones. One row per (project, counterpart),
-- written in the transaction of the digest that listed it.
CREATE TABLE IF NOT EXISTS notify_digest_items (
    project_id BIGINT NOT NULL,
    counterpart_id BIGINT NOT NULL,
    created_at DATETIME(3) NOT NULL,
    PRIMARY KEY (project_id, counterpart_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
