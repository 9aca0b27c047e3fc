//! Facts about a channel that decide whether an anonymous post there would
//! still be anonymous (D6).

use std::collections::HashSet;

use crate::ids::UserId;
use crate::workspace_member::WorkspaceMember;

/// Fewest human members a channel needs for an anonymous post in it: with
/// two, the other person knows who wrote it.
pub const MIN_HUMAN_MEMBERS: u32 = 3;

/// A channel's `channelType` (pumble-protocol.md §5.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelType {
    /// `PUBLIC`.
    Public,
    /// `PRIVATE`.
    Private,
    /// `DIRECT` (one-to-one or group DM).
    Direct,
    /// `SELF` (a user's notes to self).
    SelfNotes,
    /// Anything else.
    Other,
}

impl ChannelType {
    /// Parses Pumble's `channelType`.
    pub fn parse(raw: &str) -> Self {
        match raw {
            "PUBLIC" => ChannelType::Public,
            "PRIVATE" => ChannelType::Private,
            "DIRECT" => ChannelType::Direct,
            "SELF" => ChannelType::SelfNotes,
            _ => ChannelType::Other,
        }
    }

    /// Public and private channels are the only places anonymous posts may
    /// go.
    pub fn allows_anonymous_posts(self) -> bool {
        matches!(self, ChannelType::Public | ChannelType::Private)
    }
}

/// What the caller found out about the channel of a post or thread reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelFacts {
    /// Its type.
    pub channel_type: ChannelType,
    /// Active human members (bots, deactivated users and unknown ids not
    /// counted); see [`count_human_members`].
    pub human_members: u32,
}

/// How many of `members` (the channel's `users`) are active humans
/// according to `users` (the workspace user list). Ids missing from the list
/// are not counted, and an id listed twice (in either list) counts once, so
/// doubt makes the count smaller, never larger.
pub fn count_human_members(members: &[UserId], users: &[WorkspaceMember]) -> u32 {
    let active_humans: HashSet<&UserId> = users
        .iter()
        .filter(|user| user.is_active_human())
        .map(|user| &user.id)
        .collect();
    // A user listed twice in the workspace list, once active and once not,
    // is not trusted to be active.
    let doubtful: HashSet<&UserId> = users
        .iter()
        .filter(|user| !user.is_active_human())
        .map(|user| &user.id)
        .collect();
    let counted: HashSet<&UserId> = members
        .iter()
        .filter(|member| active_humans.contains(member) && !doubtful.contains(member))
        .collect();
    u32::try_from(counted.len()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: &str, status: &str, bot: bool) -> WorkspaceMember {
        WorkspaceMember::from_pumble(id, "USER", status, false, bot).expect("valid id")
    }

    #[test]
    fn only_active_humans_count() {
        let users = vec![
            member("u_alice", "ACTIVATED", false),
            member("u_bob", "ACTIVATED", false),
            member("u_frank", "DEACTIVATED", false),
            member("u_anonbot", "ACTIVATED", true),
        ];
        let ids = |raw: &[&str]| -> Vec<UserId> {
            raw.iter()
                .map(|r| UserId::parse(r).expect("valid"))
                .collect()
        };
        assert_eq!(
            count_human_members(
                &ids(&["u_alice", "u_bob", "u_frank", "u_anonbot", "u_ghost"]),
                &users
            ),
            2
        );
        assert_eq!(count_human_members(&[], &users), 0);
    }

    #[test]
    fn repeated_ids_count_once_and_doubt_never_adds() {
        let users = vec![
            member("u_alice", "ACTIVATED", false),
            member("u_bob", "ACTIVATED", false),
            member("u_carol", "ACTIVATED", false),
            member("u_carol", "DEACTIVATED", false),
        ];
        let ids = |raw: &[&str]| -> Vec<UserId> {
            raw.iter()
                .map(|r| UserId::parse(r).expect("valid"))
                .collect()
        };
        // A two-person channel whose member list repeats one of them is
        // still two people: an anonymous post there would not be anonymous.
        let repeated = ids(&["u_alice", "u_alice", "u_bob", "u_bob"]);
        assert_eq!(count_human_members(&repeated, &users), 2);
        assert!(count_human_members(&repeated, &users) < MIN_HUMAN_MEMBERS);
        // Listed both active and deactivated: not counted.
        assert_eq!(
            count_human_members(&ids(&["u_alice", "u_bob", "u_carol"]), &users),
            2
        );
    }

    #[test]
    fn channel_types_parse() {
        assert_eq!(ChannelType::parse("PUBLIC"), ChannelType::Public);
        assert_eq!(ChannelType::parse("DIRECT"), ChannelType::Direct);
        assert_eq!(ChannelType::parse("SELF"), ChannelType::SelfNotes);
        assert_eq!(ChannelType::parse("public"), ChannelType::Other);
        assert!(!ChannelType::Direct.allows_anonymous_posts());
        assert!(ChannelType::Private.allows_anonymous_posts());
    }
}
