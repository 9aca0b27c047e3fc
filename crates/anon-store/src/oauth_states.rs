//! OAuth `state` nonces: issued before the redirect to Pumble, consumed once
//! when the user comes back, refused after they expire.
//!
//! Only the SHA-256 digest of a state is stored: the state is 256 random
//! bits, so the digest cannot be reversed, and being unkeyed it needs no
//! re-hashing when the encryption key rotates.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ring::digest;
use secrecy::{ExposeSecret, SecretString};

use crate::error::StoreError;
use crate::Store;

/// How long an issued state stays valid by default: 24 hours.
pub const DEFAULT_STATE_MAX_AGE_SECS: i64 = 24 * 60 * 60;

/// Repository of OAuth states; see [`Store::oauth_states`].
#[derive(Debug, Clone, Copy)]
pub struct OAuthStates<'a> {
    store: &'a Store,
}

fn state_digest(state: &str) -> Vec<u8> {
    digest::digest(&digest::SHA256, state.as_bytes())
        .as_ref()
        .to_vec()
}

impl<'a> OAuthStates<'a> {
    pub(crate) fn new(store: &'a Store) -> Self {
        Self { store }
    }

    /// Issues a fresh state (43 URL-safe characters) and records it.
    pub async fn issue(&self, now: i64) -> Result<SecretString, StoreError> {
        let state =
            SecretString::from(URL_SAFE_NO_PAD.encode(self.store.keys.random_bytes::<32>()?));
        sqlx::query("INSERT INTO oauth_states (state_digest, created_at) VALUES (?1, ?2)")
            .bind(state_digest(state.expose_secret()))
            .bind(now)
            .execute(&self.store.pool)
            .await?;
        Ok(state)
    }

    /// Consumes `state`: `true` exactly once for a state issued less than
    /// `max_age_secs` ago; `false` for unknown, reused or expired states.
    pub async fn consume(
        &self,
        state: &str,
        now: i64,
        max_age_secs: i64,
    ) -> Result<bool, StoreError> {
        let removed: Option<(i64,)> =
            sqlx::query_as("DELETE FROM oauth_states WHERE state_digest = ?1 RETURNING created_at")
                .bind(state_digest(state))
                .fetch_optional(&self.store.pool)
                .await?;
        Ok(removed.is_some_and(|(created_at,)| now.saturating_sub(created_at) < max_age_secs))
    }
}
