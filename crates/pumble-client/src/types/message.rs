//! Messages: what the client posts and what Pumble answers
//! (pumble-protocol.md §5.4, §5.5).
//!
//! Message text and blocks are content and authors are identities, so the
//! `Debug` output of these types shows ids and sizes only.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A message to post: fallback `text` plus optional `blocks`.
///
/// Blocks are plain JSON (`rich_text`, `actions`, …, pumble-protocol.md
/// §5.5); this crate does not model them.
///
/// ```
/// use pumble_client::OutgoingMessage;
/// use serde_json::json;
///
/// let message = OutgoingMessage::text("Anonymous: hello")
///     .with_blocks(vec![json!({"type": "divider"})]);
/// assert_eq!(
///     serde_json::to_value(&message).unwrap(),
///     json!({"text": "Anonymous: hello", "blocks": [{"type": "divider"}]})
/// );
/// // Debug never shows the content.
/// assert!(!format!("{message:?}").contains("hello"));
/// ```
#[derive(Clone, Serialize)]
pub struct OutgoingMessage {
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    blocks: Option<Vec<serde_json::Value>>,
}

impl OutgoingMessage {
    /// A message with this text (Pumble allows up to 100 000 characters).
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            blocks: None,
        }
    }

    /// Adds blocks; `text` stays as the fallback where blocks cannot render.
    pub fn with_blocks(mut self, blocks: Vec<serde_json::Value>) -> Self {
        self.blocks = Some(blocks);
        self
    }

    /// The message text.
    pub fn text_content(&self) -> &str {
        &self.text
    }
}

impl fmt::Debug for OutgoingMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutgoingMessage")
            .field("text_chars", &self.text.chars().count())
            .field("blocks", &self.blocks.as_ref().map_or(0, Vec::len))
            .finish()
    }
}

/// The body of an ephemeral post: the message plus its recipients
/// (`{"ephemeral":{"sendToUsers":[…]},"text",…}`, pumble-protocol.md §5.4).
#[derive(Serialize)]
pub(crate) struct EphemeralBody<'a> {
    pub(crate) ephemeral: EphemeralRecipients<'a>,
    #[serde(flatten)]
    pub(crate) message: &'a OutgoingMessage,
}

/// Who sees an ephemeral message.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EphemeralRecipients<'a> {
    pub(crate) send_to_users: &'a [&'a str],
}

/// A message as Pumble returns it; fields this crate does not expose are
/// accepted and ignored.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Message {
    /// The message id.
    pub id: String,
    /// The channel holding the message.
    pub channel_id: String,
    /// The workspace, when Pumble says.
    #[serde(default)]
    pub workspace_id: Option<String>,
    /// The author's user id, when Pumble says.
    #[serde(default)]
    pub author: Option<String>,
    /// The text.
    #[serde(default)]
    pub text: Option<String>,
    /// The blocks, as JSON.
    #[serde(default)]
    pub blocks: Option<Vec<serde_json::Value>>,
    /// The timestamp as sent (its format is not pinned down, §9.17).
    #[serde(default)]
    pub timestamp: Option<String>,
    /// The timestamp in milliseconds since the epoch.
    #[serde(default)]
    pub timestamp_milli: Option<i64>,
    /// Present when the message is a thread reply.
    #[serde(default)]
    pub thread_reply_info: Option<ThreadReplyInfo>,
    /// Whether the message was deleted.
    #[serde(default)]
    pub deleted: Option<bool>,
    /// Whether the message was edited.
    #[serde(default)]
    pub edited: Option<bool>,
}

impl Message {
    /// The id of the thread this message replies in, if it is a reply.
    pub fn thread_root_id(&self) -> Option<&str> {
        self.thread_reply_info
            .as_ref()
            .and_then(|info| info.root_id.as_deref())
    }
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Message")
            .field("id", &self.id)
            .field("channel_id", &self.channel_id)
            .field("workspace_id", &self.workspace_id)
            .field("author", &self.author.as_ref().map(|_| "[REDACTED]"))
            .field(
                "text_chars",
                &self.text.as_ref().map(|text| text.chars().count()),
            )
            .field("blocks", &self.blocks.as_ref().map(Vec::len))
            .field("thread_root_id", &self.thread_root_id())
            .finish_non_exhaustive()
    }
}

/// Where a thread reply belongs (`threadReplyInfo`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ThreadReplyInfo {
    /// The thread's root message id.
    #[serde(default)]
    pub root_id: Option<String>,
    /// Whether the reply was also sent to the channel.
    #[serde(default)]
    pub reply_sent_to_channel: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ephemeral_body_puts_recipients_next_to_the_message() {
        let message = OutgoingMessage::text("only you");
        let body = EphemeralBody {
            ephemeral: EphemeralRecipients {
                send_to_users: &["u_bob"],
            },
            message: &message,
        };
        assert_eq!(
            serde_json::to_value(&body).expect("plain struct encodes"),
            serde_json::json!({"ephemeral": {"sendToUsers": ["u_bob"]}, "text": "only you"})
        );
    }

    #[test]
    fn message_debug_hides_author_and_text() {
        let message: Message = serde_json::from_value(serde_json::json!({
            "id": "msg_1", "channelId": "ch_1", "workspaceId": "ws_1",
            "author": "u_alice", "text": "secret words", "unknownField": true,
            "threadReplyInfo": {"rootId": "msg_root", "rootText": "more words"}
        }))
        .expect("a message with extra fields decodes");
        let debug = format!("{message:?}");
        assert!(debug.contains("msg_1") && debug.contains("msg_root"));
        assert!(!debug.contains("u_alice"));
        assert!(!debug.contains("secret words"));
        assert_eq!(message.author.as_deref(), Some("u_alice"));
        assert_eq!(message.thread_root_id(), Some("msg_root"));
    }
}
