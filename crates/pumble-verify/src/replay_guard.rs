//! Remembers recently verified requests so an exact repeat can be refused.
//!
//! Only requests that passed the signature check are recorded, so the memory
//! used is bounded by the authentic traffic within one window and, in any case,
//! by the configured capacity. Entries are forgotten once their timestamp has
//! left the window: from then on the window check refuses the request anyway.
//!
//! **Layout.** A request is remembered as the first 8 bytes of its HMAC tag,
//! filed under the 100 ms slice ([`BUCKET_MS`]) of its timestamp. A replay
//! carries the same timestamp and the same tag, so it is looked up in exactly
//! one bucket. The tag already covers the timestamp (it is a MAC over
//! `timestamp ":" body`) and nobody without the signing secret can choose it,
//! so a new request is mistaken for a replay only when its 64-bit prefix
//! equals one of the others filed under the same slice: with 10 000 requests
//! in that slice, a 2^-50 chance (one wrongly refused request in about
//! 10^15). Nothing an attacker sends can raise it: only verified requests are
//! filed. Buckets leave whole, oldest first, when their slice leaves the
//! window, so no per-entry expiry or ordering index is kept.
//!
//! **Why 100 ms.** The bucket being filled is the one every request writes
//! to, at a random place (the digest is its own hash). At a busy server's
//! rate a bucket of a whole second is a table of a megabyte or more, and each
//! insert misses the CPU's caches; a tenth of that stays in them. A new
//! bucket is created at the size of the newest one, so at a steady rate it
//! never grows (a growth rehashes the whole table).
//!
//! **Memory.** Each entry costs one hash-table slot (8 bytes and a control
//! byte) at a load factor between 7/16 and 7/8 — about 10–21 bytes — and
//! each bucket in use about 120 bytes more; live timestamps span about ten
//! minutes, so at most about 6 000 buckets (0.7 MiB). 200 000 entries stay
//! under about 5 MiB.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Mutex, PoisonError};

use crate::Rejection;

/// The part of a request's tag the guard keeps.
pub(crate) const DIGEST_LEN: usize = 8;

/// The span of timestamps one bucket holds, in milliseconds (see the
/// module's notes).
const BUCKET_MS: u64 = 100;

/// The set of requests seen within the window, bounded by a capacity.
pub(crate) struct ReplayGuard {
    capacity: usize,
    /// How long after its timestamp a request can still pass the window check
    /// (the window plus slack), in milliseconds.
    keep_ms: u128,
    ledger: Mutex<Ledger>,
}

#[derive(Default)]
struct Ledger {
    /// Tag digests by the [`BUCKET_MS`] slice (since the epoch) of their
    /// timestamp.
    by_slice: BTreeMap<u64, HashSet<u64, BuildHasherDefault<TagHasher>>>,
    /// Entries across all buckets.
    len: usize,
}

impl ReplayGuard {
    /// A guard holding at most `capacity` requests, each kept for `keep_ms`
    /// after its timestamp.
    pub(crate) fn new(capacity: usize, keep_ms: u128) -> Self {
        ReplayGuard {
            capacity,
            keep_ms,
            ledger: Mutex::new(Ledger::default()),
        }
    }

    /// Records the request with timestamp `timestamp_ms` (ms since the epoch)
    /// and HMAC tag `tag` unless it was seen before. `now_ms` is the current
    /// instant.
    pub(crate) fn check_and_record(
        &self,
        timestamp_ms: u128,
        tag: &[u8],
        now_ms: u128,
    ) -> Result<(), Rejection> {
        // 64-bit arithmetic from here on (a 128-bit division is a library
        // call); a millisecond count past u64 is years beyond any window.
        let slice = u64::try_from(timestamp_ms).unwrap_or(u64::MAX) / BUCKET_MS;
        let digest = digest(tag);
        // No code below panics while holding the lock, so a poisoned lock can
        // only come from a panic elsewhere; the ledger is still consistent.
        let mut ledger = self.ledger.lock().unwrap_or_else(PoisonError::into_inner);
        ledger.forget_expired(
            u64::try_from(now_ms).unwrap_or(u64::MAX),
            u64::try_from(self.keep_ms).unwrap_or(u64::MAX),
        );
        if ledger.len >= self.capacity {
            // Refuse rather than forget a live entry: forgetting would let a
            // recorded request be replayed. Nothing is added, not even an
            // empty bucket.
            let replayed = ledger
                .by_slice
                .get(&slice)
                .is_some_and(|bucket| bucket.contains(&digest));
            return Err(if replayed {
                Rejection::Replayed
            } else {
                Rejection::ReplayGuardFull
            });
        }
        // One look-up of the bucket and one probe of its table: the insert
        // itself says whether the digest was there.
        let ledger = &mut *ledger;
        let fresh = match ledger.by_slice.get_mut(&slice) {
            Some(bucket) => bucket.insert(digest),
            None => {
                // A new bucket is sized like the newest one so far, so that
                // at a steady rate it never grows (each growth rehashes it).
                let expected = ledger
                    .by_slice
                    .last_key_value()
                    .map_or(0, |(_, newest)| newest.len())
                    .min(self.capacity - ledger.len);
                let mut bucket = HashSet::with_capacity_and_hasher(expected, Default::default());
                bucket.insert(digest);
                ledger.by_slice.insert(slice, bucket);
                true
            }
        };
        if !fresh {
            return Err(Rejection::Replayed);
        }
        ledger.len += 1;
        Ok(())
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.ledger
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len
    }
}

/// The first [`DIGEST_LEN`] bytes of a tag as one number (zero-padded when
/// shorter, which the verifier never hands in).
fn digest(tag: &[u8]) -> u64 {
    let mut bytes = [0u8; DIGEST_LEN];
    let n = tag.len().min(DIGEST_LEN);
    bytes[..n].copy_from_slice(&tag[..n]);
    u64::from_le_bytes(bytes)
}

impl Ledger {
    /// Drops every bucket whose latest possible timestamp (the last
    /// millisecond of its second) is more than `keep_ms` before `now_ms`.
    fn forget_expired(&mut self, now_ms: u64, keep_ms: u64) {
        while let Some(entry) = self.by_slice.first_entry() {
            let last_ms = entry
                .key()
                .saturating_mul(BUCKET_MS)
                .saturating_add(BUCKET_MS - 1);
            if last_ms.saturating_add(keep_ms) >= now_ms {
                break;
            }
            self.len -= entry.remove().len();
        }
    }
}

/// Hashes a tag digest as itself.
///
/// The keys are HMAC-SHA256 outputs of requests that passed verification:
/// uniformly distributed, and nobody without the signing secret can choose
/// them, so a keyed (flood-resistant) hash would only add cost.
#[derive(Default)]
struct TagHasher(u64);

impl Hasher for TagHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is reached for `u64` keys; fold anything else.
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = self.0.rotate_left(5) ^ u64::from_le_bytes(word);
        }
    }

    fn write_u64(&mut self, value: u64) {
        // Uniformly random already.
        self.0 ^= value;
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

    /// Kept 1 s after the timestamp, so buckets expire quickly in tests.
    const KEEP_MS: u128 = 1000;

    fn tag(n: u8) -> [u8; 32] {
        [n; 32]
    }

    #[test]
    fn repeat_is_refused_and_distinct_requests_pass() {
        let guard = ReplayGuard::new(10, KEEP_MS);
        assert_eq!(guard.check_and_record(1000, &tag(1), 1000), Ok(()));
        assert_eq!(
            guard.check_and_record(1000, &tag(1), 1001),
            Err(Rejection::Replayed)
        );
        assert_eq!(guard.check_and_record(1000, &tag(2), 1001), Ok(()));
        assert_eq!(guard.check_and_record(2000, &tag(1), 1001), Ok(()));
        assert_eq!(guard.len(), 3);
    }

    #[test]
    fn tags_differing_only_after_the_digest_are_one_entry() {
        let guard = ReplayGuard::new(10, KEEP_MS);
        let mut other = tag(7);
        other[DIGEST_LEN] ^= 1;
        assert_eq!(guard.check_and_record(1000, &tag(7), 1000), Ok(()));
        assert_eq!(
            guard.check_and_record(1000, &other, 1000),
            Err(Rejection::Replayed)
        );
    }

    #[test]
    fn expired_buckets_are_forgotten() {
        let guard = ReplayGuard::new(10, KEEP_MS);
        // The slice 500-599 ms is kept until 0.599 s + 1 s; the slice
        // 2100-2199 ms until 3.199 s.
        assert_eq!(guard.check_and_record(550, &tag(1), 550), Ok(()));
        assert_eq!(guard.check_and_record(2100, &tag(2), 1500), Ok(()));
        assert_eq!(guard.check_and_record(2250, &tag(3), 1599), Ok(()));
        assert_eq!(
            guard.len(),
            3,
            "the slice of 0.55 s is still kept at 1.599 s"
        );
        assert_eq!(guard.check_and_record(2350, &tag(4), 1600), Ok(()));
        assert_eq!(guard.len(), 3, "the slice of 0.55 s is gone at 1.600 s");
        assert_eq!(
            guard.check_and_record(2100, &tag(2), 3199),
            Err(Rejection::Replayed),
            "kept to the end of its slice plus keep"
        );
        assert_eq!(guard.check_and_record(2100, &tag(2), 3200), Ok(()));
        assert_eq!(guard.check_and_record(4000, &tag(5), 4000), Ok(()));
        assert_eq!(
            guard.len(),
            1,
            "every slice before 2.9 s is gone at 4.000 s"
        );
    }

    #[test]
    fn every_entry_is_kept_at_least_keep_after_its_timestamp() {
        // At each place in a slice, from its first to its last millisecond.
        for at in [1000, 1001, 1050, 1099] {
            let guard = ReplayGuard::new(10, KEEP_MS);
            assert_eq!(guard.check_and_record(at, &tag(1), at), Ok(()));
            let last_kept = at + KEEP_MS;
            assert_eq!(
                guard.check_and_record(at, &tag(1), last_kept),
                Err(Rejection::Replayed),
                "recorded at {at} ms, checked at {last_kept} ms"
            );
        }
    }

    #[test]
    fn a_new_bucket_is_sized_like_the_newest_one() {
        let guard = ReplayGuard::new(10_000, KEEP_MS);
        for n in 0..1000u32 {
            let mut tag = [0u8; 32];
            tag[..4].copy_from_slice(&n.to_le_bytes());
            assert_eq!(guard.check_and_record(1000, &tag, 1000), Ok(()));
        }
        let mut tag = [0u8; 32];
        tag[..4].copy_from_slice(&5000u32.to_le_bytes());
        assert_eq!(guard.check_and_record(1100, &tag, 1100), Ok(()));
        let ledger = guard.ledger.lock().expect("not poisoned");
        let next = ledger.by_slice.get(&11).expect("the new slice's bucket");
        assert_eq!(next.len(), 1);
        assert!(
            next.capacity() >= 1000,
            "room for the newest bucket's 1000 entries, not {}",
            next.capacity()
        );
    }

    #[test]
    fn full_guard_refuses_until_entries_expire() {
        let guard = ReplayGuard::new(2, KEEP_MS);
        assert_eq!(guard.check_and_record(0, &tag(1), 0), Ok(()));
        assert_eq!(guard.check_and_record(1000, &tag(2), 1000), Ok(()));
        assert_eq!(
            guard.check_and_record(1000, &tag(3), 1010),
            Err(Rejection::ReplayGuardFull)
        );
        // A repeat is still told apart from a new request while full.
        assert_eq!(
            guard.check_and_record(1000, &tag(2), 1010),
            Err(Rejection::Replayed)
        );
        assert_eq!(
            guard.check_and_record(3000, &tag(4), 1010),
            Err(Rejection::ReplayGuardFull)
        );
        assert_eq!(guard.ledger.lock().expect("not poisoned").by_slice.len(), 2);
        // A refused request was not recorded: it is not a replay later.
        assert_eq!(guard.check_and_record(1000, &tag(3), 2000), Ok(()));
        assert_eq!(guard.len(), 2);
    }

    #[test]
    fn many_entries_fit_the_documented_bound() {
        // 200 000 entries over 10 seconds: the slots of the buckets' tables
        // stay within 21 bytes an entry (9 bytes at a load of 7/16 or more).
        let guard = ReplayGuard::new(200_000, 600_000);
        let mut next: u64 = 0x9e37_79b9_7f4a_7c15;
        for i in 0..200_000u128 {
            // A cheap generator standing in for uniformly random tags.
            next ^= next << 13;
            next ^= next >> 7;
            next ^= next << 17;
            let mut tag = [0u8; 32];
            tag[..8].copy_from_slice(&next.to_le_bytes());
            tag[8..16].copy_from_slice(&next.rotate_left(29).to_le_bytes());
            let at = 1_000_000 + i / 20;
            assert_eq!(guard.check_and_record(at, &tag, at), Ok(()));
        }
        let ledger = guard.ledger.lock().expect("not poisoned");
        // Usable capacity is 7/8 of a table's slots.
        let slots: usize = ledger
            .by_slice
            .values()
            .map(|bucket| (bucket.capacity() * 8).div_ceil(7))
            .sum();
        let bytes = slots * (DIGEST_LEN + 1);
        assert!(
            bytes <= 200_000 * 21,
            "{bytes} bytes of table slots for 200 000 entries"
        );
    }
}
