//! Bounded polling for work the server finishes in the background.

use std::time::{Duration, Instant};

/// How often a condition is checked again.
const POLL_EVERY: Duration = Duration::from_millis(10);

/// A condition did not come true before its deadline.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("timed out after {waited:?} waiting for {what}")]
pub struct TimedOut {
    /// What was awaited (a description written by the test).
    pub what: String,
    /// How long it waited.
    pub waited: Duration,
}

/// Calls `check` every 10 ms until it returns `Some`, and returns that value;
/// gives up after `timeout`. `what` names the awaited state in the error.
pub fn wait_until<T>(
    what: &str,
    timeout: Duration,
    mut check: impl FnMut() -> Option<T>,
) -> Result<T, TimedOut> {
    let started = Instant::now();
    loop {
        if let Some(value) = check() {
            return Ok(value);
        }
        let waited = started.elapsed();
        if waited >= timeout {
            return Err(TimedOut {
                what: what.to_owned(),
                waited,
            });
        }
        std::thread::sleep(POLL_EVERY.min(timeout - waited));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returns_the_first_value_the_check_yields() {
        let mut calls = 0;
        let value = wait_until("third call", Duration::from_secs(1), || {
            calls += 1;
            (calls == 3).then_some(calls)
        });
        assert_eq!(value, Ok(3));
    }

    #[test]
    fn gives_up_at_the_deadline_and_names_what_it_waited_for() {
        let started = Instant::now();
        let error = wait_until("never", Duration::from_millis(50), || None::<()>).unwrap_err();
        assert!(started.elapsed() >= Duration::from_millis(50));
        assert!(started.elapsed() < Duration::from_secs(1));
        assert_eq!(error.what, "never");
    }
}
