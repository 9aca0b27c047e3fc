//! The OAuth code exchange's answer (pumble-protocol.md §6.3).

use serde::Deserialize;

use crate::credentials::AccessToken;

/// The tokens Pumble issues when a user authorizes the app.
///
/// Tokens never expire; a reinstall issues a new bot token that replaces the
/// old one, so store what arrives. `Debug` redacts both tokens.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OAuthTokens {
    /// The authorizing user's token.
    pub access_token: AccessToken,
    /// The workspace's bot token (present for apps with a bot).
    #[serde(default)]
    pub bot_token: Option<AccessToken>,
    /// The authorizing user's id.
    pub user_id: String,
    /// The bot user's id (present for apps with a bot).
    #[serde(default)]
    pub bot_id: Option<String>,
    /// The workspace the app was authorized in.
    pub workspace_id: String,
}
