//! Carrying out anon-core's [`Effect`]s, in order. A failing effect is logged
//! (by kind and outcome only, never a person or a body) and the rest still
//! run; a failed notice never changes what was already done (D14).

use anon_core::effect::{Effect, Notice, NoticePlace};
use anon_store::Store;
use pumble_client::OutgoingMessage;

use crate::audit_log;
use crate::bot::Bot;
use crate::state::Services;

/// Carries out `effects` in order. `bot` is the workspace's bot, needed for
/// notices; without it notices are skipped (and logged).
pub async fn carry_out(services: &Services, bot: Option<&Bot>, effects: Vec<Effect>) {
    for effect in effects {
        match effect {
            Effect::Notice(notice) => match bot {
                Some(bot) => notify(services, bot, notice).await,
                None => log::warn!("notice skipped: the workspace has no bot"),
            },
            Effect::RecordAudit(record) => audit_log::record(&services.store, &record).await,
            Effect::RecordDelivery {
                workspace,
                message,
                delivery,
            } => {
                if let Some(platform) = &delivery.platform_message {
                    let recorded = services
                        .store
                        .messages()
                        .set_platform_message_id(
                            workspace.as_str(),
                            message.as_str(),
                            platform.as_str(),
                        )
                        .await;
                    if let Err(error) = recorded {
                        log::error!("recording a delivery failed: {error}");
                    }
                }
            }
            Effect::DiscardMessage { workspace, message } => {
                discard(&services.store, workspace.as_str(), message.as_str()).await;
            }
            Effect::PurgeWorkspace { workspace } => {
                match services.store.purge_workspace(workspace.as_str()).await {
                    // The report holds row counts only.
                    Ok(report) => log::info!("workspace {} purged: {report:?}", workspace.as_str()),
                    Err(error) => {
                        log::error!("purging workspace {} failed: {error}", workspace.as_str())
                    }
                }
            }
            Effect::PurgeUserTokens { workspace, users } => {
                let mut purged = 0usize;
                for user in &users {
                    match services
                        .store
                        .tokens()
                        .delete_for_user(workspace.as_str(), user.as_str())
                        .await
                    {
                        Ok(_) => purged += 1,
                        Err(error) => log::error!("deleting a user's tokens failed: {error}"),
                    }
                }
                log::info!(
                    "workspace {}: tokens of {purged} user(s) purged",
                    workspace.as_str()
                );
            }
        }
    }
}

/// Deletes the record of a message that was surely never posted.
async fn discard(store: &Store, workspace: &str, message: &str) {
    if let Err(error) = store.messages().delete(workspace, message).await {
        log::error!("discarding an unposted message failed: {error}");
    }
}

/// Posts a notice ephemerally in its place (channel, and thread); when
/// Pumble refuses that place (or there is none), in the bot's DM with the
/// user, so the user is never left without an answer (D12).
async fn notify(services: &Services, bot: &Bot, notice: Notice) {
    let user = notice.to.expose_user_id().as_str().to_owned();
    let token = bot.token.clone();
    let bot_id = bot.user_id.as_str().to_owned();
    let message = OutgoingMessage::text(notice.text);
    let sent = services
        .pumble
        .call(move |client| {
            let acting = client.acting_as(&token);
            let in_place = match &notice.place {
                NoticePlace::Channel {
                    channel,
                    thread_root: Some(root),
                } => Some(acting.post_ephemeral_in_thread(
                    channel.as_str(),
                    root.as_str(),
                    &[&user],
                    &message,
                )),
                NoticePlace::Channel {
                    channel,
                    thread_root: None,
                } => Some(acting.post_ephemeral(channel.as_str(), &[&user], &message)),
                NoticePlace::DirectMessage => None,
            };
            match in_place {
                Some(Ok(())) => Ok(()),
                // No answer at all: it may have been shown; do not repeat it.
                Some(Err(error)) if error.status().is_none() => Err(error),
                _ => {
                    let dm = acting.get_or_create_direct_channel(&bot_id, &[&user])?;
                    acting.post_ephemeral(&dm.channel.id, &[&user], &message)
                }
            }
        })
        .await;
    if let Err(error) = sent {
        log::warn!("an ephemeral notice could not be posted: {error}");
    }
}
