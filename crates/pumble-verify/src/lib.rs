//! Signed-webhook verification for Pumble apps.
//!
//! Pumble signs every request it sends to an app: the header
//! `x-pumble-request-signature` holds the lowercase hex of HMAC-SHA256, keyed
//! by the app's signing secret, over the exact bytes
//! `<x-pumble-request-timestamp> ":" <body>` (pumble-protocol.md §2.2).
//!
//! This crate checks such requests completely: a body cap, both headers, a
//! freshness window, a constant-time signature comparison over the raw bytes
//! (current and previous secrets), an optional replay guard, and only then a
//! JSON parse. See [`Verifier`] for the order of the checks and [`Rejection`]
//! for what each failure answers.
//!
//! The core needs no web framework. The `actix` feature adds an actix-web
//! extractor, `VerifiedRequest` (in the `actix` module).
//!
//! # Verifying a request
//!
//! ```
//! use pumble_verify::{sign, Rejection, Verifier};
//! use std::time::{Duration, SystemTime, UNIX_EPOCH};
//!
//! let secret = "xpss-00000000000000000000000000000000";
//! let verifier = Verifier::new(secret)?;
//!
//! let body = br#"{"messageType":"SLASH_COMMAND","text":"hi"}"#;
//! let now = UNIX_EPOCH + Duration::from_secs(1_717_000_000);
//! let timestamp = "1717000000000"; // milliseconds; seconds work too
//! let signature = sign(secret, timestamp, body);
//!
//! let verified = verifier.verify_at(Some(timestamp), Some(&signature), &body[..], now)?;
//! assert_eq!(verified.json()["text"], "hi");
//! assert_eq!(verified.body(), body);
//!
//! // One changed byte and the request is refused, with a status and a code
//! // that are safe to log.
//! let tampered = br#"{"messageType":"SLASH_COMMAND","text":"ho"}"#;
//! let rejection = verifier
//!     .verify_at(Some(timestamp), Some(&signature), &tampered[..], now)
//!     .unwrap_err();
//! assert_eq!(rejection, Rejection::SignatureMismatch);
//! assert_eq!((rejection.status(), rejection.code()), (403, "signature_mismatch"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Timestamp unit
//!
//! Pumble does not document whether the timestamp header counts seconds or
//! milliseconds since the Unix epoch, and both are seen in practice. Values at
//! or above [`MILLISECONDS_THRESHOLD`] (10^11, i.e. year 5138 in seconds and
//! March 1973 in milliseconds) are read as milliseconds, smaller ones as
//! seconds. Seconds are compared with the clock at whole-second precision,
//! milliseconds at millisecond precision. Only plain ASCII digits are
//! accepted: no sign, spaces, decimal point or exponent, and at most
//! `u64::MAX`.
//!
//! # Security notes
//!
//! * The signature is compared in constant time on the decoded 32 bytes, so
//!   response timing does not reveal how many leading bytes of a forged
//!   signature were right.
//! * The HMAC covers the raw bytes as received; the body is never decoded or
//!   re-serialised before verification (re-encoding JSON changes bytes, and
//!   decoding chunk by chunk can break multi-byte characters).
//! * The body cap is the first check, and the actix extractor enforces it
//!   while reading, so an unauthenticated sender cannot make the server buffer
//!   an unbounded body. The extractor also refuses missing or malformed
//!   headers and stale timestamps before reading any of the body, and bounds
//!   the read by [`Verifier::body_timeout`], so a sender cannot hold a
//!   connection open by trickling bytes.
//! * No `Debug`, `Display` or error of this crate contains a secret, an
//!   expected signature or a body.
#![warn(missing_docs)]

#[cfg(feature = "actix")]
pub mod actix;
mod config_error;
mod rejection;
mod replay_guard;
mod signature;
mod tag_hex;
mod timestamp;
mod verifier;

pub use config_error::ConfigError;
pub use rejection::Rejection;
pub use signature::sign;
pub use timestamp::MILLISECONDS_THRESHOLD;
pub use verifier::{
    Verified, Verifier, VerifierBuilder, DEFAULT_BODY_TIMEOUT, DEFAULT_MAX_BODY_BYTES,
    DEFAULT_WINDOW,
};

/// The README's examples, compiled and run as doctests (both need the `actix`
/// feature to be on, since one of them uses it).
#[cfg(all(doctest, feature = "actix"))]
#[doc = include_str!("../README.md")]
#[derive(Debug)]
pub struct ReadmeDoctests;

/// The request header carrying the timestamp that was signed.
pub const TIMESTAMP_HEADER: &str = "x-pumble-request-timestamp";

/// The request header carrying the hex HMAC-SHA256 signature.
pub const SIGNATURE_HEADER: &str = "x-pumble-request-signature";
