//! Looking into the server's database from a test: through `anon-store`
//! with the server's key (what was stored, opened), and through read-only
//! SQL (how many rows of a workspace are left in each table).

use std::future::Future;
use std::path::Path;

use anon::Settings;
use anon_store::{KeyRing, Store, StoreOptions};
use secrecy::ExposeSecret;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

use crate::test_app::HarnessError;

/// The server's database opened a second time, with its own small runtime,
/// for blocking tests. The server keeps running meanwhile (SQLite WAL lets
/// both read and write).
pub struct StoreProbe {
    runtime: tokio::runtime::Runtime,
    store: Option<Store>,
    path: std::path::PathBuf,
}

impl std::fmt::Debug for StoreProbe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreProbe")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// Rows of one table that belong to a workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRows {
    /// The table.
    pub table: String,
    /// How many of its rows have the workspace's id.
    pub rows: i64,
}

impl StoreProbe {
    /// Opens the database `settings` point at, with their sealing key.
    pub fn open(settings: &Settings) -> Result<StoreProbe, HarnessError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(HarnessError::Runtime)?;
        let keys = KeyRing::from_base64(
            settings.token_encryption_key.expose_secret(),
            settings
                .token_encryption_key_previous
                .as_ref()
                .map(|key| key.expose_secret()),
        )
        .map_err(|e| HarnessError::Store(e.to_string()))?;
        let store = runtime
            .block_on(Store::open(
                StoreOptions::file(&settings.database_path, keys).max_connections(1),
            ))
            .map_err(|e| HarnessError::Store(e.to_string()))?;
        Ok(StoreProbe {
            runtime,
            store: Some(store),
            path: settings.database_path.clone(),
        })
    }

    /// The store, to build a query future for [`StoreProbe::block_on`].
    pub fn store(&self) -> &Store {
        self.store
            .as_ref()
            .expect("the store is only taken out when the probe is dropped")
    }

    /// Runs a store query to completion.
    pub fn block_on<F: Future>(&self, query: F) -> F::Output {
        self.runtime.block_on(query)
    }

    /// For every table with a `workspace_id` column, how many rows belong to
    /// `workspace_id` (tables with none are listed with 0). Read-only SQL on
    /// the raw file: it sees what `anon-store` might forget to delete.
    pub fn workspace_rows(&self, workspace_id: &str) -> Result<Vec<TableRows>, HarnessError> {
        self.runtime
            .block_on(count_workspace_rows(&self.path, workspace_id))
            .map_err(|e| HarnessError::Store(e.to_string()))
    }
}

async fn count_workspace_rows(
    path: &Path,
    workspace_id: &str,
) -> Result<Vec<TableRows>, sqlx::Error> {
    let mut connection = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .connect()
        .await?;
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .fetch_all(&mut connection)
    .await?;
    let mut counts = Vec::new();
    for (table,) in tables {
        let columns: Vec<(String,)> = sqlx::query_as("SELECT name FROM pragma_table_info(?1)")
            .bind(&table)
            .fetch_all(&mut connection)
            .await?;
        if !columns.iter().any(|(name,)| name == "workspace_id") {
            continue;
        }
        // Table names come from sqlite_master, quoted as identifiers.
        let sql = format!(
            "SELECT COUNT(*) FROM \"{}\" WHERE workspace_id = ?1",
            table.replace('"', "\"\"")
        );
        let (rows,): (i64,) = sqlx::query_as(&sql)
            .bind(workspace_id)
            .fetch_one(&mut connection)
            .await?;
        counts.push(TableRows { table, rows });
    }
    connection.close().await?;
    Ok(counts)
}

impl Drop for StoreProbe {
    fn drop(&mut self) {
        if let Some(store) = self.store.take() {
            self.runtime.block_on(store.close());
        }
    }
}
