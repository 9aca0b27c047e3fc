//! Audit trail: who did what, with which outcome — never a body.
//!
//! The actor and the target are sealed, not hashed: a keyed hash would be
//! the same in every row of the same user, letting someone holding only the
//! database link a user's actions to each other (and, through timing, to
//! rate-limit rows). Sealed values with fresh nonces link nothing.
//! Event and outcome are short codes, checked to be codes, so a body cannot
//! slip in through them.

use std::fmt;

use secrecy::SecretString;

use crate::error::StoreError;
use crate::keys::SubKey;
use crate::sealing::Place;
use crate::Store;

pub(crate) const TABLE: &str = "audit_events";

/// What an audit event is about, besides its actor.
#[derive(Clone, Copy)]
pub struct AuditTarget<'a> {
    /// A code such as `user` or `channel`.
    pub kind: &'a str,
    /// The target's id (sealed at rest).
    pub id: &'a str,
}

impl fmt::Debug for AuditTarget<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditTarget")
            .field("kind", &self.kind)
            .field("id", &"[REDACTED]")
            .finish()
    }
}

/// An event to record. `Debug` hides the actor and the target id.
#[derive(Clone, Copy)]
pub struct AuditEntry<'a> {
    /// Workspace, when the event has one.
    pub workspace_id: Option<&'a str>,
    /// Event code, e.g. `SEND`, `REPORT`, `BLOCK`.
    pub event: &'a str,
    /// Outcome code, e.g. `ok`, `rate-limited-global`.
    pub outcome: &'a str,
    /// The acting user (sealed at rest).
    pub actor_id: Option<&'a str>,
    /// What the event was aimed at (id sealed at rest).
    pub target: Option<AuditTarget<'a>>,
    /// Our conversation id, when relevant.
    pub conversation_id: Option<&'a str>,
    /// Our message id, when relevant.
    pub message_id: Option<&'a str>,
    /// Unix time in seconds.
    pub at: i64,
}

impl fmt::Debug for AuditEntry<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditEntry")
            .field("workspace_id", &self.workspace_id)
            .field("event", &self.event)
            .field("outcome", &self.outcome)
            .field("actor_id", &self.actor_id.map(|_| "[REDACTED]"))
            .field("target", &self.target)
            .field("conversation_id", &self.conversation_id)
            .field("message_id", &self.message_id)
            .field("at", &self.at)
            .finish()
    }
}

/// A recorded audit event, opened. Identities are [`SecretString`]s.
#[derive(Debug, Clone)]
pub struct AuditRecord {
    /// Row number (insertion order).
    pub id: i64,
    /// Workspace, when the event has one.
    pub workspace_id: Option<String>,
    /// Event code.
    pub event: String,
    /// Outcome code.
    pub outcome: String,
    /// The acting user.
    pub actor_id: Option<SecretString>,
    /// Target kind code.
    pub target_kind: Option<String>,
    /// Target id.
    pub target_id: Option<SecretString>,
    /// Conversation id.
    pub conversation_id: Option<String>,
    /// Message id.
    pub message_id: Option<String>,
    /// Unix time in seconds.
    pub at: i64,
}

/// Repository of audit events; see [`Store::audit`].
#[derive(Debug, Clone, Copy)]
pub struct Audit<'a> {
    store: &'a Store,
}

/// Whether `code` is a short word of `[A-Za-z0-9_.-]`.
pub(crate) fn is_code(code: &str) -> bool {
    (1..=64).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

pub(crate) fn actor_place<'a>(workspace: &'a str, row_key: &'a str) -> Place<'a> {
    Place {
        table: TABLE,
        column: "actor_sealed",
        workspace,
        row: row_key.as_bytes(),
    }
}

pub(crate) fn target_place<'a>(workspace: &'a str, row_key: &'a str) -> Place<'a> {
    Place {
        column: "target_sealed",
        ..actor_place(workspace, row_key)
    }
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: i64,
    row_key: String,
    workspace_id: Option<String>,
    event: String,
    outcome: String,
    actor_sealed: Option<Vec<u8>>,
    target_kind: Option<String>,
    target_sealed: Option<Vec<u8>>,
    conversation_id: Option<String>,
    message_id: Option<String>,
    at: i64,
}

impl<'a> Audit<'a> {
    pub(crate) fn new(store: &'a Store) -> Self {
        Self { store }
    }

    /// Records one event.
    pub async fn record(&self, entry: &AuditEntry<'_>) -> Result<(), StoreError> {
        if !is_code(entry.event) {
            return Err(StoreError::InvalidCode {
                what: "audit event",
            });
        }
        if !is_code(entry.outcome) {
            return Err(StoreError::InvalidCode {
                what: "audit outcome",
            });
        }
        if let Some(target) = &entry.target {
            if !is_code(target.kind) {
                return Err(StoreError::InvalidCode {
                    what: "audit target kind",
                });
            }
        }
        let keys = &self.store.keys;
        let row_key = hex::encode(keys.random_bytes::<16>()?);
        let workspace = entry.workspace_id.unwrap_or("");
        let actor = entry
            .actor_id
            .map(|actor| {
                keys.seal(
                    SubKey::Identity,
                    actor_place(workspace, &row_key),
                    actor.as_bytes(),
                )
            })
            .transpose()?;
        let target = entry
            .target
            .map(|target| {
                keys.seal(
                    SubKey::Identity,
                    target_place(workspace, &row_key),
                    target.id.as_bytes(),
                )
            })
            .transpose()?;
        let key_id =
            (actor.is_some() || target.is_some()).then(|| keys.current_id().as_bytes().to_vec());
        sqlx::query(
            "INSERT INTO audit_events (row_key, workspace_id, event, outcome, key_id, actor_sealed, \
                                       target_kind, target_sealed, conversation_id, message_id, at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )
        .bind(&row_key)
        .bind(entry.workspace_id)
        .bind(entry.event)
        .bind(entry.outcome)
        .bind(key_id)
        .bind(actor)
        .bind(entry.target.map(|target| target.kind))
        .bind(target)
        .bind(entry.conversation_id)
        .bind(entry.message_id)
        .bind(entry.at)
        .execute(&self.store.pool)
        .await?;
        Ok(())
    }

    /// The newest `limit` events, of one workspace or of all.
    pub async fn list(
        &self,
        workspace_id: Option<&str>,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let rows: Vec<AuditRow> = sqlx::query_as(
            "SELECT id, row_key, workspace_id, event, outcome, actor_sealed, target_kind, \
                    target_sealed, conversation_id, message_id, at \
             FROM audit_events WHERE ?1 IS NULL OR workspace_id = ?1 \
             ORDER BY id DESC LIMIT ?2",
        )
        .bind(workspace_id)
        .bind(i64::from(limit))
        .fetch_all(&self.store.pool)
        .await?;
        rows.into_iter().map(|row| self.open_row(row)).collect()
    }

    fn open_row(&self, row: AuditRow) -> Result<AuditRecord, StoreError> {
        let AuditRow {
            id,
            row_key,
            workspace_id,
            event,
            outcome,
            actor_sealed: actor,
            target_kind,
            target_sealed: target,
            conversation_id,
            message_id,
            at,
        } = row;
        let keys = &self.store.keys;
        let workspace = workspace_id.as_deref().unwrap_or("");
        let actor_id = actor
            .map(|sealed| {
                keys.open_string(SubKey::Identity, actor_place(workspace, &row_key), &sealed)
            })
            .transpose()?;
        let target_id = target
            .map(|sealed| {
                keys.open_string(SubKey::Identity, target_place(workspace, &row_key), &sealed)
            })
            .transpose()?;
        Ok(AuditRecord {
            id,
            workspace_id,
            event,
            outcome,
            actor_id: actor_id.map(SecretString::from),
            target_kind,
            target_id: target_id.map(SecretString::from),
            conversation_id,
            message_id,
            at,
        })
    }
}
