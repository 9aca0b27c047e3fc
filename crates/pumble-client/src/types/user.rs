//! Workspace users (pumble-protocol.md §5.4, `WorkspaceUser`).

use std::fmt;

use serde::Deserialize;

use super::wire_enum::wire_enum;

wire_enum! {
    /// A user's role in the workspace. There is no `ADMIN` role string:
    /// administrators are `ADMINISTRATOR` (pumble-protocol.md §9.11).
    Role {
        /// The workspace owner (`OWNER`; undocumented but used by Pumble's
        /// own examples).
        Owner => "OWNER",
        /// An administrator (`ADMINISTRATOR`).
        Administrator => "ADMINISTRATOR",
        /// A full member (`USER`).
        User => "USER",
        /// A guest (`GUEST`, as some sources spell it).
        Guest => "GUEST",
        /// A guest in several channels (`GUEST_MULTI_CHANNEL`).
        GuestMultiChannel => "GUEST_MULTI_CHANNEL",
        /// A guest in one channel (`GUEST_SINGLE_CHANNEL`).
        GuestSingleChannel => "GUEST_SINGLE_CHANNEL",
    }
}

impl Role {
    /// Whether the role administers the workspace (owner or administrator).
    pub fn is_owner_or_administrator(&self) -> bool {
        matches!(self, Self::Owner | Self::Administrator)
    }

    /// Whether the role is one of the guest roles.
    pub fn is_guest(&self) -> bool {
        matches!(
            self,
            Self::Guest | Self::GuestMultiChannel | Self::GuestSingleChannel
        )
    }
}

wire_enum! {
    /// A user's account state.
    UserStatus {
        /// An active account (`ACTIVATED`).
        Activated => "ACTIVATED",
        /// Invited, not yet joined (`INVITED`).
        Invited => "INVITED",
        /// A deactivated account (`DEACTIVATED`).
        Deactivated => "DEACTIVATED",
    }
}

/// A member of the workspace; fields this crate does not expose are
/// accepted and ignored. `Debug` omits the name and email.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WorkspaceUser {
    /// The user id.
    pub id: String,
    /// The workspace, when Pumble says.
    #[serde(default)]
    pub workspace_id: Option<String>,
    /// The display name.
    #[serde(default)]
    pub name: Option<String>,
    /// The email address.
    #[serde(default)]
    pub email: Option<String>,
    /// The role.
    pub role: Role,
    /// The account state, when Pumble says.
    #[serde(default)]
    pub status: Option<UserStatus>,
    /// Whether this is Pumble's own bot.
    #[serde(default)]
    pub is_pumble_bot: bool,
    /// Whether this is an app's bot user.
    #[serde(default)]
    pub is_addon_bot: bool,
}

impl WorkspaceUser {
    /// Whether the user is a bot (Pumble's or an app's).
    pub fn is_bot(&self) -> bool {
        self.is_pumble_bot || self.is_addon_bot
    }

    /// Whether the account is active. An absent status counts as active;
    /// an unknown one does not.
    pub fn is_active(&self) -> bool {
        matches!(self.status, None | Some(UserStatus::Activated))
    }
}

impl fmt::Debug for WorkspaceUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkspaceUser")
            .field("id", &self.id)
            .field("role", &self.role)
            .field("status", &self.status)
            .field("is_pumble_bot", &self.is_pumble_bot)
            .field("is_addon_bot", &self.is_addon_bot)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_role_and_an_unknown_one_decode() {
        let roles: Vec<Role> = serde_json::from_str(
            r#"["OWNER","ADMINISTRATOR","USER","GUEST","GUEST_MULTI_CHANNEL","GUEST_SINGLE_CHANNEL","ADMIN"]"#,
        )
        .expect("role strings always decode");
        assert_eq!(
            roles,
            vec![
                Role::Owner,
                Role::Administrator,
                Role::User,
                Role::Guest,
                Role::GuestMultiChannel,
                Role::GuestSingleChannel,
                Role::Other("ADMIN".to_owned()),
            ]
        );
        let admins: Vec<bool> = roles.iter().map(Role::is_owner_or_administrator).collect();
        assert_eq!(admins, vec![true, true, false, false, false, false, false]);
        let guests: Vec<bool> = roles.iter().map(Role::is_guest).collect();
        assert_eq!(guests, vec![false, false, false, true, true, true, false]);
    }

    #[test]
    fn debug_omits_name_and_email() {
        let user: WorkspaceUser = serde_json::from_value(serde_json::json!({
            "id": "u_carol", "name": "Carol", "email": "carol@example.test",
            "role": "OWNER", "status": "ACTIVATED", "timeFormat": 24
        }))
        .expect("a user with extra fields decodes");
        let debug = format!("{user:?}");
        assert!(debug.contains("u_carol") && debug.contains("Owner"));
        assert!(!debug.contains("Carol") && !debug.contains("example.test"));
        assert!(user.is_active() && !user.is_bot());
    }
}
