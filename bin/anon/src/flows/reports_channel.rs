//! The workspace's private reports channel: used only when the app created
//! it and recorded its id (never adopted by name, D5). The first reports race
//! for the store's creation claim; exactly one creates the channel (trying
//! anon-core's names in turn, never reusing a taken one), records it, posts
//! the intro; the others wait for it to be recorded.

use std::time::Duration;

use anon_core::flows::reports_channel::{
    channel_created, channel_setup_failed, channel_spec, intro_message, NAME_ATTEMPTS,
};
use anon_core::ids::{ChannelId, WorkspaceId};
use anon_store::{ClaimId, ReportChannelClaim};
use pumble_client::{ChannelType, NewChannel};

use super::drive::outgoing;
use crate::bot::Bot;
use crate::clock::unix_now;
use crate::effects::carry_out;
use crate::pumble::CallError;
use crate::state::Services;

/// A claim older than this is taken over (its holder died mid-creation).
const STALE_CLAIM_SECS: i64 = 120;
/// How often a waiting report looks for the channel being created.
const WAIT_POLL: Duration = Duration::from_millis(100);
/// How long a waiting report waits for it.
const WAIT_AT_MOST: Duration = Duration::from_secs(20);

/// The reports channel of `workspace`, creating it if needed; `None` when
/// there is none and it could not be created.
pub async fn ensure(services: &Services, bot: &Bot, workspace: &WorkspaceId) -> Option<String> {
    let channels = services.store.report_channels();
    match channels
        .claim(workspace.as_str(), unix_now(), STALE_CLAIM_SECS)
        .await
    {
        Ok(ReportChannelClaim::Existing(channel)) => Some(channel),
        Ok(ReportChannelClaim::Claimed(claim)) => create(services, bot, workspace, claim).await,
        Ok(ReportChannelClaim::Busy) => {
            match channels
                .wait_for_channel(workspace.as_str(), WAIT_POLL, WAIT_AT_MOST)
                .await
            {
                Ok(channel) => channel,
                Err(error) => {
                    log::error!("waiting for the reports channel failed: {error}");
                    None
                }
            }
        }
        Err(error) => {
            log::error!("claiming the reports channel failed: {error}");
            None
        }
    }
}

/// Forgets a recorded channel Pumble no longer knows, so the next
/// [`ensure`] creates a new one.
pub async fn forget(services: &Services, workspace: &WorkspaceId) {
    if let Err(error) = services
        .store
        .report_channels()
        .forget(workspace.as_str())
        .await
    {
        log::error!("forgetting a vanished reports channel failed: {error}");
    }
}

async fn create(
    services: &Services,
    bot: &Bot,
    workspace: &WorkspaceId,
    claim: ClaimId,
) -> Option<String> {
    let channels = services.store.report_channels();
    for attempt in 0..NAME_ATTEMPTS {
        let spec = channel_spec(attempt);
        let request = NewChannel::new(spec.name)
            .with_type(ChannelType::Private)
            .with_description(spec.description);
        let token = bot.token.clone();
        let created = services
            .pumble
            .call(move |client| client.acting_as(&token).create_channel(&request))
            .await;
        let id = match created {
            Ok(info) => info.channel.id,
            // A taken name (or another refusal of this name): next name.
            Err(CallError::Client(error))
                if error
                    .status()
                    .is_some_and(|s| (400..500).contains(&s) && s != 429) =>
            {
                log::info!("reports channel name attempt {attempt} refused: {error}");
                continue;
            }
            Err(error) => {
                log::warn!("creating the reports channel failed: {error}");
                break;
            }
        };
        match channels
            .complete(workspace.as_str(), &claim, &id, unix_now())
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                // Our claim went stale and another flow took over.
                return channels.get(workspace.as_str()).await.ok().flatten();
            }
            Err(error) => {
                log::error!("recording the reports channel failed: {error}");
                return None;
            }
        }
        let intro = outgoing(&intro_message());
        let token = bot.token.clone();
        let channel = id.clone();
        let posted = services
            .pumble
            .call(move |client| client.acting_as(&token).post_message(&channel, &intro))
            .await;
        if let Err(error) = posted {
            log::warn!("the reports channel intro could not be posted: {error}");
        }
        if let Ok(channel) = ChannelId::parse(&id) {
            carry_out(
                services,
                Some(bot),
                channel_created(workspace.clone(), channel),
            )
            .await;
        }
        log::info!(
            "reports channel created in workspace {}",
            workspace.as_str()
        );
        return Some(id);
    }
    if let Err(error) = channels.release(workspace.as_str(), &claim).await {
        log::error!("releasing the reports channel claim failed: {error}");
    }
    carry_out(services, Some(bot), channel_setup_failed(workspace.clone())).await;
    None
}
