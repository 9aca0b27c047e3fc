//! The bound on OAuth code exchanges (`GET /redirect`).
//!
//! Anyone can open `/redirect?code=…` without credentials, and each exchange
//! is a call to Pumble that carries the client secret and holds a blocking
//! thread until Pumble answers or the client times out. So exchanges get a
//! budget of their own, separate from the pacer that message work uses
//! ([`crate::pacer`]): at most [`MAX_CONCURRENT_EXCHANGES`] at a time and at
//! most [`MAX_EXCHANGES_PER_WINDOW`] per [`EXCHANGE_WINDOW`]. A request over
//! either bound is refused at once instead of queued; real installs are rare
//! (one per workspace) and the person installing can simply retry.

use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::{Semaphore, SemaphorePermit};
use tokio::time::Instant;

/// Exchanges in flight at once.
pub const MAX_CONCURRENT_EXCHANGES: usize = 4;

/// Exchanges started per [`EXCHANGE_WINDOW`].
pub const MAX_EXCHANGES_PER_WINDOW: u32 = 30;

/// The window [`MAX_EXCHANGES_PER_WINDOW`] counts in.
pub const EXCHANGE_WINDOW: Duration = Duration::from_secs(60);

/// Why an exchange was not started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum GateRefusal {
    /// [`MAX_CONCURRENT_EXCHANGES`] exchanges are already waiting for Pumble.
    #[error("too many code exchanges in flight")]
    Busy,
    /// The window's exchanges are used up; the next window starts in the
    /// given time.
    #[error("too many code exchanges in the last window")]
    WindowFull {
        /// How long until the window resets.
        retry_after: Duration,
    },
}

/// Counts exchanges in fixed windows and bounds those in flight.
#[derive(Debug)]
pub struct ExchangeGate {
    in_flight: Semaphore,
    per_window: u32,
    window: Duration,
    /// The current window's start and the exchanges started in it.
    started: Mutex<Option<(Instant, u32)>>,
}

impl Default for ExchangeGate {
    fn default() -> ExchangeGate {
        ExchangeGate::new(
            MAX_CONCURRENT_EXCHANGES,
            MAX_EXCHANGES_PER_WINDOW,
            EXCHANGE_WINDOW,
        )
    }
}

impl ExchangeGate {
    /// At most `concurrent` exchanges at once and `per_window` per `window`.
    pub fn new(concurrent: usize, per_window: u32, window: Duration) -> ExchangeGate {
        ExchangeGate {
            in_flight: Semaphore::new(concurrent.max(1)),
            per_window: per_window.max(1),
            window,
            started: Mutex::new(None),
        }
    }

    /// Admits one exchange now, or says why not; the exchange counts as in
    /// flight until the permit is dropped.
    pub fn enter(&self) -> Result<SemaphorePermit<'_>, GateRefusal> {
        self.enter_at(Instant::now())
    }

    fn enter_at(&self, now: Instant) -> Result<SemaphorePermit<'_>, GateRefusal> {
        let permit = self
            .in_flight
            .try_acquire()
            .map_err(|_| GateRefusal::Busy)?;
        let mut started = self
            .started
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (window_start, count) = match *started {
            Some((start, count)) if now.saturating_duration_since(start) < self.window => {
                (start, count)
            }
            _ => (now, 0),
        };
        if count >= self.per_window {
            let retry_after = self
                .window
                .saturating_sub(now.saturating_duration_since(window_start));
            return Err(GateRefusal::WindowFull { retry_after });
        }
        *started = Some((window_start, count + 1));
        Ok(permit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exchanges_in_flight_are_bounded_and_released_on_drop() {
        let gate = ExchangeGate::new(2, 100, Duration::from_secs(60));
        let first = gate.enter().expect("first admitted");
        let _second = gate.enter().expect("second admitted");
        assert_eq!(gate.enter().unwrap_err(), GateRefusal::Busy);
        drop(first);
        assert!(gate.enter().is_ok());
    }

    #[test]
    fn a_window_admits_its_cap_then_refuses_until_the_next_window() {
        let gate = ExchangeGate::new(10, 3, Duration::from_secs(60));
        let start = Instant::now();
        for _ in 0..3 {
            assert!(gate.enter_at(start).is_ok());
        }
        let refused = gate.enter_at(start + Duration::from_secs(20)).unwrap_err();
        assert_eq!(
            refused,
            GateRefusal::WindowFull {
                retry_after: Duration::from_secs(40)
            }
        );
        assert!(gate.enter_at(start + Duration::from_secs(60)).is_ok());
    }
}
