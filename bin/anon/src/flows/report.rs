//! A report, in the background after the ack: find or create the reports
//! channel, invite every active owner and administrator not yet in it (also
//! those who became admins later, D4), post the report, tell the reporter.

use anon_core::flows::reports_channel::admins_to_invite;
use anon_core::flows::{ReportCase, ReportOutcome};
use anon_core::ids::UserId;

use super::drive::{outgoing, workspace_members};
use super::reports_channel;
use crate::bot::{self, Bot};
use crate::effects::carry_out;
use crate::pumble::CallError;
use crate::state::Services;

/// Carries out one authorised report.
pub async fn run(services: &Services, case: ReportCase) {
    let workspace = case.workspace().clone();
    let bot = match bot::load(&services.store, &workspace).await {
        Ok(bot) => bot,
        Err(error) => {
            log::warn!(
                "report in workspace {} dropped: {error}",
                workspace.as_str()
            );
            return;
        }
    };
    let mut channel = reports_channel::ensure(services, &bot, &workspace).await;
    if let Some(id) = &channel {
        match invite_admins(services, &bot, id).await {
            Err(CallError::Client(error)) if error.is_not_found() => {
                // The recorded channel is gone (deleted): make a new one.
                log::warn!("the recorded reports channel no longer exists; creating another");
                reports_channel::forget(services, &workspace).await;
                channel = reports_channel::ensure(services, &bot, &workspace).await;
                if let Some(id) = &channel {
                    if let Err(error) = invite_admins(services, &bot, id).await {
                        log::warn!("inviting admins to the reports channel failed: {error}");
                    }
                }
            }
            Err(error) => log::warn!("inviting admins to the reports channel failed: {error}"),
            Ok(()) => {}
        }
    }
    let outcome = match channel {
        None => ReportOutcome::NoReportsChannel,
        Some(id) => {
            let message = outgoing(case.message());
            let token = bot.token.clone();
            let posted = services
                .pumble
                .call(move |client| client.acting_as(&token).post_message(&id, &message))
                .await;
            match posted {
                Ok(_) => ReportOutcome::Posted,
                Err(error) => {
                    log::warn!("posting a report failed: {error}");
                    ReportOutcome::PostFailed
                }
            }
        }
    };
    carry_out(services, Some(&bot), case.finish(outcome)).await;
}

/// Invites the active owners and administrators who are not members yet.
async fn invite_admins(services: &Services, bot: &Bot, channel: &str) -> Result<(), CallError> {
    let token = bot.token.clone();
    let channel = channel.to_owned();
    services
        .pumble
        .call(move |client| {
            let acting = client.acting_as(&token);
            let info = acting.channel_details(&channel)?;
            let users = acting.list_workspace_users()?;
            let members: Vec<UserId> = info
                .users
                .iter()
                .filter_map(|id| UserId::parse(id).ok())
                .collect();
            let invite = admins_to_invite(&workspace_members(&users), &members);
            if !invite.is_empty() {
                let ids: Vec<&str> = invite.iter().map(UserId::as_str).collect();
                acting.add_users_to_channel(&channel, &ids)?;
            }
            Ok(())
        })
        .await
}
