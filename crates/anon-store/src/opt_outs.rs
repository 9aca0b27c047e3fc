//! Users who opted out of anonymous DMs (`/anon-block`).
//!
//! Rows are found by a keyed hash of the user id. Opt-outs deliberately
//! survive [`Store::purge_workspace`]: a user's choice must outlive an
//! uninstall and reinstall of the app. What survives is a keyed hash plus a
//! sealed copy of the id (kept only so a key rotation can recompute the
//! hash); without the key neither reveals who opted out.

use sqlx::SqliteConnection;

use crate::error::StoreError;
use crate::keys::{KeyRing, SubKey};
use crate::sealing::{HashPurpose, Place};
use crate::Store;

pub(crate) const TABLE: &str = "opt_outs";

pub(crate) fn user_place<'a>(workspace: &'a str, user_hash: &'a [u8]) -> Place<'a> {
    Place {
        table: TABLE,
        column: "user_sealed",
        workspace,
        row: user_hash,
    }
}

/// Repository of opt-outs; see [`Store::opt_outs`].
#[derive(Debug, Clone, Copy)]
pub struct OptOuts<'a> {
    store: &'a Store,
}

impl<'a> OptOuts<'a> {
    pub(crate) fn new(store: &'a Store) -> Self {
        Self { store }
    }

    /// Opts `user_id` out of anonymous DMs. Returns `true` if this changed
    /// the state (the user was not opted out before).
    pub async fn set(
        &self,
        workspace_id: &str,
        user_id: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.store.begin_write().await?;
        let changed = insert_opt_out(&mut tx, &self.store.keys, workspace_id, user_id, now).await?;
        tx.commit().await?;
        Ok(changed)
    }

    /// Opts `user_id` back in. Returns `true` if the user was opted out.
    pub async fn clear(&self, workspace_id: &str, user_id: &str) -> Result<bool, StoreError> {
        let hashes =
            self.store
                .keys
                .lookup_hashes(HashPurpose::OptOut, workspace_id, user_id.as_bytes());
        let done =
            sqlx::query("DELETE FROM opt_outs WHERE workspace_id = ?1 AND user_hash IN (?2, ?3)")
                .bind(workspace_id)
                .bind(&hashes.current)
                .bind(&hashes.previous)
                .execute(&self.store.pool)
                .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Whether `user_id` opted out of anonymous DMs in `workspace_id`.
    pub async fn is_opted_out(
        &self,
        workspace_id: &str,
        user_id: &str,
    ) -> Result<bool, StoreError> {
        let hashes =
            self.store
                .keys
                .lookup_hashes(HashPurpose::OptOut, workspace_id, user_id.as_bytes());
        let found: Option<(i64,)> = sqlx::query_as(
            "SELECT 1 FROM opt_outs WHERE workspace_id = ?1 AND user_hash IN (?2, ?3) LIMIT 1",
        )
        .bind(workspace_id)
        .bind(&hashes.current)
        .bind(&hashes.previous)
        .fetch_optional(&self.store.pool)
        .await?;
        Ok(found.is_some())
    }
}

/// Inserts an opt-out unless one exists under the current or previous key.
/// Runs inside the caller's write transaction.
pub(crate) async fn insert_opt_out(
    conn: &mut SqliteConnection,
    keys: &KeyRing,
    workspace_id: &str,
    user_id: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let hashes = keys.lookup_hashes(HashPurpose::OptOut, workspace_id, user_id.as_bytes());
    let existing: Option<(i64,)> = sqlx::query_as(
        "SELECT 1 FROM opt_outs WHERE workspace_id = ?1 AND user_hash IN (?2, ?3) LIMIT 1",
    )
    .bind(workspace_id)
    .bind(&hashes.current)
    .bind(&hashes.previous)
    .fetch_optional(&mut *conn)
    .await?;
    if existing.is_some() {
        return Ok(false);
    }
    let sealed = keys.seal(
        SubKey::Identity,
        user_place(workspace_id, &hashes.current),
        user_id.as_bytes(),
    )?;
    sqlx::query(
        "INSERT INTO opt_outs (workspace_id, user_hash, key_id, user_sealed, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .bind(workspace_id)
    .bind(&hashes.current)
    .bind(keys.current_id().as_bytes().as_slice())
    .bind(&sealed)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(true)
}
