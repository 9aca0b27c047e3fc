//! The private reports channel: created by the app and recorded by id,
//! never adopted by name (D5); every active owner and administrator is a
//! member, including those who became admins later (D4).

use crate::audit::{AuditEvent, AuditRecord, Outcome};
use crate::effect::Effect;
use crate::ids::{ChannelId, UserId, WorkspaceId};
use crate::outbound::OutboundMessage;
use crate::render::reports_channel_intro;
use crate::workspace_member::WorkspaceMember;

/// Base name of the reports channel.
pub const BASE_NAME: &str = "anon-reports";

/// Attempts at a free channel name before giving up.
pub const NAME_ATTEMPTS: u32 = 5;

/// What to create with `POST /v1/channels`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelSpec {
    /// Channel name.
    pub name: String,
    /// Channel description (at most 250 characters).
    pub description: &'static str,
    /// Always `PRIVATE`.
    pub channel_type: &'static str,
}

/// The channel to create on attempt `attempt` (0-based): `anon-reports`,
/// then `anon-reports-2`, `anon-reports-3`, … when a name is taken. A
/// channel that already has the name is never adopted.
pub fn channel_spec(attempt: u32) -> ChannelSpec {
    let name = match attempt {
        0 => BASE_NAME.to_owned(),
        n => format!("{BASE_NAME}-{}", n.saturating_add(1)),
    };
    ChannelSpec {
        name,
        description: "Reports of anonymous messages. Each report reveals the author of one \
                      message. Members: workspace owners and administrators.",
        channel_type: "PRIVATE",
    }
}

/// The first post in a newly created reports channel.
pub fn intro_message() -> OutboundMessage {
    reports_channel_intro()
}

/// Active, human owners and administrators from `users` who are not yet in
/// `current_members`, in the order listed.
pub fn admins_to_invite(users: &[WorkspaceMember], current_members: &[UserId]) -> Vec<UserId> {
    users
        .iter()
        .filter(|user| user.is_active_admin() && !current_members.contains(&user.id))
        .map(|user| user.id.clone())
        .collect()
}

/// Audit of a created reports channel.
pub fn channel_created(workspace: WorkspaceId, channel: ChannelId) -> Vec<Effect> {
    vec![Effect::RecordAudit(
        AuditRecord::new(workspace, AuditEvent::ReportsChannel, Outcome::Created)
            .with_channel(channel),
    )]
}

/// Audit of a failed reports channel setup.
pub fn channel_setup_failed(workspace: WorkspaceId) -> Vec<Effect> {
    vec![Effect::RecordAudit(AuditRecord::new(
        workspace,
        AuditEvent::ReportsChannel,
        Outcome::SetupFailed,
    ))]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_never_reuse_an_existing_channel() {
        assert_eq!(channel_spec(0).name, "anon-reports");
        assert_eq!(channel_spec(1).name, "anon-reports-2");
        assert_eq!(channel_spec(4).name, "anon-reports-5");
        assert_eq!(channel_spec(0).channel_type, "PRIVATE");
        assert!(channel_spec(0).description.chars().count() <= 250);
    }
}
