//! Slash commands (pumble-protocol.md §3.2).

use std::fmt;

use serde::Deserialize;

use super::{optional_id, required_id, PayloadError};
use crate::identity::Identity;
use crate::ids::{ChannelId, PlatformMessageId, TriggerId, UserId, WorkspaceId};
use crate::redacted_text::RawText;
use crate::wire_names::{ANON_COMMAND, BLOCK_COMMAND, UNBLOCK_COMMAND};

/// The JSON body of a `SLASH_COMMAND` trigger. Unknown fields are ignored.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlashCommandPayload {
    /// The command, with its leading `/`.
    pub slash_command: String,
    /// Everything typed after the command; may be empty or absent.
    #[serde(default)]
    pub text: String,
    /// Invoking user.
    pub user_id: String,
    /// Channel where it was typed.
    pub channel_id: String,
    /// Present when typed inside a thread panel.
    #[serde(default)]
    pub thread_root_id: Option<String>,
    /// Workspace.
    pub workspace_id: String,
    /// Trigger id.
    pub trigger_id: String,
}

impl fmt::Debug for SlashCommandPayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SlashCommandPayload")
            .field("slash_command", &self.slash_command)
            .field("text", &"<redacted>")
            .field("user_id", &"<redacted>")
            .field("channel_id", &self.channel_id)
            .field("thread_root_id", &self.thread_root_id)
            .field("workspace_id", &self.workspace_id)
            .finish_non_exhaustive()
    }
}

/// Which command was typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlashCommandKind {
    /// `/anon`.
    Anon,
    /// `/anon-block`.
    Block,
    /// `/anon-unblock`.
    Unblock,
    /// Anything else routed to this app.
    Unknown,
}

impl SlashCommandKind {
    fn of(command: &str) -> Self {
        match command.trim() {
            ANON_COMMAND => SlashCommandKind::Anon,
            BLOCK_COMMAND => SlashCommandKind::Block,
            UNBLOCK_COMMAND => SlashCommandKind::Unblock,
            _ => SlashCommandKind::Unknown,
        }
    }
}

/// A parsed slash command. The invoking user is an [`Identity`] because for
/// `/anon` they are the anonymous author; `Debug` shows neither them nor the
/// text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlashCommand {
    /// Workspace.
    pub workspace: WorkspaceId,
    /// Invoking user.
    pub user: Identity,
    /// Channel where it was typed.
    pub channel: ChannelId,
    /// Thread root when typed in a thread panel.
    pub thread_root: Option<PlatformMessageId>,
    /// Trigger id.
    pub trigger: TriggerId,
    /// Which command.
    pub kind: SlashCommandKind,
    /// The typed text, unparsed.
    pub text: RawText,
}

impl TryFrom<SlashCommandPayload> for SlashCommand {
    type Error = PayloadError;

    fn try_from(payload: SlashCommandPayload) -> Result<Self, Self::Error> {
        Ok(Self {
            workspace: required_id("workspaceId", &payload.workspace_id, WorkspaceId::parse)?,
            user: Identity::new(required_id("userId", &payload.user_id, UserId::parse)?),
            channel: required_id("channelId", &payload.channel_id, ChannelId::parse)?,
            thread_root: optional_id(
                "threadRootId",
                payload.thread_root_id.as_deref(),
                PlatformMessageId::parse,
            )?,
            trigger: required_id("triggerId", &payload.trigger_id, TriggerId::parse)?,
            kind: SlashCommandKind::of(&payload.slash_command),
            text: RawText::new(payload.text),
        })
    }
}
