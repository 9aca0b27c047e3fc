//! Lifecycle events (pumble-protocol.md §3.7, §6.5), as anon-core decides
//! them: `APP_UNINSTALLED` purges every row of the workspace (opt-outs
//! survive, D18); `APP_UNAUTHORIZED` purges the tokens of the union of
//! `body.workspaceUser` and the envelope's `workspaceUserIds`. Both may
//! arrive as `PUMBLE_EVENT` or `APP_EVENT`.
//!
//! Events need no answer beyond a 200 (§4.1); the purge touches only the
//! database, so it runs before answering and nothing is lost if the process
//! stops right after.

use anon_core::flows::lifecycle::on_event;
use anon_core::inbound::{AppEvent, EventPayload};
use serde_json::Value;

use crate::effects::carry_out;
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
}

impl EventOutcome {
    /// A short code for the request log.
    pub fn code(self) -> &'static str {
        match self {
            EventOutcome::Uninstalled => "purged_workspace",
            EventOutcome::Unauthorized => "purged_user_tokens",
            EventOutcome::Ignored => "ignored",
            EventOutcome::Malformed => "malformed_payload",
        }
    }
}

/// Handles one event envelope.
pub async fn handle(services: &Services, envelope: Value) -> EventOutcome {
    let Ok(payload) = serde_json::from_value::<EventPayload>(envelope) else {
        return EventOutcome::Malformed;
    };
    let Ok(event) = AppEvent::try_from(payload) else {
        return EventOutcome::Malformed;
    };
    let outcome = match &event {
        AppEvent::Uninstalled { .. } => EventOutcome::Uninstalled,
        AppEvent::Unauthorized { .. } => EventOutcome::Unauthorized,
        AppEvent::Other { .. } => EventOutcome::Ignored,
    };
    carry_out(services, None, on_event(event)).await;
    outcome
}
