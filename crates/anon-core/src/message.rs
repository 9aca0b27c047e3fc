//! Authorship records: what the store keeps about each anonymous message,
//! and what it answers when a button on that message is pressed.

use crate::body::MessageBody;
use crate::identity::Identity;
use crate::ids::{ChannelId, ConversationId, MessageId, PlatformMessageId, WorkspaceId};

/// Where an anonymous message is (or will be) posted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// A direct message from the app's bot to `recipient`.
    Direct {
        /// The one person who receives it (redacted in `Debug`).
        recipient: Identity,
    },
    /// A top-level post in a channel.
    Channel {
        /// The channel.
        channel: ChannelId,
    },
    /// A reply in a thread.
    Thread {
        /// The channel holding the thread.
        channel: ChannelId,
        /// Pumble's id of the thread's root message.
        root: PlatformMessageId,
    },
}

/// The kind of a [`Placement`], for storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// [`Placement::Direct`].
    Direct,
    /// [`Placement::Channel`].
    Channel,
    /// [`Placement::Thread`].
    Thread,
}

impl MessageKind {
    /// Stable storage code: `dm`, `channel` or `thread`.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Direct => "dm",
            MessageKind::Channel => "channel",
            MessageKind::Thread => "thread",
        }
    }

    /// The kind with this storage code, if any.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "dm" => Some(MessageKind::Direct),
            "channel" => Some(MessageKind::Channel),
            "thread" => Some(MessageKind::Thread),
            _ => None,
        }
    }
}

impl Placement {
    /// The kind of placement.
    pub fn kind(&self) -> MessageKind {
        match self {
            Placement::Direct { .. } => MessageKind::Direct,
            Placement::Channel { .. } => MessageKind::Channel,
            Placement::Thread { .. } => MessageKind::Thread,
        }
    }

    /// The channel, when known before posting (not for DMs, whose channel
    /// is resolved by the caller at delivery).
    pub fn channel(&self) -> Option<&ChannelId> {
        match self {
            Placement::Direct { .. } => None,
            Placement::Channel { channel } | Placement::Thread { channel, .. } => Some(channel),
        }
    }
}

/// An anonymous message about to be posted. The caller stores it **before**
/// posting, so a report can always reveal the author of anything that was
/// shown, and records the [`Delivery`] after the post succeeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    /// Workspace.
    pub workspace: WorkspaceId,
    /// anon's id of this message (the buttons' value).
    pub id: MessageId,
    /// The conversation it belongs to.
    pub conversation: ConversationId,
    /// Its real author (redacted in `Debug`; sealed at rest).
    pub author: Identity,
    /// Where it goes.
    pub placement: Placement,
    /// Its text (redacted in `Debug`; sealed at rest).
    pub body: MessageBody,
}

/// Where a message landed, known once Pumble accepted the post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The channel it was posted in (for DMs: the bot↔recipient DM channel).
    pub channel: ChannelId,
    /// Pumble's id of the posted message, when the post response had one.
    pub platform_message: Option<PlatformMessageId>,
}

/// What the store answers for a [`MessageId`] taken from a button or modal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    /// anon's id of the message.
    pub id: MessageId,
    /// Its conversation.
    pub conversation: ConversationId,
    /// Its real author.
    pub author: Identity,
    /// Where it was posted.
    pub placement: Placement,
    /// Its text.
    pub body: MessageBody,
    /// Where it landed, if the post succeeded and was recorded.
    pub delivery: Option<Delivery>,
}

impl StoredMessage {
    /// The stored record of a message that was recorded and then delivered.
    pub fn delivered(message: NewMessage, delivery: Option<Delivery>) -> Self {
        Self {
            id: message.id,
            conversation: message.conversation,
            author: message.author,
            placement: message.placement,
            body: message.body,
            delivery,
        }
    }
}
