//! Who may act on an anonymous message (DESIGN rule 1, D9).

use crate::audit::Outcome;
use crate::identity::Identity;
use crate::ids::ChannelId;
use crate::message::{Placement, StoredMessage};

/// What the actor wants to do with the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Intent {
    Reply,
    Report,
}

/// Checks that `actor`, acting from `channel` (when Pumble said), may reply
/// to or report `message`:
///
/// * a DM: only its recipient; and when both the click's channel and the
///   DM's channel are known, they must match;
/// * a channel post or thread reply: only from its own channel (a missing
///   channel is refused, failing closed) when `channel_required`;
/// * never the message's own author (self-reply, self-report).
///
/// Visibility is checked before authorship, so a stranger learns nothing
/// about who wrote what.
pub(crate) fn authorize(
    message: &StoredMessage,
    actor: &Identity,
    channel: Option<&ChannelId>,
    channel_required: bool,
    intent: Intent,
) -> Result<(), Outcome> {
    match &message.placement {
        Placement::Direct { recipient } => {
            if recipient != actor {
                return Err(Outcome::NotRecipient);
            }
            let delivered_in = message.delivery.as_ref().map(|d| &d.channel);
            if let (Some(clicked), Some(delivered)) = (channel, delivered_in) {
                if clicked != delivered {
                    return Err(Outcome::WrongChannel);
                }
            }
        }
        Placement::Channel { channel: own } | Placement::Thread { channel: own, .. } => {
            match channel {
                Some(clicked) if clicked != own => return Err(Outcome::WrongChannel),
                None if channel_required => return Err(Outcome::WrongChannel),
                _ => {}
            }
        }
    }
    if &message.author == actor {
        return Err(match intent {
            Intent::Reply => Outcome::SelfReply,
            Intent::Report => Outcome::SelfReport,
        });
    }
    Ok(())
}
