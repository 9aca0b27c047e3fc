//! Button clicks on anonymous messages: Reply opens the modal, Report starts
//! a report.

use super::access::{authorize, Intent};
use super::report::ReportCase;
use crate::audit::{AuditEvent, AuditRecord, Outcome};
use crate::effect::{Effect, Notice, NoticePlace};
use crate::inbound::{ButtonAction, ButtonClick, ButtonValue};
use crate::message::{Placement, StoredMessage};
use crate::notice_text;
use crate::outbound::ModalResponse;
use crate::render::reply_modal;

/// What to do with a click.
#[derive(Debug)]
pub enum ClickStep {
    /// Answer the HTTP request with an empty ack, then carry out these
    /// effects in order.
    Done(Vec<Effect>),
    /// Answer the HTTP request with this modal (do not ack first).
    OpenModal(ModalResponse),
    /// Ack the HTTP request at once, then run the report
    /// ([`ReportCase`]).
    Report(Box<ReportCase>),
}

/// Decides a click. Look up `click.message_id()` in the store first (pass
/// `None` when it has no id or the store has no such message; if the store
/// lookup itself fails, use [`lookup_failed`]).
///
/// Checks, in order: the button is ours and current; the message exists;
/// the clicker may see it (a DM's recipient; a click from the message's own
/// channel); the clicker is not its author; for Reply on a channel post,
/// its thread root is known.
pub fn on_click(click: &ButtonClick, stored: Option<&StoredMessage>) -> ClickStep {
    let (event, intent) = match click.action {
        ButtonAction::Reply => (AuditEvent::Reply, Intent::Reply),
        ButtonAction::Report => (AuditEvent::Report, Intent::Report),
        ButtonAction::Other => {
            return ClickStep::Done(refuse(
                click,
                AuditEvent::InputRejected,
                Outcome::LegacyOrUnknownAction,
                None,
            ))
        }
    };
    if click.value == ButtonValue::Unrecognised {
        return ClickStep::Done(refuse(click, event, Outcome::LegacyOrUnknownAction, None));
    }
    let Some(message) = stored else {
        return ClickStep::Done(refuse(click, event, Outcome::UnknownMessage, None));
    };
    if click.message_id() != Some(&message.id) {
        // The caller passed a record for another id: treat as unknown.
        return ClickStep::Done(refuse(click, event, Outcome::UnknownMessage, None));
    }
    if let Err(outcome) = authorize(
        message,
        &click.clicker,
        click.channel.as_ref(),
        true,
        intent,
    ) {
        return ClickStep::Done(refuse(click, event, outcome, Some(message)));
    }
    match intent {
        Intent::Reply => {
            if let Placement::Channel { .. } = message.placement {
                let has_root = message
                    .delivery
                    .as_ref()
                    .is_some_and(|d| d.platform_message.is_some());
                if !has_root {
                    return ClickStep::Done(refuse(
                        click,
                        event,
                        Outcome::NoThreadRoot,
                        Some(message),
                    ));
                }
            }
            ClickStep::OpenModal(reply_modal(click.trigger.clone(), message))
        }
        Intent::Report => ClickStep::Report(Box::new(ReportCase::new(
            click.workspace.clone(),
            click.clicker.clone(),
            message.clone(),
            notice_place(click, Some(message)),
        ))),
    }
}

/// The store lookup for a click failed: tell the clicker, audit it.
pub fn lookup_failed(click: &ButtonClick) -> Vec<Effect> {
    let event = match click.action {
        ButtonAction::Reply => AuditEvent::Reply,
        ButtonAction::Report => AuditEvent::Report,
        ButtonAction::Other => AuditEvent::InputRejected,
    };
    refuse(click, event, Outcome::Unavailable, None)
}

/// Where to tell the clicker: the channel they clicked in (inside the
/// message's thread when it is a thread reply), else their DM with the bot.
fn notice_place(click: &ButtonClick, message: Option<&StoredMessage>) -> NoticePlace {
    match &click.channel {
        None => NoticePlace::DirectMessage,
        Some(channel) => {
            let thread_root = match message.map(|m| &m.placement) {
                Some(Placement::Thread { channel: own, root }) if own == channel => {
                    Some(root.clone())
                }
                _ => None,
            };
            NoticePlace::Channel {
                channel: channel.clone(),
                thread_root,
            }
        }
    }
}

/// A refused click: audited (with the message and conversation when known,
/// never the author), then told to the clicker.
fn refuse(
    click: &ButtonClick,
    event: AuditEvent,
    outcome: Outcome,
    message: Option<&StoredMessage>,
) -> Vec<Effect> {
    let mut record =
        AuditRecord::new(click.workspace.clone(), event, outcome).with_actor(click.clicker.clone());
    if let Some(channel) = &click.channel {
        record = record.with_channel(channel.clone());
    }
    if let Some(message) = message {
        record = record
            .with_conversation(message.conversation.clone())
            .with_message(message.id.clone());
    }
    vec![
        Effect::RecordAudit(record),
        Effect::Notice(Notice {
            to: click.clicker.clone(),
            place: notice_place(click, message),
            text: notice_text::refusal(outcome, false, 0),
        }),
    ]
}
