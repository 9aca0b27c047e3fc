//! The wording of every ephemeral notice: short, and saying what happened.
//! No notice quotes a message body or names another person.

use crate::audit::Outcome;
use crate::body::MAX_BODY_CHARS;
use crate::channel_facts::MIN_HUMAN_MEMBERS;
use crate::quota::{GLOBAL, PER_TARGET};

/// How to use `/anon`.
pub(crate) fn usage() -> String {
    "How to use anon:\n\
     • /anon your message: posts anonymously in this channel (inside a thread: in the thread).\n\
     • /anon @person your message: sends an anonymous direct message. Pick the person from \
     the list so Pumble resolves the mention.\n\
     • /anon-block, /anon-unblock: stop or allow anonymous direct messages to you.\n\
     Anonymous to readers, not to workspace admins: a reported message reveals its author."
        .to_owned()
}

/// Text for a refusal or failure, by outcome. `target_is_person` picks the
/// wording of the per-target limit; `chars` is the length for too-long
/// texts.
pub(crate) fn refusal(outcome: Outcome, target_is_person: bool, chars: usize) -> String {
    match outcome {
        Outcome::Usage => usage(),
        Outcome::UnknownCommand => {
            "anon does not know this command. Use /anon, /anon-block or /anon-unblock.".to_owned()
        }
        Outcome::MentionNotAtStart => "Nothing was sent: your text mentions someone but does not \
             start with the mention. To message a person privately, start with them: \
             /anon @person your message. Anonymous channel posts cannot mention anyone."
            .to_owned(),
        Outcome::UnrecognisedMention => "Nothing was sent: your text starts like a mention that \
             Pumble did not resolve. Type @ and pick the person from the list, or do not start \
             a post with @."
            .to_owned(),
        Outcome::MultipleRecipients => "Nothing was sent: an anonymous message goes to one \
             person. Start with a single mention: /anon @person your message."
            .to_owned(),
        Outcome::BotRecipient => {
            "Nothing was sent: the anon bot does not read messages. Mention a person.".to_owned()
        }
        Outcome::SelfSend => {
            "Nothing was sent: you cannot send an anonymous message to yourself.".to_owned()
        }
        Outcome::RecipientOptedOut => {
            "Nothing was sent: this person has opted out of anonymous direct messages.".to_owned()
        }
        Outcome::DirectChannel => format!(
            "Nothing was posted: here everyone would know it was you. Anonymous posts work in \
             public or private channels with at least {MIN_HUMAN_MEMBERS} members."
        ),
        Outcome::TooFewMembers => format!(
            "Nothing was posted: this channel has fewer than {MIN_HUMAN_MEMBERS} members, so \
             everyone would know it was you."
        ),
        Outcome::Empty => "Nothing was sent: your reply was empty.".to_owned(),
        Outcome::TooLong => format!(
            "Nothing was sent: your message has {chars} characters; the maximum is \
             {MAX_BODY_CHARS}."
        ),
        Outcome::RateLimitedGlobal => format!(
            "Nothing was sent: you can send {} anonymous messages a minute. Wait a minute and \
             try again.",
            GLOBAL.limit
        ),
        Outcome::RateLimitedTarget if target_is_person => format!(
            "Nothing was sent: you can send {} anonymous messages an hour to the same person. \
             Try again later.",
            PER_TARGET.limit
        ),
        Outcome::RateLimitedTarget => format!(
            "Nothing was sent: you can send {} anonymous messages an hour to the same channel. \
             Try again later.",
            PER_TARGET.limit
        ),
        Outcome::Unavailable => "Nothing was done: anon could not reach its storage or Pumble. \
             Try again in a moment."
            .to_owned(),
        Outcome::NoDmChannel => "Nothing was sent: anon could not open a direct message with \
             this person."
            .to_owned(),
        Outcome::SendFailed => {
            "Nothing was sent: Pumble refused the message. Try again in a moment.".to_owned()
        }
        Outcome::LegacyOrUnknownAction => "This button or window belongs to an older version of \
             anon and no longer works. Nothing was sent."
            .to_owned(),
        Outcome::UnknownMessage => "This anonymous message is no longer available (messages \
             are kept for 90 days), so it cannot be replied to or reported."
            .to_owned(),
        Outcome::WrongChannel => {
            "This button only works in the conversation where the message was posted.".to_owned()
        }
        Outcome::NotRecipient => {
            "Only the person who received this message can reply to or report it.".to_owned()
        }
        Outcome::SelfReply => {
            "You wrote this message, so you cannot reply to it anonymously.".to_owned()
        }
        Outcome::SelfReport => "You wrote this message, so you cannot report it.".to_owned(),
        Outcome::NoThreadRoot => "Nothing was sent: anon does not know where this post's thread \
             is, so it cannot reply there."
            .to_owned(),
        Outcome::NoReportsChannel => "The report was not delivered: anon could not set up the \
             reports channel. Try again later."
            .to_owned(),
        Outcome::Ok | Outcome::Unchanged | Outcome::Created | Outcome::SetupFailed => {
            "Nothing was done.".to_owned()
        }
    }
}

/// Confirmation of a delivered send.
pub(crate) fn sent(kind: crate::render::PostKind) -> String {
    use crate::render::PostKind;
    match kind {
        PostKind::DirectMessage => "Sent anonymously. The recipient will not see your name; \
             workspace admins will if the message is reported."
            .to_owned(),
        PostKind::DirectReply => "Your anonymous reply was sent.".to_owned(),
        PostKind::ChannelPost => "Posted anonymously in this channel.".to_owned(),
        PostKind::ThreadReply => "Posted anonymously in the thread.".to_owned(),
    }
}

/// The post may or may not have been delivered.
pub(crate) fn unconfirmed() -> String {
    "anon could not confirm that your message was delivered. Check the conversation before \
     sending it again."
        .to_owned()
}

/// A report reached the admins.
pub(crate) fn reported() -> String {
    "Reported. Workspace admins can now see who wrote this message.".to_owned()
}

/// A report post failed.
pub(crate) fn report_failed() -> String {
    "The report was not delivered. Try again in a moment.".to_owned()
}

/// Opt-out answers: `opting_out` is the requested state, `changed` whether
/// it differed before.
pub(crate) fn opt_out(opting_out: bool, changed: bool) -> String {
    match (opting_out, changed) {
        (true, true) => "Done: you will no longer receive anonymous direct messages. Replies \
             to anonymous messages you sent still reach you. Undo with /anon-unblock."
            .to_owned(),
        (true, false) => "You had already opted out of anonymous direct messages. Undo with \
             /anon-unblock."
            .to_owned(),
        (false, true) => "Done: you can receive anonymous direct messages again. Opt out with \
             /anon-block."
            .to_owned(),
        (false, false) => {
            "You already receive anonymous direct messages. Opt out with /anon-block.".to_owned()
        }
    }
}

/// The opt-out change could not be stored.
pub(crate) fn opt_out_unavailable() -> String {
    "Your setting was not changed: anon could not reach its storage. Try again in a moment."
        .to_owned()
}
