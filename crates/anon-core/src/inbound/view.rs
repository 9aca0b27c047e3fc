//! Modal submit and close (pumble-protocol.md §3.5).

use std::fmt;

use serde::Deserialize;

use super::{optional_id, required_id, PayloadError};
use crate::identity::Identity;
use crate::ids::{ChannelId, MessageId, TriggerId, UserId, WorkspaceId};
use crate::redacted_text::RawText;
use crate::wire_names::{REPLY_BLOCK_ID, REPLY_CALLBACK_PREFIX, REPLY_INPUT_ACTION};

/// The JSON body of a `VIEW_ACTION` trigger. Unknown fields are ignored.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ViewActionPayload {
    /// Workspace.
    pub workspace_id: String,
    /// Submitting user.
    pub user_id: String,
    /// Channel the modal was opened from, when Pumble sends it.
    #[serde(default)]
    pub channel_id: Option<String>,
    /// `SUBMIT` or `CLOSE`.
    #[serde(default)]
    pub view_action_type: String,
    /// The modal.
    pub view: ViewPayload,
    /// Trigger id.
    pub trigger_id: String,
}

/// The `view` object of a view action. Only what anon reads.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ViewPayload {
    /// The `callbackId` anon set when opening the modal.
    #[serde(default)]
    pub callback_id: String,
    /// `state` as Pumble sent it; read with a fixed path, anything else is
    /// ignored.
    #[serde(default)]
    pub state: Option<serde_json::Value>,
}

impl fmt::Debug for ViewActionPayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ViewActionPayload")
            .field("workspace_id", &self.workspace_id)
            .field("user_id", &"<redacted>")
            .field("channel_id", &self.channel_id)
            .field("view_action_type", &self.view_action_type)
            .field("view", &self.view)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for ViewPayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ViewPayload")
            .field("callback_id", &self.callback_id)
            .field("state", &"<redacted>")
            .finish()
    }
}

/// Submit or close.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewActionKind {
    /// The user pressed the submit button.
    Submit,
    /// The user dismissed the modal (only sent with `notifyOnClose`).
    Close,
    /// Anything else.
    Other,
}

/// Which modal the action belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModalTarget {
    /// anon's reply modal for this message.
    Reply(MessageId),
    /// A modal that is not ours, or the reference app's (`anon_reply_modal`).
    Unrecognised,
}

/// A parsed view action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewAction {
    /// Workspace.
    pub workspace: WorkspaceId,
    /// Submitting user (the author of the reply, so redacted).
    pub user: Identity,
    /// Channel the modal was opened from, if sent.
    pub channel: Option<ChannelId>,
    /// Submit or close.
    pub kind: ViewActionKind,
    /// Which modal.
    pub target: ModalTarget,
    /// The reply text from `state.values.<block>.<input>.value`; empty when
    /// absent.
    pub reply_text: RawText,
    /// Trigger id.
    pub trigger: TriggerId,
}

impl ViewAction {
    /// The message id to look up in the store, if the modal is one of ours.
    pub fn message_id(&self) -> Option<&MessageId> {
        match &self.target {
            ModalTarget::Reply(id) => Some(id),
            ModalTarget::Unrecognised => None,
        }
    }
}

fn modal_target(callback_id: &str) -> ModalTarget {
    callback_id
        .strip_prefix(REPLY_CALLBACK_PREFIX)
        .and_then(|rest| MessageId::parse(rest).ok())
        .map_or(ModalTarget::Unrecognised, ModalTarget::Reply)
}

fn reply_text(state: Option<&serde_json::Value>) -> RawText {
    let text = state
        .and_then(|state| state.get("values"))
        .and_then(|values| values.get(REPLY_BLOCK_ID))
        .and_then(|block| block.get(REPLY_INPUT_ACTION))
        .and_then(|input| input.get("value"))
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default();
    RawText::new(text)
}

impl TryFrom<ViewActionPayload> for ViewAction {
    type Error = PayloadError;

    fn try_from(payload: ViewActionPayload) -> Result<Self, Self::Error> {
        let kind = match payload.view_action_type.as_str() {
            "SUBMIT" => ViewActionKind::Submit,
            "CLOSE" => ViewActionKind::Close,
            _ => ViewActionKind::Other,
        };
        Ok(Self {
            workspace: required_id("workspaceId", &payload.workspace_id, WorkspaceId::parse)?,
            user: Identity::new(required_id("userId", &payload.user_id, UserId::parse)?),
            channel: optional_id("channelId", payload.channel_id.as_deref(), ChannelId::parse)?,
            kind,
            target: modal_target(&payload.view.callback_id),
            reply_text: reply_text(payload.view.state.as_ref()),
            trigger: required_id("triggerId", &payload.trigger_id, TriggerId::parse)?,
        })
    }
}
