//! Retention (DESIGN.md): every 6 hours, and once at start, delete what is
//! past its time — messages and audit after 90 days, unused OAuth states
//! after a day, rate-limit units out of every window (the store's
//! [`RetentionPolicy`]). Failures are logged and retried next time.

use std::time::Duration;

use anon_store::{RetentionPolicy, Store};
use tokio::task::JoinHandle;

use crate::clock::unix_now;

/// How often the purge runs.
pub const EVERY: Duration = Duration::from_secs(6 * 60 * 60);

/// Runs one purge now.
pub async fn purge_once(store: &Store) {
    match store
        .purge_expired(unix_now(), &RetentionPolicy::default())
        .await
    {
        // The report holds row counts only.
        Ok(report) => log::info!("retention: purged {report:?}"),
        Err(error) => log::error!("retention: purge failed: {error}"),
    }
}

/// Starts the timer on the current runtime: a purge at once, then one every
/// `every`. Abort the returned task to stop it.
pub fn start(store: Store, every: Duration) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        // A late tick (suspended machine) runs once, not in a burst.
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            ticks.tick().await;
            purge_once(&store).await;
        }
    })
}
