//! Query-string reading with percent-decoding.

/// The percent-decoded value of the first parameter `name` in a raw query
/// string (`a=1&b=2`). `+` is read as a space, as in form encoding.
pub(crate) fn param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(key)? == name).then(|| percent_decode(value))?
    })
}

/// Decodes `%XX` escapes and `+`; `None` for a malformed escape or non-UTF-8.
pub(crate) fn percent_decode(s: &str) -> Option<String> {
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
            b'+' => {
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
        assert_eq!(percent_decode("%2"), None);
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%C3%A9").as_deref(), Some("é"));
    }
}
