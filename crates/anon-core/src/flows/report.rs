//! A report on one anonymous message: reveal its author to the admins.

use crate::audit::{AuditEvent, AuditRecord, Outcome};
use crate::effect::{Effect, Notice, NoticePlace};
use crate::identity::Identity;
use crate::ids::WorkspaceId;
use crate::message::StoredMessage;
use crate::notice_text;
use crate::outbound::OutboundMessage;
use crate::render::report_post;

/// An authorised report, waiting for the reports channel and the post.
///
/// The caller, after acking the click:
/// 1. finds the reports channel id in the store; if there is none, creates
///    one ([`reports_channel`](super::reports_channel)), records its id,
///    posts the intro, and carries out
///    [`channel_created`](super::reports_channel::channel_created); if
///    creation fails, carries out
///    [`channel_setup_failed`](super::reports_channel::channel_setup_failed)
///    and then `finish(ReportOutcome::NoReportsChannel)`;
/// 2. invites [`admins_to_invite`](super::reports_channel::admins_to_invite)
///    (admins who joined later included);
/// 3. posts [`message`](Self::message) to the reports channel;
/// 4. carries out [`finish`](Self::finish) with the result.
#[derive(Debug)]
pub struct ReportCase {
    workspace: WorkspaceId,
    reporter: Identity,
    reported: StoredMessage,
    notice_place: NoticePlace,
    post: OutboundMessage,
}

/// What happened to the report post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportOutcome {
    /// Posted in the reports channel.
    Posted,
    /// There is no reports channel and none could be created.
    NoReportsChannel,
    /// The post failed.
    PostFailed,
}

impl ReportCase {
    pub(crate) fn new(
        workspace: WorkspaceId,
        reporter: Identity,
        reported: StoredMessage,
        notice_place: NoticePlace,
    ) -> Self {
        let post = report_post(&reported, &reporter);
        Self {
            workspace,
            reporter,
            reported,
            notice_place,
            post,
        }
    }

    /// The workspace.
    pub fn workspace(&self) -> &WorkspaceId {
        &self.workspace
    }

    /// The report post for the reports channel.
    pub fn message(&self) -> &OutboundMessage {
        &self.post
    }

    /// Audit (reporter, revealed author, conversation, message), then tell
    /// the reporter what happened (D12: never silent).
    pub fn finish(self, outcome: ReportOutcome) -> Vec<Effect> {
        let (code, text) = match outcome {
            ReportOutcome::Posted => (Outcome::Ok, notice_text::reported()),
            ReportOutcome::NoReportsChannel => (
                Outcome::NoReportsChannel,
                notice_text::refusal(Outcome::NoReportsChannel, false, 0),
            ),
            ReportOutcome::PostFailed => (Outcome::SendFailed, notice_text::report_failed()),
        };
        vec![
            Effect::RecordAudit(
                AuditRecord::new(self.workspace, AuditEvent::Report, code)
                    .with_actor(self.reporter.clone())
                    .with_subject(self.reported.author)
                    .with_conversation(self.reported.conversation)
                    .with_message(self.reported.id),
            ),
            Effect::Notice(Notice {
                to: self.reporter,
                place: self.notice_place,
                text,
            }),
        ]
    }
}
