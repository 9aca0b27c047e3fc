//! Opening, checking and closing the database.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};

use crate::error::StoreError;
use crate::keys::KeyRing;
use crate::legacy;
use crate::rate_limits;
use crate::MIGRATOR;

/// Default time a connection waits for another writer before failing.
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Default size of the connection pool of a file database.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 8;

/// Where the database lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreLocation {
    /// A SQLite file (WAL mode; `-wal` and `-shm` files sit beside it).
    File(PathBuf),
    /// A private in-memory database on a single connection, for tests.
    Memory,
}

/// How to open the store.
#[derive(Debug)]
pub struct StoreOptions {
    location: StoreLocation,
    keys: KeyRing,
    max_connections: u32,
    busy_timeout: Duration,
}

impl StoreOptions {
    /// A file database at `path` (created with its folder if missing).
    pub fn file(path: impl Into<PathBuf>, keys: KeyRing) -> Self {
        Self {
            location: StoreLocation::File(path.into()),
            keys,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            busy_timeout: DEFAULT_BUSY_TIMEOUT,
        }
    }

    /// A private in-memory database (one connection; gone when closed).
    pub fn in_memory(keys: KeyRing) -> Self {
        Self {
            location: StoreLocation::Memory,
            keys,
            max_connections: 1,
            busy_timeout: DEFAULT_BUSY_TIMEOUT,
        }
    }

    /// Pool size for a file database (at least 1; ignored in memory).
    pub fn max_connections(mut self, max_connections: u32) -> Self {
        self.max_connections = max_connections.max(1);
        self
    }

    /// How long a statement waits for a lock held by another connection.
    pub fn busy_timeout(mut self, busy_timeout: Duration) -> Self {
        self.busy_timeout = busy_timeout;
        self
    }

    /// Where the database lives.
    pub fn location(&self) -> &StoreLocation {
        &self.location
    }
}

/// The store: a pool of SQLite connections and the key ring. Cheap to clone.
///
/// Repositories are reached through accessors such as [`Store::messages`].
#[derive(Clone)]
pub struct Store {
    pub(crate) pool: SqlitePool,
    pub(crate) keys: Arc<KeyRing>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("keys", &self.keys)
            .field("connections", &self.pool.size())
            .finish()
    }
}

impl Store {
    /// Opens (creating if missing) the database, refuses plaintext data of
    /// the previous anon, runs the embedded migrations, and refuses a
    /// database holding rows under a key that is neither the current nor the
    /// previous one ([`StoreError::UnknownKey`]): a wrong key must fail at
    /// start, not make opt-out and rate-limit lookups silently miss. Finally
    /// it re-seals, padded, rate-limit buckets written before padding.
    pub async fn open(options: StoreOptions) -> Result<Self, StoreError> {
        let store = Self::connect(options).await?;
        let plaintext = legacy::plaintext_tables(&store.pool).await?;
        if !plaintext.is_empty() {
            store.pool.close().await;
            return Err(StoreError::PlaintextData {
                tables: plaintext.join(", "),
            });
        }
        MIGRATOR.run(&store.pool).await?;
        if let Some((table, key_id)) = store.first_unknown_key().await? {
            store.pool.close().await;
            return Err(StoreError::UnknownKey {
                table,
                column: "key_id",
                key_id,
            });
        }
        // Bucket rows written before padding would tell their send counts.
        rate_limits::pad_unpadded_buckets(&store).await?;
        Ok(store)
    }

    /// Connects without checks or migrations.
    pub(crate) async fn connect(options: StoreOptions) -> Result<Self, StoreError> {
        let StoreOptions {
            location,
            keys,
            max_connections,
            busy_timeout,
        } = options;
        let pool = match location {
            StoreLocation::File(path) => {
                create_parent_folder(&path)?;
                create_private_file(&path)?;
                let connect = SqliteConnectOptions::new()
                    .filename(&path)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(busy_timeout)
                    .foreign_keys(true)
                    // Overwrite deleted content instead of leaving it in free pages.
                    .pragma("secure_delete", "ON");
                SqlitePoolOptions::new()
                    .max_connections(max_connections)
                    // A connection to a local file does not go stale the way a
                    // network connection can; pinging it on every checkout
                    // would cost a round trip to its thread per query.
                    // Readiness (`health`) still queries the database.
                    .test_before_acquire(false)
                    .connect_with(connect)
                    .await?
            }
            StoreLocation::Memory => {
                let connect = SqliteConnectOptions::from_str("sqlite::memory:")?
                    .busy_timeout(busy_timeout)
                    .foreign_keys(true)
                    .pragma("secure_delete", "ON");
                // One connection that never expires: the database lives in it.
                SqlitePoolOptions::new()
                    .max_connections(1)
                    .min_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None)
                    .connect_with(connect)
                    .await?
            }
        };
        Ok(Self {
            pool,
            keys: Arc::new(keys),
        })
    }

    /// Closes every connection, waiting for those in use to be returned.
    pub async fn close(self) {
        self.pool.close().await;
    }

    /// The key ring in use (key ids only are visible).
    pub fn keys(&self) -> &KeyRing {
        &self.keys
    }

    /// Readiness probe: the database answers and the applied migrations are
    /// exactly the embedded ones.
    pub async fn health(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        let applied: Vec<(i64, Vec<u8>)> = sqlx::query_as(
            "SELECT version, checksum FROM _sqlx_migrations WHERE success = 1 ORDER BY version",
        )
        .fetch_all(&self.pool)
        .await?;
        let embedded: Vec<(i64, &[u8])> = MIGRATOR
            .iter()
            .filter(|migration| migration.migration_type.is_up_migration())
            .map(|migration| (migration.version, migration.checksum.as_ref()))
            .collect();
        let current = applied.len() == embedded.len()
            && applied.iter().zip(&embedded).all(
                |((version, checksum), (want_version, want_checksum))| {
                    version == want_version && checksum.as_slice() == *want_checksum
                },
            );
        if current {
            Ok(())
        } else {
            Err(StoreError::MigrationsNotCurrent {
                applied: applied.len(),
                embedded: embedded.len(),
            })
        }
    }

    /// Moves everything in the write-ahead log into the database file and
    /// truncates the log (`PRAGMA wal_checkpoint(TRUNCATE)`).
    pub async fn checkpoint(&self) -> Result<(), StoreError> {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A write transaction that takes the database's write lock at once
    /// (`BEGIN IMMEDIATE`), so read-then-write sequences are serialised
    /// across connections and processes without lock upgrades.
    pub(crate) async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>, StoreError> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }
}

/// Creates the database's folder (and missing parents) readable by the owner
/// only (mode 700 on Unix); an existing folder is left as the operator set it.
fn create_parent_folder(path: &Path) -> Result<(), StoreError> {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() && !parent.exists() => {
            let mut builder = std::fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt;
                builder.mode(0o700);
            }
            builder
                .create(parent)
                .map_err(|source| StoreError::CreateFolder {
                    path: parent.to_path_buf(),
                    source,
                })
        }
        _ => Ok(()),
    }
}

/// Creates a missing database file readable by its owner only (mode 600 on
/// Unix) before SQLite opens it; SQLite gives the `-wal` and `-shm` files the
/// database file's mode. An existing file is left alone.
fn create_private_file(path: &Path) -> Result<(), StoreError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(source) => Err(StoreError::CreateFile {
            path: path.to_path_buf(),
            source,
        }),
    }
}
