//! Parsing the text of `/anon` into "DM to someone" or "post here", failing
//! closed on anything ambiguous (DESIGN rule 9, D7).
//!
//! Rules, applied to the text Pumble sends after the command
//! (pumble-protocol.md §3.2: a picked user mention arrives as
//! `<<@USER_ID>>`):
//!
//! 1. Leading whitespace, newlines and invisible format characters (zero
//!    width space, joiners, word joiner, byte order mark, soft hyphen,
//!    bidirectional marks and isolates) are ignored.
//! 2. Nothing left → [`TextRefusal::Empty`] (usage hint).
//! 3. Starts with `<<@ID>>` → a DM to `ID`; the rest is the body. A rest
//!    that starts with another mention → [`TextRefusal::MultipleRecipients`];
//!    an empty rest → [`TextRefusal::MentionWithoutText`]. A malformed
//!    mention at the start → [`TextRefusal::UnrecognisedMention`]. Mentions
//!    later in a DM's body stay literal text: it reaches one person anyway,
//!    and rendering neutralises them.
//! 4. Otherwise, any mention-like token (`<@`, which `<<@` contains)
//!    anywhere → [`TextRefusal::MentionNotAtStart`]: a message meant for one
//!    person must never land in a channel.
//! 5. Otherwise, text starting with `@` and a name character (`@bob hi`,
//!    typed without picking from the autocomplete) →
//!    [`TextRefusal::UnrecognisedMention`].
//! 6. Otherwise → a post in the current channel or thread.
//!
//! Checks that need facts (the bot's id, the sender, the channel) happen in
//! the flows.

use crate::body::is_ignorable;
use crate::ids::UserId;
use crate::redacted_text::RawText;

/// What `/anon` text asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnonText {
    /// A DM to `recipient`; `body` is the text after the mention.
    Direct {
        /// The mentioned user.
        recipient: UserId,
        /// The rest of the text (not yet length-checked).
        body: RawText,
    },
    /// A post in the channel, or the thread the command was typed in.
    Post {
        /// The text (not yet length-checked).
        body: RawText,
    },
    /// Not sendable as typed.
    Refused(TextRefusal),
}

/// Why `/anon` text was refused before any fact was looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextRefusal {
    /// No text.
    Empty,
    /// A recipient and no message.
    MentionWithoutText,
    /// A user mention that is not at the very start.
    MentionNotAtStart,
    /// Two or more recipients at the start.
    MultipleRecipients,
    /// Something mention-like at the start that is not a resolved mention.
    UnrecognisedMention,
}

const MENTION_OPEN: &str = "<<@";
const MENTION_CLOSE: &str = ">>";
/// Any mention-like token; `<<@` contains it.
const MENTION_LIKE: &str = "<@";

fn skip_ignorable(text: &str) -> &str {
    text.trim_start_matches(is_ignorable)
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-' || c == '.'
}

/// Parses `/anon` text. Never panics, whatever the input.
pub fn parse_anon_text(text: &str) -> AnonText {
    let text = skip_ignorable(text);
    if text.is_empty() {
        return AnonText::Refused(TextRefusal::Empty);
    }
    if let Some(after_open) = text.strip_prefix(MENTION_OPEN) {
        return parse_direct(after_open);
    }
    if text.contains(MENTION_LIKE) {
        return AnonText::Refused(TextRefusal::MentionNotAtStart);
    }
    let mut chars = text.chars();
    if chars.next() == Some('@') && chars.next().is_some_and(is_name_char) {
        return AnonText::Refused(TextRefusal::UnrecognisedMention);
    }
    AnonText::Post {
        body: RawText::new(text),
    }
}

fn parse_direct(after_open: &str) -> AnonText {
    let Some((raw_id, rest)) = after_open.split_once(MENTION_CLOSE) else {
        return AnonText::Refused(TextRefusal::UnrecognisedMention);
    };
    let Ok(recipient) = UserId::parse(raw_id) else {
        return AnonText::Refused(TextRefusal::UnrecognisedMention);
    };
    let rest = skip_ignorable(rest);
    if rest.starts_with(MENTION_OPEN) || rest.starts_with(MENTION_LIKE) {
        return AnonText::Refused(TextRefusal::MultipleRecipients);
    }
    if rest.trim_matches(is_ignorable).is_empty() {
        return AnonText::Refused(TextRefusal::MentionWithoutText);
    }
    AnonText::Direct {
        recipient,
        body: RawText::new(rest),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(raw: &str) -> UserId {
        UserId::parse(raw).expect("test id is valid")
    }

    fn dm(to: &str, body: &str) -> AnonText {
        AnonText::Direct {
            recipient: user(to),
            body: RawText::new(body),
        }
    }

    fn post(body: &str) -> AnonText {
        AnonText::Post {
            body: RawText::new(body),
        }
    }

    fn refused(why: TextRefusal) -> AnonText {
        AnonText::Refused(why)
    }

    #[test]
    fn parse_table() {
        use TextRefusal::*;
        let cases: Vec<(&str, AnonText)> = vec![
            // DMs: mention first, after any leading whitespace (D7).
            ("<<@u_bob>> great demo", dm("u_bob", "great demo")),
            ("   <<@u_bob>> hi", dm("u_bob", "hi")),
            ("\n\n\t<<@u_bob>>\nmulti\nline", dm("u_bob", "multi\nline")),
            ("\u{200B}\u{FEFF}<<@u_bob>> hi", dm("u_bob", "hi")),
            ("<<@u_bob>>hi", dm("u_bob", "hi")),
            (
                "<<@u_bob>> ask <<@u_carol>> too",
                dm("u_bob", "ask <<@u_carol>> too"),
            ),
            // Posts.
            ("could we try Thursdays?", post("could we try Thursdays?")),
            ("  spaced out  ", post("spaced out  ")),
            ("mail me at a@b.test", post("mail me at a@b.test")),
            ("@ alone is fine", post("@ alone is fine")),
            // Usage.
            ("", refused(Empty)),
            ("   \n\t ", refused(Empty)),
            ("<<@u_bob>>", refused(MentionWithoutText)),
            ("<<@u_bob>>   \n ", refused(MentionWithoutText)),
            ("<<@u_bob>> \u{200B}\u{FEFF}", refused(MentionWithoutText)),
            // Misplaced or doubtful mentions fail closed.
            ("hi <<@u_bob>>", refused(MentionNotAtStart)),
            ("thanks\n<<@u_bob>> for this", refused(MentionNotAtStart)),
            ("see <@u_bob>", refused(MentionNotAtStart)),
            ("<@u_bob> hi", refused(MentionNotAtStart)),
            ("<<@u_bob>> <<@u_carol>> hi", refused(MultipleRecipients)),
            ("<<@u_bob>> <@u_carol> hi", refused(MultipleRecipients)),
            ("<<@u_bob hi", refused(UnrecognisedMention)),
            ("<<@>> hi", refused(UnrecognisedMention)),
            ("<<@u bob>> hi", refused(UnrecognisedMention)),
            ("@bob hi there", refused(UnrecognisedMention)),
            ("  @here listen", refused(UnrecognisedMention)),
        ];
        for (input, want) in cases {
            assert_eq!(parse_anon_text(input), want, "input {input:?}");
        }
    }

    /// Inputs an attacker or a careless user might type.
    #[test]
    fn adversarial_table() {
        use TextRefusal::*;
        let cases: Vec<(&str, AnonText)> = vec![
            // Bidi marks a right-to-left keyboard puts first are skipped.
            ("\u{200F}<<@u_bob>> hi", dm("u_bob", "hi")),
            ("\u{2067}\u{200E} <<@u_bob>>\u{200F} hi", dm("u_bob", "hi")),
            // Zero-width characters inside a mention make it no mention:
            // refused at the start, refused (contains `<@`) or inert later.
            ("<<@u_\u{200B}bob>> hi", refused(UnrecognisedMention)),
            ("<\u{200B}<@u_bob>> hi", refused(MentionNotAtStart)),
            ("hi <\u{200D}<@u_bob>>", refused(MentionNotAtStart)),
            // Near-miss mention syntax.
            ("<< @u_bob>> hi", post("<< @u_bob>> hi")),
            ("<<@u_bob> hi", refused(UnrecognisedMention)),
            ("<@u_bob> hi", refused(MentionNotAtStart)),
            ("@u_bob hi", refused(UnrecognisedMention)),
            ("<<@u_bob>>>> hi", dm("u_bob", ">> hi")),
            ("<<@@u_bob>> hi", refused(UnrecognisedMention)),
            ("<<@u_bob>><<@u_bob>> hi", refused(MultipleRecipients)),
            (
                "<<@u_bob>>\u{200B}<<@u_carol>> hi",
                refused(MultipleRecipients),
            ),
            // Mentions inside code spans or blocks still fail closed.
            ("use `<<@u_bob>>` here", refused(MentionNotAtStart)),
            ("```\n<<@u_bob>>\n```", refused(MentionNotAtStart)),
            ("`<<@u_bob>>` hi", refused(MentionNotAtStart)),
            // Multi-line: a mention on a later line is not at the start.
            ("line one\n<<@u_bob>>", refused(MentionNotAtStart)),
            ("<<@u_bob>>\n\n\u{00A0}", refused(MentionWithoutText)),
            // Broadcast words typed at the start are refused, later they are
            // kept (rendering neutralises them).
            ("@channel hi", refused(UnrecognisedMention)),
            ("hi @here", post("hi @here")),
            // Lookalikes are plain text.
            ("＜＜＠u_bob＞＞ hi", post("＜＜＠u_bob＞＞ hi")),
            // Ids that could smuggle syntax or paths are refused.
            ("<<@u_bob/../x>> hi", refused(UnrecognisedMention)),
            ("<<@u_bob\n>> hi", refused(UnrecognisedMention)),
        ];
        for (input, want) in cases {
            assert_eq!(parse_anon_text(input), want, "input {input:?}");
        }
    }
}
