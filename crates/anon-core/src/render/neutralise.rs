//! Making typed text unable to mention anyone.

/// U+2060 WORD JOINER: invisible, zero width, not whitespace.
const JOINER: char = '\u{2060}';

/// Returns `text` with an invisible word joiner after every `@` and between
/// consecutive `<`, so no mention syntax survives: `<<@ID>>` becomes
/// `<⁠<@⁠ID>>`, `@here` becomes `@⁠here`, `@channel` becomes `@⁠channel`.
/// What a reader sees is unchanged.
///
/// Pumble's rendering of mention syntax inside message text (and inside
/// literal `text` elements) is not documented (pumble-protocol.md §5.5), so
/// both the blocks and the fallback text go through this.
pub fn neutralise_mentions(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut previous = None;
    for c in text.chars() {
        if c == '<' && previous == Some('<') {
            out.push(JOINER);
        }
        out.push(c);
        if c == '@' {
            out.push(JOINER);
        }
        previous = Some(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mention_syntax_is_broken_invisibly() {
        assert_eq!(
            neutralise_mentions("<<@u_bob>>"),
            "<\u{2060}<@\u{2060}u_bob>>"
        );
        assert_eq!(neutralise_mentions("hey @here"), "hey @\u{2060}here");
        assert_eq!(neutralise_mentions("@channel"), "@\u{2060}channel");
        assert_eq!(neutralise_mentions("<<<"), "<\u{2060}<\u{2060}<");
        assert_eq!(neutralise_mentions("plain text"), "plain text");
        let visible: String = neutralise_mentions("a <<@x>> @y")
            .chars()
            .filter(|c| *c != '\u{2060}')
            .collect();
        assert_eq!(visible, "a <<@x>> @y");
    }
}
