//! Rate limits: an exact sliding-window log, checked and consumed atomically.
//!
//! Two limits apply to every anonymous send: a global one per sender and one
//! per (sender, target), where the target is the DM recipient or the channel.
//! Each consumed unit is a row in `rate_limit_events`; a send is allowed when
//! fewer than `limit` units of the bucket are younger than `window` seconds
//! (an event at time `t` counts while `now - t < window`). Both limits are
//! checked and, only if both allow, both consumed — inside one
//! `BEGIN IMMEDIATE` transaction, which SQLite serialises across
//! connections and processes. A denied send consumes nothing.
//!
//! Buckets are found by keyed hashes of the sender (and target), domain
//! separated from every other keyed hash, so rate rows cannot be joined to
//! opt-outs or tokens. The bucket's subject is also kept sealed so a key
//! rotation can recompute the hash.

use sqlx::SqliteConnection;

use crate::error::StoreError;
use crate::keys::{KeyRing, SubKey};
use crate::sealing::{encode_parts, HashPurpose, Place};
use crate::Store;

pub(crate) const BUCKET_TABLE: &str = "rate_limit_buckets";
pub(crate) const GLOBAL_SCOPE: &str = "global";
pub(crate) const TARGET_SCOPE: &str = "target";

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

/// The hash purpose of a bucket scope.
pub(crate) fn scope_purpose(scope: &str) -> Option<HashPurpose> {
    match scope {
        GLOBAL_SCOPE => Some(HashPurpose::RateGlobal),
        TARGET_SCOPE => Some(HashPurpose::RateTarget),
        _ => None,
    }
}

struct Bucket {
    /// Existing row id, if the bucket exists.
    id: Option<i64>,
    /// Whether the existing row is keyed under the previous key.
    under_previous: bool,
    hash: Vec<u8>,
    subject: Vec<u8>,
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
        let global_subject = encode_parts(&[GLOBAL_SCOPE, sender_id]);
        let target_subject = encode_parts(&[TARGET_SCOPE, sender_id, target_id]);
        let global = find_bucket(
            &mut tx,
            keys,
            HashPurpose::RateGlobal,
            workspace_id,
            global_subject,
        )
        .await?;
        let target = find_bucket(
            &mut tx,
            keys,
            HashPurpose::RateTarget,
            workspace_id,
            target_subject,
        )
        .await?;

        if let Some(retry_after_secs) = exhausted(
            &mut tx,
            global.id,
            i64::from(policy.global_limit),
            policy.global_window_secs,
            now,
        )
        .await?
        {
            tx.rollback().await?;
            return Ok(RateDecision::DeniedGlobal { retry_after_secs });
        }
        if let Some(retry_after_secs) = exhausted(
            &mut tx,
            target.id,
            i64::from(policy.target_limit),
            policy.target_window_secs,
            now,
        )
        .await?
        {
            tx.rollback().await?;
            return Ok(RateDecision::DeniedTarget { retry_after_secs });
        }
        consume(
            &mut tx,
            keys,
            workspace_id,
            global,
            now,
            policy.global_window_secs,
        )
        .await?;
        consume(
            &mut tx,
            keys,
            workspace_id,
            target,
            now,
            policy.target_window_secs,
        )
        .await?;
        tx.commit().await?;
        Ok(RateDecision::Allowed)
    }
}

async fn find_bucket(
    conn: &mut SqliteConnection,
    keys: &KeyRing,
    purpose: HashPurpose,
    workspace_id: &str,
    subject: Vec<u8>,
) -> Result<Bucket, StoreError> {
    let hashes = keys.lookup_hashes(purpose, workspace_id, &subject);
    // Prefer the row under the current key if (unexpectedly) both exist.
    let found: Option<(i64, Vec<u8>)> = sqlx::query_as(
        "SELECT id, bucket_hash FROM rate_limit_buckets WHERE bucket_hash IN (?1, ?2) \
         ORDER BY bucket_hash = ?1 DESC LIMIT 1",
    )
    .bind(&hashes.current)
    .bind(&hashes.previous)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match found {
        Some((id, hash)) => Bucket {
            id: Some(id),
            under_previous: hash != hashes.current,
            hash: hashes.current,
            subject,
        },
        None => Bucket {
            id: None,
            under_previous: false,
            hash: hashes.current,
            subject,
        },
    })
}

/// `Some(retry_after)` when the bucket already holds `limit` units younger
/// than `window` seconds.
async fn exhausted(
    conn: &mut SqliteConnection,
    bucket_id: Option<i64>,
    limit: i64,
    window: i64,
    now: i64,
) -> Result<Option<i64>, StoreError> {
    let Some(bucket_id) = bucket_id else {
        return Ok(None);
    };
    let since = now.saturating_sub(window);
    let (in_window,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM rate_limit_events WHERE bucket_id = ?1 AND at > ?2")
            .bind(bucket_id)
            .bind(since)
            .fetch_one(&mut *conn)
            .await?;
    if in_window < limit {
        return Ok(None);
    }
    // The send becomes possible once the (in_window - limit + 1) oldest
    // units have left the window: wait for the (in_window - limit)-th.
    let (leaving_at,): (i64,) = sqlx::query_as(
        "SELECT at FROM rate_limit_events WHERE bucket_id = ?1 AND at > ?2 \
         ORDER BY at LIMIT 1 OFFSET ?3",
    )
    .bind(bucket_id)
    .bind(since)
    .bind(in_window - limit)
    .fetch_one(&mut *conn)
    .await?;
    Ok(Some((leaving_at + window - now).max(1)))
}

async fn consume(
    conn: &mut SqliteConnection,
    keys: &KeyRing,
    workspace_id: &str,
    bucket: Bucket,
    now: i64,
    window: i64,
) -> Result<(), StoreError> {
    let sealed_subject = || {
        keys.seal(
            SubKey::Identity,
            subject_place(workspace_id, &bucket.hash),
            &bucket.subject,
        )
    };
    let key_id = keys.current_id();
    let bucket_id = match bucket.id {
        Some(id) if bucket.under_previous => {
            // Re-key the bucket in passing: it is in use, so do it now.
            sqlx::query(
                "UPDATE rate_limit_buckets SET bucket_hash = ?1, key_id = ?2, subject_sealed = ?3, \
                 last_used_at = ?4 WHERE id = ?5",
            )
            .bind(&bucket.hash)
            .bind(key_id.as_bytes().as_slice())
            .bind(sealed_subject()?)
            .bind(now)
            .bind(id)
            .execute(&mut *conn)
            .await?;
            id
        }
        Some(id) => {
            sqlx::query("UPDATE rate_limit_buckets SET last_used_at = ?1 WHERE id = ?2")
                .bind(now)
                .bind(id)
                .execute(&mut *conn)
                .await?;
            id
        }
        None => {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO rate_limit_buckets (workspace_id, bucket_hash, key_id, subject_sealed, last_used_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
            )
            .bind(workspace_id)
            .bind(&bucket.hash)
            .bind(key_id.as_bytes().as_slice())
            .bind(sealed_subject()?)
            .bind(now)
            .fetch_one(&mut *conn)
            .await?;
            id
        }
    };
    sqlx::query("INSERT INTO rate_limit_events (bucket_id, at, expires_at) VALUES (?1, ?2, ?3)")
        .bind(bucket_id)
        .bind(now)
        .bind(now.saturating_add(window))
        .execute(&mut *conn)
        .await?;
    Ok(())
}
