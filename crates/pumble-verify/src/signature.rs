//! The Pumble signature scheme (pumble-protocol.md §2.2): HMAC-SHA256, keyed by
//! the app's signing secret, over the exact bytes `timestamp ":" body`.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// HMAC-SHA256 as Pumble uses it.
pub(crate) type HmacSha256 = Hmac<Sha256>;

/// Starts a MAC over `timestamp ":" body` keyed by `secret`, without copying
/// the body into a joined buffer.
pub(crate) fn mac_over(secret: &[u8], timestamp: &[u8], body: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <HmacSha256 as Mac>::new_from_slice(secret)
        .expect("HMAC-SHA256 accepts keys of every length");
    mac.update(timestamp);
    mac.update(b":");
    mac.update(body);
    mac
}

/// Signs a request the way Pumble does: the lowercase hex of
/// HMAC-SHA256(`secret`, `timestamp ":" body`), 64 characters.
///
/// `secret` is the app's signing secret used as-is (its UTF-8 bytes),
/// `timestamp` is the exact value of the `x-pumble-request-timestamp` header
/// and `body` the exact request bytes. Apps and simulators use this to build
/// signed fixtures; receivers should use [`crate::Verifier`], which also checks
/// freshness and compares in constant time.
///
/// ```
/// let signature = pumble_verify::sign(
///     "xpss-00000000000000000000000000000000",
///     "1717000000000",
///     br#"{"messageType":"SLASH_COMMAND"}"#,
/// );
/// assert_eq!(signature.len(), 64);
/// assert!(signature.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
/// ```
pub fn sign(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let digest = mac_over(secret.as_bytes(), timestamp.as_bytes(), body)
        .finalize()
        .into_bytes();
    hex::encode(digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// pumble-protocol.md §2.2, computed independently with Node, openssl and Python.
    pub(crate) const PINNED_SECRET: &str = "xpss-00000000000000000000000000000000";
    pub(crate) const PINNED_TIMESTAMP: &str = "1717000000000";
    pub(crate) const PINNED_BODY: &str = r#"{"messageType":"SLASH_COMMAND","slashCommand":"/anon-block","text":"","userId":"u_alice","channelId":"ch_general","workspaceId":"ws_1","triggerId":"trg_9"}"#;
    pub(crate) const PINNED_SIGNATURE: &str =
        "cd4d58803a7d6b1240d9e1f97ed7285fe41d587b0b41069c6d31a837170f2feb";

    #[test]
    fn sign_matches_pinned_protocol_vector() {
        assert_eq!(
            sign(PINNED_SECRET, PINNED_TIMESTAMP, PINNED_BODY.as_bytes()),
            PINNED_SIGNATURE
        );
    }

    #[test]
    fn sign_depends_on_the_separator_position() {
        // "17:x" signed as timestamp "17" body "x" must differ from timestamp "1" body "7:x".
        assert_ne!(sign("k", "17", b"x"), sign("k", "1", b"7:x"));
    }
}
