//! The framework-free verifier: headers, bytes and a clock in; the verified
//! JSON or a typed [`Rejection`] out.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use subtle::ConstantTimeEq;

use crate::replay_guard::ReplayGuard;
use crate::signature::{keyed_mac, tag_over, HmacSha256, TAG_LEN};
use crate::tag_hex::decode_tag;
use crate::timestamp::RequestTimestamp;
use crate::{ConfigError, Rejection};

/// The default freshness window: a timestamp may be this far in the past or
/// in the future.
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(300);

/// The default body cap: 1 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// The default time allowed for reading a request's body, used by framework
/// glue that reads the body itself (the `actix` extractor): 10 s.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// Checks Pumble's request signatures (pumble-protocol.md §2.2).
///
/// Build one at start-up with [`Verifier::new`] or [`Verifier::builder`] and
/// share it: cloning is cheap (one reference count), and it is `Send + Sync`.
///
/// Checks run in this order, and the first failure is returned:
///
/// 1. body longer than the cap → [`Rejection::BodyTooLarge`] (413);
/// 2. timestamp, then signature header missing or empty → 403;
/// 3. timestamp not plain ASCII digits → 403, outside the window on either
///    side (edges included as valid) → 403;
/// 4. signature not 64 hex digits (either case) → 403; HMAC-SHA256 of
///    `timestamp ":" body` under the current or any previous secret not equal
///    to it (constant-time comparison) → 403;
/// 5. replay guard, when enabled: the same (timestamp, signature) already
///    seen → 403;
/// 6. body not JSON → [`Rejection::InvalidJson`] (400).
///
/// The actix extractor runs the checks of 2–4 that need no body before it
/// reads the body (after a declared `Content-Length` over the cap, which is
/// known without reading), so it answers 403 rather than 413 for a body of
/// undeclared length that is over the cap and also lacks valid headers.
///
/// The `Debug` output names only the number of secrets and the options.
#[derive(Clone)]
pub struct Verifier {
    inner: Arc<VerifierInner>,
}

struct VerifierInner {
    /// HMAC states keyed with each secret, current first.
    keys: Vec<HmacSha256>,
    window: Duration,
    max_body_bytes: usize,
    body_timeout: Duration,
    replay_guard: Option<ReplayGuard>,
}

/// Builds a [`Verifier`]; see [`Verifier::builder`].
pub struct VerifierBuilder {
    keys: Vec<HmacSha256>,
    first_error: Option<ConfigError>,
    window: Duration,
    max_body_bytes: usize,
    body_timeout: Duration,
    replay_capacity: Option<usize>,
}

/// A request that passed every check: its exact bytes and their JSON.
///
/// `B` is whatever the body was handed in as (`&[u8]`, `Vec<u8>`, a `Bytes`
/// buffer…); it is kept as-is, never copied. The `Debug` output shows the body
/// length only.
pub struct Verified<B> {
    body: B,
    json: serde_json::Value,
}

impl Verifier {
    /// A verifier for one secret with the default window and body cap and no
    /// replay guard.
    ///
    /// # Errors
    /// The secret is empty, whitespace, or has leading/trailing whitespace.
    pub fn new(secret: &str) -> Result<Self, ConfigError> {
        Self::builder().secret(secret).build()
    }

    /// A builder: add the current secret first, then previous ones.
    ///
    /// ```
    /// use std::time::Duration;
    /// use pumble_verify::Verifier;
    ///
    /// let verifier = Verifier::builder()
    ///     .secret("xpss-11111111111111111111111111111111") // current
    ///     .secret("xpss-00000000000000000000000000000000") // previous, still accepted
    ///     .window(Duration::from_secs(300))
    ///     .max_body_bytes(1024 * 1024)
    ///     .replay_guard(100_000)
    ///     .build()
    ///     .expect("valid configuration");
    /// assert_eq!(verifier.window(), Duration::from_secs(300));
    /// ```
    pub fn builder() -> VerifierBuilder {
        VerifierBuilder {
            keys: Vec::new(),
            first_error: None,
            window: DEFAULT_WINDOW,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            replay_capacity: None,
        }
    }

    /// The freshness window on either side of now.
    pub fn window(&self) -> Duration {
        self.inner.window
    }

    /// The largest body accepted, in bytes.
    pub fn max_body_bytes(&self) -> usize {
        self.inner.max_body_bytes
    }

    /// How long framework glue that reads the body itself (the `actix`
    /// extractor) waits for the whole body before refusing the request.
    pub fn body_timeout(&self) -> Duration {
        self.inner.body_timeout
    }

    /// Verifies a request against the system clock and parses its body as JSON.
    ///
    /// `timestamp_header` and `signature_header` are the values of
    /// `x-pumble-request-timestamp` and `x-pumble-request-signature`
    /// ([`crate::TIMESTAMP_HEADER`], [`crate::SIGNATURE_HEADER`]); `body` is
    /// the exact request bytes.
    ///
    /// # Errors
    /// The first failed check, as listed on [`Verifier`].
    pub fn verify<B: AsRef<[u8]>>(
        &self,
        timestamp_header: Option<&str>,
        signature_header: Option<&str>,
        body: B,
    ) -> Result<Verified<B>, Rejection> {
        self.verify_at(timestamp_header, signature_header, body, SystemTime::now())
    }

    /// [`Verifier::verify`] with an explicit clock, for tests. `now` is the
    /// time the whole request has arrived (read it after the body, not
    /// before: the replay guard keeps what it has seen by that clock).
    ///
    /// # Errors
    /// The first failed check, as listed on [`Verifier`].
    pub fn verify_at<B: AsRef<[u8]>>(
        &self,
        timestamp_header: Option<&str>,
        signature_header: Option<&str>,
        body: B,
        now: SystemTime,
    ) -> Result<Verified<B>, Rejection> {
        self.verify_header_bytes_at(
            HeaderField::from_str_option(timestamp_header),
            HeaderField::from_str_option(signature_header),
            body,
            now,
        )
    }

    /// Every check except the JSON parse, against the system clock: for
    /// callers that parse the body themselves (into their own types).
    ///
    /// # Errors
    /// The first failed check among 1–5 listed on [`Verifier`].
    pub fn verify_signature(
        &self,
        timestamp_header: Option<&str>,
        signature_header: Option<&str>,
        body: &[u8],
    ) -> Result<(), Rejection> {
        self.verify_signature_at(timestamp_header, signature_header, body, SystemTime::now())
    }

    /// [`Verifier::verify_signature`] with an explicit clock, for tests.
    /// `now` is the time the whole request has arrived, as for
    /// [`Verifier::verify_at`].
    ///
    /// # Errors
    /// The first failed check among 1–5 listed on [`Verifier`].
    pub fn verify_signature_at(
        &self,
        timestamp_header: Option<&str>,
        signature_header: Option<&str>,
        body: &[u8],
        now: SystemTime,
    ) -> Result<(), Rejection> {
        self.check_signature(
            HeaderField::from_str_option(timestamp_header),
            HeaderField::from_str_option(signature_header),
            body,
            now,
        )
    }

    /// The full verification on raw header bytes, so that a framework's header
    /// values that are not valid UTF-8 still go through the checks in order.
    pub(crate) fn verify_header_bytes_at<B: AsRef<[u8]>>(
        &self,
        timestamp_header: HeaderField<'_>,
        signature_header: HeaderField<'_>,
        body: B,
        now: SystemTime,
    ) -> Result<Verified<B>, Rejection> {
        self.check_signature(timestamp_header, signature_header, body.as_ref(), now)?;
        // Parsed exactly once, from the verified bytes (never before).
        let json = serde_json::from_slice(body.as_ref()).map_err(|_| Rejection::InvalidJson)?;
        Ok(Verified { body, json })
    }

    /// Checks 1–5 of the list on [`Verifier`].
    pub(crate) fn check_signature(
        &self,
        timestamp_header: HeaderField<'_>,
        signature_header: HeaderField<'_>,
        body: &[u8],
        now: SystemTime,
    ) -> Result<(), Rejection> {
        if body.len() > self.inner.max_body_bytes {
            return Err(Rejection::BodyTooLarge);
        }
        let headers = self.check_headers(timestamp_header, signature_header, now)?;
        self.check_body_against(&headers, body)
    }

    /// Checks 1, the HMAC of 4, and 5 for a body whose headers already
    /// passed [`Verifier::check_headers`]. The replay guard is handed the
    /// headers' clock reading (the actix extractor reads it again once the
    /// body is in); the guard's own clock is the latest reading it has seen,
    /// so a request whose slice has left the guard by then is refused as
    /// stale rather than remembered anew (it could be a replay of what was
    /// forgotten).
    pub(crate) fn check_body_against(
        &self,
        headers: &CheckedHeaders<'_>,
        body: &[u8],
    ) -> Result<(), Rejection> {
        let inner = &*self.inner;
        if body.len() > inner.max_body_bytes {
            return Err(Rejection::BodyTooLarge);
        }
        let matches_a_secret = inner.keys.iter().any(|keyed| {
            let expected = tag_over(keyed, headers.timestamp_header, body);
            tags_equal(&expected, &headers.claimed)
        });
        if !matches_a_secret {
            return Err(Rejection::SignatureMismatch);
        }
        if let Some(guard) = &inner.replay_guard {
            guard.check_and_record(
                headers.timestamp.as_millis(),
                &headers.claimed,
                headers.now.as_millis(),
            )?;
        }
        Ok(())
    }
}

/// Whether two tags are equal, in time that does not depend on where they
/// differ: compared as four 64-bit words, each word in constant time.
fn tags_equal(a: &[u8; TAG_LEN], b: &[u8; TAG_LEN]) -> bool {
    let words = |tag: &[u8; TAG_LEN]| -> [u64; TAG_LEN / 8] {
        std::array::from_fn(|i| {
            let mut word = [0u8; 8];
            word.copy_from_slice(&tag[i * 8..i * 8 + 8]);
            u64::from_le_bytes(word)
        })
    };
    bool::from(words(a)[..].ct_eq(&words(b)[..]))
}

/// The header checks' result: what the signature check needs.
pub(crate) struct CheckedHeaders<'a> {
    timestamp_header: &'a [u8],
    timestamp: RequestTimestamp,
    claimed: [u8; TAG_LEN],
    /// The clock, as time since the epoch: read for the window check, and
    /// read again once the body is in, where a framework reads it (`reread_clock`).
    now: Duration,
}

impl CheckedHeaders<'_> {
    /// Takes a new clock reading for the replay guard, once the body has
    /// been read: the guard then works with the time the request reaches
    /// it, however long its body took (the window check keeps the reading
    /// it was made with).
    #[cfg_attr(not(feature = "actix"), allow(dead_code))]
    pub(crate) fn reread_clock(&mut self, now: SystemTime) {
        self.now = now.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    }
}

impl Verifier {
    /// Checks 2–4 of the list on [`Verifier`] that need no body: both headers
    /// present, the timestamp well-formed and inside the window, the
    /// signature 64 hex digits. Framework glue runs this before reading the
    /// body, so a request without a plausible signature costs no body read.
    #[cfg(feature = "actix")]
    pub(crate) fn check_headers_at<'a>(
        &self,
        timestamp_header: HeaderField<'a>,
        signature_header: HeaderField<'_>,
        now: SystemTime,
    ) -> Result<CheckedHeaders<'a>, Rejection> {
        self.check_headers(timestamp_header, signature_header, now)
    }

    fn check_headers<'a>(
        &self,
        timestamp_header: HeaderField<'a>,
        signature_header: HeaderField<'_>,
        now: SystemTime,
    ) -> Result<CheckedHeaders<'a>, Rejection> {
        if timestamp_header.is_missing() {
            return Err(Rejection::MissingTimestamp);
        }
        if signature_header.is_missing() {
            return Err(Rejection::MissingSignature);
        }
        // A header sent twice is ambiguous (a proxy may read the other one):
        // refused as malformed, in the place its format check has.
        let timestamp_header = timestamp_header
            .single()
            .ok_or(Rejection::MalformedTimestamp)?;

        let timestamp = RequestTimestamp::parse(timestamp_header)?;
        // A clock set before 1970 counts as the epoch itself.
        let now = now.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
        timestamp.check_window(now, self.inner.window)?;

        let signature_header = signature_header
            .single()
            .ok_or(Rejection::MalformedSignature)?;
        let claimed = decode_tag(signature_header).ok_or(Rejection::MalformedSignature)?;
        Ok(CheckedHeaders {
            timestamp_header,
            timestamp,
            claimed,
            now,
        })
    }
}

/// One request header as a framework hands it over.
#[derive(Clone, Copy)]
pub(crate) enum HeaderField<'a> {
    /// Not sent.
    Absent,
    /// Sent once, with this value.
    Once(&'a [u8]),
    /// Sent more than once. Only framework glue (the `actix` feature) can
    /// see repeated headers; the `&str` API cannot express them.
    #[cfg_attr(not(feature = "actix"), allow(dead_code))]
    Repeated,
}

impl<'a> HeaderField<'a> {
    fn from_str_option(value: Option<&'a str>) -> Self {
        value.map_or(HeaderField::Absent, |value| {
            HeaderField::Once(value.as_bytes())
        })
    }

    /// Absent, or sent once and empty.
    fn is_missing(self) -> bool {
        match self {
            HeaderField::Absent => true,
            HeaderField::Once(value) => value.is_empty(),
            HeaderField::Repeated => false,
        }
    }

    /// The value, when sent exactly once.
    fn single(self) -> Option<&'a [u8]> {
        match self {
            HeaderField::Once(value) => Some(value),
            HeaderField::Absent | HeaderField::Repeated => None,
        }
    }
}

impl VerifierBuilder {
    /// Adds a signing secret. The first one added is the current secret; each
    /// later one is a previous secret that is still accepted during a rotation.
    /// The secret is used as-is (its UTF-8 bytes) as the HMAC key.
    ///
    /// An empty or whitespace secret, or one with leading or trailing
    /// whitespace, makes [`VerifierBuilder::build`] fail.
    #[must_use]
    pub fn secret(mut self, secret: &str) -> Self {
        let position = self.keys.len();
        let trimmed = secret.trim();
        let problem = if trimmed.is_empty() {
            Some(ConfigError::EmptySecret { position })
        } else if trimmed.len() != secret.len() {
            Some(ConfigError::SecretHasSurroundingWhitespace { position })
        } else {
            None
        };
        if let Some(problem) = problem {
            self.first_error.get_or_insert(problem);
        }
        self.keys.push(keyed_mac(secret.as_bytes()));
        self
    }

    /// Sets the freshness window (default [`DEFAULT_WINDOW`], ±300 s).
    #[must_use]
    pub fn window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// Sets the body cap in bytes (default [`DEFAULT_MAX_BODY_BYTES`], 1 MiB).
    #[must_use]
    pub fn max_body_bytes(mut self, max_body_bytes: usize) -> Self {
        self.max_body_bytes = max_body_bytes;
        self
    }

    /// Sets how long framework glue that reads the body itself (the `actix`
    /// extractor) waits for the whole body (default [`DEFAULT_BODY_TIMEOUT`],
    /// 10 s). A sender slower than that is refused (408 `body_timeout`), so
    /// it cannot hold a connection and a buffer open by trickling bytes.
    #[must_use]
    pub fn body_timeout(mut self, body_timeout: Duration) -> Self {
        self.body_timeout = body_timeout;
        self
    }

    /// Turns on the replay guard: an exact repeat of a verified request (same
    /// timestamp and signature) within the window is refused with
    /// [`Rejection::Replayed`]. The guard remembers at most `capacity`
    /// requests (an 8-byte digest each: 8 bytes in a sorted array once a
    /// second old, 10–21 bytes with its hash table slot before that; 200 000
    /// take about 2 MiB, at most about 5 MiB); when that many are still
    /// inside the window, new requests are refused with [`Rejection::ReplayGuardFull`]
    /// rather than forgetting one that could then be replayed. Size it above
    /// the number of requests you expect within twice the window.
    ///
    /// The guard lives in this process (shared by all clones of the
    /// verifier); replicas behind a load balancer each have their own.
    #[must_use]
    pub fn replay_guard(mut self, capacity: usize) -> Self {
        self.replay_capacity = Some(capacity);
        self
    }

    /// Builds the verifier.
    ///
    /// # Errors
    /// No secret was added, a secret is empty or badly trimmed, or the replay
    /// guard capacity is zero.
    pub fn build(self) -> Result<Verifier, ConfigError> {
        if let Some(error) = self.first_error {
            return Err(error);
        }
        if self.keys.is_empty() {
            return Err(ConfigError::NoSecret);
        }
        let replay_guard = match self.replay_capacity {
            Some(0) => return Err(ConfigError::ZeroReplayCapacity),
            // One second of slack covers the whole-second comparison of
            // timestamps written in seconds.
            Some(capacity) => Some(ReplayGuard::new(capacity, self.window.as_millis() + 1000)),
            None => None,
        };
        Ok(Verifier {
            inner: Arc::new(VerifierInner {
                keys: self.keys,
                window: self.window,
                max_body_bytes: self.max_body_bytes,
                body_timeout: self.body_timeout,
                replay_guard,
            }),
        })
    }
}

impl<B: AsRef<[u8]>> Verified<B> {
    /// The exact bytes that were verified.
    pub fn body(&self) -> &[u8] {
        self.body.as_ref()
    }

    /// The body parsed as JSON.
    pub fn json(&self) -> &serde_json::Value {
        &self.json
    }

    /// The parsed JSON, dropping the bytes.
    pub fn into_json(self) -> serde_json::Value {
        self.json
    }

    /// The body as it was handed in, and its JSON.
    pub fn into_parts(self) -> (B, serde_json::Value) {
        (self.body, self.json)
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("Verifier")
            .field("secrets", &inner.keys.len())
            .field("window", &inner.window)
            .field("max_body_bytes", &inner.max_body_bytes)
            .field("body_timeout", &inner.body_timeout)
            .field("replay_guard", &inner.replay_guard)
            .finish()
    }
}

impl fmt::Debug for VerifierBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifierBuilder")
            .field("secrets", &self.keys.len())
            .field("window", &self.window)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("replay_capacity", &self.replay_capacity)
            .finish_non_exhaustive()
    }
}

impl<B: AsRef<[u8]>> fmt::Debug for Verified<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verified")
            .field("body_len", &self.body.as_ref().len())
            .finish_non_exhaustive()
    }
}

impl<B: AsRef<[u8]>> PartialEq for Verified<B> {
    fn eq(&self, other: &Self) -> bool {
        self.body() == other.body() && self.json == other.json
    }
}

impl<B: AsRef<[u8]>> Eq for Verified<B> {}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "xpss-11111111111111111111111111111111";

    /// A verifier with a replay guard and the freshness window `window`.
    fn guarded_verifier(window: Duration) -> Verifier {
        Verifier::builder()
            .secret(SECRET)
            .window(window)
            .replay_guard(1000)
            .build()
            .expect("valid configuration")
    }

    fn at(ms: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(ms)
    }

    /// Verifies `body` signed at `sent_ms` against the clock at `now_ms`;
    /// gives its timestamp and signature headers too.
    fn send(
        verifier: &Verifier,
        sent_ms: u64,
        body: &[u8],
        now_ms: u64,
    ) -> (Result<(), Rejection>, String, String) {
        let timestamp = sent_ms.to_string();
        let signature = crate::sign(SECRET, &timestamp, body);
        let outcome = verifier
            .verify_at(Some(&timestamp), Some(&signature), body, at(now_ms))
            .map(|_| ());
        (outcome, timestamp, signature)
    }

    /// A copy of a delivered request (its `timestamp` and `signature`): its
    /// headers checked against the clock at `now_ms`.
    fn copy_headers<'a>(
        verifier: &Verifier,
        timestamp: &'a str,
        signature: &str,
        now_ms: u64,
    ) -> CheckedHeaders<'a> {
        verifier
            .check_headers(
                HeaderField::Once(timestamp.as_bytes()),
                HeaderField::Once(signature.as_bytes()),
                at(now_ms),
            )
            .expect("inside the window")
    }

    const SENT_MS: u64 = 1_717_000_000_000;

    /// A copy of a delivered request, replayed near the window's edge with
    /// its body held back `body_delay_ms` while the sender's next genuine
    /// request is verified: the outcome of the copy.
    fn replay_with_a_slow_body(body_delay_ms: u64) -> Result<(), Rejection> {
        let verifier = guarded_verifier(DEFAULT_WINDOW);
        let body = br#"{"n":1}"#;
        let (delivered, timestamp, signature) = send(&verifier, SENT_MS, body, SENT_MS);
        delivered.expect("the genuine delivery");
        // The copy's headers arrive at the window's last millisecond.
        let headers = copy_headers(&verifier, &timestamp, &signature, SENT_MS + 300_000);
        let later_ms = SENT_MS + 300_000 + body_delay_ms;
        send(&verifier, later_ms, br#"{"n":2}"#, later_ms)
            .0
            .expect("the next genuine request");
        verifier.check_body_against(&headers, body)
    }

    #[test]
    fn a_replay_whose_body_arrives_slowly_is_refused() {
        // The copy's slice is still kept (the slack past the window):
        // recognised as a replay.
        assert_eq!(replay_with_a_slow_body(500), Err(Rejection::Replayed));
        // It has been forgotten by the time the body is in: stale.
        for delay_ms in [1200, 2500, 9000] {
            assert_eq!(
                replay_with_a_slow_body(delay_ms),
                Err(Rejection::StaleTimestamp),
                "body {delay_ms} ms late"
            );
        }
    }

    #[test]
    fn a_replay_whose_body_outlasts_the_keep_time_is_refused() {
        // A 2 s window keeps entries 3 s; the default body timeout is 10 s,
        // so a body can be held past the keep time. The clock is read again
        // once the body is in, as the actix extractor does: a reading from
        // before it, more than the keep time old, would be taken for the
        // clock set back.
        let verifier = guarded_verifier(Duration::from_secs(2));
        let body = br#"{"n":1}"#;
        let (delivered, timestamp, signature) = send(&verifier, SENT_MS, body, SENT_MS);
        delivered.expect("the genuine delivery");
        for copy in 0..3u64 {
            // A copy's headers 1.5 s after the original (in the window).
            let mut headers = copy_headers(&verifier, &timestamp, &signature, SENT_MS + 1500);
            // 4 s later, while its body trickles, a genuine request.
            let later_ms = SENT_MS + 5600 + copy * 100;
            send(&verifier, later_ms, br#"{"n":2}"#, later_ms)
                .0
                .expect("the next genuine request");
            headers.reread_clock(at(later_ms + 5));
            assert_eq!(
                verifier.check_body_against(&headers, body),
                Err(Rejection::StaleTimestamp),
                "copy {copy}"
            );
        }
    }

    #[test]
    fn fresh_requests_pass_after_the_clock_is_corrected() {
        let verifier = guarded_verifier(DEFAULT_WINDOW);
        let fresh = |now_ms: u64, n: u64| {
            send(
                &verifier,
                now_ms,
                format!(r#"{{"n":{n}}}"#).as_bytes(),
                now_ms,
            )
            .0
        };
        let fast_ms = SENT_MS;
        assert_eq!(fresh(fast_ms, 0), Ok(()));
        // The clock is corrected back by 1 s, 305 s (just past the 301 s
        // keep time) and 30 min: requests stamped now keep passing.
        for step_ms in [1000, 305_000, 1_800_000] {
            for i in 0..50u64 {
                let now_ms = fast_ms - step_ms + i * 100;
                assert_eq!(
                    fresh(now_ms, step_ms + i + 1),
                    Ok(()),
                    "{step_ms} ms back, +{i}"
                );
            }
        }
    }

    #[test]
    fn tags_are_equal_only_when_every_byte_is() {
        let tag: [u8; TAG_LEN] = std::array::from_fn(|i| i as u8);
        assert!(tags_equal(&tag, &tag));
        for at in 0..TAG_LEN {
            for flip in [1u8, 0x80] {
                let mut other = tag;
                other[at] ^= flip;
                assert!(!tags_equal(&tag, &other), "byte {at} flipped by {flip}");
            }
        }
    }
}
