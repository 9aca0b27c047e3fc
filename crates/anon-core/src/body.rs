//! [`MessageBody`]: the text of an anonymous message.

use std::fmt;

use thiserror::Error;

/// Longest body, counted in Unicode scalar values (`char`s) after trimming.
pub const MAX_BODY_CHARS: usize = 2000;

/// Longest report preview, in `char`s, ellipsis included.
pub const PREVIEW_CHARS: usize = 200;

/// Why a text is not a valid body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum BodyError {
    /// Nothing but whitespace.
    #[error("message is empty")]
    Empty,
    /// More than [`MAX_BODY_CHARS`] characters after trimming.
    #[error("message has {chars} characters, more than the maximum of {max}")]
    TooLong {
        /// Characters in the trimmed text.
        chars: usize,
        /// The maximum, [`MAX_BODY_CHARS`].
        max: usize,
    },
}

/// The body of an anonymous message: trimmed, non-empty, at most
/// [`MAX_BODY_CHARS`] characters (Unicode scalar values, never bytes, never
/// UTF-16 units).
///
/// `Debug`/`Display` print only the length; the text takes
/// [`expose`](Self::expose).
#[derive(Clone, PartialEq, Eq)]
pub struct MessageBody(String);

impl MessageBody {
    /// Trims `raw` (whitespace and invisible format characters, see
    /// [`is_ignorable`]) and checks it is non-empty and short enough.
    pub fn parse(raw: &str) -> Result<Self, BodyError> {
        let trimmed = raw.trim_matches(is_ignorable);
        if trimmed.is_empty() {
            return Err(BodyError::Empty);
        }
        let chars = trimmed.chars().count();
        if chars > MAX_BODY_CHARS {
            return Err(BodyError::TooLong {
                chars,
                max: MAX_BODY_CHARS,
            });
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The text. Call only to render it for its audience or to seal it into
    /// the store; never to log.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Length in characters.
    pub fn char_count(&self) -> usize {
        self.0.chars().count()
    }

    /// At most [`PREVIEW_CHARS`] characters of the body, cut on a character
    /// boundary; when cut, the last character is `…`.
    pub fn preview(&self) -> String {
        preview_of(&self.0, PREVIEW_CHARS)
    }
}

/// Characters that carry nothing visible at the edges of a text: Unicode
/// whitespace, zero-width space, zero-width (non-)joiner, word joiner, the
/// byte order mark, the soft hyphen, and the bidirectional marks, embeddings,
/// overrides and isolates (LRM, RLM, ALM, U+202A–U+202E, U+2066–U+2069), which
/// a right-to-left keyboard may put in front of a mention.
pub fn is_ignorable(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{061C}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'
                | '\u{2066}'..='\u{2069}'
                | '\u{FEFF}'
        )
}

/// At most `max_chars` characters of `text`; when `text` is longer, its first
/// `max_chars - 1` characters followed by `…`. Never splits a character.
pub(crate) fn preview_of(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    out.push('…');
    out
}

impl fmt::Debug for MessageBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MessageBody(<redacted, {} chars>)", self.char_count())
    }
}

impl fmt::Display for MessageBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted message>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_is_trimmed_and_counted_in_chars() {
        let body = MessageBody::parse("  \n hello \t\n").expect("non-empty");
        assert_eq!(body.expose(), "hello");
        // 2000 four-byte characters are 8000 bytes and 4000 UTF-16 units,
        // and still exactly at the limit.
        let emoji = "😀".repeat(MAX_BODY_CHARS);
        assert_eq!(MessageBody::parse(&emoji).map(|b| b.char_count()), Ok(2000));
        let over = "é".repeat(MAX_BODY_CHARS + 1);
        assert_eq!(
            MessageBody::parse(&over),
            Err(BodyError::TooLong {
                chars: 2001,
                max: 2000
            })
        );
    }

    #[test]
    fn whitespace_only_is_empty() {
        assert_eq!(MessageBody::parse(" \n\t "), Err(BodyError::Empty));
        assert_eq!(
            MessageBody::parse("\u{200B}\u{FEFF} \u{2060}"),
            Err(BodyError::Empty)
        );
        assert_eq!(
            MessageBody::parse("\u{200B}hi\u{200D}").map(|b| b.char_count()),
            Ok(2)
        );
        assert_eq!(MessageBody::parse(""), Err(BodyError::Empty));
    }

    #[test]
    fn bidi_controls_and_soft_hyphens_at_the_edges_are_trimmed() {
        let body =
            MessageBody::parse("\u{200F}\u{202B} hi \u{202C}\u{2069}\u{00AD}").expect("non-empty");
        assert_eq!(body.expose(), "hi");
        assert_eq!(
            MessageBody::parse("\u{200E}\u{200F}\u{061C}\u{202E}\u{2066}"),
            Err(BodyError::Empty)
        );
        // Inside the text they stay: they may be meaningful there.
        assert_eq!(
            MessageBody::parse("a\u{200F}b").map(|b| b.char_count()),
            Ok(3)
        );
    }

    #[test]
    fn length_counts_scalar_values_of_combining_marks_and_emoji_sequences() {
        // "é" written as e + COMBINING ACUTE is two scalar values.
        let combining = "e\u{0301}".repeat(MAX_BODY_CHARS / 2);
        assert_eq!(
            MessageBody::parse(&combining).map(|b| b.char_count()),
            Ok(2000)
        );
        let over = format!("{combining}x");
        assert_eq!(
            MessageBody::parse(&over),
            Err(BodyError::TooLong {
                chars: 2001,
                max: 2000
            })
        );
        // A ZWJ family emoji is 7 scalar values; ZWJs inside are kept.
        let family = "👨\u{200D}👩\u{200D}👧\u{200D}👦";
        assert_eq!(family.chars().count(), 7);
        let body = MessageBody::parse(&format!("{family}{family}")).expect("non-empty");
        assert_eq!(body.char_count(), 14);
        let many = family.repeat(285); // 1995 scalar values
        assert!(MessageBody::parse(&format!("{many}abcde")).is_ok());
        assert!(MessageBody::parse(&format!("{many}abcdef")).is_err());
    }

    #[test]
    fn body_never_prints_its_text() {
        let body = MessageBody::parse("the secret plan").expect("non-empty");
        assert!(!format!("{body:?}").contains("secret"));
        assert!(!format!("{body}").contains("secret"));
    }

    #[test]
    fn preview_keeps_short_text_and_cuts_long_text_with_ellipsis() {
        assert_eq!(preview_of("short", 200), "short");
        let exact = "x".repeat(200);
        assert_eq!(preview_of(&exact, 200), exact);
        let long = "ж".repeat(201);
        let cut = preview_of(&long, 200);
        assert_eq!(cut.chars().count(), 200);
        assert!(cut.ends_with('…'));
        assert!(cut.starts_with(&"ж".repeat(199)));
    }
}
