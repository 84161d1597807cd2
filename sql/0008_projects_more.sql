-- Projects, more: the match-index sync re-reads the projects changed since its last look
-- (`SELECT id FROM projects WHERE updated_at >= ?` every second on every instance), so that
-- query must be an index range, not a table scan.

CREATE INDEX ix_projects_updated ON projects (updated_at);
