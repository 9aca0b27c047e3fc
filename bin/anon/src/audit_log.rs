//! Writes anon-core's audit records through the store.
//!
//! The store keeps one target per row: the record's subject (a person, kind
//! `user`) when there is one, otherwise its channel (kind `channel`).

use anon_core::audit::AuditRecord;
use anon_store::{AuditEntry, AuditTarget, Store};

use crate::clock::unix_now;

/// Records `record`; a failure is logged (event and outcome only) and
/// otherwise ignored: the audit trail must never undo or block an action
/// already carried out.
pub async fn record(store: &Store, record: &AuditRecord) {
    let target = match (&record.subject, &record.channel) {
        (Some(subject), _) => Some(AuditTarget {
            kind: "user",
            id: subject.expose_user_id().as_str(),
        }),
        (None, Some(channel)) => Some(AuditTarget {
            kind: "channel",
            id: channel.as_str(),
        }),
        (None, None) => None,
    };
    let entry = AuditEntry {
        workspace_id: Some(record.workspace.as_str()),
        event: record.event.as_str(),
        outcome: record.outcome.as_str(),
        actor_id: record
            .actor
            .as_ref()
            .map(|actor| actor.expose_user_id().as_str()),
        target,
        conversation_id: record.conversation.as_ref().map(|id| id.as_str()),
        message_id: record.message.as_ref().map(|id| id.as_str()),
        at: unix_now(),
    };
    if let Err(error) = store.audit().record(&entry).await {
        log::error!(
            "audit: recording {} {} failed: {error}",
            record.event.as_str(),
            record.outcome.as_str()
        );
    }
}
