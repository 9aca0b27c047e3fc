//! Lifecycle and retention: purging a workspace on uninstall and purging
//! expired rows on a schedule, both in bounded batches.

use std::fmt;

use crate::batch_delete::{delete_in_batches, Arg};
use crate::error::StoreError;
use crate::Store;

const DAY_SECS: i64 = 24 * 60 * 60;

/// Default number of rows deleted per statement.
pub const DEFAULT_BATCH_SIZE: u32 = 500;

/// How long rows live. [`RetentionPolicy::default`] is anon's policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// Messages (bodies and authors) older than this are deleted: 90 days.
    /// A conversation goes when it is older than this and has no messages left.
    pub messages_max_age_secs: i64,
    /// Audit events older than this are deleted: 90 days.
    pub audit_max_age_secs: i64,
    /// Unused OAuth states older than this are deleted: 24 hours.
    pub oauth_state_max_age_secs: i64,
    /// Report-channel creation claims never completed after this are
    /// deleted: 1 hour.
    pub report_claim_max_age_secs: i64,
    /// Rows deleted per statement.
    pub batch_size: u32,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        Self {
            messages_max_age_secs: 90 * DAY_SECS,
            audit_max_age_secs: 90 * DAY_SECS,
            oauth_state_max_age_secs: DAY_SECS,
            report_claim_max_age_secs: 60 * 60,
            batch_size: DEFAULT_BATCH_SIZE,
        }
    }
}

/// Rows deleted by [`Store::purge_expired`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetentionReport {
    /// Messages.
    pub messages: u64,
    /// Conversations.
    pub conversations: u64,
    /// Audit events.
    pub audit_events: u64,
    /// OAuth states.
    pub oauth_states: u64,
    /// Rate-limit buckets whose every unit has left its window.
    pub rate_limit_buckets: u64,
    /// Abandoned report-channel claims.
    pub report_claims: u64,
}

/// Rows deleted by [`Store::purge_workspace`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkspacePurgeReport {
    /// Messages.
    pub messages: u64,
    /// Conversations.
    pub conversations: u64,
    /// Audit events.
    pub audit_events: u64,
    /// Rate-limit buckets.
    pub rate_limit_buckets: u64,
    /// The reports channel record (0 or 1).
    pub report_channels: u64,
    /// Bot tokens (0 or 1).
    pub bot_tokens: u64,
    /// User tokens.
    pub user_tokens: u64,
}

impl fmt::Display for RetentionReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "messages={} conversations={} audit_events={} oauth_states={} \
             rate_limit_buckets={} report_claims={}",
            self.messages,
            self.conversations,
            self.audit_events,
            self.oauth_states,
            self.rate_limit_buckets,
            self.report_claims
        )
    }
}

impl fmt::Display for WorkspacePurgeReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "messages={} conversations={} audit_events={} rate_limit_buckets={} \
             report_channels={} bot_tokens={} user_tokens={}",
            self.messages,
            self.conversations,
            self.audit_events,
            self.rate_limit_buckets,
            self.report_channels,
            self.bot_tokens,
            self.user_tokens
        )
    }
}

impl Store {
    /// Deletes every row of `workspace_id` — messages, conversations, audit
    /// events, rate limits, the reports channel record and all tokens —
    /// except opt-outs. Opt-outs are kept on purpose (as keyed hashes with a
    /// sealed copy for key rotation): a user who opted out of anonymous DMs
    /// stays opted out when the app is reinstalled.
    pub async fn purge_workspace(
        &self,
        workspace_id: &str,
    ) -> Result<WorkspacePurgeReport, StoreError> {
        let pool = &self.pool;
        let ws = [Arg::Text(workspace_id)];
        let batch = DEFAULT_BATCH_SIZE;
        let by_workspace = |table: &str| {
            format!(
                "DELETE FROM {table} WHERE rowid IN \
                 (SELECT rowid FROM {table} WHERE workspace_id = ?1 LIMIT ?2)"
            )
        };
        Ok(WorkspacePurgeReport {
            messages: delete_in_batches(pool, &by_workspace("messages"), &ws, batch).await?,
            conversations: delete_in_batches(pool, &by_workspace("conversations"), &ws, batch)
                .await?,
            audit_events: delete_in_batches(pool, &by_workspace("audit_events"), &ws, batch)
                .await?,
            // Keyed by bucket hash, without a rowid (migration 3).
            rate_limit_buckets: delete_in_batches(
                pool,
                "DELETE FROM rate_limit_buckets WHERE bucket_hash IN \
                 (SELECT bucket_hash FROM rate_limit_buckets WHERE workspace_id = ?1 LIMIT ?2)",
                &ws,
                batch,
            )
            .await?,
            report_channels: delete_in_batches(pool, &by_workspace("report_channels"), &ws, batch)
                .await?,
            bot_tokens: delete_in_batches(pool, &by_workspace("bot_tokens"), &ws, batch).await?,
            user_tokens: delete_in_batches(pool, &by_workspace("user_tokens"), &ws, batch).await?,
        })
    }

    /// Deletes rows past their retention at `now` (unix seconds).
    pub async fn purge_expired(
        &self,
        now: i64,
        policy: &RetentionPolicy,
    ) -> Result<RetentionReport, StoreError> {
        let pool = &self.pool;
        let batch = policy.batch_size;
        let messages_cutoff = Arg::Int(now.saturating_sub(policy.messages_max_age_secs));
        let audit_cutoff = Arg::Int(now.saturating_sub(policy.audit_max_age_secs));
        let state_cutoff = Arg::Int(now.saturating_sub(policy.oauth_state_max_age_secs));
        let claim_cutoff = Arg::Int(now.saturating_sub(policy.report_claim_max_age_secs));
        Ok(RetentionReport {
            messages: delete_in_batches(
                pool,
                "DELETE FROM messages WHERE rowid IN \
                 (SELECT rowid FROM messages WHERE created_at < ?1 LIMIT ?2)",
                &[messages_cutoff],
                batch,
            )
            .await?,
            conversations: delete_in_batches(
                pool,
                "DELETE FROM conversations WHERE rowid IN \
                 (SELECT c.rowid FROM conversations c WHERE c.created_at < ?1 \
                  AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id) LIMIT ?2)",
                &[messages_cutoff],
                batch,
            )
            .await?,
            audit_events: delete_in_batches(
                pool,
                "DELETE FROM audit_events WHERE id IN \
                 (SELECT id FROM audit_events WHERE at < ?1 LIMIT ?2)",
                &[audit_cutoff],
                batch,
            )
            .await?,
            oauth_states: delete_in_batches(
                pool,
                "DELETE FROM oauth_states WHERE rowid IN \
                 (SELECT rowid FROM oauth_states WHERE created_at <= ?1 LIMIT ?2)",
                &[state_cutoff],
                batch,
            )
            .await?,
            rate_limit_buckets: delete_in_batches(
                pool,
                "DELETE FROM rate_limit_buckets WHERE bucket_hash IN \
                 (SELECT bucket_hash FROM rate_limit_buckets WHERE expires_at <= ?1 LIMIT ?2)",
                &[Arg::Int(now)],
                batch,
            )
            .await?,
            report_claims: delete_in_batches(
                pool,
                "DELETE FROM report_channels WHERE rowid IN \
                 (SELECT rowid FROM report_channels WHERE channel_id IS NULL \
                  AND (claim_id IS NULL OR claimed_at <= ?1) LIMIT ?2)",
                &[claim_cutoff],
                batch,
            )
            .await?,
        })
    }
}
