//! Workspace users as the flows need them: who is an admin, who is human.

use crate::ids::{IdError, UserId};

/// A workspace role (pumble-protocol.md §5.4: `OWNER` and `ADMINISTRATOR`;
/// there is no `ADMIN`, D4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// `OWNER`.
    Owner,
    /// `ADMINISTRATOR`.
    Administrator,
    /// `USER`.
    User,
    /// `GUEST_MULTI_CHANNEL` or `GUEST_SINGLE_CHANNEL`.
    Guest,
    /// Anything else.
    Other,
}

impl Role {
    /// Parses Pumble's role string (exact, upper case).
    pub fn parse(raw: &str) -> Self {
        match raw {
            "OWNER" => Role::Owner,
            "ADMINISTRATOR" => Role::Administrator,
            "USER" => Role::User,
            "GUEST_MULTI_CHANNEL" | "GUEST_SINGLE_CHANNEL" => Role::Guest,
            _ => Role::Other,
        }
    }
}

/// One entry of `GET /v1/workspaceUsers`, reduced to what anon decides on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceMember {
    /// The user.
    pub id: UserId,
    /// Their role.
    pub role: Role,
    /// `status` is `ACTIVATED`.
    pub active: bool,
    /// `isPumbleBot` or `isAddonBot`.
    pub bot: bool,
}

impl WorkspaceMember {
    /// Builds a member from the fields of Pumble's `WorkspaceUser`.
    pub fn from_pumble(
        id: &str,
        role: &str,
        status: &str,
        is_pumble_bot: bool,
        is_addon_bot: bool,
    ) -> Result<Self, IdError> {
        Ok(Self {
            id: UserId::parse(id)?,
            role: Role::parse(role),
            active: status == "ACTIVATED",
            bot: is_pumble_bot || is_addon_bot,
        })
    }

    /// An active human with role `OWNER` or `ADMINISTRATOR`.
    pub fn is_active_admin(&self) -> bool {
        self.is_active_human() && matches!(self.role, Role::Owner | Role::Administrator)
    }

    /// An active user that is not a bot.
    pub fn is_active_human(&self) -> bool {
        self.active && !self.bot
    }
}
