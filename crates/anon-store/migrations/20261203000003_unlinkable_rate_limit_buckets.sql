-- Rate-limit bucket rows must not tell which sends share a sender.
--
-- Version 1 keyed them by a sequential INTEGER id: a sender's first send of
-- the day inserted two adjacent rows (global and per-target), a send to a new
-- target one, a repeat send none; read against the order of messages, the ids
-- grouped messages by author. Now the table is keyed by the bucket hash itself
-- (WITHOUT ROWID): rows are stored and scanned in hash order, and there is no
-- insertion-ordered id at all.
--
-- The plain expiry becomes the same for every bucket of a day (the start of a
-- day, never an hour): existing expiries are rounded up to the next midnight
-- UTC, which keeps every unit alive as long as before.
--
-- Sealed values of existing rows cannot be padded here (that needs the key):
-- Store::open re-seals them padded right after this migration.
CREATE TABLE rate_limit_buckets_by_hash (
    bucket_hash    BLOB    NOT NULL PRIMARY KEY,
    workspace_id   TEXT    NOT NULL,
    key_id         BLOB    NOT NULL,
    subject_sealed BLOB    NOT NULL,
    units_sealed   BLOB    NOT NULL,
    expires_at     INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

INSERT INTO rate_limit_buckets_by_hash
    (bucket_hash, workspace_id, key_id, subject_sealed, units_sealed, expires_at)
SELECT bucket_hash, workspace_id, key_id, subject_sealed, units_sealed,
       ((expires_at + 86399) / 86400) * 86400
FROM rate_limit_buckets
ORDER BY bucket_hash;

DROP TABLE rate_limit_buckets;
ALTER TABLE rate_limit_buckets_by_hash RENAME TO rate_limit_buckets;
CREATE INDEX rate_limit_buckets_by_workspace ON rate_limit_buckets (workspace_id);
CREATE INDEX rate_limit_buckets_by_expiry ON rate_limit_buckets (expires_at);
CREATE INDEX rate_limit_buckets_by_key ON rate_limit_buckets (key_id);
