//! Why a request was refused: one variant per check, each with an HTTP status
//! and a short code that is safe to log and to send back.

/// A request that did not pass verification.
///
/// Variants carry no data on purpose: nothing from the request (body,
/// signature) and nothing from the verifier (secret, expected signature) can
/// reach a log line or a response through this type. The checks run in the
/// order the variants are listed (pumble-protocol.md §2.2, DESIGN.md rule 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// The body is larger than the configured cap (413).
    #[error("request body exceeds the size cap")]
    BodyTooLarge,
    /// The timestamp header is absent or empty (403).
    #[error("timestamp header missing or empty")]
    MissingTimestamp,
    /// The signature header is absent or empty (403).
    #[error("signature header missing or empty")]
    MissingSignature,
    /// The timestamp header is not plain ASCII digits, or does not fit in 64 bits (403).
    #[error("timestamp header is not a plain decimal number")]
    MalformedTimestamp,
    /// The timestamp is older than the window allows (403).
    #[error("timestamp is older than the allowed window")]
    StaleTimestamp,
    /// The timestamp is further in the future than the window allows (403).
    #[error("timestamp is further ahead than the allowed window")]
    FutureTimestamp,
    /// The signature header is not 64 hexadecimal characters (403).
    #[error("signature header is not 64 hexadecimal characters")]
    MalformedSignature,
    /// The signature does not match the body under any configured secret (403).
    #[error("signature does not match")]
    SignatureMismatch,
    /// The replay guard has already seen this exact (timestamp, signature) pair (403).
    #[error("request was already received")]
    Replayed,
    /// The replay guard is full of requests still inside the window, so this
    /// one cannot be recorded; it is refused rather than risk a replay (503).
    #[error("replay guard is at capacity")]
    ReplayGuardFull,
    /// The body passed the signature check but is not valid JSON (400).
    #[error("request body is not valid JSON")]
    InvalidJson,
}

impl Rejection {
    /// The HTTP status code to answer with.
    pub fn status(self) -> u16 {
        match self {
            Rejection::BodyTooLarge => 413,
            Rejection::MissingTimestamp
            | Rejection::MissingSignature
            | Rejection::MalformedTimestamp
            | Rejection::StaleTimestamp
            | Rejection::FutureTimestamp
            | Rejection::MalformedSignature
            | Rejection::SignatureMismatch
            | Rejection::Replayed => 403,
            Rejection::ReplayGuardFull => 503,
            Rejection::InvalidJson => 400,
        }
    }

    /// A short, stable, machine-readable code (snake case), safe to log and to
    /// return to the caller, e.g. `"signature_mismatch"`.
    pub fn code(self) -> &'static str {
        match self {
            Rejection::BodyTooLarge => "body_too_large",
            Rejection::MissingTimestamp => "missing_timestamp",
            Rejection::MissingSignature => "missing_signature",
            Rejection::MalformedTimestamp => "malformed_timestamp",
            Rejection::StaleTimestamp => "stale_timestamp",
            Rejection::FutureTimestamp => "future_timestamp",
            Rejection::MalformedSignature => "malformed_signature",
            Rejection::SignatureMismatch => "signature_mismatch",
            Rejection::Replayed => "replayed_request",
            Rejection::ReplayGuardFull => "replay_guard_full",
            Rejection::InvalidJson => "invalid_json",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Rejection; 11] = [
        Rejection::BodyTooLarge,
        Rejection::MissingTimestamp,
        Rejection::MissingSignature,
        Rejection::MalformedTimestamp,
        Rejection::StaleTimestamp,
        Rejection::FutureTimestamp,
        Rejection::MalformedSignature,
        Rejection::SignatureMismatch,
        Rejection::Replayed,
        Rejection::ReplayGuardFull,
        Rejection::InvalidJson,
    ];

    #[test]
    fn every_rejection_has_a_distinct_code() {
        let codes: std::collections::HashSet<_> = ALL.iter().map(|r| r.code()).collect();
        assert_eq!(codes.len(), ALL.len());
    }

    #[test]
    fn codes_are_short_snake_case() {
        for rejection in ALL {
            let code = rejection.code();
            assert!(code.len() <= 32, "{code}");
            assert!(
                code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{code}"
            );
        }
    }
}
