-- The feed's read state per row instead of a per-user mark (users.notif_read_id, now unused).
-- An id is allocated when a row is inserted, not when it commits: a notice whose transaction
-- commits after a later one (one server) or on another Galera node (ids interleave per node)
-- would have an id below a mark the user already set, and would count as read unseen.
-- POST /me/notifications/read stamps the rows that exist then; one that commits later is unread.
ALTER TABLE notifications ADD COLUMN read_at DATETIME(3) NULL;
CREATE INDEX ix_notifications_unread ON notifications (user_id, read_at);
UPDATE notifications n JOIN users u ON u.id = n.user_id SET n.read_at = n.created_at
    WHERE n.read_at IS NULL AND n.id <= u.notif_read_id;
