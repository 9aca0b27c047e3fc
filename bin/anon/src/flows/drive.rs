//! Drives an anon-core [`Step`] to its effects: answers each stage with the
//! fact it asks for (store or Pumble), and delivers ready posts. Shared by
//! slash commands and submitted replies.

use anon_core::channel_facts::{count_human_members, ChannelFacts, ChannelType};
use anon_core::effect::Effect;
use anon_core::flows::{DeliveryOutcome, ReadyPost, Step};
use anon_core::ids::{ChannelId, PlatformMessageId, UserId};
use anon_core::message::{Delivery, Placement};
use anon_core::quota::{QuotaDenied, QuotaRequest};
use anon_core::workspace_member::WorkspaceMember;
use anon_store::{MessageKind, NewMessage, RateDecision, RateLimitPolicy};
use pumble_client::{ClientError, OutgoingMessage};

use crate::bot::Bot;
use crate::clock::unix_now;
use crate::pumble::CallError;
use crate::state::Services;

/// Runs `step` until it is done and returns the effects to carry out.
pub async fn drive(services: &Services, bot: &Bot, mut step: Step) -> Vec<Effect> {
    let store = &services.store;
    loop {
        step = match step {
            Step::Done(effects) => return effects,
            Step::CheckRecipientOptOut(draft) => {
                let opted_out = store
                    .opt_outs()
                    .is_opted_out(
                        draft.workspace().as_str(),
                        draft.recipient().expose_user_id().as_str(),
                    )
                    .await;
                match opted_out {
                    Ok(opted_out) => draft.decide(opted_out),
                    Err(error) => {
                        log::error!("opt-out lookup failed: {error}");
                        return draft.unavailable();
                    }
                }
            }
            Step::FetchChannelFacts(draft) => {
                match channel_facts(services, bot, draft.channel()).await {
                    Ok(facts) => draft.decide(facts),
                    Err(error) => {
                        log::warn!("channel facts unavailable: {error}");
                        return draft.unavailable();
                    }
                }
            }
            Step::ConsumeQuota(gate) => match consume_quota(services, gate.request()).await {
                Ok(verdict) => gate.decide(verdict),
                Err(error) => {
                    log::error!("rate-limit check failed: {error}");
                    return gate.unavailable();
                }
            },
            Step::Deliver(post) => return deliver(services, bot, post).await,
            Step::ChangeOptOut(change) => {
                let workspace = change.workspace().as_str().to_owned();
                let user = change.user().expose_user_id().as_str().to_owned();
                let changed = if change.opts_out() {
                    store.opt_outs().set(&workspace, &user, unix_now()).await
                } else {
                    store.opt_outs().clear(&workspace, &user).await
                };
                match changed {
                    Ok(changed) => Step::Done(change.finish(changed)),
                    Err(error) => {
                        log::error!("opt-out change failed: {error}");
                        return change.unavailable();
                    }
                }
            }
        };
    }
}

/// The channel's type and how many active humans are in it: the channel
/// (`GET /v1/channels/{id}`) and the workspace's users.
async fn channel_facts(
    services: &Services,
    bot: &Bot,
    channel: &ChannelId,
) -> Result<ChannelFacts, CallError> {
    let token = bot.token.clone();
    let channel = channel.as_str().to_owned();
    let fetched = services
        .pumble
        .call(move |client| {
            let acting = client.acting_as(&token);
            let info = acting.channel_details(&channel)?;
            let users = acting.list_workspace_users()?;
            Ok((info, users))
        })
        .await;
    let (info, users) = match fetched {
        Ok(found) => found,
        // Pumble refuses to show the bot this channel: a DM or private
        // channel the app is not part of, so not a place it can post in.
        Err(CallError::Client(error)) if error.status() == Some(403) => {
            return Ok(ChannelFacts {
                channel_type: ChannelType::Other,
                human_members: 0,
            })
        }
        Err(error) => return Err(error),
    };
    let members: Vec<UserId> = info
        .users
        .iter()
        .filter_map(|id| UserId::parse(id).ok())
        .collect();
    let users = workspace_members(&users);
    Ok(ChannelFacts {
        channel_type: ChannelType::parse(info.channel.channel_type.as_str()),
        human_members: count_human_members(&members, &users),
    })
}

/// Pumble's user list as anon-core's members (entries with unusable ids
/// dropped).
pub fn workspace_members(users: &[pumble_client::WorkspaceUser]) -> Vec<WorkspaceMember> {
    users
        .iter()
        .filter_map(|user| {
            WorkspaceMember::from_pumble(
                &user.id,
                user.role.as_str(),
                user.status.as_ref().map_or("", |status| status.as_str()),
                user.is_pumble_bot,
                user.is_addon_bot,
            )
            .ok()
        })
        .collect()
}

/// Checks and consumes both limits in one store transaction.
async fn consume_quota(
    services: &Services,
    request: &QuotaRequest,
) -> Result<Result<(), QuotaDenied>, anon_store::StoreError> {
    let policy = RateLimitPolicy {
        global_limit: request.global.limit,
        global_window_secs: i64::try_from(request.global.window_secs).unwrap_or(i64::MAX),
        target_limit: request.per_target.limit,
        target_window_secs: i64::try_from(request.per_target.window_secs).unwrap_or(i64::MAX),
    };
    let decision = services
        .store
        .rate_limits()
        .check_and_consume(
            request.workspace.as_str(),
            request.sender.expose_user_id().as_str(),
            &request.target.expose_key(),
            unix_now(),
            &policy,
        )
        .await?;
    Ok(match decision {
        RateDecision::Allowed => Ok(()),
        RateDecision::DeniedGlobal { .. } => Err(QuotaDenied::Global),
        RateDecision::DeniedTarget { .. } => Err(QuotaDenied::Target),
    })
}

/// Where a post goes on Pumble.
enum Target {
    Channel(String),
    Thread { channel: String, root: String },
}

/// Finds the DM channel (for a DM), stores the authorship record, posts,
/// and returns the effects of the outcome (ReadyPost's order).
async fn deliver(services: &Services, bot: &Bot, post: ReadyPost) -> Vec<Effect> {
    let target = match post.placement() {
        Placement::Direct { recipient } => {
            let token = bot.token.clone();
            let bot_id = bot.user_id.as_str().to_owned();
            let recipient = recipient.expose_user_id().as_str().to_owned();
            let found = services
                .pumble
                .call(move |client| {
                    client
                        .acting_as(&token)
                        .get_or_create_direct_channel(&bot_id, &[&recipient])
                })
                .await;
            match found {
                Ok(info) => Target::Channel(info.channel.id),
                Err(error) => {
                    log::warn!("no DM channel could be opened: {error}");
                    return post.finish(DeliveryOutcome::NoDmChannel);
                }
            }
        }
        Placement::Channel { channel } => Target::Channel(channel.as_str().to_owned()),
        Placement::Thread { channel, root } => Target::Thread {
            channel: channel.as_str().to_owned(),
            root: root.as_str().to_owned(),
        },
    };
    let (channel, root) = match &target {
        Target::Channel(channel) => (channel.clone(), None),
        Target::Thread { channel, root } => (channel.clone(), Some(root.clone())),
    };

    // Authorship is stored before anything is shown.
    let record = post.record();
    let (kind, recipient) = match &record.placement {
        Placement::Direct { recipient } => {
            (MessageKind::Dm, Some(recipient.expose_user_id().as_str()))
        }
        Placement::Channel { .. } => (MessageKind::Channel, None),
        Placement::Thread { .. } => (MessageKind::Thread, None),
    };
    let stored = services
        .store
        .messages()
        .record(&NewMessage {
            id: record.id.as_str(),
            conversation_id: record.conversation.as_str(),
            workspace_id: record.workspace.as_str(),
            kind,
            author_id: record.author.expose_user_id().as_str(),
            recipient_id: recipient,
            body: record.body.expose(),
            channel_id: Some(&channel),
            thread_root_id: root.as_deref(),
            created_at: unix_now(),
        })
        .await;
    if let Err(error) = stored {
        log::error!("storing a message failed: {error}");
        return post.unavailable();
    }

    let message = outgoing(post.message());
    let token = bot.token.clone();
    let posted = services
        .pumble
        .call(move |client| {
            let acting = client.acting_as(&token);
            match target {
                Target::Channel(channel) => acting.post_message(&channel, &message),
                Target::Thread { channel, root } => {
                    acting.reply_in_thread(&channel, &root, &message)
                }
            }
        })
        .await;
    let outcome = match posted {
        Ok(posted) => match ChannelId::parse(&channel) {
            Ok(channel) => DeliveryOutcome::Posted(Delivery {
                channel,
                platform_message: PlatformMessageId::parse(&posted.id).ok(),
            }),
            // The channel id came from Pumble or from a parsed id.
            Err(_) => DeliveryOutcome::Unconfirmed,
        },
        Err(error) => {
            log::warn!("posting an anonymous message failed: {error}");
            post_failure(&error)
        }
    };
    post.finish(outcome)
}

/// An [`OutboundMessage`](anon_core::outbound::OutboundMessage) as the
/// client's request body.
pub fn outgoing(message: &anon_core::outbound::OutboundMessage) -> OutgoingMessage {
    let blocks = match message.blocks() {
        serde_json::Value::Array(blocks) => blocks.clone(),
        _ => Vec::new(),
    };
    OutgoingMessage::text(message.text()).with_blocks(blocks)
}

/// Whether a failed post surely did not appear: Pumble refused it (4xx, or
/// the request was never sent) — or may have (no answer, a 5xx, an
/// unreadable success).
fn post_failure(error: &CallError) -> DeliveryOutcome {
    match error {
        CallError::Client(ClientError::InvalidArgument(_)) => DeliveryOutcome::Rejected,
        CallError::Client(client) => match client.status() {
            Some(status) if (400..500).contains(&status) => DeliveryOutcome::Rejected,
            _ => DeliveryOutcome::Unconfirmed,
        },
        CallError::Aborted => DeliveryOutcome::Unconfirmed,
    }
}
