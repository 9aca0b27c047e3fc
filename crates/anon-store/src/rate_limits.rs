//! Rate limits: an exact sliding-window log, checked and consumed atomically.
//!
//! Two limits apply to every anonymous send: a global one per sender and one
//! per (sender, target), where the target is the DM recipient or the channel.
//! A bucket remembers the times of the units consumed within its window; a
//! send is allowed when fewer than `limit` units are younger than `window`
//! seconds (a unit consumed at `t` counts while `now - t < window`). Both
//! limits are checked and, only if both allow, both consumed — inside one
//! `BEGIN IMMEDIATE` transaction, which SQLite serialises across
//! connections and processes. A denied send consumes nothing.
//!
//! What the database shows: buckets are found by keyed hashes of the sender
//! (and target), domain separated from every other keyed hash so bucket rows
//! cannot be joined to opt-outs or tokens; the unit times are sealed, so no
//! send time can be matched against message or audit times to link messages
//! of one sender; only a coarse expiry (a day boundary) is plain. The
//! subject is sealed too, so a key rotation can recompute the hash.
//!
//! Rows must not tell whose they are from their shape either: the unit list
//! is sealed padded to the policy's slot count (the larger of the two
//! limits; only the newest `limit` units ever matter), the subject to a fixed
//! block, so every bucket row of a policy has the same length whatever its
//! count or scope; the table is keyed by the bucket hash (`WITHOUT ROWID`,
//! migration 3), so neither an id nor the row order follows insertion order;
//! and the plain expiry is the same for every bucket of a day (the start of
//! the day after next), so it tells nothing about when a sender last sent.
//! Every allowed send adds exactly [`ROWS_PER_SEND`] rows — its new buckets
//! and decoys — so neither row counts nor the order SQLite wrote cells in
//! tell a first send of the day from a repeat send.
//!
//! The keyed hashes change every day ([`RATE_LIMIT_EPOCH_SECS`]): the day number is part
//! of the hashed subject, and the first send of a new day copies the units
//! still inside their window to a fresh row; the old row is left untouched
//! until it expires with its day (deleting it would mark its sender as back).
//! So copies of the database taken on different days (backups) show unrelated
//! bucket rows for the same sender, and cannot group messages of different
//! days by author through them. Windows longer than a day are refused.

use sqlx::SqliteConnection;

use crate::error::StoreError;
use crate::keys::{KeyRing, SubKey};
use crate::sealing::{encode_parts, padded_len, HashPurpose, Place};
use crate::Store;

pub(crate) const BUCKET_TABLE: &str = "rate_limit_buckets";
pub(crate) const GLOBAL_SCOPE: &str = "global";
pub(crate) const TARGET_SCOPE: &str = "target";

/// Padding block of a sealed bucket subject (scope, sender[, target], day):
/// global and per-target subjects seal to the same length for ids up to
/// about 100 bytes each.
const SUBJECT_BLOCK: usize = 256;

/// Bytes of one unit time in the unit list.
const UNIT_LEN: usize = 8;

/// Rows every allowed send adds to the table: its new buckets, topped up
/// with decoys. A sender's first send of the day creates two buckets, a
/// send to a new target one, a repeat send none; were that visible (row
/// counts between copies, or the order cells were written in a page), a
/// repeat send would point at the earlier sends of the day.
const ROWS_PER_SEND: usize = 2;

/// Scope of a decoy row's subject: a row that belongs to no sender.
pub(crate) const DECOY_SCOPE: &str = "decoy";

/// Length of the period after which every bucket's keyed hash changes: one
/// day. Windows may not be longer, so a bucket only ever needs the units of
/// the current and the previous period.
pub const RATE_LIMIT_EPOCH_SECS: i64 = 86_400;

/// The two limits. [`RateLimitPolicy::default`] is anon's policy:
/// 20 sends per 60 s per sender, 10 per 3600 s per (sender, target).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitPolicy {
    /// Sends allowed per sender within `global_window_secs`.
    pub global_limit: u32,
    /// Length of the global window in seconds.
    pub global_window_secs: i64,
    /// Sends allowed per (sender, target) within `target_window_secs`.
    pub target_limit: u32,
    /// Length of the per-target window in seconds.
    pub target_window_secs: i64,
}

impl Default for RateLimitPolicy {
    fn default() -> Self {
        Self {
            global_limit: 20,
            global_window_secs: 60,
            target_limit: 10,
            target_window_secs: 3600,
        }
    }
}

impl RateLimitPolicy {
    /// Unit slots of every bucket's sealed unit list: the larger limit, so
    /// global and per-target rows are equally long.
    pub(crate) fn unit_slots(&self) -> usize {
        usize::try_from(self.global_limit.max(self.target_limit)).unwrap_or(usize::MAX)
    }

    fn validate(&self) -> Result<(), StoreError> {
        if self.global_limit == 0 || self.target_limit == 0 {
            return Err(StoreError::InvalidArgument(
                "rate limits must be at least 1",
            ));
        }
        if self.global_window_secs <= 0 || self.target_window_secs <= 0 {
            return Err(StoreError::InvalidArgument(
                "rate-limit windows must be positive",
            ));
        }
        if self.global_window_secs > RATE_LIMIT_EPOCH_SECS
            || self.target_window_secs > RATE_LIMIT_EPOCH_SECS
        {
            return Err(StoreError::InvalidArgument(
                "rate-limit windows must be at most one day",
            ));
        }
        Ok(())
    }
}

/// The answer of [`RateLimits::check_and_consume`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateDecision {
    /// Both limits allowed the send; one unit of each was consumed.
    Allowed,
    /// The sender's global limit is exhausted; nothing was consumed.
    DeniedGlobal {
        /// Seconds until the next send would be allowed by this limit.
        retry_after_secs: i64,
    },
    /// The (sender, target) limit is exhausted; nothing was consumed.
    DeniedTarget {
        /// Seconds until the next send would be allowed by this limit.
        retry_after_secs: i64,
    },
}

/// Repository of rate limits; see [`Store::rate_limits`].
#[derive(Debug, Clone, Copy)]
pub struct RateLimits<'a> {
    store: &'a Store,
}

pub(crate) fn subject_place<'a>(workspace: &'a str, bucket_hash: &'a [u8]) -> Place<'a> {
    Place {
        table: BUCKET_TABLE,
        column: "subject_sealed",
        workspace,
        row: bucket_hash,
    }
}

pub(crate) fn units_place<'a>(workspace: &'a str, bucket_hash: &'a [u8]) -> Place<'a> {
    Place {
        column: "units_sealed",
        ..subject_place(workspace, bucket_hash)
    }
}

/// The hash purpose of a bucket scope (the first part of its subject).
pub(crate) fn scope_purpose(scope: &str) -> Option<HashPurpose> {
    match scope {
        GLOBAL_SCOPE => Some(HashPurpose::RateGlobal),
        TARGET_SCOPE => Some(HashPurpose::RateTarget),
        _ => None,
    }
}

/// Unit times as stored (before sealing): big-endian i64s, ascending.
pub(crate) fn encode_units(units: &[i64]) -> Vec<u8> {
    units.iter().flat_map(|unit| unit.to_be_bytes()).collect()
}

/// Inverse of [`encode_units`].
pub(crate) fn decode_units(bytes: &[u8]) -> Result<Vec<i64>, StoreError> {
    let chunks = bytes.chunks_exact(8);
    if !chunks.remainder().is_empty() {
        return Err(StoreError::Corrupt {
            table: BUCKET_TABLE,
            detail: "unit times are not a whole number of 8-byte values",
        });
    }
    let mut units: Vec<i64> = chunks
        .map(|chunk| {
            let mut be = [0u8; 8];
            be.copy_from_slice(chunk);
            i64::from_be_bytes(be)
        })
        .collect();
    units.sort_unstable();
    Ok(units)
}

/// Padding block of a unit list of `slots` units: a list of at most
/// `slots` units always seals to exactly one block.
pub(crate) fn units_block(slots: usize) -> usize {
    4usize.saturating_add(UNIT_LEN.saturating_mul(slots.max(1)))
}

/// The unit slots a sealed unit list was padded to (`None` if unpadded).
pub(crate) fn sealed_unit_slots(sealed: &[u8]) -> Option<usize> {
    padded_len(sealed).map(|framed| framed.saturating_sub(4) / UNIT_LEN)
}

/// Seals a bucket's subject, padded to [`SUBJECT_BLOCK`].
pub(crate) fn seal_subject(
    keys: &KeyRing,
    workspace_id: &str,
    bucket_hash: &[u8],
    subject: &[u8],
) -> Result<Vec<u8>, StoreError> {
    keys.seal_padded(
        SubKey::Identity,
        subject_place(workspace_id, bucket_hash),
        subject,
        SUBJECT_BLOCK,
    )
}

/// Seals a unit list padded to `slots` units, keeping only the newest
/// `slots` units (a decision never looks further back than the limit, and
/// the slots are at least the limit).
pub(crate) fn seal_units(
    keys: &KeyRing,
    workspace_id: &str,
    bucket_hash: &[u8],
    units: &mut Vec<i64>,
    slots: usize,
) -> Result<Vec<u8>, StoreError> {
    units.sort_unstable();
    let excess = units.len().saturating_sub(slots.max(1));
    units.drain(..excess);
    keys.seal_padded(
        SubKey::Identity,
        units_place(workspace_id, bucket_hash),
        &encode_units(units),
        units_block(slots),
    )
}

/// The plain expiry of every bucket of the day holding `now`: the start of
/// the day after next. Its units were consumed before the day ended and
/// windows are at most a day, so all have left their window by then; and all
/// buckets of a day share it, so it tells nothing about when a sender sent.
pub(crate) fn day_expiry(now: i64) -> i64 {
    now.div_euclid(RATE_LIMIT_EPOCH_SECS)
        .saturating_add(2)
        .saturating_mul(RATE_LIMIT_EPOCH_SECS)
}

/// One bucket as read inside the transaction.
struct Bucket {
    /// Whether a row exists under the current key and the current day.
    current_row: bool,
    /// Hashes of today's rows of the same subject under the previous key
    /// (during a key rotation): their units are merged into the current row,
    /// and they are deleted.
    stale_rows: Vec<Vec<u8>>,
    /// Keyed hash under the current key, for the current day.
    hash: Vec<u8>,
    /// Encoded subject (scope, sender[, target], day).
    subject: Vec<u8>,
    /// Unit times still inside the window, ascending.
    units: Vec<i64>,
}

impl Bucket {
    /// Rows writing this bucket back adds to the table: one when it is new
    /// today, none when it exists, or replaces rows of the previous key.
    fn rows_added(&self) -> usize {
        usize::from(!self.current_row).saturating_sub(self.stale_rows.len())
    }
}

/// The encoded subject of a bucket for the day `epoch`.
pub(crate) fn subject_for(parts: &[&str], epoch: i64) -> Vec<u8> {
    let epoch = epoch.to_string();
    let mut all = parts.to_vec();
    all.push(&epoch);
    encode_parts(&all)
}

#[derive(sqlx::FromRow)]
struct BucketRow {
    bucket_hash: Vec<u8>,
    units_sealed: Vec<u8>,
}

impl<'a> RateLimits<'a> {
    pub(crate) fn new(store: &'a Store) -> Self {
        Self { store }
    }

    /// Checks both limits for `sender_id` sending to `target_id` (a user id
    /// for DMs, a channel id for posts and thread replies) at `now` (unix
    /// seconds) and consumes one unit of each only if both allow.
    pub async fn check_and_consume(
        &self,
        workspace_id: &str,
        sender_id: &str,
        target_id: &str,
        now: i64,
        policy: &RateLimitPolicy,
    ) -> Result<RateDecision, StoreError> {
        policy.validate()?;
        let keys = &self.store.keys;
        let mut tx = self.store.begin_write().await?;
        let global = load_bucket(
            &mut tx,
            keys,
            HashPurpose::RateGlobal,
            workspace_id,
            &[GLOBAL_SCOPE, sender_id],
            now,
            now.saturating_sub(policy.global_window_secs),
        )
        .await?;
        if let Some(retry_after_secs) =
            exhausted(&global, policy.global_limit, policy.global_window_secs, now)
        {
            tx.rollback().await?;
            return Ok(RateDecision::DeniedGlobal { retry_after_secs });
        }
        let target = load_bucket(
            &mut tx,
            keys,
            HashPurpose::RateTarget,
            workspace_id,
            &[TARGET_SCOPE, sender_id, target_id],
            now,
            now.saturating_sub(policy.target_window_secs),
        )
        .await?;
        if let Some(retry_after_secs) =
            exhausted(&target, policy.target_limit, policy.target_window_secs, now)
        {
            tx.rollback().await?;
            return Ok(RateDecision::DeniedTarget { retry_after_secs });
        }
        let slots = policy.unit_slots();
        let created = global.rows_added() + target.rows_added();
        consume(&mut tx, keys, workspace_id, global, now, slots).await?;
        consume(&mut tx, keys, workspace_id, target, now, slots).await?;
        insert_decoys(
            &mut tx,
            keys,
            workspace_id,
            ROWS_PER_SEND.saturating_sub(created),
            now,
            slots,
        )
        .await?;
        tx.commit().await?;
        Ok(RateDecision::Allowed)
    }
}

/// Reads a bucket — its rows under either key, for today and yesterday —
/// and keeps its units younger than the window (`at > since`).
///
/// Yesterday's rows only count while there is no row for today: the day's
/// first send copies their units still in the window into today's row, and
/// from then on today's row holds them. Yesterday's rows are left as they
/// are (never updated, never deleted early) until they expire with every
/// other bucket of their day, so the file shows no trace of which of
/// yesterday's senders has sent again today.
async fn load_bucket(
    conn: &mut SqliteConnection,
    keys: &KeyRing,
    purpose: HashPurpose,
    workspace_id: &str,
    parts: &[&str],
    now: i64,
    since: i64,
) -> Result<Bucket, StoreError> {
    let epoch = now.div_euclid(RATE_LIMIT_EPOCH_SECS);
    let subject = subject_for(parts, epoch);
    let today = keys.lookup_hashes(purpose, workspace_id, &subject);
    let yesterday = keys.lookup_hashes(
        purpose,
        workspace_id,
        &subject_for(parts, epoch.saturating_sub(1)),
    );
    let rows: Vec<BucketRow> = sqlx::query_as(
        "SELECT bucket_hash, units_sealed FROM rate_limit_buckets \
         WHERE bucket_hash IN (?1, ?2, ?3, ?4)",
    )
    .bind(&today.current)
    .bind(&today.previous)
    .bind(&yesterday.current)
    .bind(&yesterday.previous)
    .fetch_all(&mut *conn)
    .await?;
    let mut bucket = Bucket {
        current_row: false,
        stale_rows: Vec::new(),
        hash: today.current.clone(),
        subject,
        units: Vec::new(),
    };
    let is_today =
        |hash: &[u8]| hash == today.current.as_slice() || hash == today.previous.as_slice();
    let has_today = rows.iter().any(|row| is_today(&row.bucket_hash));
    for row in rows {
        if has_today && !is_today(&row.bucket_hash) {
            continue;
        }
        let opened = keys.open(
            SubKey::Identity,
            units_place(workspace_id, &row.bucket_hash),
            &row.units_sealed,
        )?;
        bucket.units.extend(decode_units(&opened)?);
        if row.bucket_hash == bucket.hash {
            bucket.current_row = true;
        } else if is_today(&row.bucket_hash) {
            bucket.stale_rows.push(row.bucket_hash);
        }
    }
    bucket.units.retain(|&at| at > since);
    bucket.units.sort_unstable();
    Ok(bucket)
}

/// `Some(retry_after)` when the bucket already holds `limit` units in the
/// window.
fn exhausted(bucket: &Bucket, limit: u32, window: i64, now: i64) -> Option<i64> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let held = bucket.units.len();
    if held < limit {
        return None;
    }
    // A send becomes possible once (held - limit + 1) units have left the
    // window, i.e. when the unit at index held - limit leaves it.
    let leaving = bucket.units[held - limit];
    Some((leaving + window - now).max(1))
}

/// Appends a unit at `now` and writes the bucket back under the current
/// key, its units padded to `slots`.
async fn consume(
    conn: &mut SqliteConnection,
    keys: &KeyRing,
    workspace_id: &str,
    mut bucket: Bucket,
    now: i64,
    slots: usize,
) -> Result<(), StoreError> {
    bucket.units.push(now);
    let units = seal_units(keys, workspace_id, &bucket.hash, &mut bucket.units, slots)?;
    let expires_at = day_expiry(now);
    let key_id = keys.current_id();
    // Today's rows under the previous key go first, so their units live on
    // only in the current row.
    for hash in &bucket.stale_rows {
        sqlx::query("DELETE FROM rate_limit_buckets WHERE bucket_hash = ?1")
            .bind(hash)
            .execute(&mut *conn)
            .await?;
    }
    if bucket.current_row {
        sqlx::query(
            "UPDATE rate_limit_buckets SET units_sealed = ?1, \
             expires_at = max(expires_at, ?2) WHERE bucket_hash = ?3",
        )
        .bind(units)
        .bind(expires_at)
        .bind(&bucket.hash)
        .execute(&mut *conn)
        .await?;
    } else {
        let subject = seal_subject(keys, workspace_id, &bucket.hash, &bucket.subject)?;
        sqlx::query(
            "INSERT INTO rate_limit_buckets \
             (workspace_id, bucket_hash, key_id, subject_sealed, units_sealed, expires_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .bind(workspace_id)
        .bind(&bucket.hash)
        .bind(key_id.as_bytes().as_slice())
        .bind(subject)
        .bind(units)
        .bind(expires_at)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Adds `count` decoy rows: a random hash, a sealed subject naming no one
/// and an empty unit list, padded like every bucket and expiring with the
/// day's buckets. Nothing ever looks them up.
async fn insert_decoys(
    conn: &mut SqliteConnection,
    keys: &KeyRing,
    workspace_id: &str,
    count: usize,
    now: i64,
    slots: usize,
) -> Result<(), StoreError> {
    for _ in 0..count {
        let hash = keys.random_bytes::<32>()?;
        let subject = subject_for(&[DECOY_SCOPE], now.div_euclid(RATE_LIMIT_EPOCH_SECS));
        sqlx::query(
            "INSERT INTO rate_limit_buckets \
             (workspace_id, bucket_hash, key_id, subject_sealed, units_sealed, expires_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .bind(workspace_id)
        .bind(hash.as_slice())
        .bind(keys.current_id().as_bytes().as_slice())
        .bind(seal_subject(keys, workspace_id, &hash, &subject)?)
        .bind(seal_units(
            keys,
            workspace_id,
            &hash,
            &mut Vec::new(),
            slots,
        )?)
        .bind(day_expiry(now))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct UnpaddedBucketRow {
    workspace_id: String,
    bucket_hash: Vec<u8>,
    subject_sealed: Vec<u8>,
    units_sealed: Vec<u8>,
}

/// Re-seals, padded, the bucket rows under the current key that were sealed
/// before padding (format 1; their length told their send count). Rows under
/// the previous key are padded by [`Store::reseal`]. Runs at open, in one
/// short write transaction: buckets live two days at most, so there are few.
pub(crate) async fn pad_unpadded_buckets(store: &Store) -> Result<u64, StoreError> {
    let keys = &*store.keys;
    let mut tx = store.begin_write().await?;
    let rows: Vec<UnpaddedBucketRow> = sqlx::query_as(
        "SELECT workspace_id, bucket_hash, subject_sealed, units_sealed \
         FROM rate_limit_buckets WHERE key_id = ?1 \
         AND (substr(units_sealed, 1, 1) = x'01' OR substr(subject_sealed, 1, 1) = x'01')",
    )
    .bind(keys.current_id().as_bytes().as_slice())
    .fetch_all(&mut *tx)
    .await?;
    let slots = RateLimitPolicy::default().unit_slots();
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
        let units_slots = sealed_unit_slots(&row.units_sealed).unwrap_or(slots);
        done += sqlx::query(
            "UPDATE rate_limit_buckets SET subject_sealed = ?1, units_sealed = ?2 \
             WHERE bucket_hash = ?3",
        )
        .bind(seal_subject(keys, ws, &row.bucket_hash, &subject)?)
        .bind(seal_units(
            keys,
            ws,
            &row.bucket_hash,
            &mut units,
            units_slots,
        )?)
        .bind(&row.bucket_hash)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    tx.commit().await?;
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_round_trip_sorted() {
        let encoded = encode_units(&[30, -5, 10]);
        assert_eq!(encoded.len(), 24);
        assert_eq!(decode_units(&encoded).expect("decode"), vec![-5, 10, 30]);
        assert!(decode_units(&encoded[..23]).is_err());
        assert_eq!(decode_units(&[]).expect("empty"), Vec::<i64>::new());
    }

    #[test]
    fn expiry_is_the_same_for_a_whole_day_and_after_every_window() {
        let day = RATE_LIMIT_EPOCH_SECS;
        assert_eq!(day_expiry(0), 2 * day);
        assert_eq!(day_expiry(day - 1), 2 * day, "one expiry per day");
        assert_eq!(day_expiry(day), 3 * day);
        let last_second = 10 * day + day - 1;
        assert!(
            day_expiry(last_second) >= last_second + day,
            "a day-long window fits"
        );
    }

    #[test]
    fn unit_lists_fill_a_fixed_number_of_slots() {
        assert_eq!(units_block(20), 4 + 160);
        assert_eq!(units_block(0), 12, "at least one slot");
        let policy = RateLimitPolicy::default();
        assert_eq!(policy.unit_slots(), 20);
    }
}
