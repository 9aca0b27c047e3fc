//! Slash commands: `/anon`, `/anon-block`, `/anon-unblock`, and anything
//! else routed to the app.

use super::opt_out::OptOutChange;
use super::step::{Attempt, ChannelDraft, DmDraft, Step};
use crate::anon_text::{parse_anon_text, AnonText, TextRefusal};
use crate::audit::{AuditEvent, AuditRecord, Outcome};
use crate::effect::{Effect, Notice, NoticePlace};
use crate::identity::Identity;
use crate::ids::{FreshIds, UserId};
use crate::inbound::{SlashCommand, SlashCommandKind};
use crate::message::Placement;
use crate::notice_text;
use crate::redacted_text::RawText;
use crate::render::PostKind;

/// Starts the flow of a slash command. `bot` is the app's bot user in this
/// workspace; `fresh` are new random ids in case the command sends.
///
/// Checks, in order: `/anon` text (usage, misplaced or doubtful mentions);
/// then for a DM: the bot as recipient, oneself as recipient, opt-out
/// ([`Step::CheckRecipientOptOut`]), length, global limit, per-recipient
/// limit; for a channel post or thread reply: the channel's type and size
/// ([`Step::FetchChannelFacts`]), length, global limit, per-channel limit.
pub fn start(command: SlashCommand, bot: &UserId, fresh: FreshIds) -> Step {
    let place = NoticePlace::Channel {
        channel: command.channel.clone(),
        thread_root: command.thread_root.clone(),
    };
    match command.kind {
        SlashCommandKind::Unknown => Step::Done(reject(&command, place, Outcome::UnknownCommand)),
        SlashCommandKind::Block | SlashCommandKind::Unblock => Step::ChangeOptOut(OptOutChange {
            workspace: command.workspace,
            user: command.user,
            opt_out: command.kind == SlashCommandKind::Block,
            notice_place: place,
        }),
        SlashCommandKind::Anon => match parse_anon_text(command.text.expose()) {
            AnonText::Refused(why) => Step::Done(reject(&command, place, refusal_outcome(why))),
            AnonText::Direct { recipient, body } => {
                direct(command, place, recipient, body, bot, fresh)
            }
            AnonText::Post { body } => post(command, place, body, fresh),
        },
    }
}

fn refusal_outcome(why: TextRefusal) -> Outcome {
    match why {
        TextRefusal::Empty | TextRefusal::MentionWithoutText => Outcome::Usage,
        TextRefusal::MentionNotAtStart => Outcome::MentionNotAtStart,
        TextRefusal::MultipleRecipients => Outcome::MultipleRecipients,
        TextRefusal::UnrecognisedMention => Outcome::UnrecognisedMention,
    }
}

/// A command refused before its kind of send was known.
fn reject(command: &SlashCommand, place: NoticePlace, outcome: Outcome) -> Vec<Effect> {
    vec![
        Effect::RecordAudit(
            AuditRecord::new(
                command.workspace.clone(),
                AuditEvent::InputRejected,
                outcome,
            )
            .with_actor(command.user.clone())
            .with_channel(command.channel.clone()),
        ),
        Effect::Notice(Notice {
            to: command.user.clone(),
            place,
            text: notice_text::refusal(outcome, false, 0),
        }),
    ]
}

fn direct(
    command: SlashCommand,
    place: NoticePlace,
    recipient: UserId,
    body: RawText,
    bot: &UserId,
    fresh: FreshIds,
) -> Step {
    let recipient = Identity::new(recipient);
    let attempt = Attempt {
        workspace: command.workspace,
        sender: command.user,
        event: AuditEvent::SendDm,
        kind: PostKind::DirectMessage,
        placement: Placement::Direct {
            recipient: recipient.clone(),
        },
        conversation: fresh.conversation,
        is_new_conversation: true,
        message_id: fresh.message,
        text: body,
        notice_place: place,
    };
    if recipient.is(bot) {
        return Step::Done(attempt.refuse(Outcome::BotRecipient, 0));
    }
    if attempt.sender == recipient {
        return Step::Done(attempt.refuse(Outcome::SelfSend, 0));
    }
    Step::CheckRecipientOptOut(DmDraft { attempt, recipient })
}

fn post(command: SlashCommand, place: NoticePlace, body: RawText, fresh: FreshIds) -> Step {
    let channel = command.channel;
    let (placement, event, kind) = match command.thread_root {
        Some(root) => (
            Placement::Thread {
                channel: channel.clone(),
                root,
            },
            AuditEvent::SendThread,
            PostKind::ThreadReply,
        ),
        None => (
            Placement::Channel {
                channel: channel.clone(),
            },
            AuditEvent::SendChannel,
            PostKind::ChannelPost,
        ),
    };
    let attempt = Attempt {
        workspace: command.workspace,
        sender: command.user,
        event,
        kind,
        placement,
        conversation: fresh.conversation,
        is_new_conversation: true,
        message_id: fresh.message,
        text: body,
        notice_place: place,
    };
    Step::FetchChannelFacts(ChannelDraft { attempt, channel })
}
