//! Lifecycle events (pumble-protocol.md §3.7, §6.5): `APP_UNINSTALLED`
//! purges every row of the workspace; `APP_UNAUTHORIZED` purges the tokens of
//! the users who revoked the app — the union of `body.workspaceUser` and the
//! envelope's `workspaceUserIds`, since the sources disagree on which names
//! them (§3.7). Both arrive as `PUMBLE_EVENT` or `APP_EVENT`.
//!
//! Events need no acknowledgement beyond a 200 (§4.1); the purge is quick
//! (database only), so it runs before answering and nothing is lost if the
//! process stops right after.

use anon_core::audit::{AuditEvent, AuditRecord, Outcome};
use anon_core::ids::{UserId, WorkspaceId};
use anon_core::Identity;
use serde_json::Value;

use crate::audit_log;
use crate::state::Services;

/// What handling an event came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventOutcome {
    /// The workspace was purged.
    Uninstalled,
    /// The users' tokens were purged.
    Unauthorized,
    /// An event this app does not subscribe to: acknowledged, ignored.
    Ignored,
    /// A required field was missing or malformed.
    Malformed,
    /// The store failed; the cause is in the log.
    StoreFailed,
}

impl EventOutcome {
    /// A short code for the request log.
    pub fn code(self) -> &'static str {
        match self {
            EventOutcome::Uninstalled => "purged_workspace",
            EventOutcome::Unauthorized => "purged_user_tokens",
            EventOutcome::Ignored => "ignored",
            EventOutcome::Malformed => "malformed_payload",
            EventOutcome::StoreFailed => "store_error",
        }
    }
}

/// The users an `APP_UNAUTHORIZED` event names, de-duplicated.
pub fn revoking_users(envelope: &Value, body: &Value) -> Vec<UserId> {
    let from_body = body.get("workspaceUser").and_then(Value::as_str);
    let from_envelope = envelope
        .get("workspaceUserIds")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str);
    let mut users: Vec<UserId> = Vec::new();
    for raw in from_body.into_iter().chain(from_envelope) {
        if let Ok(user) = UserId::parse(raw) {
            if !users.contains(&user) {
                users.push(user);
            }
        }
    }
    users
}

/// Handles one event envelope.
pub async fn handle(services: &Services, envelope: &Value) -> EventOutcome {
    let event_type = envelope
        .get("eventType")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !matches!(event_type, "APP_UNINSTALLED" | "APP_UNAUTHORIZED") {
        return EventOutcome::Ignored;
    }
    let Some(workspace) = envelope
        .get("workspaceId")
        .and_then(Value::as_str)
        .and_then(|raw| WorkspaceId::parse(raw).ok())
    else {
        return EventOutcome::Malformed;
    };
    // `body` is a JSON string inside the JSON (§9.1); absent or broken counts
    // as empty, since the envelope alone names the workspace (and users).
    let body = envelope
        .get("body")
        .and_then(Value::as_str)
        .and_then(|text| serde_json::from_str::<Value>(text).ok())
        .unwrap_or(Value::Null);
    let store = &services.store;
    if event_type == "APP_UNINSTALLED" {
        match store.purge_workspace(workspace.as_str()).await {
            Ok(report) => {
                // The report holds row counts only.
                log::info!(
                    "uninstall: workspace {} purged: {report:?}",
                    workspace.as_str()
                );
                // Nothing of the workspace is kept, not even an audit row.
                EventOutcome::Uninstalled
            }
            Err(error) => {
                log::error!(
                    "uninstall: purging workspace {} failed: {error}",
                    workspace.as_str()
                );
                EventOutcome::StoreFailed
            }
        }
    } else {
        let users = revoking_users(envelope, &body);
        let mut failed = false;
        for user in &users {
            let deleted = store
                .tokens()
                .delete_for_user(workspace.as_str(), user.as_str())
                .await;
            if let Err(error) = &deleted {
                log::error!("unauthorize: deleting a user's tokens failed: {error}");
                failed = true;
            }
            let record = AuditRecord::new(
                workspace.clone(),
                AuditEvent::AppUnauthorized,
                if deleted.is_ok() {
                    Outcome::Ok
                } else {
                    Outcome::Unavailable
                },
            )
            .with_actor(Identity::new(user.clone()));
            audit_log::record(store, &record).await;
        }
        log::info!(
            "unauthorize: workspace {}: tokens of {} user(s) purged",
            workspace.as_str(),
            users.len()
        );
        if failed {
            EventOutcome::StoreFailed
        } else {
            EventOutcome::Unauthorized
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn revoking_users_is_the_union_without_duplicates() {
        let envelope = json!({"workspaceUserIds": ["u_bob", "u_carol", ""]});
        let body = json!({"workspaceUser": "u_bob"});
        let users: Vec<String> = revoking_users(&envelope, &body)
            .iter()
            .map(|u| u.as_str().to_owned())
            .collect();
        assert_eq!(users, ["u_bob", "u_carol"]);
    }

    #[test]
    fn revoking_users_reads_either_source_alone() {
        let only_body = revoking_users(&json!({}), &json!({"workspaceUser": "u_dave"}));
        assert_eq!(only_body.len(), 1);
        let only_envelope = revoking_users(&json!({"workspaceUserIds": ["u_erin"]}), &Value::Null);
        assert_eq!(only_envelope.len(), 1);
    }
}
