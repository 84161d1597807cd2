-- A presenter's agenda across every event: a pitch placement checks the presenter's placed
-- pitches at all events (not only its own), and the meeting scheduler reads (and locks) the
-- pitches of its organizations' members. Both look pitches up by presenter and time, so that
-- is an index range instead of a table scan (and a locking read locks only those rows).

CREATE INDEX ix_pitches_presenter ON pitches (presenter_user_id, starts_at);
