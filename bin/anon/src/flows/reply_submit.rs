//! Submitted replies, in the background.

use anon_core::inbound::ViewAction;

use crate::state::Services;

/// Carries out one submitted reply.
pub async fn run(_services: &Services, action: ViewAction) {
    log::debug!(
        "reply in workspace {} not wired yet",
        action.workspace.as_str()
    );
}
