//! [`RawText`]: user-typed text not yet parsed into a body.

use std::fmt;

/// Text a user typed (slash command text, a modal's input), held until it
/// is parsed. `Debug` prints only its length.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct RawText(String);

impl RawText {
    /// Wraps typed text.
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The text. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for RawText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RawText(<redacted, {} bytes>)", self.0.len())
    }
}
