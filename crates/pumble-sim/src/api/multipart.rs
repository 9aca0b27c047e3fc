//! A small `multipart/form-data` reader for text fields (RFC 7578), enough for
//! `POST /oauth2/access` (protocol §6.3). Written here rather than pulling in
//! a multipart crate because the simulator only needs a handful of short text
//! fields and wants to refuse anything malformed precisely.

/// Why a multipart body was refused. Never carries field values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MultipartError {
    /// The content type is not `multipart/form-data` or has no boundary.
    NotMultipart,
    /// The body does not follow the multipart framing.
    Malformed(&'static str),
    /// A field name appears twice.
    DuplicateField,
}

/// The boundary of a `multipart/form-data; boundary=…` content type.
pub(crate) fn boundary(content_type: &str) -> Result<String, MultipartError> {
    let mut parts = content_type.split(';');
    let mime = parts.next().unwrap_or("").trim();
    if !mime.eq_ignore_ascii_case("multipart/form-data") {
        return Err(MultipartError::NotMultipart);
    }
    for param in parts {
        let Some((key, value)) = param.split_once('=') else {
            continue;
        };
        if key.trim().eq_ignore_ascii_case("boundary") {
            let value = value.trim().trim_matches('"');
            // RFC 2046: 1 to 70 characters.
            if value.is_empty() || value.len() > 70 {
                return Err(MultipartError::NotMultipart);
            }
            return Ok(value.to_owned());
        }
    }
    Err(MultipartError::NotMultipart)
}

/// Parses the text fields of a multipart body, in order.
pub(crate) fn text_fields(
    body: &[u8],
    boundary: &str,
) -> Result<Vec<(String, String)>, MultipartError> {
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    // The body starts with the first delimiter (a preamble is allowed but
    // nobody sends one; skip up to the first delimiter anyway).
    let first = find(body, delimiter, 0).ok_or(MultipartError::Malformed("no delimiter"))?;
    let mut pos = first + delimiter.len();
    let mut fields: Vec<(String, String)> = Vec::new();
    loop {
        if body[pos..].starts_with(b"--") {
            return Ok(fields); // close delimiter; the epilogue is ignored
        }
        if !body[pos..].starts_with(b"\r\n") {
            return Err(MultipartError::Malformed("delimiter not followed by CRLF"));
        }
        pos += 2;
        let headers_end = find(body, b"\r\n\r\n", pos)
            .ok_or(MultipartError::Malformed("unterminated headers"))?;
        let headers = std::str::from_utf8(&body[pos..headers_end])
            .map_err(|_| MultipartError::Malformed("headers not UTF-8"))?;
        let name = field_name(headers)?;
        let content_start = headers_end + 4;
        let mut next_delimiter = b"\r\n".to_vec();
        next_delimiter.extend_from_slice(delimiter);
        let content_end = find(body, &next_delimiter, content_start)
            .ok_or(MultipartError::Malformed("unterminated part"))?;
        let value = std::str::from_utf8(&body[content_start..content_end])
            .map_err(|_| MultipartError::Malformed("field not UTF-8"))?;
        if fields.iter().any(|(n, _)| *n == name) {
            return Err(MultipartError::DuplicateField);
        }
        fields.push((name, value.to_owned()));
        pos = content_end + next_delimiter.len();
    }
}

/// The `name` parameter of the part's `Content-Disposition: form-data` header.
fn field_name(headers: &str) -> Result<String, MultipartError> {
    for line in headers.split("\r\n") {
        let Some((key, value)) = line.split_once(':') else {
            return Err(MultipartError::Malformed("header line without colon"));
        };
        if !key.trim().eq_ignore_ascii_case("content-disposition") {
            continue;
        }
        let mut params = value.split(';');
        if !params
            .next()
            .is_some_and(|d| d.trim().eq_ignore_ascii_case("form-data"))
        {
            return Err(MultipartError::Malformed("disposition is not form-data"));
        }
        for param in params {
            if let Some((k, v)) = param.split_once('=') {
                if k.trim().eq_ignore_ascii_case("name") {
                    let v = v.trim();
                    let unquoted = v
                        .strip_prefix('"')
                        .and_then(|s| s.strip_suffix('"'))
                        .unwrap_or(v);
                    return Ok(unquoted.to_owned());
                }
            }
        }
        return Err(MultipartError::Malformed("disposition without name"));
    }
    Err(MultipartError::Malformed(
        "part without Content-Disposition",
    ))
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > haystack.len() {
        return None;
    }
    haystack[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(parts: &[(&str, &str)], boundary: &str) -> Vec<u8> {
        let mut out = String::new();
        for (name, value) in parts {
            out.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            ));
        }
        out.push_str(&format!("--{boundary}--\r\n"));
        out.into_bytes()
    }

    #[test]
    fn reads_fields_in_order() {
        let b = body(&[("client-id", "app_1"), ("code", "c-1\r\nx")], "XyZ");
        let fields = text_fields(&b, "XyZ").expect("well-formed body");
        assert_eq!(
            fields,
            vec![
                ("client-id".to_owned(), "app_1".to_owned()),
                ("code".to_owned(), "c-1\r\nx".to_owned())
            ]
        );
    }

    #[test]
    fn reads_boundary_forms() {
        assert_eq!(
            boundary("multipart/form-data; boundary=abc").as_deref(),
            Ok("abc")
        );
        assert_eq!(
            boundary("Multipart/Form-Data; charset=utf-8; boundary=\"a b\"").as_deref(),
            Ok("a b")
        );
        assert_eq!(
            boundary("application/json"),
            Err(MultipartError::NotMultipart)
        );
        assert_eq!(
            boundary("multipart/form-data"),
            Err(MultipartError::NotMultipart)
        );
    }

    #[test]
    fn every_truncation_and_corruption_is_refused_without_panicking() {
        let whole = body(
            &[
                ("client-id", "app_1"),
                ("client-secret", "s"),
                ("code", "c"),
            ],
            "b0",
        );
        // The close delimiter ends two bytes before the end (a CRLF epilogue
        // follows); every shorter prefix is incomplete.
        let complete = whole.len() - 2;
        for end in 0..complete {
            let parsed = text_fields(&whole[..end], "b0");
            assert!(parsed.is_err(), "prefix of {end} bytes accepted");
        }
        for i in 0..whole.len() {
            let mut corrupted = whole.clone();
            corrupted[i] = b'\xff';
            let _ = text_fields(&corrupted, "b0");
        }
        assert_eq!(
            text_fields(&whole[..complete], "b0").map(|f| f.len()),
            Ok(3)
        );
        assert_eq!(text_fields(&whole, "b0").map(|f| f.len()), Ok(3));
    }

    #[test]
    fn refuses_malformed_bodies() {
        assert!(text_fields(b"no delimiter here", "b").is_err());
        let unterminated = b"--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nvalue";
        assert!(text_fields(unterminated, "b").is_err());
        let no_name = b"--b\r\nContent-Disposition: form-data\r\n\r\nv\r\n--b--";
        assert!(text_fields(no_name, "b").is_err());
        let dup = body(&[("code", "1"), ("code", "2")], "b");
        assert_eq!(text_fields(&dup, "b"), Err(MultipartError::DuplicateField));
    }
}
