//! A scripted world that drives a [`Step`] to its end and records what the
//! flow asked for, stored, posted and decided.

use anon_core::channel_facts::{ChannelFacts, ChannelType};
use anon_core::flows::{DeliveryOutcome, Step};
use anon_core::inbound::{
    BlockInteractionPayload, ButtonClick, SlashCommand, SlashCommandPayload, ViewAction,
    ViewActionPayload,
};
use anon_core::outbound::OutboundMessage;
use anon_core::{
    AuditEvent, AuditRecord, ChannelId, ConversationId, Delivery, Effect, FreshIds, Identity,
    MessageBody, MessageId, NewMessage, Notice, Outcome, Placement, PlatformMessageId, QuotaDenied,
    QuotaRequest, StoredMessage, UserId, WorkspaceId,
};
use serde_json::json;

pub const BOT: &str = "u_anonbot";

pub fn ws() -> WorkspaceId {
    WorkspaceId::parse("ws_1").expect("valid workspace id")
}

pub fn user(raw: &str) -> UserId {
    UserId::parse(raw).expect("valid user id")
}

pub fn who(raw: &str) -> Identity {
    Identity::new(user(raw))
}

pub fn channel(raw: &str) -> ChannelId {
    ChannelId::parse(raw).expect("valid channel id")
}

pub fn platform(raw: &str) -> PlatformMessageId {
    PlatformMessageId::parse(raw).expect("valid platform message id")
}

pub fn message_id(seed: u8) -> MessageId {
    MessageId::from_random_bytes([seed; 16])
}

pub fn conversation_id(seed: u8) -> ConversationId {
    ConversationId::from_random_bytes([seed; 16])
}

pub fn fresh(seed: u8) -> FreshIds {
    FreshIds {
        message: message_id(seed),
        conversation: conversation_id(seed),
    }
}

pub fn body(text: &str) -> MessageBody {
    MessageBody::parse(text).expect("valid test body")
}

pub fn bot() -> UserId {
    user(BOT)
}

/// A slash command as Pumble would send it.
pub fn slash(
    command: &str,
    by: &str,
    text: &str,
    in_channel: &str,
    thread: Option<&str>,
) -> SlashCommand {
    let payload: SlashCommandPayload = serde_json::from_value(json!({
        "messageType": "SLASH_COMMAND",
        "slashCommand": command,
        "text": text,
        "userId": by,
        "channelId": in_channel,
        "threadRootId": thread,
        "workspaceId": "ws_1",
        "triggerId": "trg_1",
    }))
    .expect("payload deserialises");
    SlashCommand::try_from(payload).expect("payload converts")
}

/// A click on one of our buttons on a message.
pub fn click(on_action: &str, by: &str, in_channel: Option<&str>, value: &str) -> ButtonClick {
    let payload: BlockInteractionPayload = serde_json::from_value(json!({
        "messageType": "BLOCK_INTERACTION",
        "workspaceId": "ws_1",
        "userId": by,
        "channelId": in_channel,
        "sourceType": "MESSAGE",
        "sourceId": "msg_x",
        "actionType": "BUTTON",
        "onAction": on_action,
        "payload": json!({ "value": value }).to_string(),
        "triggerId": "trg_click",
        "loadingTimeout": 0,
    }))
    .expect("payload deserialises");
    ButtonClick::try_from(payload).expect("payload converts")
}

/// A submit of the reply modal for `answering`.
pub fn submit(by: &str, in_channel: Option<&str>, answering: &MessageId, text: &str) -> ViewAction {
    view_action(
        "SUBMIT",
        by,
        in_channel,
        &format!("anon_reply:{}", answering.as_str()),
        text,
    )
}

pub fn view_action(
    kind: &str,
    by: &str,
    in_channel: Option<&str>,
    callback: &str,
    text: &str,
) -> ViewAction {
    let payload: ViewActionPayload = serde_json::from_value(json!({
        "messageType": "VIEW_ACTION",
        "workspaceId": "ws_1",
        "userId": by,
        "channelId": in_channel,
        "viewActionType": kind,
        "triggerId": "trg_view",
        "view": {
            "id": "view_1",
            "type": "MODAL",
            "callbackId": callback,
            "state": { "values": { "anon_reply_block": { "anon_reply_text": {
                "type": "plain_text_input", "value": text } } } },
        },
    }))
    .expect("payload deserialises");
    ViewAction::try_from(payload).expect("payload converts")
}

/// A delivered anonymous DM from `author` to `recipient`.
pub fn stored_dm(id: u8, author: &str, recipient: &str, text: &str) -> StoredMessage {
    StoredMessage {
        id: message_id(id),
        conversation: conversation_id(100 + id),
        author: who(author),
        placement: Placement::Direct {
            recipient: who(recipient),
        },
        body: body(text),
        delivery: Some(Delivery {
            channel: channel(&format!("ch_dm_bot_{}", recipient.trim_start_matches("u_"))),
            platform_message: Some(platform(&format!("msg_dm_{id}"))),
        }),
    }
}

/// A delivered anonymous channel post.
pub fn stored_post(id: u8, author: &str, in_channel: &str, text: &str) -> StoredMessage {
    StoredMessage {
        id: message_id(id),
        conversation: conversation_id(100 + id),
        author: who(author),
        placement: Placement::Channel {
            channel: channel(in_channel),
        },
        body: body(text),
        delivery: Some(Delivery {
            channel: channel(in_channel),
            platform_message: Some(platform(&format!("msg_post_{id}"))),
        }),
    }
}

/// A delivered anonymous thread reply.
pub fn stored_thread(
    id: u8,
    author: &str,
    in_channel: &str,
    root: &str,
    conversation: u8,
    text: &str,
) -> StoredMessage {
    StoredMessage {
        id: message_id(id),
        conversation: conversation_id(conversation),
        author: who(author),
        placement: Placement::Thread {
            channel: channel(in_channel),
            root: platform(root),
        },
        body: body(text),
        delivery: Some(Delivery {
            channel: channel(in_channel),
            platform_message: Some(platform(&format!("msg_thread_{id}"))),
        }),
    }
}

/// What the scripted store and Pumble answer.
#[derive(Debug, Clone)]
pub struct World {
    pub recipient_opted_out: bool,
    pub channel: ChannelFacts,
    pub quota: Result<(), QuotaDenied>,
    pub delivery: DeliveryOutcome,
    pub opt_out_changed: bool,
    /// The first stage whose store or API call fails.
    pub unavailable_at: Option<Asked>,
}

impl Default for World {
    fn default() -> Self {
        Self {
            recipient_opted_out: false,
            channel: ChannelFacts {
                channel_type: ChannelType::Public,
                human_members: 5,
            },
            quota: Ok(()),
            delivery: DeliveryOutcome::Posted(Delivery {
                channel: channel("ch_delivered"),
                platform_message: Some(platform("msg_new")),
            }),
            opt_out_changed: true,
            unavailable_at: None,
        }
    }
}

/// Which fact a flow asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asked {
    OptOut,
    Channel,
    Quota,
    Deliver,
    ChangeOptOut,
}

/// Everything one driven flow did.
#[derive(Debug, Default)]
pub struct Trace {
    pub asked: Vec<Asked>,
    pub opt_out_checked_for: Option<Identity>,
    pub channel_asked: Option<ChannelId>,
    pub quota: Option<QuotaRequest>,
    pub record: Option<NewMessage>,
    pub posted: Option<OutboundMessage>,
    pub opt_out_requested: Option<bool>,
    pub effects: Vec<Effect>,
}

impl Trace {
    pub fn audits(&self) -> Vec<&AuditRecord> {
        audits(&self.effects)
    }

    pub fn audit(&self) -> &AuditRecord {
        only_audit(&self.effects)
    }

    pub fn notice(&self) -> &Notice {
        only_notice(&self.effects)
    }
}

pub fn audits(effects: &[Effect]) -> Vec<&AuditRecord> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::RecordAudit(record) => Some(record),
            _ => None,
        })
        .collect()
}

pub fn only_audit(effects: &[Effect]) -> &AuditRecord {
    let all = audits(effects);
    assert_eq!(
        all.len(),
        1,
        "expected exactly one audit record in {effects:?}"
    );
    all[0]
}

pub fn only_notice(effects: &[Effect]) -> &Notice {
    let all: Vec<&Notice> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Notice(notice) => Some(notice),
            _ => None,
        })
        .collect();
    assert_eq!(all.len(), 1, "expected exactly one notice in {effects:?}");
    all[0]
}

/// (event, outcome) of the single audit record.
pub fn verdict(effects: &[Effect]) -> (AuditEvent, Outcome) {
    let record = only_audit(effects);
    (record.event, record.outcome)
}

/// Drives `step` to its end against `world`.
pub fn drive(mut step: Step, world: &World) -> Trace {
    let mut trace = Trace::default();
    loop {
        step = match step {
            Step::Done(effects) => {
                trace.effects = effects;
                return trace;
            }
            Step::CheckRecipientOptOut(draft) => {
                trace.asked.push(Asked::OptOut);
                trace.opt_out_checked_for = Some(draft.recipient().clone());
                if world.unavailable_at == Some(Asked::OptOut) {
                    Step::Done(draft.unavailable())
                } else {
                    draft.decide(world.recipient_opted_out)
                }
            }
            Step::FetchChannelFacts(draft) => {
                trace.asked.push(Asked::Channel);
                trace.channel_asked = Some(draft.channel().clone());
                if world.unavailable_at == Some(Asked::Channel) {
                    Step::Done(draft.unavailable())
                } else {
                    draft.decide(world.channel)
                }
            }
            Step::ConsumeQuota(gate) => {
                trace.asked.push(Asked::Quota);
                trace.quota = Some(gate.request().clone());
                if world.unavailable_at == Some(Asked::Quota) {
                    Step::Done(gate.unavailable())
                } else {
                    gate.decide(world.quota)
                }
            }
            Step::Deliver(post) => {
                trace.asked.push(Asked::Deliver);
                if world.unavailable_at == Some(Asked::Deliver) {
                    Step::Done(post.unavailable())
                } else {
                    trace.record = Some(post.record().clone());
                    trace.posted = Some(post.message().clone());
                    Step::Done(post.finish(world.delivery.clone()))
                }
            }
            Step::ChangeOptOut(change) => {
                trace.asked.push(Asked::ChangeOptOut);
                trace.opt_out_requested = Some(change.opts_out());
                if world.unavailable_at == Some(Asked::ChangeOptOut) {
                    Step::Done(change.unavailable())
                } else {
                    Step::Done(change.finish(world.opt_out_changed))
                }
            }
        };
    }
}
