//! Rate-limit policy as data, and the pure decision the store applies inside
//! one transaction.
//!
//! Two limits guard every anonymous send: [`GLOBAL`] per sender, and
//! [`PER_TARGET`] per (sender, target), where the target is the recipient
//! for DMs, the conversation for anonymous DM replies, and the channel for
//! posts and thread replies.
//!
//! A DM reply is counted against its conversation, not against the person
//! it goes to: that person is the anonymous author of the message replied
//! to. Were the reply counted against them, the replier could fill the
//! (sender, author) budget with replies and then try `/anon @suspect`: the
//! one suspect refused with "10 an hour to the same person" would be the
//! author (or, the other way round, send ten DMs to a suspect and see
//! whether the reply is refused).
//! Both are sliding windows: a send is admitted when fewer than `limit`
//! earlier sends happened in the `window_secs` seconds before `now`. Unlike a
//! fixed window reset at the first send (the reference app, D17) that lets
//! up to twice the limit through around a reset.
//!
//! Quota is consumed only for a message that is actually attempted: the
//! core asks for it after every other check passed, and the store consumes
//! both units together or neither ([`QuotaRequest::evaluate`]).

use thiserror::Error;

use crate::identity::Identity;
use crate::ids::{ChannelId, ConversationId, WorkspaceId};

/// One limit: at most `limit` sends in any `window_secs`-second window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaPolicy {
    /// Sends admitted per window.
    pub limit: u32,
    /// Window length in seconds.
    pub window_secs: u64,
}

/// 20 sends per sender per 60 s, across all targets.
pub const GLOBAL: QuotaPolicy = QuotaPolicy {
    limit: 20,
    window_secs: 60,
};

/// 10 sends per (sender, target) per 3600 s.
pub const PER_TARGET: QuotaPolicy = QuotaPolicy {
    limit: 10,
    window_secs: 3600,
};

impl QuotaPolicy {
    /// Earliest unix second still inside the window ending at `now`: sends at
    /// or after this instant count against the limit.
    pub fn window_start(self, now_unix_secs: u64) -> u64 {
        match now_unix_secs.checked_sub(self.window_secs) {
            Some(before_window) => before_window.saturating_add(1),
            None => 0,
        }
    }

    /// True when one more send fits, given how many sends are already in the
    /// window.
    pub fn admits(self, sends_in_window: u32) -> bool {
        sends_in_window < self.limit
    }
}

/// What the per-target limit is counted against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuotaTarget {
    /// The recipient of a DM sent with `/anon @user`.
    User(Identity),
    /// The conversation of an anonymous DM reply (whose recipient is an
    /// anonymous author, and must not share a budget with DMs to a named
    /// user).
    Conversation(ConversationId),
    /// The channel of a post or thread reply (threads share their channel's
    /// budget).
    Channel(ChannelId),
}

impl QuotaTarget {
    /// A stable string naming the target, for the store to key (and hash)
    /// its counters: `user:<id>`, `conversation:<id>` or `channel:<id>`. May
    /// contain a user id, so it must not be logged.
    pub fn expose_key(&self) -> String {
        match self {
            QuotaTarget::User(user) => format!("user:{}", user.expose_user_id().as_str()),
            QuotaTarget::Conversation(conversation) => {
                format!("conversation:{}", conversation.as_str())
            }
            QuotaTarget::Channel(channel) => format!("channel:{}", channel.as_str()),
        }
    }
}

/// Which limit refused a send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum QuotaDenied {
    /// The sender's limit across all targets.
    #[error("global send limit reached")]
    Global,
    /// The sender's limit for this target.
    #[error("per-target send limit reached")]
    Target,
}

/// The quota one attempted send needs: one unit of [`GLOBAL`] for the sender
/// and one of [`PER_TARGET`] for (sender, target).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaRequest {
    /// Workspace the counters belong to.
    pub workspace: WorkspaceId,
    /// The sender (redacted in `Debug`).
    pub sender: Identity,
    /// The target of the per-target limit.
    pub target: QuotaTarget,
    /// The sender-wide policy, [`GLOBAL`].
    pub global: QuotaPolicy,
    /// The per-target policy, [`PER_TARGET`].
    pub per_target: QuotaPolicy,
}

impl QuotaRequest {
    /// The decision the store applies inside one transaction: given the
    /// sends already counted in each window (see
    /// [`QuotaPolicy::window_start`]), `Ok` means "record one send in both
    /// counters now", an error means "record nothing". The global limit is
    /// checked first.
    pub fn evaluate(&self, global_sends: u32, target_sends: u32) -> Result<(), QuotaDenied> {
        if !self.global.admits(global_sends) {
            return Err(QuotaDenied::Global);
        }
        if !self.per_target.admits(target_sends) {
            return Err(QuotaDenied::Target);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{ConversationId, UserId};

    fn request() -> QuotaRequest {
        QuotaRequest {
            workspace: WorkspaceId::parse("ws_1").expect("valid"),
            sender: Identity::new(UserId::parse("u_alice").expect("valid")),
            target: QuotaTarget::Channel(ChannelId::parse("ch_general").expect("valid")),
            global: GLOBAL,
            per_target: PER_TARGET,
        }
    }

    #[test]
    fn policy_is_twenty_a_minute_and_ten_an_hour() {
        assert_eq!((GLOBAL.limit, GLOBAL.window_secs), (20, 60));
        assert_eq!((PER_TARGET.limit, PER_TARGET.window_secs), (10, 3600));
    }

    #[test]
    fn exactly_limit_sends_fit_in_a_window() {
        assert!(GLOBAL.admits(19));
        assert!(!GLOBAL.admits(20));
        assert!(PER_TARGET.admits(9));
        assert!(!PER_TARGET.admits(10));
    }

    #[test]
    fn window_covers_the_last_window_secs_seconds() {
        // now = 1000: sends at 941..=1000 count (60 seconds).
        assert_eq!(GLOBAL.window_start(1000), 941);
        assert_eq!(GLOBAL.window_start(10), 0);
    }

    #[test]
    fn global_is_checked_before_target_and_both_or_neither() {
        let req = request();
        assert_eq!(req.evaluate(0, 0), Ok(()));
        assert_eq!(req.evaluate(20, 10), Err(QuotaDenied::Global));
        assert_eq!(req.evaluate(20, 0), Err(QuotaDenied::Global));
        assert_eq!(req.evaluate(19, 10), Err(QuotaDenied::Target));
    }

    #[test]
    fn target_key_names_its_kind() {
        assert_eq!(request().target.expose_key(), "channel:ch_general");
        let user = QuotaTarget::User(Identity::new(UserId::parse("u_bob").expect("valid")));
        assert_eq!(user.expose_key(), "user:u_bob");
        let conversation = QuotaTarget::Conversation(ConversationId::from_random_bytes([1; 16]));
        assert_eq!(
            conversation.expose_key(),
            "conversation:01010101010101010101010101010101"
        );
        assert!(!format!("{user:?}").contains("u_bob"));
    }
}
