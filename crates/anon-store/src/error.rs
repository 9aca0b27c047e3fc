//! The one error type of the store. No variant carries a token, a body, a
//! user id or a key; database errors carry sqlx's message, which names
//! tables and constraints but never bound values.

use std::path::PathBuf;

use crate::keys::{KeyError, KeyId};

/// The command an operator runs to seal a database written by the previous
/// (TypeScript) anon. The binary exposes it as a subcommand.
pub const IMPORT_PLAINTEXT_COMMAND: &str = "anon reseal --import-plaintext";

/// Everything that can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// An encryption key value was refused.
    #[error("encryption key: {0}")]
    Key(#[from] KeyError),
    /// The folder of the database file could not be created.
    #[error("cannot create the database folder {path}: {source}")]
    CreateFolder {
        /// The folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The database file could not be created.
    #[error("cannot create the database file {path}: {source}")]
    CreateFile {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The database answered with an error.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// Running the embedded migrations failed.
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The database holds plaintext tables of the previous (TypeScript) anon.
    #[error(
        "the database holds plaintext data of the previous anon (tables: {tables}); \
         run `{command}` once to seal it and delete the plaintext",
        command = IMPORT_PLAINTEXT_COMMAND
    )]
    PlaintextData {
        /// Names of the plaintext tables found.
        tables: String,
    },
    /// Applied migrations differ from the ones built into this binary.
    #[error("migrations are not current: {applied} applied, {embedded} embedded")]
    MigrationsNotCurrent {
        /// Migrations recorded as applied.
        applied: usize,
        /// Migrations embedded in this build.
        embedded: usize,
    },
    /// A value was sealed under a key that is neither current nor previous.
    #[error("a value in {table}.{column} is sealed under key {key_id}, which is not configured")]
    UnknownKey {
        /// Table of the value.
        table: &'static str,
        /// Column of the value.
        column: &'static str,
        /// Id of the key it was sealed under.
        key_id: KeyId,
    },
    /// A sealed value is malformed, was tampered with or moved to another row.
    #[error("a sealed value in {table}.{column} failed to open (tampered, moved or corrupt)")]
    SealBroken {
        /// Table of the value.
        table: &'static str,
        /// Column of the value.
        column: &'static str,
    },
    /// Encryption itself failed (should not happen with valid keys).
    #[error("sealing a value failed")]
    SealFailed,
    /// The operating system's random generator failed.
    #[error("the system random generator is unavailable")]
    RandomUnavailable,
    /// An event or outcome code is not a short `[A-Za-z0-9_.-]` word.
    #[error("invalid {what}: codes are 1 to 64 characters of letters, digits, `_`, `-`, `.`")]
    InvalidCode {
        /// Which field was refused.
        what: &'static str,
    },
    /// A caller-supplied argument was out of range.
    #[error("invalid argument: {0}")]
    InvalidArgument(&'static str),
    /// A message with this id is already recorded.
    #[error("a message with this id is already recorded")]
    DuplicateMessage,
    /// The conversation exists in another workspace or with another kind.
    #[error("the conversation belongs to another workspace")]
    ConversationMismatch,
    /// A stored value does not have the shape this version writes.
    #[error("stored data in {table} is malformed: {detail}")]
    Corrupt {
        /// Table holding the value.
        table: &'static str,
        /// What is wrong, without the value.
        detail: &'static str,
    },
}
