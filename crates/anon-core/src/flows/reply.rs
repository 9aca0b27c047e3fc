//! The reply modal's submit: an anonymous reply to one message.
//!
//! The modal's `callbackId` names the message answered, so nothing is kept
//! per user between the click and the submit (D8). Where the reply goes:
//!
//! * a DM → a new anonymous DM to the author of the message answered, with
//!   its own message id, in the same conversation. Opt-out never blocks it:
//!   it answers something its recipient sent;
//! * a channel post → a reply in that post's thread;
//! * a thread reply → a reply in the same thread.
//!
//! Checks, in order: the modal is ours and current; the message exists; the
//! submitter may see it; the submitter is not its author; for thread
//! replies, the channel still makes anonymity possible
//! ([`Step::FetchChannelFacts`]); length; global limit; per-target limit
//! (the author for DMs, the channel otherwise). Every refusal is told to
//! the submitter (D12).

use super::access::{authorize, Intent};
use super::step::{Attempt, ChannelDraft, Step};
use crate::audit::{AuditEvent, AuditRecord, Outcome};
use crate::effect::{Effect, Notice, NoticePlace};
use crate::ids::FreshIds;
use crate::inbound::{ModalTarget, ViewAction, ViewActionKind};
use crate::message::{Placement, StoredMessage};
use crate::notice_text;
use crate::render::PostKind;

/// Decides a view action. For a submit of anon's reply modal, look up
/// `action.message_id()` in the store first (pass `None` when absent; if the
/// lookup fails, use [`lookup_failed`]). `fresh.message` becomes the reply's
/// id; `fresh.conversation` is unused (a reply joins the answered message's
/// conversation).
pub fn on_view_action(action: ViewAction, stored: Option<&StoredMessage>, fresh: FreshIds) -> Step {
    if action.kind != ViewActionKind::Submit {
        // Nothing is pending between click and submit, so closing needs no
        // clean-up.
        return Step::Done(Vec::new());
    }
    let ModalTarget::Reply(message_id) = &action.target else {
        return Step::Done(refuse(
            &action,
            AuditEvent::InputRejected,
            Outcome::LegacyOrUnknownAction,
            None,
        ));
    };
    let Some(message) = stored.filter(|m| &m.id == message_id) else {
        return Step::Done(refuse(
            &action,
            AuditEvent::Reply,
            Outcome::UnknownMessage,
            None,
        ));
    };
    if let Err(outcome) = authorize(
        message,
        &action.user,
        action.channel.as_ref(),
        false,
        Intent::Reply,
    ) {
        return Step::Done(refuse(&action, AuditEvent::Reply, outcome, Some(message)));
    }
    let (placement, kind) = match &message.placement {
        Placement::Direct { .. } => (
            Placement::Direct {
                recipient: message.author.clone(),
            },
            PostKind::DirectReply,
        ),
        Placement::Channel { channel } => {
            let root = message
                .delivery
                .as_ref()
                .and_then(|d| d.platform_message.clone());
            let Some(root) = root else {
                return Step::Done(refuse(
                    &action,
                    AuditEvent::Reply,
                    Outcome::NoThreadRoot,
                    Some(message),
                ));
            };
            (
                Placement::Thread {
                    channel: channel.clone(),
                    root,
                },
                PostKind::ThreadReply,
            )
        }
        Placement::Thread { channel, root } => (
            Placement::Thread {
                channel: channel.clone(),
                root: root.clone(),
            },
            PostKind::ThreadReply,
        ),
    };
    let notice_place = match (&action.channel, &placement) {
        (None, _) => NoticePlace::DirectMessage,
        (Some(channel), Placement::Thread { root, .. }) => NoticePlace::Channel {
            channel: channel.clone(),
            thread_root: Some(root.clone()),
        },
        (Some(channel), _) => NoticePlace::Channel {
            channel: channel.clone(),
            thread_root: None,
        },
    };
    let attempt = Attempt {
        workspace: action.workspace,
        sender: action.user,
        event: AuditEvent::Reply,
        kind,
        placement,
        conversation: message.conversation.clone(),
        is_new_conversation: false,
        message_id: fresh.message,
        text: action.reply_text,
        notice_place,
    };
    match attempt.placement.channel().cloned() {
        Some(channel) => Step::FetchChannelFacts(ChannelDraft { attempt, channel }),
        None => attempt.check_length(),
    }
}

/// The store lookup for a submit failed: tell the submitter, audit it.
pub fn lookup_failed(action: &ViewAction) -> Vec<Effect> {
    refuse(action, AuditEvent::Reply, Outcome::Unavailable, None)
}

fn refuse(
    action: &ViewAction,
    event: AuditEvent,
    outcome: Outcome,
    message: Option<&StoredMessage>,
) -> Vec<Effect> {
    let mut record =
        AuditRecord::new(action.workspace.clone(), event, outcome).with_actor(action.user.clone());
    if let Some(channel) = &action.channel {
        record = record.with_channel(channel.clone());
    }
    if let Some(message) = message {
        record = record
            .with_conversation(message.conversation.clone())
            .with_message(message.id.clone());
    }
    let place = match &action.channel {
        Some(channel) => NoticePlace::Channel {
            channel: channel.clone(),
            thread_root: None,
        },
        None => NoticePlace::DirectMessage,
    };
    vec![
        Effect::RecordAudit(record),
        Effect::Notice(Notice {
            to: action.user.clone(),
            place,
            text: notice_text::refusal(outcome, false, 0),
        }),
    ]
}
