//! The entities of a simulated workspace: users, channels, messages,
//! ephemerals and open modals.

use std::fmt;

use serde_json::Value;

/// Role strings as they appear on the wire (protocol §5.4). Roles are plain
/// strings in the simulator so tests can use any value Pumble might send.
pub mod roles {
    /// Workspace owner (undocumented but compared against by the official examples).
    pub const OWNER: &str = "OWNER";
    /// Workspace administrator. There is no `ADMIN` role string.
    pub const ADMINISTRATOR: &str = "ADMINISTRATOR";
    /// Ordinary member.
    pub const USER: &str = "USER";
    /// Guest limited to one channel.
    pub const GUEST_SINGLE_CHANNEL: &str = "GUEST_SINGLE_CHANNEL";
    /// Guest allowed in several channels.
    pub const GUEST_MULTI_CHANNEL: &str = "GUEST_MULTI_CHANNEL";
}

/// A user's account status (protocol §5.4: `ACTIVATED`, `INVITED`, `DEACTIVATED`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserStatus {
    /// A normal, active account.
    Activated,
    /// Invited but not yet joined.
    Invited,
    /// Deactivated: listed by the API, but its tokens are refused.
    Deactivated,
}

impl UserStatus {
    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Activated => "ACTIVATED",
            UserStatus::Invited => "INVITED",
            UserStatus::Deactivated => "DEACTIVATED",
        }
    }
}

/// A workspace member (human or an app's bot).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// User id, unique across the simulator (e.g. `u_alice`).
    pub id: String,
    /// Workspace the user belongs to.
    pub workspace_id: String,
    /// Display name (the bot's is the app's name).
    pub name: String,
    /// Email address.
    pub email: String,
    /// Role string (see [`roles`]).
    pub role: String,
    /// Account status.
    pub status: UserStatus,
    /// `true` for an app's bot user (`isAddonBot` on the wire).
    pub is_addon_bot: bool,
}

/// Channel kinds the simulator models (protocol §5.4 `channelType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChannelType {
    /// Visible to every workspace member.
    Public,
    /// Visible to its members only.
    Private,
    /// A direct-message conversation between fixed participants.
    Direct,
}

impl ChannelType {
    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelType::Public => "PUBLIC",
            ChannelType::Private => "PRIVATE",
            ChannelType::Direct => "DIRECT",
        }
    }

    /// Parses a wire string (`PUBLIC`, `PRIVATE`, `DIRECT`).
    pub fn parse(s: &str) -> Option<ChannelType> {
        match s {
            "PUBLIC" => Some(ChannelType::Public),
            "PRIVATE" => Some(ChannelType::Private),
            "DIRECT" => Some(ChannelType::Direct),
            _ => None,
        }
    }
}

/// A channel and its members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    /// Channel id (e.g. `ch_general`).
    pub id: String,
    /// Workspace the channel belongs to.
    pub workspace_id: String,
    /// Channel kind.
    pub channel_type: ChannelType,
    /// Name (absent for DMs).
    pub name: Option<String>,
    /// Description, if any.
    pub description: Option<String>,
    /// Member user ids in the order they joined.
    pub members: Vec<String>,
    /// Who created the channel (`addedById`), when known.
    pub added_by: Option<String>,
    /// Creation order, used for deterministic rendering.
    pub created_seq: u64,
}

impl Channel {
    /// Whether `user_id` is a member.
    pub fn has_member(&self, user_id: &str) -> bool {
        self.members.iter().any(|m| m == user_id)
    }
}

/// A persisted channel message or thread reply.
#[derive(Clone, PartialEq)]
pub struct Message {
    /// Message id.
    pub id: String,
    /// Workspace id.
    pub workspace_id: String,
    /// Channel the message is in.
    pub channel_id: String,
    /// Author user id.
    pub author: String,
    /// Fallback text.
    pub text: String,
    /// Blocks as posted (a JSON array; empty when none were given).
    pub blocks: Value,
    /// Thread root id when this is a thread reply.
    pub thread_root_id: Option<String>,
    /// Epoch milliseconds (`timestampMilli`).
    pub timestamp_milli: u64,
    /// Global posting order.
    pub seq: u64,
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // No author and no text: privacy rule (see the crate docs).
        f.debug_struct("Message")
            .field("id", &self.id)
            .field("channel_id", &self.channel_id)
            .field("thread_root_id", &self.thread_root_id)
            .field("text", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// Where an ephemeral message came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EphemeralOrigin {
    /// Posted through the REST API with `ephemeral.sendToUsers` (§4.5).
    Api,
    /// The `message` of an app's ack/nack answer to a trigger (§4.2), which
    /// Pumble shows to the acting user.
    TriggerAnswer,
    /// Pumble's own notice that the app did not answer a trigger in time (§4.6).
    AppUnavailable,
}

/// An ephemeral message: shown only to its recipients, never persisted.
#[derive(Clone, PartialEq)]
pub struct Ephemeral {
    /// Ephemeral message id (the `sourceId` of clicks on its buttons).
    pub id: String,
    /// Workspace id.
    pub workspace_id: String,
    /// Channel it is shown in.
    pub channel_id: String,
    /// Thread it is shown in, if posted to a thread.
    pub thread_root_id: Option<String>,
    /// Author user id (the bot for API posts and trigger answers).
    pub author: String,
    /// Users who see it.
    pub recipients: Vec<String>,
    /// Text.
    pub text: String,
    /// Blocks (a JSON array, possibly empty).
    pub blocks: Value,
    /// How it came about.
    pub origin: EphemeralOrigin,
    /// Epoch milliseconds.
    pub timestamp_milli: u64,
    /// Global posting order.
    pub seq: u64,
}

impl fmt::Debug for Ephemeral {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ephemeral")
            .field("id", &self.id)
            .field("channel_id", &self.channel_id)
            .field("origin", &self.origin)
            .field("recipients", &self.recipients.len())
            .field("text", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// A modal an app opened for a user through a trigger answer (§4.3).
#[derive(Clone, PartialEq)]
pub struct OpenModal {
    /// The view id Pumble assigned (echoed as `view.id` on submit/close).
    pub view_id: String,
    /// Workspace id.
    pub workspace_id: String,
    /// The user the modal is open for.
    pub user_id: String,
    /// Channel of the trigger that opened it, if any.
    pub channel_id: Option<String>,
    /// The view as the app sent it, with `id` (and `parentViewId` for pushed
    /// views) filled in.
    pub view: Value,
    /// Global order of opening.
    pub seq: u64,
}

impl OpenModal {
    /// The view's `callbackId`, if present.
    pub fn callback_id(&self) -> Option<&str> {
        self.view.get("callbackId").and_then(Value::as_str)
    }

    /// The view's title text, if present.
    pub fn title(&self) -> Option<&str> {
        self.view
            .get("title")
            .and_then(|t| t.get("text"))
            .and_then(Value::as_str)
    }
}

impl fmt::Debug for OpenModal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenModal")
            .field("view_id", &self.view_id)
            .field("callback_id", &self.callback_id())
            .finish_non_exhaustive()
    }
}
