//! Slash commands, carried out in the background after the `200 {}` ack:
//! anon-core decides (`flows::slash::start`), [`drive`](super::drive) fetches
//! the facts and posts, and the sender always ends with an ephemeral notice.

use anon_core::flows::slash;
use anon_core::inbound::SlashCommand;

use super::drive::drive;
use crate::bot;
use crate::effects::carry_out;
use crate::fresh_ids::fresh_ids;
use crate::state::Services;

/// Carries out one slash command.
pub async fn run(services: &Services, command: SlashCommand) {
    let bot = match bot::load(&services.store, &command.workspace).await {
        Ok(bot) => bot,
        Err(error) => {
            // Without the bot nothing can be posted, not even a notice.
            log::warn!(
                "slash command in workspace {} dropped: {error}",
                command.workspace.as_str()
            );
            return;
        }
    };
    let Ok(fresh) = fresh_ids() else {
        log::error!("slash command dropped: the random generator failed");
        return;
    };
    let step = slash::start(command, &bot.user_id, fresh);
    let effects = drive(services, &bot, step).await;
    carry_out(services, Some(&bot), effects).await;
}
