//! Shared helpers of the integration tests: fresh file databases in
//! temporary folders and fixed test keys.
#![allow(dead_code)]

use std::path::PathBuf;

use anon_store::{EncryptionKey, KeyRing, Store, StoreOptions, KEY_LEN};
use tempfile::TempDir;

/// Key bytes used as "key A" in tests.
pub const KEY_A: [u8; KEY_LEN] = [0xA1; KEY_LEN];
/// Key bytes used as "key B" in tests.
pub const KEY_B: [u8; KEY_LEN] = [0xB2; KEY_LEN];

/// A key ring of `current` with an optional `previous`.
pub fn ring(current: [u8; KEY_LEN], previous: Option<[u8; KEY_LEN]>) -> KeyRing {
    KeyRing::new(
        EncryptionKey::from_bytes(current),
        previous.map(EncryptionKey::from_bytes),
    )
    .expect("test keys differ")
}

/// A temporary folder holding one database file.
pub struct TestDb {
    pub dir: TempDir,
    pub path: PathBuf,
}

impl TestDb {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        let path = dir.path().join("nested").join("anon.db");
        Self { dir, path }
    }

    pub async fn open(&self, keys: KeyRing) -> Store {
        Store::open(StoreOptions::file(&self.path, keys))
            .await
            .expect("open test database")
    }

    pub async fn open_a(&self) -> Store {
        self.open(ring(KEY_A, None)).await
    }

    /// The database file and its `-wal` and `-shm` companions that exist.
    pub fn files(&self) -> Vec<PathBuf> {
        ["", "-wal", "-shm"]
            .iter()
            .map(|suffix| {
                let mut name = self.path.clone().into_os_string();
                name.push(suffix);
                PathBuf::from(name)
            })
            .filter(|path| path.exists())
            .collect()
    }

    /// A plain sqlx connection to the same file, for inspecting raw rows.
    pub async fn raw(&self) -> sqlx::SqliteConnection {
        use sqlx::Connection;
        let url = format!("sqlite://{}", self.path.display());
        sqlx::SqliteConnection::connect(&url)
            .await
            .expect("raw connection")
    }
}
