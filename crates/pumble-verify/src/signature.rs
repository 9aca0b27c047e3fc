//! The Pumble signature scheme (pumble-protocol.md §2.2): HMAC-SHA256, keyed by
//! the app's signing secret, over the exact bytes `timestamp ":" body`.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// HMAC-SHA256 as Pumble uses it.
pub(crate) type HmacSha256 = Hmac<Sha256>;

/// Length in bytes of an HMAC-SHA256 tag.
pub(crate) const TAG_LEN: usize = 32;

/// An HMAC-SHA256 state already keyed with `secret`; cloning it skips the key
/// schedule on every request.
pub(crate) fn keyed_mac(secret: &[u8]) -> HmacSha256 {
    <HmacSha256 as Mac>::new_from_slice(secret).expect("HMAC-SHA256 accepts keys of every length")
}

/// The tag over `timestamp ":" body`, fed piece by piece so the body is never
/// copied into a joined buffer.
pub(crate) fn tag_over(keyed: &HmacSha256, timestamp: &[u8], body: &[u8]) -> [u8; TAG_LEN] {
    let mut mac = keyed.clone();
    mac.update(timestamp);
    mac.update(b":");
    mac.update(body);
    mac.finalize().into_bytes().into()
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
    let keyed = keyed_mac(secret.as_bytes());
    crate::tag_hex::encode_lowercase(&tag_over(&keyed, timestamp.as_bytes(), body))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// pumble-protocol.md §2.2, computed independently with Node, openssl and Python.
    const PINNED_SECRET: &str = "xpss-00000000000000000000000000000000";
    const PINNED_TIMESTAMP: &str = "1717000000000";
    const PINNED_BODY: &str = r#"{"messageType":"SLASH_COMMAND","slashCommand":"/anon-block","text":"","userId":"u_alice","channelId":"ch_general","workspaceId":"ws_1","triggerId":"trg_9"}"#;
    const PINNED_SIGNATURE: &str =
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
