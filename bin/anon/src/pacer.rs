//! Paces outbound calls to Pumble below its app-wide rate limit
//! (pumble-protocol.md §8: 3 000 requests per minute per app; beyond it
//! Pumble answers 429).
//!
//! A generic cell rate algorithm: calls are spaced `interval` apart on
//! average, with bursts of up to `burst` calls at once. A caller over the rate
//! waits (asynchronously) for its slot instead of being refused, so a flood of
//! commands slows the background queue down — which then fills and answers
//! new commands "busy" at once — rather than drawing 429s from Pumble. It also
//! bounds the CPU the background work can take from the request path.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Calls per second by default: below Pumble's 50 per second (3 000 a
/// minute), leaving room for the calls that make two requests (a DM lookup
/// followed by its creation; a channel with its member list).
pub const DEFAULT_CALLS_PER_SECOND: u32 = 40;

/// The rate limiter.
#[derive(Debug)]
pub struct Pacer {
    interval: Duration,
    tolerance: Duration,
    /// When the next call would be due if calls came exactly at the rate.
    theoretical_arrival: Mutex<Option<Instant>>,
}

impl Pacer {
    /// At most `per_second` calls a second on average, `burst` at once.
    pub fn new(per_second: u32, burst: u32) -> Pacer {
        let interval = Duration::from_secs(1) / per_second.max(1);
        Pacer {
            interval,
            tolerance: interval * burst.max(1).saturating_sub(1),
            theoretical_arrival: Mutex::new(None),
        }
    }

    /// Reserves the next slot and returns how long to wait for it.
    pub(crate) fn reserve(&self, now: Instant) -> Duration {
        let mut arrival = self
            .theoretical_arrival
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let start = arrival.map_or(now, |due| due.max(now));
        *arrival = Some(start + self.interval);
        let allowed_at = start.checked_sub(self.tolerance).unwrap_or(now);
        allowed_at.saturating_duration_since(now)
    }

    /// Waits until a call may go out.
    pub async fn acquire(&self) {
        let wait = self.reserve(Instant::now());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_at_once_then_calls_are_spaced() {
        let pacer = Pacer::new(10, 3);
        let now = Instant::now();
        assert_eq!(pacer.reserve(now), Duration::ZERO);
        assert_eq!(pacer.reserve(now), Duration::ZERO);
        assert_eq!(pacer.reserve(now), Duration::ZERO);
        assert_eq!(pacer.reserve(now), Duration::from_millis(100));
        assert_eq!(pacer.reserve(now), Duration::from_millis(200));
    }

    #[test]
    fn idle_time_refills_the_burst_but_not_beyond_it() {
        let pacer = Pacer::new(10, 2);
        let start = Instant::now();
        for _ in 0..2 {
            pacer.reserve(start);
        }
        let later = start + Duration::from_secs(10);
        assert_eq!(pacer.reserve(later), Duration::ZERO);
        assert_eq!(pacer.reserve(later), Duration::ZERO);
        assert_eq!(pacer.reserve(later), Duration::from_millis(100));
    }
}
