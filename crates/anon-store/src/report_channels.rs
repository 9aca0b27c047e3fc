//! The private reports channel of each workspace, recorded by id.
//!
//! Only a channel the app itself created is ever used (never one adopted by
//! name). The first reports of a workspace race to create it; a claim row
//! decides the race in one atomic statement: exactly one caller gets
//! [`ReportChannelClaim::Claimed`] and creates the channel, the others get
//! [`ReportChannelClaim::Busy`] and wait for [`ReportChannels::get`] to
//! answer (see [`ReportChannels::wait_for_channel`]). A claim older than
//! `stale_after_secs` (its holder crashed) can be taken over.

use std::fmt;
use std::time::Duration;

use crate::error::StoreError;
use crate::Store;

/// Proof of holding the creation claim of a workspace's reports channel.
#[derive(Clone, PartialEq, Eq)]
pub struct ClaimId(String);

impl fmt::Debug for ClaimId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClaimId({})", self.0)
    }
}

/// The answer of [`ReportChannels::claim`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportChannelClaim {
    /// The channel exists: its id.
    Existing(String),
    /// The caller must create the channel, then call
    /// [`ReportChannels::complete`] (or [`ReportChannels::release`] on failure).
    Claimed(ClaimId),
    /// Another flow is creating it right now.
    Busy,
}

/// Repository of reports channels; see [`Store::report_channels`].
#[derive(Debug, Clone, Copy)]
pub struct ReportChannels<'a> {
    store: &'a Store,
}

impl<'a> ReportChannels<'a> {
    pub(crate) fn new(store: &'a Store) -> Self {
        Self { store }
    }

    /// The recorded reports channel of `workspace_id`.
    pub async fn get(&self, workspace_id: &str) -> Result<Option<String>, StoreError> {
        let row: Option<(Option<String>,)> =
            sqlx::query_as("SELECT channel_id FROM report_channels WHERE workspace_id = ?1")
                .bind(workspace_id)
                .fetch_optional(&self.store.pool)
                .await?;
        Ok(row.and_then(|(channel,)| channel))
    }

    /// Tries to become the one flow that creates the reports channel.
    pub async fn claim(
        &self,
        workspace_id: &str,
        now: i64,
        stale_after_secs: i64,
    ) -> Result<ReportChannelClaim, StoreError> {
        let claim_id = hex::encode(self.store.keys.random_bytes::<16>()?);
        let won: Option<(String,)> = sqlx::query_as(
            "INSERT INTO report_channels (workspace_id, channel_id, claim_id, claimed_at, updated_at) \
             VALUES (?1, NULL, ?2, ?3, ?3) \
             ON CONFLICT (workspace_id) DO UPDATE SET \
                 claim_id = excluded.claim_id, claimed_at = excluded.claimed_at, \
                 updated_at = excluded.updated_at \
             WHERE report_channels.channel_id IS NULL \
               AND (report_channels.claim_id IS NULL OR report_channels.claimed_at <= ?4) \
             RETURNING claim_id",
        )
        .bind(workspace_id)
        .bind(&claim_id)
        .bind(now)
        .bind(now.saturating_sub(stale_after_secs))
        .fetch_optional(&self.store.pool)
        .await?;
        if won.is_some_and(|(id,)| id == claim_id) {
            return Ok(ReportChannelClaim::Claimed(ClaimId(claim_id)));
        }
        Ok(match self.get(workspace_id).await? {
            Some(channel) => ReportChannelClaim::Existing(channel),
            None => ReportChannelClaim::Busy,
        })
    }

    /// Records the created channel. Returns `false` (and records nothing) if
    /// the claim was lost meanwhile (it went stale and was taken over).
    pub async fn complete(
        &self,
        workspace_id: &str,
        claim: &ClaimId,
        channel_id: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE report_channels SET channel_id = ?1, claim_id = NULL, claimed_at = NULL, \
                 updated_at = ?2 \
             WHERE workspace_id = ?3 AND claim_id = ?4 AND channel_id IS NULL",
        )
        .bind(channel_id)
        .bind(now)
        .bind(workspace_id)
        .bind(&claim.0)
        .execute(&self.store.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Gives up a claim after a failed creation, so the next report retries.
    /// Returns whether the claim was still held.
    pub async fn release(&self, workspace_id: &str, claim: &ClaimId) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE report_channels SET claim_id = NULL, claimed_at = NULL \
             WHERE workspace_id = ?1 AND claim_id = ?2",
        )
        .bind(workspace_id)
        .bind(&claim.0)
        .execute(&self.store.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Forgets the recorded channel (e.g. Pumble says it no longer exists),
    /// so the next report creates a new one. Returns whether one was recorded.
    pub async fn forget(&self, workspace_id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "DELETE FROM report_channels WHERE workspace_id = ?1 AND channel_id IS NOT NULL",
        )
        .bind(workspace_id)
        .execute(&self.store.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// After [`ReportChannelClaim::Busy`]: polls every `poll_every` until the
    /// channel is recorded, the claim is released (creation failed), or
    /// `give_up_after` has passed. Returns the channel id if one appeared.
    pub async fn wait_for_channel(
        &self,
        workspace_id: &str,
        poll_every: Duration,
        give_up_after: Duration,
    ) -> Result<Option<String>, StoreError> {
        let deadline = tokio::time::Instant::now() + give_up_after;
        loop {
            let row: Option<(Option<String>, Option<String>)> = sqlx::query_as(
                "SELECT channel_id, claim_id FROM report_channels WHERE workspace_id = ?1",
            )
            .bind(workspace_id)
            .fetch_optional(&self.store.pool)
            .await?;
            match row {
                Some((Some(channel), _)) => return Ok(Some(channel)),
                Some((None, Some(_))) if tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(poll_every).await;
                }
                _ => return Ok(None),
            }
        }
    }
}
