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
//! **The guard's clock.** Callers hand in a clock reading taken once the
//! whole request is in (the actix extractor reads the clock for the window
//! check, reads the body, and reads the clock again for the guard). Readings
//! still arrive a little out of order, so the guard keeps the latest one it
//! has seen and uses that, and it refuses, as stale, a request whose slice
//! has left by that clock: were an earlier reading used, a copy of a
//! delivered request, sent at the window's edge, could find its slice
//! already forgotten by a later request and be filed, and accepted, anew. A
//! reading more than the keep time behind the latest is taken as the system
//! clock set back, and followed. Two limits follow, as for any guard keyed
//! on time: after the clock is set back by more than the keep time, what was
//! forgotten under the later clock can be filed anew; and after it is set
//! back by less (a fast clock corrected by `d`), for up to `d` a request
//! older than the keep time less `d` is refused as stale, though the window
//! check let it in. A fresh request (timestamped about now) is never
//! refused. (A larger tolerance for late readings would refuse fresh
//! requests after a step a little over the keep time, for as long as the
//! tolerance exceeds it; re-reading the clock after the body makes one
//! unnecessary.)
//!
//! **Why 100 ms.** The bucket being filled is the one every request writes
//! to, at a random place (the digest is its own hash). At a busy server's
//! rate a bucket of a whole second is a table of a megabyte or more, and each
//! insert misses the CPU's caches; a tenth of that stays in them. A bucket of
//! current traffic (its slice within one of the clock's) is created at the
//! size of the open one before it (at most a second earlier), so at a steady
//! rate it never grows (a growth rehashes the whole table); any other starts
//! small, so at most three buckets are ever sized ahead.
//!
//! **Sealed buckets.** Once nothing has been filed in a bucket for a second
//! ([`SEAL_WHEN_IDLE_MS`], by the guard's clock) and its slice ended a second
//! ago, requests for it have stopped coming (a request carries its send
//! time), and it is sealed: its digests become one sorted array of 8 bytes
//! each, searched by bisection, instead of a hash table of 10–21 bytes an
//! entry. The odd request that still comes for a sealed slice is filed
//! beside the array in a table of its own. The open buckets are looked at in
//! turn, [`SEAL_CHECKS_PER_OPENING`] each time a bucket is opened, on the
//! request that opens it: the work per request stays small however many are
//! open, and at a steady rate a bucket is sealed within a few slices of
//! becoming idle (the sort takes some tens of microseconds at a busy
//! server's rate, once per slice). A refused repeat does not count as
//! filing. Going by when each bucket was last filed, a sender whose clock is
//! behind is sealed like any other; the buckets of one ahead wait outside
//! the turns until their slice comes, so they neither delay the sealing of
//! current traffic nor are sealed before their slice's own traffic came.
//!
//! **Memory.** An entry costs 8 bytes once its bucket is sealed, and 10–21
//! bytes (a table slot of 8 bytes and a control byte at a load factor
//! between 7/16 and 7/8) in the buckets filed in within the last second or
//! two and in the tables of late requests. Each bucket in use costs about
//! 100 bytes more; with the default window live timestamps span about ten
//! minutes, so at most about 6 000 buckets (0.6 MiB). 200 000 entries take
//! about 2 MiB, and at most about 5 MiB even if all of them came within one
//! second.

use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Mutex, PoisonError};

use crate::Rejection;

/// The part of a request's tag the guard keeps.
pub(crate) const DIGEST_LEN: usize = 8;

/// The span of timestamps one bucket holds, in milliseconds (see the
/// module's notes).
const BUCKET_MS: u64 = 100;

/// A bucket is sealed once nothing was filed in it for this long by the
/// guard's clock, in milliseconds.
const SEAL_WHEN_IDLE_MS: u64 = 1000;

/// A new bucket is sized like the open one before it when that one's slice
/// is at most this many slices earlier (one second).
const SIZE_LIKE_WITHIN_SLICES: u64 = 10;

/// Open buckets looked at, for sealing, each time a bucket is opened: the
/// work per request stays small however many are open, and at a steady
/// rate (one bucket opened per slice, about ten open) each is looked at
/// every few slices.
const SEAL_CHECKS_PER_OPENING: usize = 4;

/// The hash table of a bucket's digests.
type DigestTable = HashSet<u64, BuildHasherDefault<TagHasher>>;

/// The set of requests seen within the window, bounded by a capacity.
pub(crate) struct ReplayGuard {
    capacity: usize,
    /// How long after its timestamp a request can still pass the window check
    /// (the window plus slack), in milliseconds.
    keep_ms: u64,
    ledger: Mutex<Ledger>,
}

#[derive(Default)]
struct Ledger {
    /// Tag digests by the [`BUCKET_MS`] slice (since the epoch) of their
    /// timestamp.
    by_slice: BTreeMap<u64, Bucket>,
    /// Entries across all buckets.
    len: usize,
    /// The slices of the open buckets (the last second's, a few), looked
    /// at in turn for sealing.
    open: VecDeque<u64>,
    /// The slices of open buckets opened ahead of the clock (by a sender
    /// whose clock is ahead), kept out of `open` until their slice comes,
    /// so that they do not dilute its turns.
    early: BTreeSet<u64>,
    /// The latest clock reading seen, in ms since the epoch: the guard's
    /// clock, which does not go back (see [`Ledger::clock`]).
    latest_now_ms: u64,
}

/// The digests filed under one slice.
enum Bucket {
    /// Being filled: a hash table, and when a digest was last filed in it
    /// (the guard's clock, ms).
    Open { table: DigestTable, filed_ms: u64 },
    /// Done with: sorted digests, and a table for those filed since.
    Sealed {
        sorted: Box<[u64]>,
        late: DigestTable,
    },
}

impl Bucket {
    fn contains(&self, digest: u64) -> bool {
        match self {
            Bucket::Open { table, .. } => table.contains(&digest),
            Bucket::Sealed { sorted, late } => {
                sorted.binary_search(&digest).is_ok() || late.contains(&digest)
            }
        }
    }

    /// Files `digest` at `now_ms`; false when it was there already (a
    /// refused repeat does not count as filing).
    fn insert(&mut self, digest: u64, now_ms: u64) -> bool {
        match self {
            Bucket::Open { table, filed_ms } => {
                let fresh = table.insert(digest);
                if fresh {
                    *filed_ms = now_ms;
                }
                fresh
            }
            Bucket::Sealed { sorted, late } => {
                sorted.binary_search(&digest).is_err() && late.insert(digest)
            }
        }
    }

    fn len(&self) -> usize {
        match self {
            Bucket::Open { table, .. } => table.len(),
            Bucket::Sealed { sorted, late } => sorted.len() + late.len(),
        }
    }

    /// Turns an open bucket's table into a sorted array (a sealed one is
    /// left as it is).
    fn seal(&mut self) {
        if let Bucket::Open { table, .. } = self {
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
    /// after its timestamp. A clock reading more than `keep_ms` behind the
    /// latest is taken as the clock set back (see [`Ledger::clock`]).
    pub(crate) fn new(capacity: usize, keep_ms: u128) -> Self {
        ReplayGuard {
            capacity,
            keep_ms: u64::try_from(keep_ms).unwrap_or(u64::MAX),
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
        let keep_ms = self.keep_ms;
        let now_ms = ledger.clock(u64::try_from(now_ms).unwrap_or(u64::MAX), keep_ms);
        ledger.forget_expired(now_ms, keep_ms);
        if slice_expired(slice, now_ms, keep_ms) {
            // Its bucket may already have been forgotten (by a request whose
            // clock reading was later than this one's): it could be a
            // replay that can no longer be told apart, so it is refused as
            // what it now is, outside the window.
            return Err(Rejection::StaleTimestamp);
        }
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
            Some(bucket) => bucket.insert(digest, now_ms),
            None => {
                // A bucket of current traffic (its slice within one of the
                // clock's) is sized like the open one before it, if that one
                // is at most a second earlier: at a steady rate these
                // buckets then never grow (each growth rehashes the table).
                // Any other, opened by a late request or by one from a clock
                // ahead, starts small: at most three buckets are sized so.
                let now_slice = now_ms / BUCKET_MS;
                let ahead = slice > now_slice.saturating_add(1);
                let current = !ahead && slice.saturating_add(1) >= now_slice;
                let expected = match ledger.by_slice.range(..slice).next_back() {
                    Some((&before, Bucket::Open { table, .. }))
                        if current && slice - before <= SIZE_LIKE_WITHIN_SLICES =>
                    {
                        table.len()
                    }
                    _ => 0,
                }
                .min(self.capacity - ledger.len);
                let mut table = DigestTable::with_capacity_and_hasher(expected, Default::default());
                table.insert(digest);
                ledger.seal_idle(now_ms);
                ledger.by_slice.insert(
                    slice,
                    Bucket::Open {
                        table,
                        filed_ms: now_ms,
                    },
                );
                if ahead {
                    ledger.early.insert(slice);
                } else {
                    ledger.open.push_back(slice);
                }
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
    /// The guard's clock, given a caller's reading `now_ms`: the latest
    /// reading seen so far. Callers read the clock before they call, so
    /// readings arrive a little out of order; were an earlier one used, a
    /// request checked against it could be filed anew in a slice a later
    /// reading had already forgotten. A reading more than `keep_ms` behind
    /// the latest is no such delay but the system clock set back: the guard
    /// follows it (a larger tolerance would refuse fresh requests for as
    /// long as it exceeds `keep_ms`, after such a step).
    fn clock(&mut self, now_ms: u64, keep_ms: u64) -> u64 {
        if now_ms > self.latest_now_ms || self.latest_now_ms - now_ms > keep_ms {
            self.latest_now_ms = now_ms;
        }
        self.latest_now_ms
    }

    /// Looks at the next [`SEAL_CHECKS_PER_OPENING`] open buckets in turn:
    /// seals each that nothing was filed in for [`SEAL_WHEN_IDLE_MS`] and
    /// whose slice ended at least that long ago by `now_ms` (so a bucket
    /// opened early, by a request from a clock ahead, is not sealed before
    /// its slice's own traffic came), and forgets those that have expired.
    fn seal_idle(&mut self, now_ms: u64) {
        // Buckets opened ahead of the clock join the turns once their slice
        // has come (each moves once).
        let now_slice = now_ms / BUCKET_MS;
        while let Some(&slice) = self.early.first() {
            if slice > now_slice {
                break;
            }
            self.early.pop_first();
            self.open.push_back(slice);
        }
        for _ in 0..SEAL_CHECKS_PER_OPENING.min(self.open.len()) {
            let Some(slice) = self.open.pop_front() else {
                return;
            };
            let Some(bucket) = self.by_slice.get_mut(&slice) else {
                continue;
            };
            let slice_ended_ms = slice.saturating_add(1).saturating_mul(BUCKET_MS);
            match bucket {
                Bucket::Open { filed_ms, .. }
                    if now_ms.saturating_sub(*filed_ms) >= SEAL_WHEN_IDLE_MS
                        && now_ms.saturating_sub(slice_ended_ms) >= SEAL_WHEN_IDLE_MS =>
                {
                    bucket.seal();
                }
                Bucket::Open { .. } => self.open.push_back(slice),
                Bucket::Sealed { .. } => {}
            }
        }
    }

    /// Drops every bucket whose slice has expired at `now_ms`.
    fn forget_expired(&mut self, now_ms: u64, keep_ms: u64) {
        while let Some(entry) = self.by_slice.first_entry() {
            if !slice_expired(*entry.key(), now_ms, keep_ms) {
                break;
            }
            self.len -= entry.remove().len();
        }
    }
}

/// Whether the latest possible timestamp of `slice` (its last millisecond)
/// is more than `keep_ms` before `now_ms`.
fn slice_expired(slice: u64, now_ms: u64, keep_ms: u64) -> bool {
    let last_ms = slice
        .saturating_mul(BUCKET_MS)
        .saturating_add(BUCKET_MS - 1);
    last_ms.saturating_add(keep_ms) < now_ms
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

    /// A tag distinct for each `n`, spread like an HMAC's.
    fn numbered_tag(n: u32) -> [u8; 32] {
        let mut tag = [0u8; 32];
        tag[..4].copy_from_slice(&n.wrapping_mul(2_654_435_761).to_le_bytes());
        tag[4..8].copy_from_slice(&n.to_le_bytes());
        tag
    }

    /// The bytes of the digests' arrays and tables (usable capacity is 7/8
    /// of a table's slots).
    fn digest_bytes(ledger: &Ledger) -> usize {
        let table_bytes =
            |table: &DigestTable| (table.capacity() * 8).div_ceil(7) * (DIGEST_LEN + 1);
        ledger
            .by_slice
            .values()
            .map(|bucket| match bucket {
                Bucket::Open { table, .. } => table_bytes(table),
                Bucket::Sealed { sorted, late } => sorted.len() * DIGEST_LEN + table_bytes(late),
            })
            .sum()
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
        // Once its slice has left, a request for it is refused as stale,
        // never filed anew (it could be a replay of a forgotten entry).
        assert_eq!(
            guard.check_and_record(2100, &tag(2), 3200),
            Err(Rejection::StaleTimestamp)
        );
        assert_eq!(
            guard.check_and_record(2100, &tag(9), 3200),
            Err(Rejection::StaleTimestamp)
        );
        assert_eq!(guard.check_and_record(4000, &tag(5), 4000), Ok(()));
        assert_eq!(
            guard.len(),
            1,
            "every slice before 2.9 s is gone at 4.000 s"
        );
    }

    #[test]
    fn a_request_checked_against_an_earlier_clock_reading_is_not_filed_anew() {
        let guard = ReplayGuard::new(10, KEEP_MS);
        assert_eq!(guard.check_and_record(1000, &tag(1), 1000), Ok(()));
        // Another request, whose clock reading is later, forgets slice 10.
        assert_eq!(guard.check_and_record(2200, &tag(2), 2200), Ok(()));
        assert_eq!(guard.len(), 1);
        // A copy of the first, checked against a reading taken before its
        // body arrived (2050 ms, when slice 10 was still kept): its slice
        // is gone, so it is refused, not remembered as new.
        assert_eq!(
            guard.check_and_record(1000, &tag(1), 2050),
            Err(Rejection::StaleTimestamp)
        );
        assert_eq!(guard.len(), 1);
        // A reading that late still counts for requests it keeps.
        assert_eq!(
            guard.check_and_record(2200, &tag(2), 2050),
            Err(Rejection::Replayed)
        );
        assert_eq!(guard.check_and_record(2210, &tag(3), 2050), Ok(()));
    }

    #[test]
    fn a_clock_set_back_further_than_keep_is_followed() {
        let guard = ReplayGuard::new(10, KEEP_MS);
        assert_eq!(guard.check_and_record(60_000, &tag(1), 60_000), Ok(()));
        // The system clock is set back a minute: requests of the new
        // present are taken, not refused until the clock catches up.
        assert_eq!(guard.check_and_record(1000, &tag(2), 1000), Ok(()));
        assert_eq!(
            guard.check_and_record(1000, &tag(2), 1001),
            Err(Rejection::Replayed)
        );
        assert_eq!(guard.check_and_record(1500, &tag(3), 1500), Ok(()));
    }

    #[test]
    fn a_request_from_a_clock_far_ahead_does_not_stop_sealing() {
        let guard = ReplayGuard::new(100_000, 600_000);
        let start: u128 = 1_700_000_000_000;
        let mut n: u32 = 0;
        let mut record = |at: u128, now: u128| {
            n += 1;
            assert_eq!(guard.check_and_record(at, &numbered_tag(n), now), Ok(()));
        };
        // One request timestamped 290 s ahead (inside a 300 s window).
        record(start + 290_000, start);
        // Then 3 s of current traffic, 10 requests a millisecond.
        for ms in 0..3000 {
            for _ in 0..10 {
                record(start + ms, start + ms);
            }
        }
        // The first request of the next slice.
        record(start + 3000, start + 3000);
        let ledger = guard.ledger.lock().expect("not poisoned");
        let first_slice = u64::try_from(start / 100).expect("fits");
        let current: Vec<&Bucket> = (first_slice..first_slice + 30)
            .map(|slice| ledger.by_slice.get(&slice).expect("a bucket a slice"))
            .collect();
        // Idle for 1.5 s or more at the end (3 s): sealed (a bucket is
        // looked at within a few openings of going idle for a second).
        for (i, bucket) in current[..15].iter().enumerate() {
            assert!(
                matches!(bucket, Bucket::Sealed { .. }),
                "slice {i} of the current traffic is still open"
            );
        }
        // A new current bucket is sized like the one before it.
        let Some(Bucket::Open { table: newest, .. }) = ledger.by_slice.get(&(first_slice + 30))
        else {
            panic!("the newest current bucket is open");
        };
        assert_eq!(newest.len(), 1);
        assert!(newest.capacity() >= 1000, "{} slots", newest.capacity());
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
        let Bucket::Open { table, .. } = next else {
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
        let Some(Bucket::Open { table, .. }) = ledger.by_slice.get(&49) else {
            panic!("an open bucket for the late request's slice");
        };
        assert!(table.capacity() < 1000, "{} slots", table.capacity());
    }

    #[test]
    fn buckets_idle_for_a_second_are_sealed_and_still_refuse_replays() {
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
        // At 1.999 s slice 10 has been idle for less than a second: open.
        assert_eq!(guard.check_and_record(1999, &tag(60), 1999), Ok(()));
        assert!(!is_sealed(10));
        // At 2.1 s (a new bucket opens) it is sealed; slice 19 stays open.
        assert_eq!(guard.check_and_record(2100, &tag(61), 2100), Ok(()));
        assert!(is_sealed(10));
        assert!(!is_sealed(19));
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
    fn the_buckets_of_a_sender_whose_clock_is_behind_are_sealed_too() {
        let guard = ReplayGuard::new(100_000, 600_000);
        let start: u128 = 1_700_000_000_000;
        let mut n: u32 = 0;
        // 3 s of traffic, each request timestamped 5 s before it arrives.
        for ms in 0..3000u128 {
            n += 1;
            assert_eq!(
                guard.check_and_record(start + ms - 5000, &numbered_tag(n), start + ms),
                Ok(())
            );
        }
        let ledger = guard.ledger.lock().expect("not poisoned");
        let first_slice = u64::try_from((start - 5000) / 100).expect("fits");
        // Idle for 1.5 s or more: sealed.
        for slice in first_slice..first_slice + 15 {
            assert!(
                matches!(
                    ledger.by_slice.get(&slice),
                    Some(Bucket::Sealed { sorted, late }) if sorted.len() == 100 && late.is_empty()
                ),
                "slice {} of the sender's traffic is not sealed whole",
                slice - first_slice
            );
        }
        assert!(matches!(
            ledger.by_slice.get(&(first_slice + 29)),
            Some(Bucket::Open { .. })
        ));
    }

    #[test]
    fn refused_repeats_do_not_keep_a_bucket_open() {
        let guard = ReplayGuard::new(10_000, 60_000);
        assert_eq!(guard.check_and_record(1000, &tag(1), 1000), Ok(()));
        let mut n = 10;
        for now in (1500..20_000u128).step_by(500) {
            // A captured request replayed, refused each time.
            assert_eq!(
                guard.check_and_record(1000, &tag(1), now),
                Err(Rejection::Replayed)
            );
            // Other traffic opens buckets (and so looks for idle ones).
            n += 1;
            assert_eq!(guard.check_and_record(now, &numbered_tag(n), now), Ok(()));
        }
        let ledger = guard.ledger.lock().expect("not poisoned");
        assert!(
            matches!(ledger.by_slice.get(&10), Some(Bucket::Sealed { .. })),
            "nothing was filed under slice 10 for 19 s, yet it is open"
        );
    }

    #[test]
    fn a_bucket_opened_early_is_not_sealed_before_its_slice_has_passed() {
        let guard = ReplayGuard::new(100_000, 600_000);
        let start: u128 = 1_700_000_000_000;
        let mut n: u32 = 0;
        // A sender 1.5 s ahead, one request a slice, beside on-time traffic
        // of 50 requests a slice: the early request opens each bucket.
        for ms in 0..5000u128 {
            if ms % 100 == 0 {
                n += 1;
                assert_eq!(
                    guard.check_and_record(start + ms + 1500, &numbered_tag(n), start + ms),
                    Ok(())
                );
            }
            if ms % 2 == 0 {
                n += 1;
                assert_eq!(
                    guard.check_and_record(start + ms, &numbered_tag(n), start + ms),
                    Ok(())
                );
            }
        }
        let ledger = guard.ledger.lock().expect("not poisoned");
        let first = u64::try_from(start / 100).expect("fits") + 15;
        let mut sealed = 0;
        for slice in first..first + 20 {
            if let Some(Bucket::Sealed { sorted, late }) = ledger.by_slice.get(&slice) {
                assert!(
                    late.is_empty(),
                    "slice {slice}: {} entries late",
                    late.len()
                );
                assert_eq!(sorted.len(), 51, "slice {slice}");
                sealed += 1;
            }
        }
        assert!(sealed >= 15, "{sealed} of 20 old slices sealed");
    }

    #[test]
    fn buckets_opened_out_of_order_are_not_all_sized_for_the_busiest() {
        let guard = ReplayGuard::new(200_000, 600_000);
        let start: u128 = 1_700_000_000_000;
        for n in 0..100_000u32 {
            assert_eq!(
                guard.check_and_record(start, &numbered_tag(n), start),
                Ok(())
            );
        }
        // Ten later slices opened from the last to the first, each a
        // second's neighbour of the busy one.
        for j in (1..=10u32).rev() {
            let at = start + u128::from(j) * 100;
            assert_eq!(
                guard.check_and_record(at, &numbered_tag(1_000_000 + j), start),
                Ok(())
            );
        }
        let ledger = guard.ledger.lock().expect("not poisoned");
        let bytes = digest_bytes(&ledger);
        assert!(
            bytes <= 5 << 20,
            "{bytes} bytes of tables for {} entries",
            ledger.len
        );
    }

    #[test]
    fn with_many_buckets_open_the_idle_ones_are_still_sealed() {
        let guard = ReplayGuard::new(100_000, 600_000);
        let start: u128 = 1_700_000_000_000;
        let mut n: u32 = 0;
        // A backlog: one request for each of 200 past slices, at once.
        for slice in 0..200u128 {
            n += 1;
            let at = start - 60_000 + slice * 100;
            assert_eq!(guard.check_and_record(at, &numbered_tag(n), start), Ok(()));
        }
        // Then current traffic, a request a slice for 10 s: 100 openings
        // look at 400 open buckets, each of the 200 at least once after it
        // went idle.
        for ms in (0..10_000u128).step_by(100) {
            n += 1;
            assert_eq!(
                guard.check_and_record(start + ms, &numbered_tag(n), start + ms),
                Ok(())
            );
        }
        let ledger = guard.ledger.lock().expect("not poisoned");
        let first = u64::try_from((start - 60_000) / 100).expect("fits");
        for slice in first..first + 200 {
            assert!(
                matches!(ledger.by_slice.get(&slice), Some(Bucket::Sealed { .. })),
                "backlog slice {} still open",
                slice - first
            );
        }
        assert!(ledger.open.len() < 30, "{} buckets open", ledger.open.len());
    }

    #[test]
    fn a_sender_far_ahead_does_not_delay_sealing_current_traffic() {
        let guard = ReplayGuard::new(1_000_000, 301_000);
        let start: u128 = 1_700_000_000_000;
        let mut n: u32 = 0;
        // For 90 s: a sender 60 s ahead, a request a slice, and on-time
        // traffic of 25 requests a slice.
        for ms in (0..90_000u128).step_by(4) {
            if ms % 100 == 0 {
                n += 1;
                assert_eq!(
                    guard.check_and_record(start + ms + 60_000, &numbered_tag(n), start + ms),
                    Ok(())
                );
            }
            n += 1;
            assert_eq!(
                guard.check_and_record(start + ms, &numbered_tag(n), start + ms),
                Ok(())
            );
        }
        let ledger = guard.ledger.lock().expect("not poisoned");
        let now_slice = u64::try_from((start + 90_000) / 100).expect("fits");
        // On-time slices that ended 3 s to 80 s ago: all sealed.
        let still_open = (now_slice - 800..now_slice - 30)
            .filter(|slice| matches!(ledger.by_slice.get(slice), Some(Bucket::Open { .. })))
            .count();
        assert_eq!(still_open, 0, "{} buckets in turn", ledger.open.len());
        assert!(ledger.early.len() >= 500, "{} ahead", ledger.early.len());
    }

    #[test]
    fn extreme_inputs_do_not_panic() {
        for keep in [0u128, 1, u128::from(u64::MAX), u128::MAX] {
            let guard = ReplayGuard::new(4, keep);
            for (at, now) in [
                (u128::MAX, 0u128),
                (0, u128::MAX),
                (u128::from(u64::MAX), u128::from(u64::MAX)),
                (0, 0),
                (u128::from(u64::MAX) - 50, u128::from(u64::MAX) - 2),
                (1, 1),
            ] {
                let _ = guard.check_and_record(at, &tag(1), now);
                let _ = guard.check_and_record(at, &tag(2), now);
            }
            assert!(guard.len() <= 4);
        }
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
            steps in proptest::collection::vec(
                (0u128..400, 0u128..2500, 0u8..12, proptest::prop_oneof![0u128..300, 0u128..3000]),
                1..600,
            ),
        ) {
            let keep_ms: u128 = 2000;
            let guard = ReplayGuard::new(capacity, keep_ms);
            let mut model: std::collections::HashSet<(u128, u8)> = Default::default();
            let mut clock: u128 = 10_000;
            // The guard's clock: the latest reading, unless one is more
            // than keep_ms behind it (the clock was set back).
            let mut latest: u128 = 0;
            for (advance, back, n, reading_late) in steps {
                clock += advance;
                let at = clock - back;
                // A reading taken a while before the call (a slow body), or
                // after the clock was set back.
                let reading = clock - reading_late;
                if reading > latest || latest - reading > keep_ms {
                    latest = reading;
                }
                let now = latest;
                let slice = at / 100;
                let expired = |kept_slice: u128| kept_slice * 100 + 99 + keep_ms < now;
                model.retain(|(kept_slice, _)| !expired(*kept_slice));
                let expected = if expired(slice) {
                    Err(Rejection::StaleTimestamp)
                } else if model.contains(&(slice, n)) {
                    Err(Rejection::Replayed)
                } else if model.len() >= capacity {
                    Err(Rejection::ReplayGuardFull)
                } else {
                    model.insert((slice, n));
                    Ok(())
                };
                proptest::prop_assert_eq!(guard.check_and_record(at, &tag(n), reading), expected);
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
        let bytes = digest_bytes(&guard.ledger.lock().expect("not poisoned"));
        assert!(
            bytes <= 200_000 * 10,
            "{bytes} bytes of digests and table slots for 200 000 entries"
        );
    }
}
