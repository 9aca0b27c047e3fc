//! Percent-decoding of query strings and path segments.

/// The percent-decoded value of the first parameter `name` in a raw query
/// string (`a=1&b=2`). `+` is read as a space, as in form encoding.
pub(crate) fn param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (decode(key, true)? == name).then(|| decode(value, true))?
    })
}

/// Decodes one path segment (`%XX` escapes; `+` stays a plus).
pub(crate) fn path_segment(s: &str) -> Option<String> {
    decode(s, false)
}

/// Decodes `%XX` escapes (and `+` as a space in query strings); `None` for a
/// malformed escape or non-UTF-8.
fn decode(s: &str, plus_as_space: bool) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hi = hex_value(*bytes.get(i + 1)?)?;
                let lo = hex_value(*bytes.get(i + 2)?)?;
                out.push(hi * 16 + lo);
                i += 3;
            }
            b'+' if plus_as_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_literal_and_encoded_commas() {
        assert_eq!(
            param("participantIds=a,b", "participantIds").as_deref(),
            Some("a,b")
        );
        assert_eq!(
            param("x=1&participantIds=a%2Cb", "participantIds").as_deref(),
            Some("a,b")
        );
        assert_eq!(param("x=1", "participantIds"), None);
        assert_eq!(param("types", "types").as_deref(), Some(""));
    }

    #[test]
    fn rejects_broken_escapes() {
        assert_eq!(decode("%2", true), None);
        assert_eq!(decode("%zz", true), None);
        assert_eq!(decode("%C3%A9", true).as_deref(), Some("é"));
        assert_eq!(path_segment("a+b%2Fc").as_deref(), Some("a+b/c"));
    }
}
