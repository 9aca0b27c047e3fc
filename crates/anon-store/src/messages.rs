//! Conversations and per-message authorship.
//!
//! Every anonymous message, first message or reply, is its own row with its
//! own sealed author, so Report and Reply act on exactly that message's
//! author. Authors, DM recipients and bodies are sealed; the row's message id
//! is the associated data, so a sealed author cannot be moved to another
//! message.

use std::fmt;

use secrecy::SecretString;
use sqlx::SqliteConnection;

use crate::error::StoreError;
use crate::keys::{KeyRing, SubKey};
use crate::sealing::Place;
use crate::Store;

const TABLE: &str = "messages";

/// Where an anonymous message was posted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// A direct message to one user.
    Dm,
    /// A post in a channel.
    Channel,
    /// A reply inside a thread.
    Thread,
}

impl MessageKind {
    /// The code stored in the database (`DM`, `CHANNEL`, `THREAD`).
    pub fn as_code(self) -> &'static str {
        match self {
            MessageKind::Dm => "DM",
            MessageKind::Channel => "CHANNEL",
            MessageKind::Thread => "THREAD",
        }
    }

    /// Parses a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "DM" => Some(MessageKind::Dm),
            "CHANNEL" => Some(MessageKind::Channel),
            "THREAD" => Some(MessageKind::Thread),
            _ => None,
        }
    }
}

/// A message to record. `Debug` hides the author, the recipient and the body.
#[derive(Clone, Copy)]
pub struct NewMessage<'a> {
    /// Our random id of this message (carried in its buttons).
    pub id: &'a str,
    /// The conversation it belongs to; created with this message if new.
    pub conversation_id: &'a str,
    /// Workspace id.
    pub workspace_id: &'a str,
    /// DM, channel post or thread reply.
    pub kind: MessageKind,
    /// The real author (sealed at rest).
    pub author_id: &'a str,
    /// The DM recipient (sealed at rest); `None` for channel and thread posts.
    pub recipient_id: Option<&'a str>,
    /// The message text (sealed at rest).
    pub body: &'a str,
    /// Channel the message is posted in, when known. A DM's channel (the
    /// bot's DM channel with one person) is sealed at rest, never plain.
    pub channel_id: Option<&'a str>,
    /// Pumble id of the thread root the message is posted under, if any.
    pub thread_root_id: Option<&'a str>,
    /// Unix time in seconds.
    pub created_at: i64,
}

impl fmt::Debug for NewMessage<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewMessage")
            .field("id", &self.id)
            .field("conversation_id", &self.conversation_id)
            .field("workspace_id", &self.workspace_id)
            .field("kind", &self.kind)
            .field("author_id", &"[REDACTED]")
            .field("recipient_id", &self.recipient_id.map(|_| "[REDACTED]"))
            .field("body", &"[REDACTED]")
            .field("channel_id", &shown_channel(self.kind, self.channel_id))
            .field("thread_root_id", &self.thread_root_id)
            .field("created_at", &self.created_at)
            .finish()
    }
}

/// A channel id as `Debug` shows it: a DM's is the bot's channel with one
/// person, so it is redacted like the recipient.
fn shown_channel(kind: MessageKind, channel: Option<&str>) -> Option<&str> {
    match kind {
        MessageKind::Dm => channel.map(|_| "[REDACTED]"),
        MessageKind::Channel | MessageKind::Thread => channel,
    }
}

/// A recorded message with its sealed values opened. Identities and the
/// body are [`SecretString`]s, so `Debug` redacts them, and so is a DM's
/// channel.
#[derive(Clone)]
pub struct StoredMessage {
    /// Our id of the message.
    pub id: String,
    /// Its conversation.
    pub conversation_id: String,
    /// Workspace id.
    pub workspace_id: String,
    /// DM, channel post or thread reply.
    pub kind: MessageKind,
    /// The real author.
    pub author_id: SecretString,
    /// The DM recipient, for DMs.
    pub recipient_id: Option<SecretString>,
    /// The text.
    pub body: SecretString,
    /// Channel it was posted in, when known (for a DM, opened from its
    /// sealed copy).
    pub channel_id: Option<String>,
    /// Pumble id of the thread root it was posted under.
    pub thread_root_id: Option<String>,
    /// Pumble's id of the posted message, once known.
    pub platform_message_id: Option<String>,
    /// Unix time in seconds.
    pub created_at: i64,
}

impl fmt::Debug for StoredMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredMessage")
            .field("id", &self.id)
            .field("conversation_id", &self.conversation_id)
            .field("workspace_id", &self.workspace_id)
            .field("kind", &self.kind)
            .field("author_id", &self.author_id)
            .field("recipient_id", &self.recipient_id)
            .field("body", &self.body)
            .field(
                "channel_id",
                &shown_channel(self.kind, self.channel_id.as_deref()),
            )
            .field("thread_root_id", &self.thread_root_id)
            .field("platform_message_id", &self.platform_message_id)
            .field("created_at", &self.created_at)
            .finish()
    }
}

/// A conversation's public facts (no identities live at this level).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationInfo {
    /// Our id of the conversation.
    pub id: String,
    /// Workspace id.
    pub workspace_id: String,
    /// The kind of its first message.
    pub kind: MessageKind,
    /// Its channel, when known; always `None` for a DM conversation (a DM
    /// channel points at a person and is kept only sealed, per message).
    pub channel_id: Option<String>,
    /// The Pumble thread root replies go under, when known.
    pub thread_root_id: Option<String>,
    /// Unix time in seconds of its creation.
    pub created_at: i64,
    /// How many messages (first message and replies) it holds.
    pub message_count: i64,
}

/// Repository of conversations and messages; see [`Store::messages`].
#[derive(Debug, Clone, Copy)]
pub struct Messages<'a> {
    store: &'a Store,
}

pub(crate) fn author_place<'a>(workspace: &'a str, message_id: &'a str) -> Place<'a> {
    Place {
        table: TABLE,
        column: "author_sealed",
        workspace,
        row: message_id.as_bytes(),
    }
}

pub(crate) fn recipient_place<'a>(workspace: &'a str, message_id: &'a str) -> Place<'a> {
    Place {
        column: "recipient_sealed",
        ..author_place(workspace, message_id)
    }
}

/// Where a DM's channel is sealed: it is the bot's DM channel with one
/// person, so it is an identity like the recipient.
pub(crate) fn dm_channel_place<'a>(workspace: &'a str, message_id: &'a str) -> Place<'a> {
    Place {
        column: "channel_sealed",
        ..author_place(workspace, message_id)
    }
}

pub(crate) fn body_place<'a>(workspace: &'a str, message_id: &'a str) -> Place<'a> {
    Place {
        column: "body_sealed",
        ..author_place(workspace, message_id)
    }
}

/// The sealed columns of one message, sealed under the current key.
pub(crate) struct SealedMessage {
    pub(crate) author: Vec<u8>,
    pub(crate) recipient: Option<Vec<u8>>,
    pub(crate) body: Vec<u8>,
    /// The channel of a DM (never stored plain).
    pub(crate) dm_channel: Option<Vec<u8>>,
}

pub(crate) fn seal_message(
    keys: &KeyRing,
    workspace: &str,
    message_id: &str,
    author: &str,
    recipient: Option<&str>,
    body: &str,
    dm_channel: Option<&str>,
) -> Result<SealedMessage, StoreError> {
    Ok(SealedMessage {
        dm_channel: dm_channel
            .map(|channel| {
                keys.seal(
                    SubKey::Identity,
                    dm_channel_place(workspace, message_id),
                    channel.as_bytes(),
                )
            })
            .transpose()?,
        author: keys.seal(
            SubKey::Identity,
            author_place(workspace, message_id),
            author.as_bytes(),
        )?,
        recipient: recipient
            .map(|recipient| {
                keys.seal(
                    SubKey::Identity,
                    recipient_place(workspace, message_id),
                    recipient.as_bytes(),
                )
            })
            .transpose()?,
        body: keys.seal(
            SubKey::Body,
            body_place(workspace, message_id),
            body.as_bytes(),
        )?,
    })
}

#[derive(sqlx::FromRow)]
struct MessageRow {
    id: String,
    conversation_id: String,
    workspace_id: String,
    kind: String,
    author_sealed: Vec<u8>,
    recipient_sealed: Option<Vec<u8>>,
    body_sealed: Vec<u8>,
    channel_id: Option<String>,
    channel_sealed: Option<Vec<u8>>,
    thread_root_id: Option<String>,
    platform_message_id: Option<String>,
    created_at: i64,
}

#[derive(sqlx::FromRow)]
struct ConversationRow {
    id: String,
    workspace_id: String,
    kind: String,
    channel_id: Option<String>,
    thread_root_id: Option<String>,
    created_at: i64,
    message_count: i64,
}

impl<'a> Messages<'a> {
    pub(crate) fn new(store: &'a Store) -> Self {
        Self { store }
    }

    /// Records a message, creating its conversation when this is the first
    /// message of it. Fails with [`StoreError::DuplicateMessage`] if the id
    /// is taken and [`StoreError::ConversationMismatch`] if the conversation
    /// belongs to another workspace.
    pub async fn record(&self, message: &NewMessage<'_>) -> Result<(), StoreError> {
        let sealed = seal_message(
            &self.store.keys,
            message.workspace_id,
            message.id,
            message.author_id,
            message.recipient_id,
            message.body,
            dm_channel(message),
        )?;
        let mut tx = self.store.begin_write().await?;
        insert_message(
            &mut tx,
            message,
            &sealed,
            self.store.keys.current_id().as_bytes(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes one message of `workspace_id` (one whose post failed, so its
    /// body and author are not kept for nothing), and its conversation when
    /// no other message is left in it. Returns whether a message was deleted.
    pub async fn delete(&self, workspace_id: &str, message_id: &str) -> Result<bool, StoreError> {
        let mut tx = self.store.begin_write().await?;
        let conversation: Option<(String,)> = sqlx::query_as(
            "DELETE FROM messages WHERE id = ?1 AND workspace_id = ?2 RETURNING conversation_id",
        )
        .bind(message_id)
        .bind(workspace_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((conversation_id,)) = conversation else {
            return Ok(false);
        };
        sqlx::query(
            "DELETE FROM conversations WHERE id = ?1 AND workspace_id = ?2 \
             AND NOT EXISTS (SELECT 1 FROM messages WHERE conversation_id = ?1)",
        )
        .bind(&conversation_id)
        .bind(workspace_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Records Pumble's id of a posted message. Returns whether the message
    /// exists in that workspace.
    pub async fn set_platform_message_id(
        &self,
        workspace_id: &str,
        message_id: &str,
        platform_message_id: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE messages SET platform_message_id = ?1 WHERE id = ?2 AND workspace_id = ?3",
        )
        .bind(platform_message_id)
        .bind(message_id)
        .bind(workspace_id)
        .execute(&self.store.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Records the Pumble thread root that replies of a conversation go
    /// under (for a channel post: the posted message's Pumble id). Returns
    /// whether the conversation exists in that workspace.
    pub async fn set_thread_root(
        &self,
        workspace_id: &str,
        conversation_id: &str,
        thread_root_id: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE conversations SET thread_root_id = ?1 WHERE id = ?2 AND workspace_id = ?3",
        )
        .bind(thread_root_id)
        .bind(conversation_id)
        .bind(workspace_id)
        .execute(&self.store.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The message with our id `message_id` in `workspace_id`, opened.
    pub async fn get(
        &self,
        workspace_id: &str,
        message_id: &str,
    ) -> Result<Option<StoredMessage>, StoreError> {
        let row: Option<MessageRow> = sqlx::query_as(
            "SELECT id, conversation_id, workspace_id, kind, author_sealed, recipient_sealed, \
                    body_sealed, channel_id, channel_sealed, thread_root_id, platform_message_id, \
                    created_at \
             FROM messages WHERE id = ?1 AND workspace_id = ?2",
        )
        .bind(message_id)
        .bind(workspace_id)
        .fetch_optional(&self.store.pool)
        .await?;
        row.map(|row| self.open_row(row)).transpose()
    }

    fn open_row(&self, row: MessageRow) -> Result<StoredMessage, StoreError> {
        let MessageRow {
            id,
            conversation_id,
            workspace_id,
            kind,
            author_sealed: author,
            recipient_sealed: recipient,
            body_sealed: body,
            channel_id,
            channel_sealed,
            thread_root_id,
            platform_message_id,
            created_at,
        } = row;
        let keys = &self.store.keys;
        let kind = MessageKind::from_code(&kind).ok_or(StoreError::Corrupt {
            table: TABLE,
            detail: "unknown message kind",
        })?;
        let author_id =
            keys.open_string(SubKey::Identity, author_place(&workspace_id, &id), &author)?;
        let recipient_id = recipient
            .map(|sealed| {
                keys.open_string(
                    SubKey::Identity,
                    recipient_place(&workspace_id, &id),
                    &sealed,
                )
            })
            .transpose()?;
        let body = keys.open_string(SubKey::Body, body_place(&workspace_id, &id), &body)?;
        let channel_id = match channel_sealed {
            Some(sealed) => Some(keys.open_string(
                SubKey::Identity,
                dm_channel_place(&workspace_id, &id),
                &sealed,
            )?),
            None => channel_id,
        };
        Ok(StoredMessage {
            author_id: SecretString::from(author_id),
            recipient_id: recipient_id.map(SecretString::from),
            body: SecretString::from(body),
            id,
            conversation_id,
            workspace_id,
            kind,
            channel_id,
            thread_root_id,
            platform_message_id,
            created_at,
        })
    }

    /// The conversation `conversation_id` of `workspace_id`.
    pub async fn conversation(
        &self,
        workspace_id: &str,
        conversation_id: &str,
    ) -> Result<Option<ConversationInfo>, StoreError> {
        let row: Option<ConversationRow> = sqlx::query_as(
            "SELECT c.id, c.workspace_id, c.kind, c.channel_id, c.thread_root_id, c.created_at, \
                        (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id) AS message_count \
                 FROM conversations c WHERE c.id = ?1 AND c.workspace_id = ?2",
        )
        .bind(conversation_id)
        .bind(workspace_id)
        .fetch_optional(&self.store.pool)
        .await?;
        row.map(|row| {
            Ok(ConversationInfo {
                kind: MessageKind::from_code(&row.kind).ok_or(StoreError::Corrupt {
                    table: "conversations",
                    detail: "unknown conversation kind",
                })?,
                id: row.id,
                workspace_id: row.workspace_id,
                channel_id: row.channel_id,
                thread_root_id: row.thread_root_id,
                created_at: row.created_at,
                message_count: row.message_count,
            })
        })
        .transpose()
    }
}

/// Inserts the conversation (if new) and the message inside a transaction.
/// The channel to seal: a DM's only. A DM's channel is the bot's DM channel
/// with one person (for an anonymous reply, the author of the message replied
/// to), so it is never stored plain.
fn dm_channel<'a>(message: &NewMessage<'a>) -> Option<&'a str> {
    (message.kind == MessageKind::Dm)
        .then_some(message.channel_id)
        .flatten()
}

/// The channel to store plain: a channel post's or thread reply's only.
fn plain_channel<'a>(message: &NewMessage<'a>) -> Option<&'a str> {
    (message.kind != MessageKind::Dm)
        .then_some(message.channel_id)
        .flatten()
}

async fn insert_message(
    conn: &mut SqliteConnection,
    message: &NewMessage<'_>,
    sealed: &SealedMessage,
    key_id: &[u8],
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO conversations (id, workspace_id, kind, channel_id, thread_root_id, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (id) DO NOTHING",
    )
    .bind(message.conversation_id)
    .bind(message.workspace_id)
    .bind(message.kind.as_code())
    .bind(plain_channel(message))
    .bind(message.thread_root_id)
    .bind(message.created_at)
    .execute(&mut *conn)
    .await?;
    let owner: Option<(String,)> =
        sqlx::query_as("SELECT workspace_id FROM conversations WHERE id = ?1")
            .bind(message.conversation_id)
            .fetch_optional(&mut *conn)
            .await?;
    if owner.map(|(workspace,)| workspace).as_deref() != Some(message.workspace_id) {
        return Err(StoreError::ConversationMismatch);
    }
    let inserted = sqlx::query(
        "INSERT INTO messages (id, conversation_id, workspace_id, kind, key_id, author_sealed, \
                               recipient_sealed, body_sealed, channel_id, channel_sealed, \
                               thread_root_id, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )
    .bind(message.id)
    .bind(message.conversation_id)
    .bind(message.workspace_id)
    .bind(message.kind.as_code())
    .bind(key_id)
    .bind(&sealed.author)
    .bind(&sealed.recipient)
    .bind(&sealed.body)
    .bind(plain_channel(message))
    .bind(&sealed.dm_channel)
    .bind(message.thread_root_id)
    .bind(message.created_at)
    .execute(&mut *conn)
    .await;
    match inserted {
        Ok(_) => Ok(()),
        Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
            Err(StoreError::DuplicateMessage)
        }
        Err(error) => Err(error.into()),
    }
}
