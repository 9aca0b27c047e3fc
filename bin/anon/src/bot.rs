//! The app's bot in one workspace: its token and user id, read (and opened)
//! from the store for each piece of work.

use anon_core::ids::{UserId, WorkspaceId};
use anon_store::{Store, StoreError};
use pumble_client::AccessToken;
use secrecy::ExposeSecret;

/// The bot of one workspace. `Debug` shows neither the token nor the id.
#[derive(Clone)]
pub struct Bot {
    /// The bot's access token.
    pub token: AccessToken,
    /// The bot's user id (a DM lookup names the caller first, §5.4).
    pub user_id: UserId,
}

impl std::fmt::Debug for Bot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Bot([REDACTED])")
    }
}

/// Why no bot could be used.
#[derive(Debug, thiserror::Error)]
pub enum BotError {
    /// The workspace has no bot token (not installed, or uninstalled).
    #[error("the workspace has no bot token")]
    NotInstalled,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Loads the bot of `workspace`.
pub async fn load(store: &Store, workspace: &WorkspaceId) -> Result<Bot, BotError> {
    let tokens = store.tokens();
    let token = tokens.bot_token(workspace.as_str()).await?;
    let user_id = tokens.bot_user_id(workspace.as_str()).await?;
    match (token, user_id.as_deref().map(UserId::parse)) {
        (Some(token), Some(Ok(user_id))) => Ok(Bot {
            token: AccessToken::new(token.expose_secret()),
            user_id,
        }),
        _ => Err(BotError::NotInstalled),
    }
}
