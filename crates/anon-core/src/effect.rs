//! [`Effect`]: what the caller carries out once a flow has decided.

use crate::audit::AuditRecord;
use crate::identity::Identity;
use crate::ids::{ChannelId, MessageId, PlatformMessageId, UserId, WorkspaceId};
use crate::message::Delivery;

/// Where an ephemeral notice is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoticePlace {
    /// Ephemerally in this channel (and thread, when set), visible only to
    /// the user (pumble-protocol.md §4.5).
    Channel {
        /// The channel.
        channel: ChannelId,
        /// The thread, if the user acted inside one.
        thread_root: Option<PlatformMessageId>,
    },
    /// No channel is known (a modal submitted without `channelId`): post the
    /// notice in the bot's direct-message channel with the user.
    DirectMessage,
}

/// A short message to one user about what happened to their action. Holds
/// no message body and no other person's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The user to tell (redacted in `Debug`).
    pub to: Identity,
    /// Where to show it.
    pub place: NoticePlace,
    /// Plain text.
    pub text: String,
}

/// One thing to do. A flow's effects are carried out **in order**; a failing
/// effect is logged (without ids of people or bodies) and the rest still
/// run. A failing [`Effect::Notice`] never changes what was already
/// decided or recorded (D14: a lost confirmation is not a failed send).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Tell the user something ephemerally.
    Notice(Notice),
    /// Write an audit row.
    RecordAudit(AuditRecord),
    /// Mark a stored message as delivered (its channel and Pumble's id).
    RecordDelivery {
        /// Workspace.
        workspace: WorkspaceId,
        /// anon's id of the message.
        message: MessageId,
        /// Where it landed.
        delivery: Delivery,
    },
    /// Delete a stored message that was never shown (its post failed), so
    /// neither its body nor its author is kept for nothing.
    DiscardMessage {
        /// Workspace.
        workspace: WorkspaceId,
        /// anon's id of the message.
        message: MessageId,
    },
    /// The app was uninstalled: delete every stored row of the workspace
    /// (tokens, messages, counters, the reports channel id, audit rows)
    /// **except the opt-out list**, so people who opted out stay opted out
    /// after a reinstall (D18). Opt-outs are keyed hashes, not ids.
    PurgeWorkspace {
        /// Workspace.
        workspace: WorkspaceId,
    },
    /// Delete these users' stored OAuth tokens.
    PurgeUserTokens {
        /// Workspace.
        workspace: WorkspaceId,
        /// Users who revoked the app.
        users: Vec<UserId>,
    },
}
