//! A minimal `multipart/form-data` body (RFC 7578) of text fields, as the
//! OAuth code exchange needs (pumble-protocol.md §6.3).
//!
//! The boundary is random per body and checked not to occur in any value.
//! The buffer is zeroed when dropped, since it holds the client secret.

use secrecy::zeroize::Zeroizing;

/// An encoded form: its `content-type` header value and its bytes.
pub(crate) struct MultipartForm {
    pub(crate) content_type: String,
    pub(crate) body: Zeroizing<Vec<u8>>,
}

/// Encodes text fields as `multipart/form-data`. Field names must be plain
/// ASCII without `"` (they are fixed by the caller, not taken from input).
pub(crate) fn encode_form(fields: &[(&str, &str)]) -> MultipartForm {
    let boundary = loop {
        let candidate = format!("pumble-client-{}", uuid::Uuid::new_v4().simple());
        if fields.iter().all(|(_, value)| !value.contains(&candidate)) {
            break candidate;
        }
    };
    let mut body = Zeroizing::new(Vec::new());
    for (name, value) in fields {
        debug_assert!(name.is_ascii() && !name.contains(['"', '\r', '\n']));
        body.extend_from_slice(b"--");
        body.extend_from_slice(boundary.as_bytes());
        body.extend_from_slice(b"\r\nContent-Disposition: form-data; name=\"");
        body.extend_from_slice(name.as_bytes());
        body.extend_from_slice(b"\"\r\n\r\n");
        body.extend_from_slice(value.as_bytes());
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"--");
    body.extend_from_slice(boundary.as_bytes());
    body.extend_from_slice(b"--\r\n");
    MultipartForm {
        content_type: format!("multipart/form-data; boundary={boundary}"),
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_framed_by_the_announced_boundary() {
        let form = encode_form(&[("client-id", "app_1"), ("code", "c0de")]);
        let boundary = form
            .content_type
            .strip_prefix("multipart/form-data; boundary=")
            .expect("content type announces the boundary");
        let body = String::from_utf8(form.body.to_vec()).expect("text fields give UTF-8");
        let expected = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"client-id\"\r\n\r\napp_1\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"code\"\r\n\r\nc0de\r\n\
             --{boundary}--\r\n"
        );
        assert_eq!(body, expected);
    }

    #[test]
    fn boundaries_differ_between_bodies() {
        let first = encode_form(&[("code", "x")]).content_type;
        let second = encode_form(&[("code", "x")]).content_type;
        assert_ne!(first, second);
    }
}
