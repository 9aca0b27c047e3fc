-- anon-store schema v1.
--
-- Plain columns: workspace ids, channel ids, our random conversation and
-- message ids, Pumble message ids, kinds, codes and times.
-- *_sealed columns: AES-256-GCM (format byte, key id, nonce, ciphertext, tag),
-- associated data = table, column, workspace and row key.
-- *_hash columns: HMAC-SHA256 keyed hashes, domain-separated by purpose and
-- workspace, for rows that must be found by user.
-- key_id: the key every sealed value and hash of the row was made under.

-- One anonymous exchange: a DM, a channel post or a thread post and the
-- anonymous replies to it. No identities live here.
CREATE TABLE conversations (
    id             TEXT    NOT NULL PRIMARY KEY,
    workspace_id   TEXT    NOT NULL,
    kind           TEXT    NOT NULL CHECK (kind IN ('DM', 'CHANNEL', 'THREAD')),
    channel_id     TEXT,
    thread_root_id TEXT,
    created_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX conversations_by_workspace ON conversations (workspace_id);
CREATE INDEX conversations_by_created_at ON conversations (created_at);

-- Every anonymous message (first message or reply) with its own author.
CREATE TABLE messages (
    id                  TEXT    NOT NULL PRIMARY KEY,
    conversation_id     TEXT    NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    workspace_id        TEXT    NOT NULL,
    kind                TEXT    NOT NULL CHECK (kind IN ('DM', 'CHANNEL', 'THREAD')),
    key_id              BLOB    NOT NULL,
    author_sealed       BLOB    NOT NULL,
    recipient_sealed    BLOB,
    body_sealed         BLOB    NOT NULL,
    channel_id          TEXT,
    thread_root_id      TEXT,
    platform_message_id TEXT,
    created_at          INTEGER NOT NULL
) STRICT;
CREATE INDEX messages_by_conversation ON messages (conversation_id);
CREATE INDEX messages_by_workspace ON messages (workspace_id);
CREATE INDEX messages_by_created_at ON messages (created_at);
CREATE INDEX messages_by_key ON messages (key_id);

-- Users who opted out of anonymous DMs. Survives a workspace purge (the
-- user's choice outlives a reinstall). user_sealed exists only so a key
-- rotation can recompute user_hash.
CREATE TABLE opt_outs (
    workspace_id TEXT    NOT NULL,
    user_hash    BLOB    NOT NULL,
    key_id       BLOB    NOT NULL,
    user_sealed  BLOB    NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, user_hash)
) STRICT;
CREATE INDEX opt_outs_by_key ON opt_outs (key_id);

-- Rate limits: one bucket per sender (global limit) and per (sender,
-- target), found by keyed hash. The times of the units consumed in the
-- window are sealed together in units_sealed, so the table holds no send
-- times that could be matched to messages; expires_at (when every unit has
-- left its window, rounded up to the hour) is plain only so retention can
-- delete idle buckets.
CREATE TABLE rate_limit_buckets (
    id             INTEGER NOT NULL PRIMARY KEY,
    workspace_id   TEXT    NOT NULL,
    bucket_hash    BLOB    NOT NULL UNIQUE,
    key_id         BLOB    NOT NULL,
    subject_sealed BLOB    NOT NULL,
    units_sealed   BLOB    NOT NULL,
    expires_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX rate_limit_buckets_by_workspace ON rate_limit_buckets (workspace_id);
CREATE INDEX rate_limit_buckets_by_expiry ON rate_limit_buckets (expires_at);
CREATE INDEX rate_limit_buckets_by_key ON rate_limit_buckets (key_id);

-- The reports channel the app created, per workspace, and the claim that
-- lets exactly one flow create it.
CREATE TABLE report_channels (
    workspace_id TEXT    NOT NULL PRIMARY KEY,
    channel_id   TEXT,
    claim_id     TEXT,
    claimed_at   INTEGER,
    updated_at   INTEGER NOT NULL
) STRICT;

-- Audit trail. Never a body; actor and target sealed (not hashed) so rows
-- cannot be linked to each other by someone holding only the database.
CREATE TABLE audit_events (
    id              INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    row_key         TEXT    NOT NULL UNIQUE,
    workspace_id    TEXT,
    event           TEXT    NOT NULL,
    outcome         TEXT    NOT NULL,
    key_id          BLOB,
    actor_sealed    BLOB,
    target_kind     TEXT,
    target_sealed   BLOB,
    conversation_id TEXT,
    message_id      TEXT,
    at              INTEGER NOT NULL
) STRICT;
CREATE INDEX audit_events_by_workspace ON audit_events (workspace_id, at);
CREATE INDEX audit_events_by_at ON audit_events (at);
CREATE INDEX audit_events_by_key ON audit_events (key_id);

-- One bot token per workspace.
CREATE TABLE bot_tokens (
    workspace_id    TEXT    NOT NULL PRIMARY KEY,
    key_id          BLOB    NOT NULL,
    token_sealed    BLOB    NOT NULL,
    bot_user_sealed BLOB,
    updated_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX bot_tokens_by_key ON bot_tokens (key_id);

-- One user token per (workspace, user); the owner is a keyed hash.
CREATE TABLE user_tokens (
    workspace_id TEXT    NOT NULL,
    owner_hash   BLOB    NOT NULL,
    key_id       BLOB    NOT NULL,
    owner_sealed BLOB    NOT NULL,
    token_sealed BLOB    NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, owner_hash)
) STRICT;
CREATE INDEX user_tokens_by_key ON user_tokens (key_id);

-- OAuth `state` nonces issued and not yet used. Stored as SHA-256 digests
-- (the nonce is 256 random bits, so an unkeyed digest cannot be reversed and
-- needs no re-hashing on key rotation).
CREATE TABLE oauth_states (
    state_digest BLOB    NOT NULL PRIMARY KEY,
    created_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX oauth_states_by_created_at ON oauth_states (created_at);
