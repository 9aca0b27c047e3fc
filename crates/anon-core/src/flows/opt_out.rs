//! `/anon-block` and `/anon-unblock`: opting out of anonymous DMs.
//!
//! An opted-out user receives no new anonymous DMs. Replies to anonymous
//! messages they sent still reach them (a reply goes to the author of the
//! message it answers, and is never subject to opt-out). Opting out does
//! not stop them sending. Both commands are idempotent and answered clearly
//! either way.

use crate::audit::{AuditEvent, AuditRecord, Outcome};
use crate::effect::{Effect, Notice, NoticePlace};
use crate::identity::Identity;
use crate::ids::WorkspaceId;
use crate::notice_text;

/// A requested opt-out change, waiting for the store to apply it.
#[derive(Debug)]
pub struct OptOutChange {
    pub(crate) workspace: WorkspaceId,
    pub(crate) user: Identity,
    pub(crate) opt_out: bool,
    pub(crate) notice_place: NoticePlace,
}

impl OptOutChange {
    /// The workspace.
    pub fn workspace(&self) -> &WorkspaceId {
        &self.workspace
    }

    /// The user changing their setting.
    pub fn user(&self) -> &Identity {
        &self.user
    }

    /// `true` to opt out (`/anon-block`), `false` to opt back in.
    pub fn opts_out(&self) -> bool {
        self.opt_out
    }

    fn event(&self) -> AuditEvent {
        if self.opt_out {
            AuditEvent::Block
        } else {
            AuditEvent::Unblock
        }
    }

    fn effects(self, outcome: Outcome, text: String) -> Vec<Effect> {
        let event = self.event();
        vec![
            Effect::RecordAudit(
                AuditRecord::new(self.workspace, event, outcome).with_actor(self.user.clone()),
            ),
            Effect::Notice(Notice {
                to: self.user,
                place: self.notice_place,
                text,
            }),
        ]
    }

    /// Effects once the store applied the change; `changed` is false when
    /// the user was already in the requested state.
    pub fn finish(self, changed: bool) -> Vec<Effect> {
        let outcome = if changed {
            Outcome::Ok
        } else {
            Outcome::Unchanged
        };
        let text = notice_text::opt_out(self.opt_out, changed);
        self.effects(outcome, text)
    }

    /// The store could not apply the change.
    pub fn unavailable(self) -> Vec<Effect> {
        self.effects(Outcome::Unavailable, notice_text::opt_out_unavailable())
    }
}
