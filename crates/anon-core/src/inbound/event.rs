//! App lifecycle events (pumble-protocol.md §3.7): `APP_UNINSTALLED`,
//! `APP_UNAUTHORIZED`, whether they arrive as `PUMBLE_EVENT` or `APP_EVENT`.

use std::fmt;

use serde::Deserialize;
use serde_json::Value;

use super::{required_id, PayloadError};
use crate::ids::{UserId, WorkspaceId};

/// The JSON body of an event. Unknown fields are ignored.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventPayload {
    /// `PUMBLE_EVENT` or `APP_EVENT`; both are handled alike.
    #[serde(default)]
    pub message_type: String,
    /// `APP_UNINSTALLED`, `APP_UNAUTHORIZED`, …
    #[serde(default)]
    pub event_type: String,
    /// Workspace.
    pub workspace_id: String,
    /// Users the event concerns.
    #[serde(default)]
    pub workspace_user_ids: Vec<String>,
    /// The event body: a JSON **string** (parsed a second time), or an
    /// object.
    #[serde(default)]
    pub body: Option<Value>,
}

impl fmt::Debug for EventPayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventPayload")
            .field("message_type", &self.message_type)
            .field("event_type", &self.event_type)
            .field("workspace_id", &self.workspace_id)
            .field("workspace_user_ids", &self.workspace_user_ids.len())
            .finish_non_exhaustive()
    }
}

/// A parsed lifecycle event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppEvent {
    /// The app was uninstalled from `workspace`.
    Uninstalled {
        /// Workspace.
        workspace: WorkspaceId,
    },
    /// `users` revoked the app's authorization: the envelope's
    /// `workspaceUserIds` plus the body's `workspaceUser`, de-duplicated;
    /// malformed ids are left out.
    Unauthorized {
        /// Workspace.
        workspace: WorkspaceId,
        /// Users whose tokens must go.
        users: Vec<UserId>,
    },
    /// Any other event: answered, nothing to do.
    Other {
        /// Workspace.
        workspace: WorkspaceId,
    },
}

fn body_object(body: Option<&Value>) -> Option<Value> {
    match body? {
        Value::String(inner) => serde_json::from_str(inner).ok(),
        object @ Value::Object(_) => Some(object.clone()),
        _ => None,
    }
}

impl TryFrom<EventPayload> for AppEvent {
    type Error = PayloadError;

    fn try_from(payload: EventPayload) -> Result<Self, Self::Error> {
        let workspace = required_id("workspaceId", &payload.workspace_id, WorkspaceId::parse)?;
        Ok(match payload.event_type.as_str() {
            "APP_UNINSTALLED" => AppEvent::Uninstalled { workspace },
            "APP_UNAUTHORIZED" => {
                let from_body = body_object(payload.body.as_ref()).and_then(|body| {
                    body.get("workspaceUser")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                });
                let mut users: Vec<UserId> = Vec::new();
                for raw in payload.workspace_user_ids.iter().chain(from_body.iter()) {
                    if let Ok(user) = UserId::parse(raw) {
                        if !users.contains(&user) {
                            users.push(user);
                        }
                    }
                }
                AppEvent::Unauthorized { workspace, users }
            }
            _ => AppEvent::Other { workspace },
        })
    }
}
