//! The audit trail: a closed set of events, a closed set of outcomes, and the
//! record the store writes. A record never holds a message body.

use crate::identity::Identity;
use crate::ids::{ChannelId, ConversationId, MessageId, WorkspaceId};

/// What happened. Stable codes via [`as_str`](Self::as_str).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditEvent {
    /// `/anon @user …`: an anonymous DM.
    SendDm,
    /// `/anon …` in a channel: an anonymous post.
    SendChannel,
    /// `/anon …` in a thread: an anonymous thread reply.
    SendThread,
    /// An anonymous reply through the Reply button and modal (click or submit).
    Reply,
    /// A Report button press.
    Report,
    /// `/anon-block`.
    Block,
    /// `/anon-unblock`.
    Unblock,
    /// A slash command, button or modal that could not be understood
    /// (unknown command, usage error, misplaced mention, a button or modal
    /// that is not ours) before its kind of action was known.
    InputRejected,
    /// Creating the private reports channel.
    ReportsChannel,
    /// The app was installed (OAuth completed).
    Install,
    /// The app was uninstalled from the workspace.
    AppUninstalled,
    /// A user revoked the app's authorization.
    AppUnauthorized,
}

impl AuditEvent {
    /// Every event, for exhaustive tests and store checks.
    pub const ALL: [AuditEvent; 12] = [
        AuditEvent::SendDm,
        AuditEvent::SendChannel,
        AuditEvent::SendThread,
        AuditEvent::Reply,
        AuditEvent::Report,
        AuditEvent::Block,
        AuditEvent::Unblock,
        AuditEvent::InputRejected,
        AuditEvent::ReportsChannel,
        AuditEvent::Install,
        AuditEvent::AppUninstalled,
        AuditEvent::AppUnauthorized,
    ];

    /// The stable code stored in the audit table.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditEvent::SendDm => "SEND_DM",
            AuditEvent::SendChannel => "SEND_CHANNEL",
            AuditEvent::SendThread => "SEND_THREAD",
            AuditEvent::Reply => "REPLY",
            AuditEvent::Report => "REPORT",
            AuditEvent::Block => "BLOCK",
            AuditEvent::Unblock => "UNBLOCK",
            AuditEvent::InputRejected => "INPUT_REJECTED",
            AuditEvent::ReportsChannel => "REPORTS_CHANNEL",
            AuditEvent::Install => "INSTALL",
            AuditEvent::AppUninstalled => "APP_UNINSTALLED",
            AuditEvent::AppUnauthorized => "APP_UNAUTHORIZED",
        }
    }

    /// The event with this code, if any.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|event| event.as_str() == code)
    }
}

/// How it ended. Stable codes via [`as_str`](Self::as_str).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Done as asked.
    Ok,
    /// Done before; nothing changed (idempotent `/anon-block`, `/anon-unblock`).
    Unchanged,
    /// No text (or only whitespace, or a mention and nothing else).
    Usage,
    /// A slash command this app does not know.
    UnknownCommand,
    /// A user mention somewhere other than the very start of `/anon` text.
    MentionNotAtStart,
    /// The text starts with something that looks like a mention but is not
    /// one Pumble resolved (`@name` typed without autocomplete, broken
    /// `<<@…>>`).
    UnrecognisedMention,
    /// More than one recipient mentioned at the start.
    MultipleRecipients,
    /// The recipient is the app's own bot user.
    BotRecipient,
    /// The recipient is the sender.
    SelfSend,
    /// The recipient opted out of anonymous DMs.
    RecipientOptedOut,
    /// A post in a direct-message channel, where the author would be obvious.
    DirectChannel,
    /// A post in a channel with fewer than three human members.
    TooFewMembers,
    /// An empty reply.
    Empty,
    /// More than 2000 characters.
    TooLong,
    /// The sender's limit across all targets is used up.
    RateLimitedGlobal,
    /// The sender's limit for this recipient or channel is used up.
    RateLimitedTarget,
    /// A store or Pumble call the decision needed failed; nothing was sent
    /// or changed.
    Unavailable,
    /// No direct-message channel with the recipient could be opened.
    NoDmChannel,
    /// Pumble refused or did not answer the post.
    SendFailed,
    /// A button or modal that is not ours or from an older version.
    LegacyOrUnknownAction,
    /// The message behind a button no longer exists (expired or purged).
    UnknownMessage,
    /// The click came from a channel other than the message's own.
    WrongChannel,
    /// A DM's button pressed by someone other than that DM's recipient.
    NotRecipient,
    /// Replying to one's own anonymous message.
    SelfReply,
    /// Reporting one's own anonymous message.
    SelfReport,
    /// The channel post being answered has no known thread root.
    NoThreadRoot,
    /// No reports channel exists and none could be created.
    NoReportsChannel,
    /// The reports channel was created.
    Created,
    /// Creating the reports channel failed.
    SetupFailed,
}

impl Outcome {
    /// Every outcome, for exhaustive tests and store checks.
    pub const ALL: [Outcome; 29] = [
        Outcome::Ok,
        Outcome::Unchanged,
        Outcome::Usage,
        Outcome::UnknownCommand,
        Outcome::MentionNotAtStart,
        Outcome::UnrecognisedMention,
        Outcome::MultipleRecipients,
        Outcome::BotRecipient,
        Outcome::SelfSend,
        Outcome::RecipientOptedOut,
        Outcome::DirectChannel,
        Outcome::TooFewMembers,
        Outcome::Empty,
        Outcome::TooLong,
        Outcome::RateLimitedGlobal,
        Outcome::RateLimitedTarget,
        Outcome::Unavailable,
        Outcome::NoDmChannel,
        Outcome::SendFailed,
        Outcome::LegacyOrUnknownAction,
        Outcome::UnknownMessage,
        Outcome::WrongChannel,
        Outcome::NotRecipient,
        Outcome::SelfReply,
        Outcome::SelfReport,
        Outcome::NoThreadRoot,
        Outcome::NoReportsChannel,
        Outcome::Created,
        Outcome::SetupFailed,
    ];

    /// The stable code stored in the audit table.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Unchanged => "unchanged",
            Outcome::Usage => "usage",
            Outcome::UnknownCommand => "unknown-command",
            Outcome::MentionNotAtStart => "mention-not-at-start",
            Outcome::UnrecognisedMention => "unrecognised-mention",
            Outcome::MultipleRecipients => "multiple-recipients",
            Outcome::BotRecipient => "bot-recipient",
            Outcome::SelfSend => "self-send",
            Outcome::RecipientOptedOut => "recipient-opted-out",
            Outcome::DirectChannel => "direct-channel",
            Outcome::TooFewMembers => "too-few-members",
            Outcome::Empty => "empty",
            Outcome::TooLong => "too-long",
            Outcome::RateLimitedGlobal => "rate-limited-global",
            Outcome::RateLimitedTarget => "rate-limited-target",
            Outcome::Unavailable => "unavailable",
            Outcome::NoDmChannel => "no-dm-channel",
            Outcome::SendFailed => "send-failed",
            Outcome::LegacyOrUnknownAction => "legacy-or-unknown-action",
            Outcome::UnknownMessage => "unknown-message",
            Outcome::WrongChannel => "wrong-channel",
            Outcome::NotRecipient => "not-recipient",
            Outcome::SelfReply => "self-reply",
            Outcome::SelfReport => "self-report",
            Outcome::NoThreadRoot => "no-thread-root",
            Outcome::NoReportsChannel => "no-reports-channel",
            Outcome::Created => "created",
            Outcome::SetupFailed => "setup-failed",
        }
    }

    /// The outcome with this code, if any.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|outcome| outcome.as_str() == code)
    }

    /// True for outcomes where the action did what was asked.
    pub fn is_success(self) -> bool {
        matches!(self, Outcome::Ok | Outcome::Unchanged | Outcome::Created)
    }
}

/// One audit row, as decided by anon-core. Holds no message body.
///
/// `actor` and `subject` are [`Identity`]s, so `Debug` of a record never
/// names a person next to its conversation or message id. The store seals
/// them at rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Workspace the event belongs to.
    pub workspace: WorkspaceId,
    /// What happened.
    pub event: AuditEvent,
    /// How it ended.
    pub outcome: Outcome,
    /// Who acted (sender, replier, reporter, the user opting out).
    pub actor: Option<Identity>,
    /// Who the action was about: the DM recipient, or the author revealed
    /// by a report.
    pub subject: Option<Identity>,
    /// The channel posted to or clicked in, when relevant.
    pub channel: Option<ChannelId>,
    /// The conversation, when one exists.
    pub conversation: Option<ConversationId>,
    /// The anonymous message concerned, when one exists.
    pub message: Option<MessageId>,
}

impl AuditRecord {
    /// A record with only workspace, event and outcome set; fill the rest
    /// with the `with_*` methods.
    pub fn new(workspace: WorkspaceId, event: AuditEvent, outcome: Outcome) -> Self {
        Self {
            workspace,
            event,
            outcome,
            actor: None,
            subject: None,
            channel: None,
            conversation: None,
            message: None,
        }
    }

    /// Sets who acted.
    pub fn with_actor(mut self, actor: Identity) -> Self {
        self.actor = Some(actor);
        self
    }

    /// Sets who the action was about.
    pub fn with_subject(mut self, subject: Identity) -> Self {
        self.subject = Some(subject);
        self
    }

    /// Sets the channel.
    pub fn with_channel(mut self, channel: ChannelId) -> Self {
        self.channel = Some(channel);
        self
    }

    /// Sets the conversation.
    pub fn with_conversation(mut self, conversation: ConversationId) -> Self {
        self.conversation = Some(conversation);
        self
    }

    /// Sets the anonymous message.
    pub fn with_message(mut self, message: MessageId) -> Self {
        self.message = Some(message);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_round_trip() {
        let events: HashSet<_> = AuditEvent::ALL.iter().map(|e| e.as_str()).collect();
        assert_eq!(events.len(), AuditEvent::ALL.len());
        for event in AuditEvent::ALL {
            assert_eq!(AuditEvent::from_code(event.as_str()), Some(event));
        }
        let outcomes: HashSet<_> = Outcome::ALL.iter().map(|o| o.as_str()).collect();
        assert_eq!(outcomes.len(), Outcome::ALL.len());
        for outcome in Outcome::ALL {
            assert_eq!(Outcome::from_code(outcome.as_str()), Some(outcome));
        }
        assert_eq!(AuditEvent::from_code("SEND"), None);
    }

    #[test]
    fn issue_named_event_codes_are_exact() {
        let wanted = [
            "SEND_DM",
            "SEND_CHANNEL",
            "SEND_THREAD",
            "REPLY",
            "REPORT",
            "BLOCK",
            "UNBLOCK",
            "APP_UNINSTALLED",
            "APP_UNAUTHORIZED",
            "INSTALL",
        ];
        for code in wanted {
            assert!(AuditEvent::from_code(code).is_some(), "{code} missing");
        }
    }
}
