//! Slash commands, in the background.

use anon_core::inbound::SlashCommand;

use crate::state::Services;

/// Carries out one slash command.
pub async fn run(_services: &Services, command: SlashCommand) {
    log::debug!(
        "slash command in workspace {} not wired yet",
        command.workspace.as_str()
    );
}
