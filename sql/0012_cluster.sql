-- Beyond one machine: what Galera (certification instead of cross-node row locks, ids
-- interleaved per node) needs from the schema.
--
-- sessions.rev: a change counter that an event cancel bumps on every session of the event. A
-- registration writes its session row; on Galera only written rows take part in certification
-- (the shared lock a registration takes on the event row is local to its node), so the cancel
-- writes the rows registrations write, and the two conflict on every node.
ALTER TABLE sessions ADD COLUMN rev BIGINT NOT NULL DEFAULT 0;

-- events.lock_rev: on Galera, "the event row's lock" (every change of an event, its sessions or
-- its pitches takes it before checking anything) is taken by writing this counter
-- (server/access.c: access_event_lock): SELECT ... FOR UPDATE locks one node only, so two
-- pitch placements on two nodes both passed their clash checks. Written, the row certifies.
ALTER TABLE events ADD COLUMN lock_rev BIGINT NOT NULL DEFAULT 0;

-- The audit feed of an event is paged by a per-event sequence, not by the auto-increment id:
-- on Galera a node can commit a lower id after another node committed a higher one, and a
-- reader paging by id > cursor would skip it. Taking the next number writes the event row, so
-- two audit entries of one event certify against each other and their numbers follow commit
-- order. Existing entries keep their ids as numbers.
ALTER TABLE events ADD COLUMN audit_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE audit_log ADD COLUMN seq BIGINT NULL;
UPDATE audit_log SET seq = id WHERE seq IS NULL;
UPDATE events e SET audit_seq = COALESCE((SELECT MAX(a.id) FROM audit_log a WHERE a.event_id = e.id), 0);
CREATE INDEX ix_audit_event_seq ON audit_log (event_id, seq);
