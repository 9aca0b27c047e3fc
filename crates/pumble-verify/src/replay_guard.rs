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
//! **Sealed buckets.** Once a bucket's slice is [`SEAL_AFTER_SLICES`]
//! slices older than the newest bucket, requests for it have stopped coming
//! (a request carries its send time), and it is sealed: its digests become one
//! sorted array of 8 bytes each, searched by bisection, instead of a hash
//! table of 10–21 bytes an entry. The odd request that still comes for a
//! sealed slice (a sender whose clock is behind) is filed beside the array
//! in a small table of its own. The sealing happens when the newest bucket
//! is opened, on the request that opens it (a sort of the bucket's entries,
//! some tens of microseconds at a busy server's rate, once per slice).
//!
//! **Memory.** An entry costs 8 bytes once its bucket is sealed, and 10–21
//! bytes (a table slot of 8 bytes and a control byte at a load factor
//! between 7/16 and 7/8) in the last second's open buckets and in the tables
//! of late requests. Each bucket in use costs about 100 bytes more; live
//! timestamps span about ten minutes, so at most about 6 000 buckets
//! (0.6 MiB). 200 000 entries take about 2 MiB, and at most about 5 MiB
//! even if all of them came within one second.

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

/// A bucket is sealed once the newest bucket's slice is this many slices
/// after its own (one second).
const SEAL_AFTER_SLICES: u64 = 10;

/// The hash table of a bucket's digests.
type DigestTable = HashSet<u64, BuildHasherDefault<TagHasher>>;

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
    by_slice: BTreeMap<u64, Bucket>,
    /// Entries across all buckets.
    len: usize,
    /// Every bucket of a slice below this one is sealed (or was opened after
    /// its slice's turn came, for late requests only).
    sealed_below: u64,
}

/// The digests filed under one slice.
enum Bucket {
    /// Being filled: a hash table.
    Open(DigestTable),
    /// Done with: sorted digests, and a table for those filed since.
    Sealed {
        sorted: Box<[u64]>,
        late: DigestTable,
    },
}

impl Bucket {
    fn contains(&self, digest: u64) -> bool {
        match self {
            Bucket::Open(table) => table.contains(&digest),
            Bucket::Sealed { sorted, late } => {
                sorted.binary_search(&digest).is_ok() || late.contains(&digest)
            }
        }
    }

    /// Files `digest`; false when it was there already.
    fn insert(&mut self, digest: u64) -> bool {
        match self {
            Bucket::Open(table) => table.insert(digest),
            Bucket::Sealed { sorted, late } => {
                sorted.binary_search(&digest).is_err() && late.insert(digest)
            }
        }
    }

    fn len(&self) -> usize {
        match self {
            Bucket::Open(table) => table.len(),
            Bucket::Sealed { sorted, late } => sorted.len() + late.len(),
        }
    }

    /// Turns an open bucket's table into a sorted array (a sealed one is
    /// left as it is).
    fn seal(&mut self) {
        if let Bucket::Open(table) = self {
            let mut sorted: Vec<u64> = table.drain().collect();
            sorted.sort_unstable();
            *self = Bucket::Sealed {
                sorted: sorted.into_boxed_slice(),
                late: DigestTable::default(),
            };
        }
    }
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
                .is_some_and(|bucket| bucket.contains(digest));
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
                let newest = ledger.by_slice.last_key_value();
                // A bucket for a new newest slice is sized like the newest
                // one so far, so that at a steady rate it never grows (each
                // growth rehashes it); one for an older slice, opened by a
                // late request, starts small.
                let expected = match newest {
                    Some((&newest_slice, newest)) if newest_slice < slice => newest.len(),
                    _ => 0,
                }
                .min(self.capacity - ledger.len);
                let mut table = DigestTable::with_capacity_and_hasher(expected, Default::default());
                table.insert(digest);
                ledger.by_slice.insert(slice, Bucket::Open(table));
                ledger.seal_before(slice.saturating_sub(SEAL_AFTER_SLICES));
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
    /// Seals every bucket of a slice below `slice` not sealed yet. Each
    /// bucket is looked at once: the ones below `sealed_below` were already.
    fn seal_before(&mut self, slice: u64) {
        if slice <= self.sealed_below {
            return;
        }
        for bucket in self.by_slice.range_mut(self.sealed_below..slice) {
            bucket.1.seal();
        }
        self.sealed_below = slice;
    }

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
        let Bucket::Open(table) = next else {
            panic!("the newest bucket is open");
        };
        assert!(
            table.capacity() >= 1000,
            "room for the newest bucket's 1000 entries, not {}",
            table.capacity()
        );
    }

    #[test]
    fn a_bucket_opened_by_a_late_request_starts_small() {
        let guard = ReplayGuard::new(10_000, KEEP_MS);
        for n in 0..1000u32 {
            let mut tag = [0u8; 32];
            tag[..4].copy_from_slice(&n.to_le_bytes());
            assert_eq!(guard.check_and_record(5000, &tag, 5000), Ok(()));
        }
        // Slice 49, before the newest (50), had no bucket yet.
        assert_eq!(guard.check_and_record(4950, &tag(1), 5000), Ok(()));
        let ledger = guard.ledger.lock().expect("not poisoned");
        let Some(Bucket::Open(table)) = ledger.by_slice.get(&49) else {
            panic!("an open bucket for the late request's slice");
        };
        assert!(table.capacity() < 1000, "{} slots", table.capacity());
    }

    #[test]
    fn buckets_a_second_behind_the_newest_are_sealed_and_still_refuse_replays() {
        // Kept 5 s, so that slice 10 outlives the second that seals it.
        let keep_ms = 5000;
        let guard = ReplayGuard::new(1000, keep_ms);
        for n in 1..=50 {
            assert_eq!(guard.check_and_record(1000, &tag(n), 1000), Ok(()));
        }
        let is_sealed = |slice: u64| {
            matches!(
                guard
                    .ledger
                    .lock()
                    .expect("not poisoned")
                    .by_slice
                    .get(&slice),
                Some(Bucket::Sealed { .. })
            )
        };
        // Slice 20 is not yet a second after slice 10: still open.
        assert_eq!(guard.check_and_record(2000, &tag(60), 2000), Ok(()));
        assert!(!is_sealed(10));
        // Slice 21 is: slice 10 is sealed, slice 20 stays open.
        assert_eq!(guard.check_and_record(2100, &tag(61), 2100), Ok(()));
        assert!(is_sealed(10));
        assert!(!is_sealed(20));
        for n in 1..=50 {
            assert_eq!(
                guard.check_and_record(1000, &tag(n), 2100),
                Err(Rejection::Replayed),
                "tag {n} in the sealed bucket"
            );
        }
        // A late request for the sealed slice is taken once, then refused.
        assert_eq!(guard.check_and_record(1050, &tag(99), 2100), Ok(()));
        assert_eq!(
            guard.check_and_record(1099, &tag(99), 2100),
            Err(Rejection::Replayed)
        );
        assert_eq!(guard.len(), 53);
        // Expiry drops the sealed bucket with its late entry: 51 gone.
        assert_eq!(
            guard.check_and_record(2150, &tag(62), 1100 + keep_ms),
            Ok(())
        );
        assert_eq!(guard.len(), 3);
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

    proptest::proptest! {
        /// Whatever the order of timestamps (late ones for sealed slices,
        /// repeats, expiry, a full guard), the guard answers as a plain set
        /// of (slice, digest) pairs with the same expiry and capacity does.
        #[test]
        fn the_guard_answers_like_a_plain_set_of_what_it_took(
            capacity in 1usize..80,
            steps in proptest::collection::vec((0u128..400, 0u128..2500, 0u8..12), 1..600),
        ) {
            let keep_ms: u128 = 2000;
            let guard = ReplayGuard::new(capacity, keep_ms);
            let mut model: std::collections::HashSet<(u128, u8)> = Default::default();
            let mut now: u128 = 10_000;
            for (advance, back, n) in steps {
                now += advance;
                let at = now - back;
                let slice = at / 100;
                model.retain(|(kept_slice, _)| kept_slice * 100 + 99 + keep_ms >= now);
                let expected = if model.contains(&(slice, n)) {
                    Err(Rejection::Replayed)
                } else if model.len() >= capacity {
                    Err(Rejection::ReplayGuardFull)
                } else {
                    model.insert((slice, n));
                    Ok(())
                };
                proptest::prop_assert_eq!(guard.check_and_record(at, &tag(n), now), expected);
                proptest::prop_assert_eq!(guard.len(), model.len());
            }
        }
    }

    #[test]
    fn many_entries_fit_the_documented_bound() {
        // 200 000 entries over 10 seconds: the last second's in tables of
        // at most 21 bytes an entry (9 bytes at a load of 7/16 or more), the
        // rest sorted at 8: within 10 bytes an entry in all.
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
        let table_bytes =
            |table: &DigestTable| (table.capacity() * 8).div_ceil(7) * (DIGEST_LEN + 1);
        let bytes: usize = ledger
            .by_slice
            .values()
            .map(|bucket| match bucket {
                Bucket::Open(table) => table_bytes(table),
                Bucket::Sealed { sorted, late } => sorted.len() * DIGEST_LEN + table_bytes(late),
            })
            .sum();
        assert!(
            bytes <= 200_000 * 10,
            "{bytes} bytes of digests and table slots for 200 000 entries"
        );
    }
}
