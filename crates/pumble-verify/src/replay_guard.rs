//! Remembers recently verified requests so an exact repeat can be refused.
//!
//! Only requests that passed the signature check are recorded, so the memory
//! used is bounded by the authentic traffic within one window and, in any case,
//! by the configured capacity. Entries are forgotten once their timestamp has
//! left the window: from then on the window check refuses the request anyway.

use std::collections::{BTreeSet, HashSet};
use std::fmt;
use std::sync::{Mutex, PoisonError};

use crate::timestamp::RequestTimestamp;
use crate::Rejection;

/// One request as the guard knows it: its timestamp and its decoded signature.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct SeenRequest {
    pub(crate) timestamp: RequestTimestamp,
    pub(crate) signature: [u8; 32],
}

/// The set of requests seen within the window, bounded by a capacity.
pub(crate) struct ReplayGuard {
    capacity: usize,
    ledger: Mutex<Ledger>,
}

#[derive(Default)]
struct Ledger {
    seen: HashSet<SeenRequest>,
    /// The same entries ordered by the instant (ms since the epoch) after
    /// which they can be forgotten.
    by_expiry: BTreeSet<(u128, SeenRequest)>,
}

impl ReplayGuard {
    pub(crate) fn new(capacity: usize) -> Self {
        ReplayGuard {
            capacity,
            ledger: Mutex::new(Ledger::default()),
        }
    }

    /// Records `request` unless it was seen before. `forget_after_ms` is the
    /// instant (ms since the epoch) after which the window check would refuse
    /// the request; `now_ms` is the current instant.
    pub(crate) fn check_and_record(
        &self,
        request: SeenRequest,
        forget_after_ms: u128,
        now_ms: u128,
    ) -> Result<(), Rejection> {
        // No code below panics while holding the lock, so a poisoned lock can
        // only come from a panic elsewhere; the ledger is still consistent.
        let mut ledger = self.ledger.lock().unwrap_or_else(PoisonError::into_inner);
        ledger.forget_expired(now_ms);
        if ledger.seen.contains(&request) {
            return Err(Rejection::Replayed);
        }
        if ledger.seen.len() >= self.capacity {
            // Refuse rather than forget a live entry: forgetting would let a
            // recorded request be replayed.
            return Err(Rejection::ReplayGuardFull);
        }
        ledger.seen.insert(request);
        ledger.by_expiry.insert((forget_after_ms, request));
        Ok(())
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.ledger
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .seen
            .len()
    }
}

impl Ledger {
    fn forget_expired(&mut self, now_ms: u128) {
        while let Some(&(expiry, request)) = self.by_expiry.first() {
            if expiry >= now_ms {
                break;
            }
            self.by_expiry.pop_first();
            self.seen.remove(&request);
        }
    }
}

impl fmt::Debug for ReplayGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplayGuard")
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(ts: &[u8], tag: u8) -> SeenRequest {
        SeenRequest {
            timestamp: RequestTimestamp::parse(ts).expect("digits"),
            signature: [tag; 32],
        }
    }

    #[test]
    fn repeat_is_refused_and_distinct_requests_pass() {
        let guard = ReplayGuard::new(10);
        let first = request(b"1000", 1);
        assert_eq!(guard.check_and_record(first, 2000, 1000), Ok(()));
        assert_eq!(
            guard.check_and_record(first, 2000, 1001),
            Err(Rejection::Replayed)
        );
        assert_eq!(
            guard.check_and_record(request(b"1000", 2), 2000, 1001),
            Ok(())
        );
        assert_eq!(
            guard.check_and_record(request(b"1001", 1), 2000, 1001),
            Ok(())
        );
    }

    #[test]
    fn expired_entries_are_forgotten() {
        let guard = ReplayGuard::new(10);
        assert_eq!(guard.check_and_record(request(b"1", 1), 500, 100), Ok(()));
        assert_eq!(guard.check_and_record(request(b"2", 2), 900, 100), Ok(()));
        assert_eq!(guard.len(), 2);
        assert_eq!(guard.check_and_record(request(b"3", 3), 1500, 600), Ok(()));
        assert_eq!(guard.len(), 2, "the entry expiring at 500 is gone at 600");
    }

    #[test]
    fn full_guard_refuses_until_entries_expire() {
        let guard = ReplayGuard::new(2);
        assert_eq!(guard.check_and_record(request(b"1", 1), 500, 0), Ok(()));
        assert_eq!(guard.check_and_record(request(b"1", 2), 800, 0), Ok(()));
        assert_eq!(
            guard.check_and_record(request(b"1", 3), 800, 10),
            Err(Rejection::ReplayGuardFull)
        );
        assert_eq!(guard.check_and_record(request(b"1", 3), 800, 501), Ok(()));
        assert_eq!(guard.len(), 2);
    }
}
