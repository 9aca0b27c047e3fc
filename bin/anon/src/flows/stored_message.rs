//! Reading one anonymous message back from the store as anon-core's
//! [`StoredMessage`].

use anon_core::ids::{MessageId, WorkspaceId};
use anon_core::message::{MessageKind, StoredColumns, StoredMessage};
use anon_store::{Store, StoreError};
use secrecy::ExposeSecret;

/// The message `id` of `workspace`; `None` when absent or when its row is
/// inconsistent (anon-core refuses to build it), which counts as absent.
pub async fn lookup(
    store: &Store,
    workspace: &WorkspaceId,
    id: &MessageId,
) -> Result<Option<StoredMessage>, StoreError> {
    let Some(row) = store
        .messages()
        .get(workspace.as_str(), id.as_str())
        .await?
    else {
        return Ok(None);
    };
    let kind = match row.kind {
        anon_store::MessageKind::Dm => MessageKind::Direct,
        anon_store::MessageKind::Channel => MessageKind::Channel,
        anon_store::MessageKind::Thread => MessageKind::Thread,
    };
    let columns = StoredColumns {
        id: &row.id,
        conversation: &row.conversation_id,
        kind,
        author: row.author_id.expose_secret(),
        recipient: row.recipient_id.as_ref().map(|r| r.expose_secret()),
        body: row.body.expose_secret(),
        channel: row.channel_id.as_deref(),
        thread_root: row.thread_root_id.as_deref(),
        platform_message: row.platform_message_id.as_deref(),
    };
    match StoredMessage::from_columns(columns) {
        Ok(message) => Ok(Some(message)),
        Err(error) => {
            log::warn!("message {} is inconsistent: {error}", id.as_str());
            Ok(None)
        }
    }
}
