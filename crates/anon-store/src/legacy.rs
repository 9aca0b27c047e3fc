//! Databases written by the previous (TypeScript) anon hold tokens, user ids
//! and message bodies in plaintext. [`Store::open`] refuses them; the
//! explicit [`Store::import_plaintext`] (exposed as
//! [`crate::IMPORT_PLAINTEXT_COMMAND`]) seals what is worth keeping and
//! deletes the rest.
//!
//! Kept: bot and user tokens (sealed) and opted-out users (keyed hashes).
//! Deleted: plaintext conversations (their buttons cannot work with per-message
//! ids anyway), the plaintext audit log, pending replies, rate-limit counters
//! and the recorded reports channel (it may have been adopted by name; anon
//! only uses a channel it created itself).
//!
//! The import is restartable: it first renames the plaintext tables to
//! `legacy_*` (one transaction), then runs the migrations, then seals and
//! drops them (one transaction), then vacuums and truncates the WAL so no
//! plaintext stays in free pages. A database holding `legacy_*` tables is
//! refused by [`Store::open`] like the original.

use sqlx::sqlite::SqlitePool;
use sqlx::SqliteConnection;

use crate::error::StoreError;
use crate::keys::KeyRing;
use crate::opt_outs::insert_opt_out;
use crate::store::StoreOptions;
use crate::tokens::{save_bot, save_user, BotGrant, UserGrant};
use crate::{Store, MIGRATOR};

/// Tables only the TypeScript app creates (its migrations 001–009).
const TYPESCRIPT_TABLES: &[&str] = &[
    "tokens",
    "blocked_users",
    "pending_replies",
    "rate_limits",
    "target_limits",
    "config",
    "schema_migrations",
    "audit_log",
];

const LEGACY_PREFIX: &str = "legacy_";

/// What [`Store::import_plaintext`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Bot tokens sealed into `bot_tokens`.
    pub bot_tokens: u64,
    /// User tokens sealed into `user_tokens`.
    pub user_tokens: u64,
    /// Opted-out users carried into `opt_outs`.
    pub opt_outs: u64,
    /// Plaintext tables deleted.
    pub dropped_tables: Vec<String>,
}

async fn table_names(conn: &mut SqliteConnection) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .fetch_all(&mut *conn)
            .await?;
    Ok(rows.into_iter().map(|(name,)| name).collect())
}

/// Whether `conversations` has the TypeScript layout (plaintext sender and body).
async fn conversations_is_typescript(conn: &mut SqliteConnection) -> Result<bool, StoreError> {
    let found: Option<(i64,)> = sqlx::query_as(
        "SELECT 1 FROM pragma_table_info('conversations') \
         WHERE name IN ('sender_id', 'last_message') LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(found.is_some())
}

/// Plaintext tables of the TypeScript app still present, un-renamed.
async fn typescript_tables(conn: &mut SqliteConnection) -> Result<Vec<String>, StoreError> {
    let mut found: Vec<String> = table_names(conn)
        .await?
        .into_iter()
        .filter(|name| TYPESCRIPT_TABLES.contains(&name.as_str()))
        .collect();
    if conversations_is_typescript(conn).await? {
        found.push("conversations".to_owned());
    }
    Ok(found)
}

/// Every table holding plaintext of the previous app (original or renamed).
pub(crate) async fn plaintext_tables(pool: &SqlitePool) -> Result<Vec<String>, StoreError> {
    let mut conn = pool.acquire().await?;
    let mut found = typescript_tables(&mut conn).await?;
    found.extend(
        table_names(&mut conn)
            .await?
            .into_iter()
            .filter(|name| name.starts_with(LEGACY_PREFIX)),
    );
    Ok(found)
}

impl Store {
    /// Opens a database that may hold the previous app's plaintext tables,
    /// seals the tokens and opt-outs into this schema, deletes every
    /// plaintext table and wipes freed pages. On a database without
    /// plaintext it is the same as [`Store::open`] with an empty report.
    pub async fn import_plaintext(
        options: StoreOptions,
        now: i64,
    ) -> Result<(Self, ImportReport), StoreError> {
        let store = Self::connect(options).await?;
        if plaintext_tables(&store.pool).await?.is_empty() {
            MIGRATOR.run(&store.pool).await?;
            return Ok((store, ImportReport::default()));
        }

        // 1. Move the plaintext tables out of the way of this schema.
        let mut tx = store.begin_write().await?;
        for name in typescript_tables(&mut tx).await? {
            let statement = format!("ALTER TABLE \"{name}\" RENAME TO \"{LEGACY_PREFIX}{name}\"");
            sqlx::query(&statement).execute(&mut *tx).await?;
        }
        tx.commit().await?;

        // 2. This schema.
        MIGRATOR.run(&store.pool).await?;

        // 3. Seal what is kept, drop every plaintext table.
        let mut report = ImportReport::default();
        let mut tx = store.begin_write().await?;
        let legacy: Vec<String> = table_names(&mut tx)
            .await?
            .into_iter()
            .filter(|name| name.starts_with(LEGACY_PREFIX))
            .collect();
        if legacy.iter().any(|name| name == "legacy_tokens") {
            import_tokens(&mut tx, &store.keys, now, &mut report).await?;
        }
        if legacy.iter().any(|name| name == "legacy_blocked_users") {
            report.opt_outs = import_opt_outs(&mut tx, &store.keys, now).await?;
        }
        for name in &legacy {
            let statement = format!("DROP TABLE \"{name}\"");
            sqlx::query(&statement).execute(&mut *tx).await?;
            report
                .dropped_tables
                .push(name.trim_start_matches(LEGACY_PREFIX).to_owned());
        }
        tx.commit().await?;

        // 4. No plaintext left in free pages or in the write-ahead log.
        sqlx::query("VACUUM").execute(&store.pool).await?;
        store.checkpoint().await?;
        log::info!(
            "plaintext import: {} bot tokens, {} user tokens, {} opt-outs sealed; {} plaintext tables dropped",
            report.bot_tokens,
            report.user_tokens,
            report.opt_outs,
            report.dropped_tables.len()
        );
        Ok((store, report))
    }
}

async fn import_tokens(
    conn: &mut SqliteConnection,
    keys: &KeyRing,
    now: i64,
    report: &mut ImportReport,
) -> Result<(), StoreError> {
    let rows: Vec<(String, String, String, Option<String>, String)> = sqlx::query_as(
        "SELECT workspace_id, workspace_user_id, token_kind, bot_user_id, access_token \
         FROM legacy_tokens",
    )
    .fetch_all(&mut *conn)
    .await?;
    for (workspace_id, user_id, kind, bot_user_id, token) in rows {
        match kind.as_str() {
            "bot" => {
                let bot = BotGrant {
                    token: &token,
                    bot_user_id: bot_user_id.as_deref().filter(|id| !id.is_empty()),
                };
                save_bot(conn, keys, &workspace_id, bot, now).await?;
                report.bot_tokens += 1;
            }
            "user" if !user_id.is_empty() => {
                let user = UserGrant {
                    user_id: &user_id,
                    token: &token,
                };
                save_user(conn, keys, &workspace_id, user, now).await?;
                report.user_tokens += 1;
            }
            _ => {
                return Err(StoreError::Corrupt {
                    table: "tokens",
                    detail: "a plaintext token row has an unknown kind or no user",
                })
            }
        }
    }
    Ok(())
}

async fn import_opt_outs(
    conn: &mut SqliteConnection,
    keys: &KeyRing,
    now: i64,
) -> Result<u64, StoreError> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT workspace_id, user_id FROM legacy_blocked_users")
            .fetch_all(&mut *conn)
            .await?;
    let mut imported = 0;
    for (workspace_id, user_id) in rows {
        if insert_opt_out(conn, keys, &workspace_id, &user_id, now).await? {
            imported += 1;
        }
    }
    Ok(imported)
}
