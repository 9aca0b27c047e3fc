//! The background jobs: commands acknowledged at once and carried out by the
//! bounded [`WorkQueue`](crate::work_queue::WorkQueue) workers.

use std::sync::Arc;

use anon_core::inbound::{ButtonClick, SlashCommand, ViewAction};

use crate::flows;
use crate::state::Services;

/// One unit of background work. `Debug` shows no user or body (the core
/// types redact them).
#[derive(Debug)]
pub enum Job {
    /// A slash command (`/anon`, `/anon-block`, `/anon-unblock`, unknown).
    Slash(SlashCommand),
    /// A Report button press.
    Report(ButtonClick),
    /// A submitted reply modal.
    ReplySubmit(ViewAction),
}

/// Carries out one job.
pub async fn run(services: Arc<Services>, job: Job) {
    match job {
        Job::Slash(command) => flows::slash::run(&services, command).await,
        Job::Report(click) => flows::report::run(&services, click).await,
        Job::ReplySubmit(action) => flows::reply_submit::run(&services, action).await,
    }
}
