//! Report clicks, in the background.

use anon_core::inbound::ButtonClick;

use crate::state::Services;

/// Carries out one report.
pub async fn run(_services: &Services, click: ButtonClick) {
    log::debug!(
        "report in workspace {} not wired yet",
        click.workspace.as_str()
    );
}
