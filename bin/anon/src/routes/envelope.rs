//! The two fields a signed request is routed by — `messageType` and
//! `workspaceId` — read in one pass over the bytes, without a JSON parser.
//!
//! This is only a fast path: [`read`] answers for the plain, usual shape (a
//! JSON object whose two routing fields, when present, are strings without
//! escapes or `null`) and gives up on anything else — an escaped key at the
//! top level, a routing field given twice or as another type, nesting deeper
//! than [`MAX_DEPTH`], a lone surrogate escape, anything that is not valid
//! JSON. The caller then takes the general path, which parses the body as a
//! JSON value and tells invalid JSON from an unexpected shape. So whenever
//! [`read`] answers, a JSON parser reading the same two fields would have
//! answered the same (the tests check this against `serde_json`).

/// The routing fields, borrowed from the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Envelope<'a> {
    /// `messageType`, when present and not `null`.
    pub message_type: Option<&'a str>,
    /// `workspaceId`, when present and not `null`.
    pub workspace_id: Option<&'a str>,
}

/// Nesting deeper than this is left to the general path.
pub const MAX_DEPTH: usize = 64;

/// Integer digits of a number read on the fast path (with at most
/// [`MAX_EXPONENT_DIGITS`] exponent digits, at most about 10^299: finite).
const MAX_INTEGER_DIGITS: usize = 200;

/// Exponent digits of a number read on the fast path.
const MAX_EXPONENT_DIGITS: usize = 2;

/// The routing fields of `text`, or `None` when it is not a plain JSON
/// object of the usual shape (see the module documentation).
pub fn read(text: &str) -> Option<Envelope<'_>> {
    let mut scanner = Scanner { text, at: 0 };
    let mut envelope = Envelope {
        message_type: None,
        workspace_id: None,
    };
    let (mut seen_type, mut seen_workspace) = (false, false);
    scanner.skip_whitespace();
    scanner.expect(b'{')?;
    scanner.skip_whitespace();
    if scanner.peek()? == b'}' {
        scanner.at += 1;
    } else {
        loop {
            scanner.skip_whitespace();
            let key = scanner.plain_string()?;
            scanner.skip_whitespace();
            scanner.expect(b':')?;
            scanner.skip_whitespace();
            match key {
                "messageType" if !seen_type => {
                    seen_type = true;
                    envelope.message_type = scanner.routing_value()?;
                }
                "workspaceId" if !seen_workspace => {
                    seen_workspace = true;
                    envelope.workspace_id = scanner.routing_value()?;
                }
                // Given twice: a parser would refuse or pick one; leave it
                // to the general path.
                "messageType" | "workspaceId" => return None,
                _ => scanner.skip_value(1)?,
            }
            scanner.skip_whitespace();
            match scanner.next()? {
                b',' => {}
                b'}' => break,
                _ => return None,
            }
        }
    }
    scanner.skip_whitespace();
    (scanner.at == text.len()).then_some(envelope)
}

/// A position in the text being read. Every method returns `None` where
/// the text is not what it should be (or is beyond this fast path).
struct Scanner<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.at += 1;
        Some(byte)
    }

    fn expect(&mut self, wanted: u8) -> Option<()> {
        (self.next()? == wanted).then_some(())
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// A string without escapes, borrowed (the quotes are ASCII, so the
    /// slice between them starts and ends on character boundaries).
    fn plain_string(&mut self) -> Option<&'a str> {
        self.expect(b'"')?;
        let start = self.at;
        loop {
            match self.next()? {
                b'"' => return self.text.get(start..self.at - 1),
                b'\\' => return None,
                control if control < 0x20 => return None,
                _ => {}
            }
        }
    }

    /// A routing field's value: a plain string, or `null`.
    fn routing_value(&mut self) -> Option<Option<&'a str>> {
        match self.peek()? {
            b'"' => self.plain_string().map(Some),
            b'n' => self.literal("null").map(|()| None),
            _ => None,
        }
    }

    fn literal(&mut self, word: &str) -> Option<()> {
        let end = self.at.checked_add(word.len())?;
        if self.text.as_bytes().get(self.at..end)? == word.as_bytes() {
            self.at = end;
            Some(())
        } else {
            None
        }
    }

    /// Any JSON value, checked but not kept; `depth` counts the objects and
    /// arrays it is inside of.
    fn skip_value(&mut self, depth: usize) -> Option<()> {
        match self.peek()? {
            b'"' => self.skip_string(),
            b'{' => self.skip_container(depth, b'}', true),
            b'[' => self.skip_container(depth, b']', false),
            b't' => self.literal("true"),
            b'f' => self.literal("false"),
            b'n' => self.literal("null"),
            b'-' | b'0'..=b'9' => self.skip_number(),
            _ => None,
        }
    }

    /// An object (`keyed`) or an array, from its opening bracket to `close`.
    fn skip_container(&mut self, depth: usize, close: u8, keyed: bool) -> Option<()> {
        if depth >= MAX_DEPTH {
            return None;
        }
        self.at += 1;
        self.skip_whitespace();
        if self.peek()? == close {
            self.at += 1;
            return Some(());
        }
        loop {
            self.skip_whitespace();
            if keyed {
                self.skip_string()?;
                self.skip_whitespace();
                self.expect(b':')?;
                self.skip_whitespace();
            }
            self.skip_value(depth + 1)?;
            self.skip_whitespace();
            match self.next()? {
                b',' => {}
                byte if byte == close => return Some(()),
                _ => return None,
            }
        }
    }

    /// A string, escapes checked: the JSON escapes, `\u` with four hex
    /// digits, surrogates only in pairs.
    fn skip_string(&mut self) -> Option<()> {
        self.expect(b'"')?;
        loop {
            match self.next()? {
                b'"' => return Some(()),
                b'\\' => match self.next()? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                    b'u' => match self.hex_unit()? {
                        // A high surrogate must be followed by a low one.
                        0xD800..=0xDBFF => {
                            self.literal("\\u")?;
                            if !(0xDC00..=0xDFFF).contains(&self.hex_unit()?) {
                                return None;
                            }
                        }
                        0xDC00..=0xDFFF => return None,
                        _ => {}
                    },
                    _ => return None,
                },
                control if control < 0x20 => return None,
                _ => {}
            }
        }
    }

    /// The four hex digits of a `\u` escape, as a UTF-16 code unit.
    fn hex_unit(&mut self) -> Option<u16> {
        let end = self.at.checked_add(4)?;
        let hex = self.text.get(self.at..end)?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        self.at = end;
        u16::from_str_radix(hex, 16).ok()
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, within
    /// what a parser reads as a finite `f64`: at most
    /// [`MAX_INTEGER_DIGITS`] integer digits and [`MAX_EXPONENT_DIGITS`]
    /// exponent digits (`1e400` is out of range for a parser, so it is left
    /// to the general path).
    fn skip_number(&mut self) -> Option<()> {
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.next()? {
            b'0' => {}
            b'1'..=b'9' => {
                if self.skip_digits() >= MAX_INTEGER_DIGITS {
                    return None;
                }
            }
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            self.one_or_more_digits()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if self.one_or_more_digits()? > MAX_EXPONENT_DIGITS {
                return None;
            }
        }
        Some(())
    }

    /// Skips digits; how many.
    fn skip_digits(&mut self) -> usize {
        let start = self.at;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
        self.at - start
    }

    fn one_or_more_digits(&mut self) -> Option<usize> {
        let digits = self.skip_digits();
        (digits > 0).then_some(digits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a JSON parser reads of the same fields: the oracle.
    #[derive(serde::Deserialize, Debug, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Parsed<'a> {
        #[serde(borrow, default)]
        message_type: Option<&'a str>,
        #[serde(borrow, default)]
        workspace_id: Option<&'a str>,
    }

    /// Checks `read` against the parser on `text`: when `read` answers, the
    /// parser reads the text as a JSON object with the same fields.
    fn agrees_with_the_parser(text: &str) -> Option<Envelope<'_>> {
        let read = read(text);
        if let Some(envelope) = read {
            let value: Result<serde_json::Value, _> = serde_json::from_str(text);
            assert!(
                value.as_ref().is_ok_and(serde_json::Value::is_object),
                "read answered for a non-object or invalid JSON: {text:?}"
            );
            let parsed: Parsed<'_> = serde_json::from_str(text)
                .unwrap_or_else(|e| panic!("read answered, the parser refused ({e}): {text:?}"));
            assert_eq!(
                (parsed.message_type, parsed.workspace_id),
                (envelope.message_type, envelope.workspace_id),
                "{text:?}"
            );
        }
        read
    }

    const FIXTURES: [&str; 10] = [
        include_str!("../../../../tests/fixtures/block_reply_click.json"),
        include_str!("../../../../tests/fixtures/block_report_click.json"),
        include_str!("../../../../tests/fixtures/event_app_unauthorized.json"),
        include_str!("../../../../tests/fixtures/event_app_uninstalled.json"),
        include_str!("../../../../tests/fixtures/slash_anon_block.json"),
        include_str!("../../../../tests/fixtures/slash_anon_channel.json"),
        include_str!("../../../../tests/fixtures/slash_anon_dm.json"),
        include_str!("../../../../tests/fixtures/slash_anon_thread.json"),
        include_str!("../../../../tests/fixtures/view_close_reply.json"),
        include_str!("../../../../tests/fixtures/view_submit_reply.json"),
    ];

    #[test]
    fn every_shared_fixture_is_read_on_the_fast_path() {
        for fixture in FIXTURES {
            let envelope = agrees_with_the_parser(fixture)
                .unwrap_or_else(|| panic!("fixture not read: {fixture}"));
            assert!(envelope.message_type.is_some(), "{fixture}");
        }
    }

    #[test]
    fn plain_shapes_are_read() {
        let cases = [
            (r#"{}"#, None, None),
            (r#" { } "#, None, None),
            (
                r#"{"messageType":"SLASH_COMMAND","workspaceId":"ws_1"}"#,
                Some("SLASH_COMMAND"),
                Some("ws_1"),
            ),
            (
                "\r\n{ \"workspaceId\" :\t\"ws 1\" , \"messageType\" : null }\n",
                None,
                Some("ws 1"),
            ),
            (
                r#"{"a":[1,-2.5e+3,0,{"b":[]},"x\"y\\u\u00e9\ud83d\ude00"],"messageType":"VIEW_ACTION","c":{"messageType":1},"d":true,"e":false,"f":null}"#,
                Some("VIEW_ACTION"),
                None,
            ),
            (r#"{"messageType":"écrit ✓"}"#, Some("écrit ✓"), None),
            (
                r#"{"a":[-0,1E5,1e-99,-1.5E+99,0.000001],"messageType":"N"}"#,
                Some("N"),
                None,
            ),
        ];
        for (text, message_type, workspace_id) in cases {
            assert_eq!(
                agrees_with_the_parser(text),
                Some(Envelope {
                    message_type,
                    workspace_id
                }),
                "{text}"
            );
        }
    }

    #[test]
    fn unusual_or_invalid_shapes_are_left_to_the_general_path() {
        // 1 followed by 309 zeros overflows an f64.
        let too_long = format!(r#"{{"a":1{},"messageType":"A"}}"#, "0".repeat(309));
        let deep = format!(
            r#"{{"messageType":"X","a":{}{}}}"#,
            "[".repeat(MAX_DEPTH),
            "]".repeat(MAX_DEPTH)
        );
        let cases = [
            "",
            "[]",
            r#"["SLASH_COMMAND","ws_1"]"#,
            r#""SLASH_COMMAND""#,
            r#"{"message\u0054ype":"SLASH_COMMAND"}"#,
            r#"{"messageType":"SLASH\u005fCOMMAND"}"#,
            r#"{"messageType":"A","messageType":"B"}"#,
            r#"{"workspaceId":"a","workspaceId":"a"}"#,
            r#"{"messageType":7}"#,
            r#"{"workspaceId":["ws_1"]}"#,
            r#"{"messageType":"A",}"#,
            r#"{"messageType":"A"} x"#,
            r#"{"messageType":"A"}}"#,
            r#"{"messageType" "A"}"#,
            r#"{"a":01,"messageType":"A"}"#,
            r#"{"a":1.,"messageType":"A"}"#,
            r#"{"a":-,"messageType":"A"}"#,
            r#"{"a":1e,"messageType":"A"}"#,
            r#"{"a":tru,"messageType":"A"}"#,
            r#"{"a":1e400,"messageType":"A"}"#,
            r#"{"a":-1E+309,"messageType":"A"}"#,
            &too_long,
            r#"{"a":"\x","messageType":"A"}"#,
            r#"{"a":"\u12g4","messageType":"A"}"#,
            r#"{"a":"\ud800","messageType":"A"}"#,
            r#"{"a":"\ud800x","messageType":"A"}"#,
            r#"{"a":"\ud800\u0041","messageType":"A"}"#,
            r#"{"a":"\ude00\ud83d","messageType":"A"}"#,
            r#"{"a":"\u+123","messageType":"A"}"#,
            "{\"a\":\"tab\there\",\"messageType\":\"A\"}",
            "{\"messageType\":\"line\nbreak\"}",
            r#"{"a":[1 2],"messageType":"A"}"#,
            r#"{"a":{"b"},"messageType":"A"}"#,
            r#"{"a":[}"#,
            r#"{"messageType":"A""#,
            &deep,
        ];
        for text in cases {
            assert_eq!(agrees_with_the_parser(text), None, "{text}");
        }
        // One level less deep is still read.
        let shallower = format!(
            r#"{{"messageType":"X","a":{}{}}}"#,
            "[".repeat(MAX_DEPTH - 1),
            "]".repeat(MAX_DEPTH - 1)
        );
        assert!(agrees_with_the_parser(&shallower).is_some());
        // The largest numbers still read: finite for a parser.
        let largest = format!(r#"{{"a":-{}e+99,"messageType":"A"}}"#, "9".repeat(200));
        assert!(agrees_with_the_parser(&largest).is_some());
    }

    /// Mutated fixtures: wherever `read` answers, the parser agrees.
    #[test]
    fn mutated_payloads_never_make_it_disagree_with_the_parser() {
        const ALPHABET: &[u8] = br#"{}[]",:\ 0123456789.-+eEtrufalsn/u"#;
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut random = move |below: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % below as u64) as usize
        };
        let (mut answered, mut refused) = (0, 0);
        for round in 0..20_000 {
            let mut bytes = FIXTURES[round % FIXTURES.len()].as_bytes().to_vec();
            for _ in 0..1 + random(3) {
                let at = random(bytes.len() + 1);
                match random(8) {
                    0 | 1 if at < bytes.len() => {
                        bytes.remove(at);
                    }
                    2 | 3 if at < bytes.len() => bytes[at] = ALPHABET[random(ALPHABET.len())],
                    // A long run of one character: long numbers, deep
                    // nesting, long strings.
                    4 => {
                        let run = vec![ALPHABET[random(ALPHABET.len())]; 60 + random(340)];
                        bytes.splice(at..at, run);
                    }
                    _ => bytes.insert(at, ALPHABET[random(ALPHABET.len())]),
                }
            }
            let Ok(text) = String::from_utf8(bytes) else {
                continue;
            };
            match agrees_with_the_parser(&text) {
                Some(_) => answered += 1,
                None => refused += 1,
            }
        }
        // Both outcomes were exercised.
        assert!(answered > 1000 && refused > 1000, "{answered} / {refused}");
    }
}
