//! Button clicks (pumble-protocol.md §3.4).

use std::fmt;

use serde::Deserialize;

use super::{optional_id, required_id, PayloadError};
use crate::identity::Identity;
use crate::ids::{ChannelId, MessageId, TriggerId, UserId, WorkspaceId};
use crate::wire_names::{REPLY_ACTION, REPORT_ACTION};

/// The JSON body of a `BLOCK_INTERACTION` trigger. Unknown fields are ignored.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockInteractionPayload {
    /// Workspace.
    pub workspace_id: String,
    /// Clicking user.
    pub user_id: String,
    /// Channel of the clicked message (absent for view sources).
    #[serde(default)]
    pub channel_id: Option<String>,
    /// `MESSAGE`, `EPHEMERAL_MESSAGE` or `VIEW`.
    #[serde(default)]
    pub source_type: String,
    /// The element's `onAction`.
    #[serde(default)]
    pub on_action: String,
    /// A JSON **string** holding `{"value": …}` for buttons; parsed a second
    /// time (pumble-protocol.md §9.1).
    #[serde(default)]
    pub payload: String,
    /// Trigger id.
    pub trigger_id: String,
}

impl fmt::Debug for BlockInteractionPayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockInteractionPayload")
            .field("workspace_id", &self.workspace_id)
            .field("user_id", &"<redacted>")
            .field("channel_id", &self.channel_id)
            .field("source_type", &self.source_type)
            .field("on_action", &self.on_action)
            .field("payload", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// Which button was pressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ButtonAction {
    /// Reply anonymously.
    Reply,
    /// Report.
    Report,
    /// Anything else: the reference app's buttons, a click in an ephemeral
    /// message or a view, or an element that is not ours.
    Other,
}

/// The value the clicked button carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ButtonValue {
    /// anon's id of the message the button sits on.
    Message(MessageId),
    /// Missing, malformed, or from the reference app (`<convId>:<direction>`).
    Unrecognised,
}

/// A parsed button click. The clicker is an [`Identity`]: they may be about
/// to author a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ButtonClick {
    /// Workspace.
    pub workspace: WorkspaceId,
    /// Clicking user.
    pub clicker: Identity,
    /// Channel of the clicked message, if Pumble sent it.
    pub channel: Option<ChannelId>,
    /// Which button.
    pub action: ButtonAction,
    /// What it carried.
    pub value: ButtonValue,
    /// Trigger id, needed to answer with the reply modal.
    pub trigger: TriggerId,
}

impl ButtonClick {
    /// The message id to look up in the store, if the value is one of ours.
    pub fn message_id(&self) -> Option<&MessageId> {
        match &self.value {
            ButtonValue::Message(id) => Some(id),
            ButtonValue::Unrecognised => None,
        }
    }
}

#[derive(Deserialize)]
struct ButtonPayload {
    #[serde(default)]
    value: Option<String>,
}

fn button_value(payload: &str) -> ButtonValue {
    let Ok(parsed) = serde_json::from_str::<ButtonPayload>(payload) else {
        return ButtonValue::Unrecognised;
    };
    match parsed.value.as_deref().map(MessageId::parse) {
        Some(Ok(id)) => ButtonValue::Message(id),
        _ => ButtonValue::Unrecognised,
    }
}

fn button_action(source_type: &str, on_action: &str) -> ButtonAction {
    // Our buttons only ever sit in normal messages.
    if !source_type.eq_ignore_ascii_case("MESSAGE") {
        return ButtonAction::Other;
    }
    match on_action {
        REPLY_ACTION => ButtonAction::Reply,
        REPORT_ACTION => ButtonAction::Report,
        _ => ButtonAction::Other,
    }
}

impl TryFrom<BlockInteractionPayload> for ButtonClick {
    type Error = PayloadError;

    fn try_from(payload: BlockInteractionPayload) -> Result<Self, Self::Error> {
        Ok(Self {
            workspace: required_id("workspaceId", &payload.workspace_id, WorkspaceId::parse)?,
            clicker: Identity::new(required_id("userId", &payload.user_id, UserId::parse)?),
            channel: optional_id("channelId", payload.channel_id.as_deref(), ChannelId::parse)?,
            action: button_action(&payload.source_type, &payload.on_action),
            value: button_value(&payload.payload),
            trigger: required_id("triggerId", &payload.trigger_id, TriggerId::parse)?,
        })
    }
}
