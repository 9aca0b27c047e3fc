//! Message calls (pumble-protocol.md §5.4). The same path
//! `/v1/channels/{c}/messages/{id}` fetches a message (GET) and replies in
//! its thread (POST); ephemerals use the normal post paths with an
//! `ephemeral` object deciding who sees them (§9.8).

use crate::acting::ActingClient;
use crate::call::Call;
use crate::error::ClientError;
use crate::path::encode_id;
use crate::types::{EphemeralBody, EphemeralRecipients, Message, OutgoingMessage};

/// Texts at least this long are scrubbed from error answers (a server
/// echoing the message must not put it in a log line). Shorter texts are
/// too likely to match innocent words, and reveal little.
const MIN_SCRUBBED_TEXT_CHARS: usize = 8;

fn messages_path(channel_id: &str) -> Result<String, ClientError> {
    Ok(format!(
        "/v1/channels/{}/messages",
        encode_id(channel_id, "channel id")?
    ))
}

fn message_path(
    channel_id: &str,
    message_id: &str,
    what: &'static str,
) -> Result<String, ClientError> {
    Ok(format!(
        "{}/{}",
        messages_path(channel_id)?,
        encode_id(message_id, what)?
    ))
}

fn check_recipients(recipients: &[&str]) -> Result<(), ClientError> {
    if recipients.is_empty() || recipients.iter().any(|id| id.is_empty()) {
        return Err(ClientError::InvalidArgument("ephemeral recipient id"));
    }
    Ok(())
}

impl ActingClient<'_> {
    /// Posts a message to a channel (`POST /v1/channels/{channelId}/messages`).
    /// Never retried: a duplicate message is worse than a clear failure.
    pub fn post_message(
        &self,
        channel_id: &str,
        message: &OutgoingMessage,
    ) -> Result<Message, ClientError> {
        let path = messages_path(channel_id)?;
        self.post("post_message", path, message)
    }

    /// Replies in the thread rooted at `thread_root_id`
    /// (`POST /v1/channels/{channelId}/messages/{threadRootId}`).
    pub fn reply_in_thread(
        &self,
        channel_id: &str,
        thread_root_id: &str,
        message: &OutgoingMessage,
    ) -> Result<Message, ClientError> {
        let path = message_path(channel_id, thread_root_id, "thread root id")?;
        self.post("reply_in_thread", path, message)
    }

    /// Posts a message only `recipients` see, in the channel
    /// (`POST /v1/channels/{channelId}/messages` with
    /// `{"ephemeral":{"sendToUsers":[…]},…}`).
    ///
    /// Returns nothing: ephemeral messages are not persisted, so their id is
    /// of no later use, and a success is not turned into a failure by an
    /// answer of unexpected shape.
    pub fn post_ephemeral(
        &self,
        channel_id: &str,
        recipients: &[&str],
        message: &OutgoingMessage,
    ) -> Result<(), ClientError> {
        check_recipients(recipients)?;
        let path = messages_path(channel_id)?;
        self.post_ephemeral_to("post_ephemeral", path, recipients, message)
    }

    /// Posts a message only `recipients` see, in a thread
    /// (`POST /v1/channels/{channelId}/messages/{threadRootId}` with
    /// `ephemeral`). Returns nothing, as [`post_ephemeral`](Self::post_ephemeral).
    pub fn post_ephemeral_in_thread(
        &self,
        channel_id: &str,
        thread_root_id: &str,
        recipients: &[&str],
        message: &OutgoingMessage,
    ) -> Result<(), ClientError> {
        check_recipients(recipients)?;
        let path = message_path(channel_id, thread_root_id, "thread root id")?;
        self.post_ephemeral_to("post_ephemeral_in_thread", path, recipients, message)
    }

    /// Fetches one message
    /// (`GET /v1/channels/{channelId}/messages/{messageId}`).
    pub fn get_message(&self, channel_id: &str, message_id: &str) -> Result<Message, ClientError> {
        let path = message_path(channel_id, message_id, "message id")?;
        self.client
            .execute_json(Call::get("get_message", path, self.token))
    }

    fn post(
        &self,
        endpoint: &'static str,
        path: String,
        message: &OutgoingMessage,
    ) -> Result<Message, ClientError> {
        let call = Call::post_json(endpoint, path, self.token, message)?;
        self.client.execute_json(scrub_text(call, message))
    }

    fn post_ephemeral_to(
        &self,
        endpoint: &'static str,
        path: String,
        recipients: &[&str],
        message: &OutgoingMessage,
    ) -> Result<(), ClientError> {
        let body = EphemeralBody {
            ephemeral: EphemeralRecipients {
                send_to_users: recipients,
            },
            message,
        };
        let call = Call::post_json(endpoint, path, self.token, &body)?;
        self.client.execute(scrub_text(call, message)).map(drop)
    }
}

/// Marks the call as carrying content (Pumble's free-text error message is
/// then dropped) and scrubs the exact text from what is kept.
fn scrub_text<'a>(call: Call<'a>, message: &'a OutgoingMessage) -> Call<'a> {
    let call = call.carrying_content();
    let text = message.text_content();
    if text.chars().count() >= MIN_SCRUBBED_TEXT_CHARS {
        call.scrubbing(text)
    } else {
        call
    }
}
