-- Written locks for Galera (server/access.h: access_lock_key). A SELECT ... FOR UPDATE or a
-- shared lock holds on one node only; certification sees written rows. Two transactions that
-- must see each other and share no written row (a pitch placement at one event and a meeting
-- plan or a placement at another, over the same presenter or organization) each write the row
-- of what they serialize on here, so on two nodes one of them fails certification and runs
-- again. Unused on one server, where the FOR UPDATE is the lock.
CREATE TABLE IF NOT EXISTS lock_keys (
    k VARCHAR(40) NOT NULL PRIMARY KEY,       -- 'user:<id>', 'org:<id>'
    rev BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;
