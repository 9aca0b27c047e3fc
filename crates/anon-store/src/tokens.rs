//! Pumble access tokens: the SDK's `CredentialsStore` contract
//! (`pumble-protocol.md` §6.4). One bot token (and bot user id) per
//! workspace, one user token per (workspace, user). Tokens and the bot user
//! id are sealed; a user token's owner is a keyed hash plus a sealed copy
//! (kept so a key rotation can recompute the hash).

use std::fmt;

use secrecy::SecretString;
use sqlx::SqliteConnection;

use crate::error::StoreError;
use crate::keys::{KeyRing, SubKey};
use crate::sealing::{HashPurpose, Place};
use crate::Store;

/// Row key of the single bot row of a workspace (its primary key is the
/// workspace id alone).
pub(crate) const BOT_ROW: &[u8] = b"bot";

/// The bot part of an OAuth grant.
#[derive(Clone, Copy)]
pub struct BotGrant<'a> {
    /// The bot's access token.
    pub token: &'a str,
    /// The bot's user id in the workspace, when Pumble sent it.
    pub bot_user_id: Option<&'a str>,
}

/// The user part of an OAuth grant.
#[derive(Clone, Copy)]
pub struct UserGrant<'a> {
    /// The authorising user's id.
    pub user_id: &'a str,
    /// That user's access token.
    pub token: &'a str,
}

/// What an OAuth code exchange returned (`saveTokens` of the SDK contract).
#[derive(Clone, Copy)]
pub struct TokenGrant<'a> {
    /// Workspace id.
    pub workspace_id: &'a str,
    /// Bot token and id, if granted.
    pub bot: Option<BotGrant<'a>>,
    /// User token, if granted.
    pub user: Option<UserGrant<'a>>,
}

impl fmt::Debug for BotGrant<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BotGrant")
            .field("token", &"[REDACTED]")
            .field("bot_user_id", &self.bot_user_id.map(|_| "[REDACTED]"))
            .finish()
    }
}

impl fmt::Debug for UserGrant<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserGrant")
            .field("user_id", &"[REDACTED]")
            .field("token", &"[REDACTED]")
            .finish()
    }
}

impl fmt::Debug for TokenGrant<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenGrant")
            .field("workspace_id", &self.workspace_id)
            .field("bot", &self.bot)
            .field("user", &self.user)
            .finish()
    }
}

pub(crate) fn bot_token_place(workspace: &str) -> Place<'_> {
    Place {
        table: "bot_tokens",
        column: "token_sealed",
        workspace,
        row: BOT_ROW,
    }
}

pub(crate) fn bot_user_place(workspace: &str) -> Place<'_> {
    Place {
        column: "bot_user_sealed",
        ..bot_token_place(workspace)
    }
}

pub(crate) fn user_token_place<'a>(workspace: &'a str, owner_hash: &'a [u8]) -> Place<'a> {
    Place {
        table: "user_tokens",
        column: "token_sealed",
        workspace,
        row: owner_hash,
    }
}

pub(crate) fn owner_place<'a>(workspace: &'a str, owner_hash: &'a [u8]) -> Place<'a> {
    Place {
        column: "owner_sealed",
        ..user_token_place(workspace, owner_hash)
    }
}

/// Repository of tokens; see [`Store::tokens`].
#[derive(Debug, Clone, Copy)]
pub struct Tokens<'a> {
    store: &'a Store,
}

impl<'a> Tokens<'a> {
    pub(crate) fn new(store: &'a Store) -> Self {
        Self { store }
    }

    /// Upserts the bot token (and id) and the user token of a grant, in one
    /// transaction.
    pub async fn save(&self, grant: &TokenGrant<'_>, now: i64) -> Result<(), StoreError> {
        let mut tx = self.store.begin_write().await?;
        if let Some(bot) = grant.bot {
            save_bot(&mut tx, &self.store.keys, grant.workspace_id, bot, now).await?;
        }
        if let Some(user) = grant.user {
            save_user(&mut tx, &self.store.keys, grant.workspace_id, user, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The workspace's bot token.
    pub async fn bot_token(&self, workspace_id: &str) -> Result<Option<SecretString>, StoreError> {
        let row: Option<(Vec<u8>,)> =
            sqlx::query_as("SELECT token_sealed FROM bot_tokens WHERE workspace_id = ?1")
                .bind(workspace_id)
                .fetch_optional(&self.store.pool)
                .await?;
        row.map(|(sealed,)| {
            self.store
                .keys
                .open_string(SubKey::Token, bot_token_place(workspace_id), &sealed)
                .map(SecretString::from)
        })
        .transpose()
    }

    /// The bot's user id in the workspace (the bot's, not a person's).
    pub async fn bot_user_id(&self, workspace_id: &str) -> Result<Option<String>, StoreError> {
        let row: Option<(Option<Vec<u8>>,)> =
            sqlx::query_as("SELECT bot_user_sealed FROM bot_tokens WHERE workspace_id = ?1")
                .bind(workspace_id)
                .fetch_optional(&self.store.pool)
                .await?;
        row.and_then(|(sealed,)| sealed)
            .map(|sealed| {
                self.store
                    .keys
                    .open_string(SubKey::Identity, bot_user_place(workspace_id), &sealed)
            })
            .transpose()
    }

    /// The token of `user_id` in the workspace.
    pub async fn user_token(
        &self,
        workspace_id: &str,
        user_id: &str,
    ) -> Result<Option<SecretString>, StoreError> {
        let keys = &self.store.keys;
        let hashes = keys.lookup_hashes(HashPurpose::TokenOwner, workspace_id, user_id.as_bytes());
        let row: Option<(Vec<u8>, Vec<u8>)> = sqlx::query_as(
            "SELECT owner_hash, token_sealed FROM user_tokens \
             WHERE workspace_id = ?1 AND owner_hash IN (?2, ?3) \
             ORDER BY owner_hash = ?2 DESC LIMIT 1",
        )
        .bind(workspace_id)
        .bind(&hashes.current)
        .bind(&hashes.previous)
        .fetch_optional(&self.store.pool)
        .await?;
        row.map(|(owner_hash, sealed)| {
            keys.open_string(
                SubKey::Token,
                user_token_place(workspace_id, &owner_hash),
                &sealed,
            )
            .map(SecretString::from)
        })
        .transpose()
    }

    /// Deletes the bot token and every user token of the workspace. Returns
    /// how many tokens were deleted.
    pub async fn delete_for_workspace(&self, workspace_id: &str) -> Result<u64, StoreError> {
        let mut tx = self.store.begin_write().await?;
        let bots = sqlx::query("DELETE FROM bot_tokens WHERE workspace_id = ?1")
            .bind(workspace_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let users = sqlx::query("DELETE FROM user_tokens WHERE workspace_id = ?1")
            .bind(workspace_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(bots + users)
    }

    /// Deletes the token of one user (the SDK's `deleteForUser(userId,
    /// workspaceId)`; note the argument order here is workspace first).
    /// Returns whether a token was deleted.
    pub async fn delete_for_user(
        &self,
        workspace_id: &str,
        user_id: &str,
    ) -> Result<bool, StoreError> {
        let hashes = self.store.keys.lookup_hashes(
            HashPurpose::TokenOwner,
            workspace_id,
            user_id.as_bytes(),
        );
        let done = sqlx::query(
            "DELETE FROM user_tokens WHERE workspace_id = ?1 AND owner_hash IN (?2, ?3)",
        )
        .bind(workspace_id)
        .bind(&hashes.current)
        .bind(&hashes.previous)
        .execute(&self.store.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }
}

/// Upserts the bot row inside the caller's write transaction.
pub(crate) async fn save_bot(
    conn: &mut SqliteConnection,
    keys: &KeyRing,
    workspace_id: &str,
    bot: BotGrant<'_>,
    now: i64,
) -> Result<(), StoreError> {
    let token = keys.seal(
        SubKey::Token,
        bot_token_place(workspace_id),
        bot.token.as_bytes(),
    )?;
    let bot_user = bot
        .bot_user_id
        .map(|id| {
            keys.seal(
                SubKey::Identity,
                bot_user_place(workspace_id),
                id.as_bytes(),
            )
        })
        .transpose()?;
    sqlx::query(
        "INSERT INTO bot_tokens (workspace_id, key_id, token_sealed, bot_user_sealed, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (workspace_id) DO UPDATE SET key_id = excluded.key_id, \
             token_sealed = excluded.token_sealed, bot_user_sealed = excluded.bot_user_sealed, \
             updated_at = excluded.updated_at",
    )
    .bind(workspace_id)
    .bind(keys.current_id().as_bytes().as_slice())
    .bind(token)
    .bind(bot_user)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Upserts a user row inside the caller's write transaction, replacing a
/// row keyed under the previous key.
pub(crate) async fn save_user(
    conn: &mut SqliteConnection,
    keys: &KeyRing,
    workspace_id: &str,
    user: UserGrant<'_>,
    now: i64,
) -> Result<(), StoreError> {
    let hashes = keys.lookup_hashes(
        HashPurpose::TokenOwner,
        workspace_id,
        user.user_id.as_bytes(),
    );
    sqlx::query("DELETE FROM user_tokens WHERE workspace_id = ?1 AND owner_hash IN (?2, ?3)")
        .bind(workspace_id)
        .bind(&hashes.current)
        .bind(&hashes.previous)
        .execute(&mut *conn)
        .await?;
    let owner = keys.seal(
        SubKey::Identity,
        owner_place(workspace_id, &hashes.current),
        user.user_id.as_bytes(),
    )?;
    let token = keys.seal(
        SubKey::Token,
        user_token_place(workspace_id, &hashes.current),
        user.token.as_bytes(),
    )?;
    sqlx::query(
        "INSERT INTO user_tokens (workspace_id, owner_hash, key_id, owner_sealed, token_sealed, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .bind(workspace_id)
    .bind(&hashes.current)
    .bind(keys.current_id().as_bytes().as_slice())
    .bind(owner)
    .bind(token)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
