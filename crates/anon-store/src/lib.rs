//! SQLite storage for anon, with everything sensitive sealed at rest.
//!
//! Someone holding only the database files (the `-wal` and `-shm` files
//! included) learns no message author, no body and no token:
//!
//! * tokens, authors, DM recipients, bodies, audit actors and targets are
//!   sealed with AES-256-GCM (a fresh random 96-bit nonce per value, the
//!   value's row as associated data, the key id stored with the value);
//! * columns that must be looked up by user (opt-outs, rate-limit buckets,
//!   token owners) hold HMAC-SHA256 keyed hashes, domain separated by purpose
//!   and workspace;
//! * workspace, channel, our random message/conversation ids and Pumble
//!   message ids stay plain: they are needed for routing and reveal no author.
//!
//! Keys come from `TOKEN_ENCRYPTION_KEY` ([`KeyRing::from_base64`]), with an
//! optional previous key during a rotation ([`Store::reseal`]).
//!
//! ```no_run
//! # async fn demo() -> Result<(), anon_store::StoreError> {
//! use anon_store::{KeyRing, Store, StoreOptions};
//! let keys = KeyRing::from_base64("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", None)?;
//! let store = Store::open(StoreOptions::file("data/anon.db", keys)).await?;
//! let opted_out = store.opt_outs().is_opted_out("W1", "U1").await?;
//! # let _ = opted_out;
//! store.close().await;
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

mod audit;
mod batch_delete;
mod error;
mod keys;
mod legacy;
mod messages;
mod oauth_states;
mod opt_outs;
mod rate_limits;
mod report_channels;
mod reseal;
mod retention;
mod sealing;
mod store;
mod tokens;

#[cfg(test)]
mod upgrade_tests;

pub use audit::{Audit, AuditEntry, AuditRecord, AuditTarget};
pub use error::{StoreError, IMPORT_PLAINTEXT_COMMAND};
pub use keys::{EncryptionKey, KeyError, KeyId, KeyRing, KEY_ID_LEN, KEY_LEN};
pub use legacy::ImportReport;
pub use messages::{ConversationInfo, MessageKind, Messages, NewMessage, StoredMessage};
pub use oauth_states::{OAuthStates, DEFAULT_STATE_MAX_AGE_SECS};
pub use opt_outs::OptOuts;
pub use rate_limits::{RateDecision, RateLimitPolicy, RateLimits, RATE_LIMIT_EPOCH_SECS};
pub use report_channels::{ClaimId, ReportChannelClaim, ReportChannels};
pub use reseal::ResealReport;
pub use retention::{RetentionPolicy, RetentionReport, WorkspacePurgeReport, DEFAULT_BATCH_SIZE};
pub use store::{
    Store, StoreLocation, StoreOptions, DEFAULT_BUSY_TIMEOUT, DEFAULT_MAX_CONNECTIONS,
};
pub use tokens::{BotGrant, TokenGrant, Tokens, UserGrant};

/// The embedded migrations of `crates/anon-store/migrations`, for other
/// crates' tests (e.g. `#[sqlx::test(migrator = "anon_store::MIGRATOR")]`).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!();

impl Store {
    /// Conversations and per-message authorship.
    pub fn messages(&self) -> Messages<'_> {
        Messages::new(self)
    }

    /// Opt-outs of anonymous DMs.
    pub fn opt_outs(&self) -> OptOuts<'_> {
        OptOuts::new(self)
    }

    /// Rate limits.
    pub fn rate_limits(&self) -> RateLimits<'_> {
        RateLimits::new(self)
    }

    /// Reports channels.
    pub fn report_channels(&self) -> ReportChannels<'_> {
        ReportChannels::new(self)
    }

    /// Audit trail.
    pub fn audit(&self) -> Audit<'_> {
        Audit::new(self)
    }

    /// Pumble tokens.
    pub fn tokens(&self) -> Tokens<'_> {
        Tokens::new(self)
    }

    /// OAuth `state` nonces.
    pub fn oauth_states(&self) -> OAuthStates<'_> {
        OAuthStates::new(self)
    }
}
