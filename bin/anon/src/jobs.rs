//! The background jobs: work acknowledged at once and carried out by the
//! bounded [`WorkQueue`](crate::work_queue::WorkQueue) workers.

use std::sync::Arc;

use anon_core::effect::Effect;
use anon_core::flows::ReportCase;
use anon_core::ids::WorkspaceId;
use anon_core::inbound::{SlashCommand, ViewAction};

use crate::bot;
use crate::effects::carry_out;
use crate::flows;
use crate::state::Services;

/// One unit of background work. `Debug` shows no user or body (the core
/// types redact them).
#[derive(Debug)]
pub enum Job {
    /// A slash command (`/anon`, `/anon-block`, `/anon-unblock`, unknown).
    Slash(SlashCommand),
    /// An authorised report: find or create the reports channel, post.
    Report(Box<ReportCase>),
    /// A submitted reply modal.
    ReplySubmit(ViewAction),
    /// Effects already decided (a refused click): notices and audit rows.
    Effects(WorkspaceId, Vec<Effect>),
}

/// Carries out one job.
pub async fn run(services: Arc<Services>, job: Job) {
    match job {
        Job::Slash(command) => flows::slash::run(&services, command).await,
        Job::Report(case) => flows::report::run(&services, *case).await,
        Job::ReplySubmit(action) => flows::reply_submit::run(&services, action).await,
        Job::Effects(workspace, effects) => {
            let bot = bot::load(&services.store, &workspace).await.ok();
            carry_out(&services, bot.as_ref(), effects).await;
        }
    }
}
