//! Signed-webhook verification for Pumble apps.
//!
//! Pumble signs every request it sends to an app with HMAC-SHA256 over
//! `timestamp ":" body` (pumble-protocol.md §2.2). This crate signs and
//! verifies such requests.
#![warn(missing_docs)]

mod signature;

pub use signature::sign;
