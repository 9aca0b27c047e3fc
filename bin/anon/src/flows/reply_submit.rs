//! A submitted reply modal, carried out in the background after the ack:
//! the modal names the message it answers (its `callbackId`), so a restart
//! between opening and submitting loses nothing.

use anon_core::flows::reply;
use anon_core::inbound::ViewAction;

use super::drive::drive;
use super::stored_message::lookup;
use crate::bot;
use crate::effects::carry_out;
use crate::fresh_ids::fresh_ids;
use crate::state::Services;

/// Carries out one submitted reply.
pub async fn run(services: &Services, action: ViewAction) {
    let bot = match bot::load(&services.store, &action.workspace).await {
        Ok(bot) => bot,
        Err(error) => {
            log::warn!(
                "reply in workspace {} dropped: {error}",
                action.workspace.as_str()
            );
            return;
        }
    };
    let stored = match action.message_id() {
        Some(id) => match lookup(&services.store, &action.workspace, id).await {
            Ok(stored) => stored,
            Err(error) => {
                log::error!("reply: message lookup failed: {error}");
                let effects = reply::lookup_failed(&action);
                carry_out(services, Some(&bot), effects).await;
                return;
            }
        },
        None => None,
    };
    let Ok(fresh) = fresh_ids() else {
        log::error!("reply dropped: the random generator failed");
        return;
    };
    let step = reply::on_view_action(action, stored.as_ref(), fresh);
    let effects = drive(services, &bot, step).await;
    carry_out(services, Some(&bot), effects).await;
}
