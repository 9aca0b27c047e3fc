//! Key rotation: rewriting every sealed value and keyed hash made under the
//! previous key so that the previous key can be retired.
//!
//! Rows are rewritten in batches, each batch one short `BEGIN IMMEDIATE`
//! transaction, so the service keeps running meanwhile (reads and lookups
//! accept both keys until the end). Every update is guarded by
//! `key_id = previous`, so running it twice, or concurrently with writes
//! that already use the current key, changes nothing twice.

use sqlx::SqliteConnection;

use crate::audit::{actor_place, target_place};
use crate::error::StoreError;
use crate::keys::{KeyId, KeyRing, SubKey};
use crate::messages::{author_place, body_place, dm_channel_place, recipient_place};
use crate::opt_outs::user_place;
use crate::rate_limits::{
    decode_units, scope_purpose, seal_subject, seal_units, sealed_unit_slots, subject_place,
    units_place, RateLimitPolicy, DECOY_SCOPE,
};
use crate::sealing::{decode_parts, HashPurpose};
use crate::tokens::{bot_token_place, bot_user_place, owner_place, user_token_place};
use crate::Store;

/// Rows rewritten by [`Store::reseal`], per table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResealReport {
    /// Messages.
    pub messages: u64,
    /// Audit events.
    pub audit_events: u64,
    /// Bot tokens.
    pub bot_tokens: u64,
    /// User tokens.
    pub user_tokens: u64,
    /// Opt-outs.
    pub opt_outs: u64,
    /// Rate-limit buckets.
    pub rate_limit_buckets: u64,
    /// Rows sealed under a key that is neither current nor previous; they
    /// cannot be opened or rewritten with the configured keys.
    pub unreadable: u64,
}

impl ResealReport {
    /// Rows rewritten in all tables.
    pub fn total(&self) -> u64 {
        self.messages
            + self.audit_events
            + self.bot_tokens
            + self.user_tokens
            + self.opt_outs
            + self.rate_limit_buckets
    }
}

/// Tables whose rows carry a `key_id`.
const KEYED_TABLES: &[&str] = &[
    "messages",
    "audit_events",
    "bot_tokens",
    "user_tokens",
    "opt_outs",
    "rate_limit_buckets",
];

impl Store {
    /// Rewrites, `batch_size` rows per transaction, every value sealed or
    /// hashed under the previous key so that it is sealed or hashed under the
    /// current key. It also re-seals, padded, messages and audit events
    /// sealed before padding (format 1: their lengths told exact body and id
    /// lengths). The report counts both and rows under unknown keys.
    pub async fn reseal(&self, batch_size: u32) -> Result<ResealReport, StoreError> {
        if batch_size == 0 {
            return Err(StoreError::InvalidArgument("batch size must be at least 1"));
        }
        let mut report = ResealReport::default();
        let limit = i64::from(batch_size);
        if let Some(previous) = self.keys.previous_id() {
            report.messages = self.reseal_table(Table::Messages, previous, limit).await?;
            report.audit_events = self
                .reseal_table(Table::AuditEvents, previous, limit)
                .await?;
            report.bot_tokens = self.reseal_table(Table::BotTokens, previous, limit).await?;
            report.user_tokens = self
                .reseal_table(Table::UserTokens, previous, limit)
                .await?;
            report.opt_outs = self.reseal_table(Table::OptOuts, previous, limit).await?;
            report.rate_limit_buckets = self
                .reseal_table(Table::RateLimitBuckets, previous, limit)
                .await?;
        }
        let current = self.keys.current_id();
        report.messages += self
            .reseal_table(Table::UnpaddedMessages, current, limit)
            .await?;
        report.audit_events += self
            .reseal_table(Table::UnpaddedAuditEvents, current, limit)
            .await?;
        report.unreadable = self.rows_under_unknown_keys().await?;
        log::info!(
            "reseal under key {}: {} rows rewritten, {} under unknown keys",
            self.keys.current_id(),
            report.total(),
            report.unreadable
        );
        Ok(report)
    }

    /// Rows of every table whose key is neither the current nor the previous one.
    pub async fn rows_under_unknown_keys(&self) -> Result<u64, StoreError> {
        let current = self.keys.current_id();
        let previous = self.keys.previous_id().unwrap_or(current);
        let mut total = 0u64;
        for table in KEYED_TABLES {
            let statement = format!(
                "SELECT COUNT(*) FROM {table} WHERE key_id IS NOT NULL AND key_id NOT IN (?1, ?2)"
            );
            let (count,): (i64,) = sqlx::query_as(&statement)
                .bind(current.as_bytes().as_slice())
                .bind(previous.as_bytes().as_slice())
                .fetch_one(&self.pool)
                .await?;
            total += u64::try_from(count).unwrap_or(0);
        }
        Ok(total)
    }

    /// The first table holding a row under a key that is neither the current
    /// nor the previous one, with that key's id. [`Store::open`] refuses such
    /// a database: with a wrong key, sealed values would fail to open and,
    /// worse, keyed-hash lookups would silently miss (an opted-out user would
    /// look opted in, a sender's rate-limit history would vanish).
    pub(crate) async fn first_unknown_key(
        &self,
    ) -> Result<Option<(&'static str, KeyId)>, StoreError> {
        let current = self.keys.current_id();
        let previous = self.keys.previous_id().unwrap_or(current);
        for table in KEYED_TABLES {
            let statement = format!(
                "SELECT key_id FROM {table} WHERE key_id IS NOT NULL AND key_id NOT IN (?1, ?2) LIMIT 1"
            );
            let found: Option<(Vec<u8>,)> = sqlx::query_as(&statement)
                .bind(current.as_bytes().as_slice())
                .bind(previous.as_bytes().as_slice())
                .fetch_optional(&self.pool)
                .await?;
            if let Some((raw,)) = found {
                let key_id = KeyId::from_slice(&raw).ok_or(StoreError::Corrupt {
                    table,
                    detail: "key_id is not 8 bytes",
                })?;
                return Ok(Some((table, key_id)));
            }
        }
        Ok(None)
    }

    /// Rewrites `table` batch by batch, each batch one write transaction,
    /// until a batch rewrites nothing.
    async fn reseal_table(
        &self,
        table: Table,
        previous: KeyId,
        limit: i64,
    ) -> Result<u64, StoreError> {
        let keys = &*self.keys;
        let mut total = 0;
        loop {
            let mut tx = self.begin_write().await?;
            let done = match table {
                Table::Messages => {
                    reseal_messages(&mut tx, keys, previous, Rows::All, limit).await?
                }
                Table::UnpaddedMessages => {
                    reseal_messages(&mut tx, keys, previous, Rows::Unpadded, limit).await?
                }
                Table::AuditEvents => {
                    reseal_audit(&mut tx, keys, previous, Rows::All, limit).await?
                }
                Table::UnpaddedAuditEvents => {
                    reseal_audit(&mut tx, keys, previous, Rows::Unpadded, limit).await?
                }
                Table::BotTokens => reseal_bot_tokens(&mut tx, keys, previous, limit).await?,
                Table::UserTokens => reseal_user_tokens(&mut tx, keys, previous, limit).await?,
                Table::OptOuts => reseal_opt_outs(&mut tx, keys, previous, limit).await?,
                Table::RateLimitBuckets => reseal_buckets(&mut tx, keys, previous, limit).await?,
            };
            tx.commit().await?;
            total += done;
            if done == 0 {
                return Ok(total);
            }
        }
    }
}

/// The tables [`Store::reseal`] rewrites.
#[derive(Debug, Clone, Copy)]
enum Table {
    Messages,
    /// Messages under the given key holding a value sealed before padding.
    UnpaddedMessages,
    AuditEvents,
    /// Audit events under the given key holding a value sealed before padding.
    UnpaddedAuditEvents,
    BotTokens,
    UserTokens,
    OptOuts,
    RateLimitBuckets,
}

#[derive(sqlx::FromRow)]
struct SealedMessageRow {
    id: String,
    workspace_id: String,
    author_sealed: Vec<u8>,
    recipient_sealed: Option<Vec<u8>>,
    body_sealed: Vec<u8>,
    channel_sealed: Option<Vec<u8>>,
}

#[derive(sqlx::FromRow)]
struct SealedAuditRow {
    id: i64,
    row_key: String,
    workspace_id: Option<String>,
    actor_sealed: Option<Vec<u8>>,
    target_sealed: Option<Vec<u8>>,
}

#[derive(sqlx::FromRow)]
struct SealedUserTokenRow {
    workspace_id: String,
    owner_hash: Vec<u8>,
    owner_sealed: Vec<u8>,
    token_sealed: Vec<u8>,
}

#[derive(sqlx::FromRow)]
struct SealedBucketRow {
    workspace_id: String,
    bucket_hash: Vec<u8>,
    subject_sealed: Vec<u8>,
    units_sealed: Vec<u8>,
    expires_at: i64,
}

fn current_key(keys: &KeyRing) -> Vec<u8> {
    keys.current_id().as_bytes().to_vec()
}

/// Which rows under a key (`from`: the previous key for a rotation, the
/// current one for padding) a batch rewrites.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rows {
    /// Every row (key rotation).
    All,
    /// Rows holding a value sealed before padding (format 1); rewriting
    /// pads them, so they are not selected again.
    Unpadded,
}

async fn reseal_messages(
    conn: &mut SqliteConnection,
    keys: &KeyRing,
    from: KeyId,
    rows: Rows,
    limit: i64,
) -> Result<u64, StoreError> {
    let statement = match rows {
        Rows::All => {
            "SELECT id, workspace_id, author_sealed, recipient_sealed, body_sealed, channel_sealed \
             FROM messages WHERE key_id = ?1 LIMIT ?2"
        }
        Rows::Unpadded => {
            "SELECT id, workspace_id, author_sealed, recipient_sealed, body_sealed, channel_sealed \
             FROM messages WHERE key_id = ?1 AND (substr(author_sealed, 1, 1) = x'01' \
             OR substr(body_sealed, 1, 1) = x'01' OR substr(recipient_sealed, 1, 1) = x'01' \
             OR substr(channel_sealed, 1, 1) = x'01') LIMIT ?2"
        }
    };
    let rows: Vec<SealedMessageRow> = sqlx::query_as(statement)
        .bind(from.as_bytes().as_slice())
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    let mut done = 0;
    for SealedMessageRow {
        id,
        workspace_id: ws,
        author_sealed: author,
        recipient_sealed: recipient,
        body_sealed: body,
        channel_sealed: channel,
    } in rows
    {
        let channel_place = dm_channel_place(&ws, &id);
        let channel = channel
            .map(|sealed| keys.reseal(SubKey::Identity, channel_place, &sealed))
            .transpose()?;
        let author_place = author_place(&ws, &id);
        let recipient_place = recipient_place(&ws, &id);
        let body_place = body_place(&ws, &id);
        let author = keys.reseal(SubKey::Identity, author_place, &author)?;
        let recipient = recipient
            .map(|sealed| keys.reseal(SubKey::Identity, recipient_place, &sealed))
            .transpose()?;
        let body = keys.reseal(SubKey::Body, body_place, &body)?;
        done += sqlx::query(
            "UPDATE messages SET key_id = ?1, author_sealed = ?2, recipient_sealed = ?3, body_sealed = ?4, \
                                 channel_sealed = ?7 \
             WHERE id = ?5 AND key_id = ?6",
        )
        .bind(current_key(keys))
        .bind(author)
        .bind(recipient)
        .bind(body)
        .bind(&id)
        .bind(from.as_bytes().as_slice())
        .bind(channel)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    }
    Ok(done)
}

async fn reseal_audit(
    conn: &mut SqliteConnection,
    keys: &KeyRing,
    from: KeyId,
    rows: Rows,
    limit: i64,
) -> Result<u64, StoreError> {
    let statement = match rows {
        Rows::All => {
            "SELECT id, row_key, workspace_id, actor_sealed, target_sealed \
             FROM audit_events WHERE key_id = ?1 LIMIT ?2"
        }
        Rows::Unpadded => {
            "SELECT id, row_key, workspace_id, actor_sealed, target_sealed \
             FROM audit_events WHERE key_id = ?1 AND (substr(actor_sealed, 1, 1) = x'01' \
             OR substr(target_sealed, 1, 1) = x'01') LIMIT ?2"
        }
    };
    let rows: Vec<SealedAuditRow> = sqlx::query_as(statement)
        .bind(from.as_bytes().as_slice())
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    let mut done = 0;
    for SealedAuditRow {
        id,
        row_key,
        workspace_id: ws,
        actor_sealed: actor,
        target_sealed: target,
    } in rows
    {
        let ws = ws.unwrap_or_default();
        let actor_place = actor_place(&ws, &row_key);
        let target_place = target_place(&ws, &row_key);
        let actor = actor
            .map(|sealed| keys.reseal(SubKey::Identity, actor_place, &sealed))
            .transpose()?;
        let target = target
            .map(|sealed| keys.reseal(SubKey::Identity, target_place, &sealed))
            .transpose()?;
        done += sqlx::query(
            "UPDATE audit_events SET key_id = ?1, actor_sealed = ?2, target_sealed = ?3 \
             WHERE id = ?4 AND key_id = ?5",
        )
        .bind(current_key(keys))
        .bind(actor)
        .bind(target)
        .bind(id)
        .bind(from.as_bytes().as_slice())
        .execute(&mut *conn)
        .await?
        .rows_affected();
    }
    Ok(done)
}

async fn reseal_bot_tokens(
    conn: &mut SqliteConnection,
    keys: &KeyRing,
    previous: KeyId,
    limit: i64,
) -> Result<u64, StoreError> {
    let rows: Vec<(String, Vec<u8>, Option<Vec<u8>>)> = sqlx::query_as(
        "SELECT workspace_id, token_sealed, bot_user_sealed FROM bot_tokens WHERE key_id = ?1 LIMIT ?2",
    )
    .bind(previous.as_bytes().as_slice())
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let mut done = 0;
    for (ws, token, bot_user) in rows {
        let token_place = bot_token_place(&ws);
        let user_place = bot_user_place(&ws);
        let token = keys.reseal(SubKey::Token, token_place, &token)?;
        let bot_user = bot_user
            .map(|sealed| keys.reseal(SubKey::Identity, user_place, &sealed))
            .transpose()?;
        done += sqlx::query(
            "UPDATE bot_tokens SET key_id = ?1, token_sealed = ?2, bot_user_sealed = ?3 \
             WHERE workspace_id = ?4 AND key_id = ?5",
        )
        .bind(current_key(keys))
        .bind(token)
        .bind(bot_user)
        .bind(&ws)
        .bind(previous.as_bytes().as_slice())
        .execute(&mut *conn)
        .await?
        .rows_affected();
    }
    Ok(done)
}

async fn reseal_user_tokens(
    conn: &mut SqliteConnection,
    keys: &KeyRing,
    previous: KeyId,
    limit: i64,
) -> Result<u64, StoreError> {
    let rows: Vec<SealedUserTokenRow> = sqlx::query_as(
        "SELECT workspace_id, owner_hash, owner_sealed, token_sealed \
         FROM user_tokens WHERE key_id = ?1 LIMIT ?2",
    )
    .bind(previous.as_bytes().as_slice())
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let mut done = 0;
    for SealedUserTokenRow {
        workspace_id: ws,
        owner_hash: old_hash,
        owner_sealed: owner,
        token_sealed: token,
    } in rows
    {
        let owner = keys.open(SubKey::Identity, owner_place(&ws, &old_hash), &owner)?;
        let token = keys.open(SubKey::Token, user_token_place(&ws, &old_hash), &token)?;
        let new_hash = keys.current_hash(HashPurpose::TokenOwner, &ws, &owner);
        let newer: Option<(i64,)> =
            sqlx::query_as("SELECT 1 FROM user_tokens WHERE workspace_id = ?1 AND owner_hash = ?2")
                .bind(&ws)
                .bind(&new_hash)
                .fetch_optional(&mut *conn)
                .await?;
        let statement = if newer.is_some() {
            // A token saved under the current key since the rotation wins.
            sqlx::query("DELETE FROM user_tokens WHERE workspace_id = ?1 AND owner_hash = ?2 AND key_id = ?3")
                .bind(&ws)
                .bind(&old_hash)
                .bind(previous.as_bytes().as_slice())
        } else {
            sqlx::query(
                "UPDATE user_tokens SET owner_hash = ?1, key_id = ?2, owner_sealed = ?3, token_sealed = ?4 \
                 WHERE workspace_id = ?5 AND owner_hash = ?6 AND key_id = ?7",
            )
            .bind(new_hash.clone())
            .bind(current_key(keys))
            .bind(keys.seal(SubKey::Identity, owner_place(&ws, &new_hash), &owner)?)
            .bind(keys.seal(SubKey::Token, user_token_place(&ws, &new_hash), &token)?)
            .bind(&ws)
            .bind(&old_hash)
            .bind(previous.as_bytes().as_slice())
        };
        done += statement.execute(&mut *conn).await?.rows_affected();
    }
    Ok(done)
}

async fn reseal_opt_outs(
    conn: &mut SqliteConnection,
    keys: &KeyRing,
    previous: KeyId,
    limit: i64,
) -> Result<u64, StoreError> {
    let rows: Vec<(String, Vec<u8>, Vec<u8>)> = sqlx::query_as(
        "SELECT workspace_id, user_hash, user_sealed FROM opt_outs WHERE key_id = ?1 LIMIT ?2",
    )
    .bind(previous.as_bytes().as_slice())
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let mut done = 0;
    for (ws, old_hash, user) in rows {
        let user = keys.open(SubKey::Identity, user_place(&ws, &old_hash), &user)?;
        let new_hash = keys.current_hash(HashPurpose::OptOut, &ws, &user);
        let already: Option<(i64,)> =
            sqlx::query_as("SELECT 1 FROM opt_outs WHERE workspace_id = ?1 AND user_hash = ?2")
                .bind(&ws)
                .bind(&new_hash)
                .fetch_optional(&mut *conn)
                .await?;
        let statement = if already.is_some() {
            sqlx::query(
                "DELETE FROM opt_outs WHERE workspace_id = ?1 AND user_hash = ?2 AND key_id = ?3",
            )
            .bind(&ws)
            .bind(&old_hash)
            .bind(previous.as_bytes().as_slice())
        } else {
            sqlx::query(
                "UPDATE opt_outs SET user_hash = ?1, key_id = ?2, user_sealed = ?3 \
                 WHERE workspace_id = ?4 AND user_hash = ?5 AND key_id = ?6",
            )
            .bind(new_hash.clone())
            .bind(current_key(keys))
            .bind(keys.seal(SubKey::Identity, user_place(&ws, &new_hash), &user)?)
            .bind(&ws)
            .bind(&old_hash)
            .bind(previous.as_bytes().as_slice())
        };
        done += statement.execute(&mut *conn).await?.rows_affected();
    }
    Ok(done)
}

async fn reseal_buckets(
    conn: &mut SqliteConnection,
    keys: &KeyRing,
    previous: KeyId,
    limit: i64,
) -> Result<u64, StoreError> {
    let rows: Vec<SealedBucketRow> = sqlx::query_as(
        "SELECT workspace_id, bucket_hash, subject_sealed, units_sealed, expires_at \
         FROM rate_limit_buckets WHERE key_id = ?1 LIMIT ?2",
    )
    .bind(previous.as_bytes().as_slice())
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let default_slots = RateLimitPolicy::default().unit_slots();
    let mut done = 0;
    for row in rows {
        let ws = row.workspace_id.as_str();
        let subject = keys.open(
            SubKey::Identity,
            subject_place(ws, &row.bucket_hash),
            &row.subject_sealed,
        )?;
        let mut units = decode_units(&keys.open(
            SubKey::Identity,
            units_place(ws, &row.bucket_hash),
            &row.units_sealed,
        )?)?;
        // Keep the slot count the row was padded to (rows sealed before
        // padding get the default policy's).
        let slots = sealed_unit_slots(&row.units_sealed).unwrap_or(default_slots);
        let scope = decode_parts(&subject).and_then(|parts| parts.into_iter().next());
        if scope.as_deref() == Some(DECOY_SCOPE) {
            // A decoy's hash is random, not keyed: it is only re-sealed.
            done += sqlx::query(
                "UPDATE rate_limit_buckets SET key_id = ?1, subject_sealed = ?2, units_sealed = ?3 \
                 WHERE bucket_hash = ?4 AND key_id = ?5",
            )
            .bind(current_key(keys))
            .bind(seal_subject(keys, ws, &row.bucket_hash, &subject)?)
            .bind(seal_units(keys, ws, &row.bucket_hash, &mut units, slots)?)
            .bind(&row.bucket_hash)
            .bind(previous.as_bytes().as_slice())
            .execute(&mut *conn)
            .await?
            .rows_affected();
            continue;
        }
        let purpose = scope
            .as_deref()
            .and_then(scope_purpose)
            .ok_or(StoreError::Corrupt {
                table: "rate_limit_buckets",
                detail: "a bucket subject has no known scope",
            })?;
        let new_hash = keys.current_hash(purpose, ws, &subject);
        let existing: Option<(Vec<u8>,)> =
            sqlx::query_as("SELECT units_sealed FROM rate_limit_buckets WHERE bucket_hash = ?1")
                .bind(&new_hash)
                .fetch_optional(&mut *conn)
                .await?;
        if let Some((kept_units,)) = existing {
            // Merge: units counted under the old hash keep counting.
            units.extend(decode_units(&keys.open(
                SubKey::Identity,
                units_place(ws, &new_hash),
                &kept_units,
            )?)?);
            let slots = sealed_unit_slots(&kept_units).unwrap_or(slots);
            sqlx::query(
                "UPDATE rate_limit_buckets SET units_sealed = ?1, expires_at = max(expires_at, ?2) \
                 WHERE bucket_hash = ?3",
            )
            .bind(seal_units(keys, ws, &new_hash, &mut units, slots)?)
            .bind(row.expires_at)
            .bind(&new_hash)
            .execute(&mut *conn)
            .await?;
            done += sqlx::query(
                "DELETE FROM rate_limit_buckets WHERE bucket_hash = ?1 AND key_id = ?2",
            )
            .bind(&row.bucket_hash)
            .bind(previous.as_bytes().as_slice())
            .execute(&mut *conn)
            .await?
            .rows_affected();
        } else {
            done += sqlx::query(
                "UPDATE rate_limit_buckets SET bucket_hash = ?1, key_id = ?2, subject_sealed = ?3, \
                 units_sealed = ?4 WHERE bucket_hash = ?5 AND key_id = ?6",
            )
            .bind(new_hash.clone())
            .bind(current_key(keys))
            .bind(seal_subject(keys, ws, &new_hash, &subject)?)
            .bind(seal_units(keys, ws, &new_hash, &mut units, slots)?)
            .bind(&row.bucket_hash)
            .bind(previous.as_bytes().as_slice())
            .execute(&mut *conn)
            .await?
            .rows_affected();
        }
    }
    Ok(done)
}
