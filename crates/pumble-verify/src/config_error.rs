//! Why a [`crate::Verifier`] could not be built.

/// A verifier configuration that was refused at construction.
///
/// Secrets are named by position only (0 is the current secret, 1 the first
/// previous one, …), never by value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No signing secret was given.
    #[error("no signing secret configured")]
    NoSecret,
    /// A signing secret is empty or only whitespace.
    #[error("signing secret #{position} is empty or whitespace")]
    EmptySecret {
        /// Position of the secret: 0 is the current one.
        position: usize,
    },
    /// A signing secret starts or ends with whitespace, which is almost always
    /// a copy/paste or trailing-newline mistake that would make every request
    /// fail verification (pumble-protocol.md §9.14).
    #[error("signing secret #{position} has leading or trailing whitespace")]
    SecretHasSurroundingWhitespace {
        /// Position of the secret: 0 is the current one.
        position: usize,
    },
    /// The replay guard was given room for zero requests.
    #[error("replay guard capacity must be at least 1")]
    ZeroReplayCapacity,
}
