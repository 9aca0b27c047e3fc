//! End-to-end tests: the real anon server on a loopback port against a
//! simulated Pumble workspace, one fresh setup (simulator, server, database)
//! per test so they run in parallel.
//!
//! Bodies carry a marker word unique to each test (`kiwi1`, `lemon2`…) so a
//! test can tell exactly which message went where.

mod denials;
mod fixtures;
mod flows;
mod lifecycle;
mod rate_limits;
mod reliability;
mod reply;
mod report;
mod robustness;

use std::time::Duration;

use pumble_sim::AppResponse;

/// Pumble's deadline for an answer to a trigger (protocol §4.6).
pub const ACK_DEADLINE: Duration = Duration::from_secs(3);

/// Asserts a trigger was answered 2xx well within Pumble's deadline.
#[track_caller]
pub fn assert_acked(answer: &AppResponse) {
    assert!(
        answer.is_success(),
        "expected a 2xx ack, got {} {}",
        answer.status,
        answer.text()
    );
    assert!(
        answer.elapsed < ACK_DEADLINE,
        "ack took {:?}, Pumble gives up after {ACK_DEADLINE:?}",
        answer.elapsed
    );
}

/// The `message` of a nack answer (`400 {"message": …}`), if it is one.
pub fn nack_message(answer: &AppResponse) -> Option<String> {
    answer.json()?.get("message")?.as_str().map(str::to_owned)
}
