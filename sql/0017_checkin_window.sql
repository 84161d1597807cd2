-- The check-in window of an event's sessions (POST /api/v1/checkins): a desk may check a
-- registration in from checkin_opens_min minutes before its session starts until
-- checkin_closes_min minutes after it ends. Per event, set on POST/PATCH /events (0..10080).
-- Rerunnable: the migration runner skips an ADD COLUMN whose column exists.
ALTER TABLE events ADD COLUMN checkin_opens_min INT NOT NULL DEFAULT 120;
ALTER TABLE events ADD COLUMN checkin_closes_min INT NOT NULL DEFAULT 60;
-- GET /api/v1/me/events: an organizer's events, newest first.
CREATE INDEX ix_events_organizer_created ON events (organizer_id, created_at, id);
