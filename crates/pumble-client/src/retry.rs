//! When a GET may be tried again, and how long to wait first.
//!
//! Only idempotent reads are retried, and only when Pumble says "not now"
//! (`429 Too Many Requests`, `503 Service Unavailable`). Posts are never
//! retried: a duplicate message is worse than a clear failure.

use std::time::Duration;

/// How GETs answered with 429 or 503 are retried.
///
/// A retry waits for the answer's `Retry-After` (in seconds), or, when the
/// answer has none, for `fallback_delay` doubled on each attempt. A retry is
/// made only while the total waiting stays within `max_total_wait`; when
/// `Retry-After` asks for more, the client gives up at once and reports it in
/// [`ClientError::RateLimited`](crate::ClientError::RateLimited).
///
/// ```
/// use std::time::Duration;
/// use pumble_client::RetryPolicy;
///
/// let default = RetryPolicy::default();
/// assert_eq!(default.max_retries, 2);
/// assert_eq!(default.max_total_wait, Duration::from_secs(2));
/// assert_eq!(RetryPolicy::none().max_retries, 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 disables retrying).
    pub max_retries: u32,
    /// Total time the client may spend waiting between attempts of one call.
    pub max_total_wait: Duration,
    /// First wait when the answer carries no usable `Retry-After`.
    pub fallback_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 2,
            max_total_wait: Duration::from_secs(2),
            fallback_delay: Duration::from_millis(250),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            max_total_wait: Duration::ZERO,
            fallback_delay: Duration::ZERO,
        }
    }

    /// The wait before retry number `retries_done + 1`, or `None` when the
    /// policy says to give up. `waited` is the time already spent waiting.
    pub(crate) fn next_wait(
        &self,
        retries_done: u32,
        waited: Duration,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        if retries_done >= self.max_retries {
            return None;
        }
        let wait = retry_after.unwrap_or_else(|| {
            self.fallback_delay
                .saturating_mul(2u32.saturating_pow(retries_done))
        });
        (waited.saturating_add(wait) <= self.max_total_wait).then_some(wait)
    }
}

/// Whether an answer with this status may be retried (for a GET).
pub(crate) fn is_retryable_status(status: u16) -> bool {
    status == 429 || status == 503
}

/// Parses a `Retry-After` value given in seconds (RFC 9110 §10.2.3).
///
/// The HTTP-date form is not understood and yields `None`, as does anything
/// malformed; the caller then falls back to its own delay.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if value.is_empty() || !value.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    value.parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_accepts_delta_seconds_only() {
        assert_eq!(parse_retry_after("0"), Some(Duration::ZERO));
        assert_eq!(parse_retry_after(" 3 "), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("1.5"), None);
        assert_eq!(parse_retry_after(""), None);
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("99999999999999999999999"), None);
    }

    #[test]
    fn waits_follow_retry_after_within_budget() {
        let policy = RetryPolicy::default();
        let one = Some(Duration::from_secs(1));
        assert_eq!(
            policy.next_wait(0, Duration::ZERO, one),
            Some(Duration::from_secs(1))
        );
        assert_eq!(
            policy.next_wait(1, Duration::from_secs(1), one),
            Some(Duration::from_secs(1))
        );
        // Budget of retries used up.
        assert_eq!(policy.next_wait(2, Duration::from_secs(2), one), None);
        // Retry-After beyond the total wait budget: give up at once.
        assert_eq!(
            policy.next_wait(0, Duration::ZERO, Some(Duration::from_secs(3))),
            None
        );
    }

    #[test]
    fn absurd_retry_after_values_never_make_a_get_wait_past_the_budget() {
        let policy = RetryPolicy::default();
        for value in [
            "18446744073709551615",
            "86400",
            "3",
            "1, 1",
            "+1",
            "1e3",
            "١",
        ] {
            let retry_after = parse_retry_after(value);
            let wait = policy.next_wait(0, Duration::ZERO, retry_after);
            assert!(
                wait.is_none_or(|wait| wait <= policy.max_total_wait),
                "{value:?} gave {wait:?}"
            );
        }
        assert_eq!(
            parse_retry_after("18446744073709551615"),
            Some(Duration::from_secs(u64::MAX))
        );
        assert_eq!(parse_retry_after("1, 1"), None);
        assert_eq!(parse_retry_after("١"), None);
        // Doubling a huge fallback saturates instead of overflowing.
        let huge = RetryPolicy {
            max_retries: 100,
            max_total_wait: Duration::MAX,
            fallback_delay: Duration::from_secs(u64::MAX / 2),
        };
        assert_eq!(
            huge.next_wait(90, Duration::ZERO, None),
            Some(Duration::MAX)
        );
    }

    #[test]
    fn fallback_delay_doubles() {
        let policy = RetryPolicy::default();
        assert_eq!(
            policy.next_wait(0, Duration::ZERO, None),
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            policy.next_wait(1, Duration::from_millis(250), None),
            Some(Duration::from_millis(500))
        );
    }

    #[test]
    fn none_never_retries() {
        assert_eq!(
            RetryPolicy::none().next_wait(0, Duration::ZERO, Some(Duration::ZERO)),
            None
        );
    }

    #[test]
    fn only_429_and_503_are_retryable() {
        assert!(is_retryable_status(429));
        assert!(is_retryable_status(503));
        for status in [400, 401, 403, 404, 500, 502, 504] {
            assert!(!is_retryable_status(status));
        }
    }
}
