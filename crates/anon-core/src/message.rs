//! Authorship records: what the store keeps about each anonymous message,
//! and what it answers when a button on that message is pressed.

use thiserror::Error;

use crate::body::{BodyError, MessageBody};
use crate::identity::Identity;
use crate::ids::{
    ChannelId, ConversationId, IdError, MessageId, PlatformMessageId, UserId, WorkspaceId,
};

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
    /// Stable storage code: `DM`, `CHANNEL` or `THREAD` (the codes
    /// anon-store uses).
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Direct => "DM",
            MessageKind::Channel => "CHANNEL",
            MessageKind::Thread => "THREAD",
        }
    }

    /// The kind with this storage code, if any.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "DM" => Some(MessageKind::Direct),
            "CHANNEL" => Some(MessageKind::Channel),
            "THREAD" => Some(MessageKind::Thread),
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

    /// The DM recipient, for DMs.
    pub fn recipient(&self) -> Option<&Identity> {
        match self {
            Placement::Direct { recipient } => Some(recipient),
            Placement::Channel { .. } | Placement::Thread { .. } => None,
        }
    }

    /// The thread root, for thread replies.
    pub fn thread_root(&self) -> Option<&PlatformMessageId> {
        match self {
            Placement::Thread { root, .. } => Some(root),
            Placement::Direct { .. } | Placement::Channel { .. } => None,
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
///
/// `Debug` does not print the channel: for a DM it is the bot's DM channel
/// with one person (for an anonymous DM reply, the author of the message
/// replied to), and a `Delivery` is always printed next to a message id.
#[derive(Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The channel it was posted in (for DMs: the bot↔recipient DM channel).
    pub channel: ChannelId,
    /// Pumble's id of the posted message, when the post response had one.
    pub platform_message: Option<PlatformMessageId>,
}

impl std::fmt::Debug for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delivery")
            .field("channel", &"<redacted>")
            .field("platform_message", &self.platform_message)
            .finish()
    }
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

/// Why stored columns do not make a valid [`StoredMessage`]. Names the
/// column, never its value.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StoredMessageError {
    /// A column held a malformed id.
    #[error("stored `{column}` is not a valid id: {source}")]
    BadId {
        /// The column.
        column: &'static str,
        /// Why it was refused.
        source: IdError,
    },
    /// A column the message's kind needs was empty.
    #[error("stored message of kind {kind} lacks `{column}`")]
    Missing {
        /// The kind's code.
        kind: &'static str,
        /// The column.
        column: &'static str,
    },
    /// The stored body is not a valid body.
    #[error("stored body is invalid: {0}")]
    Body(BodyError),
}

/// The columns of a stored message as the store keeps them (flat, with
/// options), to be checked into a [`StoredMessage`].
#[derive(Clone, Copy)]
pub struct StoredColumns<'a> {
    /// anon's message id.
    pub id: &'a str,
    /// Conversation id.
    pub conversation: &'a str,
    /// DM, channel post or thread reply.
    pub kind: MessageKind,
    /// The author's user id (opened).
    pub author: &'a str,
    /// The DM recipient's user id (opened), for DMs.
    pub recipient: Option<&'a str>,
    /// The body (opened).
    pub body: &'a str,
    /// The channel: for channel posts and thread replies, where it was
    /// posted; for DMs, the bot↔recipient DM channel once known.
    pub channel: Option<&'a str>,
    /// The thread root, for thread replies.
    pub thread_root: Option<&'a str>,
    /// Pumble's id of the posted message, once known.
    pub platform_message: Option<&'a str>,
}

impl std::fmt::Debug for StoredColumns<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredColumns")
            .field("id", &self.id)
            .field("conversation", &self.conversation)
            .field("kind", &self.kind)
            .field("author", &"<redacted>")
            .field("recipient", &self.recipient.map(|_| "<redacted>"))
            .field("body", &"<redacted>")
            .field("channel", &self.channel)
            .field("thread_root", &self.thread_root)
            .field("platform_message", &self.platform_message)
            .finish()
    }
}

fn column<T>(
    column: &'static str,
    raw: &str,
    parse: impl Fn(&str) -> Result<T, IdError>,
) -> Result<T, StoredMessageError> {
    parse(raw).map_err(|source| StoredMessageError::BadId { column, source })
}

fn needed<'a>(
    kind: MessageKind,
    name: &'static str,
    value: Option<&'a str>,
) -> Result<&'a str, StoredMessageError> {
    value
        .filter(|v| !v.is_empty())
        .ok_or(StoredMessageError::Missing {
            kind: kind.as_str(),
            column: name,
        })
}

impl StoredMessage {
    /// Checks stored columns into a typed record. An inconsistent row is an
    /// error (answer it like an unknown message), never a guess.
    ///
    /// Delivery: for a DM, known once its channel is; for a post or thread
    /// reply, known once Pumble's message id is.
    pub fn from_columns(columns: StoredColumns<'_>) -> Result<Self, StoredMessageError> {
        let kind = columns.kind;
        let platform_message = columns
            .platform_message
            .filter(|v| !v.is_empty())
            .map(|raw| column("platform_message", raw, PlatformMessageId::parse))
            .transpose()?;
        let (placement, delivery) = match kind {
            MessageKind::Direct => {
                let recipient = needed(kind, "recipient", columns.recipient)?;
                let recipient = Identity::new(column("recipient", recipient, UserId::parse)?);
                let channel = columns
                    .channel
                    .filter(|v| !v.is_empty())
                    .map(|raw| column("channel", raw, ChannelId::parse))
                    .transpose()?;
                let delivery = channel.map(|channel| Delivery {
                    channel,
                    platform_message,
                });
                (Placement::Direct { recipient }, delivery)
            }
            MessageKind::Channel | MessageKind::Thread => {
                let channel = column(
                    "channel",
                    needed(kind, "channel", columns.channel)?,
                    ChannelId::parse,
                )?;
                let delivery = platform_message.map(|id| Delivery {
                    channel: channel.clone(),
                    platform_message: Some(id),
                });
                let placement = if kind == MessageKind::Thread {
                    let root = needed(kind, "thread_root", columns.thread_root)?;
                    Placement::Thread {
                        channel,
                        root: column("thread_root", root, PlatformMessageId::parse)?,
                    }
                } else {
                    Placement::Channel { channel }
                };
                (placement, delivery)
            }
        };
        Ok(Self {
            id: column("id", columns.id, MessageId::parse)?,
            conversation: column("conversation", columns.conversation, ConversationId::parse)?,
            author: Identity::new(column("author", columns.author, UserId::parse)?),
            placement,
            body: MessageBody::parse(columns.body).map_err(StoredMessageError::Body)?,
            delivery,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns(kind: MessageKind) -> StoredColumns<'static> {
        StoredColumns {
            id: "0123456789abcdef0123456789abcdef",
            conversation: "fedcba9876543210fedcba9876543210",
            kind,
            author: "u_alice",
            recipient: Some("u_bob"),
            body: "hello",
            channel: Some("ch_general"),
            thread_root: Some("msg_root"),
            platform_message: Some("msg_1"),
        }
    }

    #[test]
    fn debug_of_a_stored_dm_names_no_person_and_no_dm_channel() {
        let dm = StoredMessage::from_columns(StoredColumns {
            channel: Some("D_alice_dm_channel"),
            ..columns(MessageKind::Direct)
        })
        .expect("valid dm");
        let shown = format!("{dm:?}");
        assert!(
            shown.contains("0123456789abcdef0123456789abcdef"),
            "{shown}"
        );
        for hidden in ["u_alice", "u_bob", "hello", "D_alice_dm_channel"] {
            assert!(!shown.contains(hidden), "{hidden} in {shown}");
        }
    }

    #[test]
    fn columns_become_typed_records() {
        let dm = StoredMessage::from_columns(columns(MessageKind::Direct)).expect("valid dm");
        assert_eq!(
            dm.placement
                .recipient()
                .map(|r| r.expose_user_id().as_str()),
            Some("u_bob")
        );
        assert_eq!(
            dm.delivery.as_ref().map(|d| d.channel.as_str()),
            Some("ch_general")
        );
        let thread =
            StoredMessage::from_columns(columns(MessageKind::Thread)).expect("valid thread");
        assert_eq!(
            thread.placement.thread_root().map(|r| r.as_str()),
            Some("msg_root")
        );
        let undelivered = StoredMessage::from_columns(StoredColumns {
            platform_message: None,
            ..columns(MessageKind::Channel)
        })
        .expect("valid post");
        assert_eq!(undelivered.delivery, None);
    }

    #[test]
    fn inconsistent_rows_are_refused_without_values() {
        let missing = StoredMessage::from_columns(StoredColumns {
            recipient: None,
            ..columns(MessageKind::Direct)
        });
        assert_eq!(
            missing,
            Err(StoredMessageError::Missing {
                kind: "DM",
                column: "recipient"
            })
        );
        let bad = StoredMessage::from_columns(StoredColumns {
            author: "u alice",
            ..columns(MessageKind::Channel)
        });
        let error = bad.expect_err("bad author id");
        assert!(!error.to_string().contains("alice"));
        let no_root = StoredMessage::from_columns(StoredColumns {
            thread_root: Some(""),
            ..columns(MessageKind::Thread)
        });
        assert!(matches!(
            no_root,
            Err(StoredMessageError::Missing {
                column: "thread_root",
                ..
            })
        ));
        assert!(!format!("{:?}", columns(MessageKind::Direct)).contains("u_alice"));
    }

    #[test]
    fn kind_codes_round_trip() {
        for kind in [
            MessageKind::Direct,
            MessageKind::Channel,
            MessageKind::Thread,
        ] {
            assert_eq!(MessageKind::from_code(kind.as_str()), Some(kind));
        }
    }
}
