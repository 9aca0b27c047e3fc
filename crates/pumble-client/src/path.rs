//! Building request paths from ids that come from outside.
//!
//! An id is put into a path or query only after percent-encoding every byte
//! other than ASCII letters, digits, `-`, `_` and `~`. `.` is encoded too, so
//! an id of `..` cannot become a dot-segment, and `/`, `?`, `#`, `%` and `,`
//! cannot change the path, start a query or split a list. Empty ids are
//! refused: `/v1/channels/{id}` with an empty id would name another endpoint.

use std::fmt::Write as _;

use crate::error::ClientError;

/// Percent-encodes one id for use as a path segment or query value.
pub(crate) fn encode_id(id: &str, what: &'static str) -> Result<String, ClientError> {
    if id.is_empty() {
        return Err(ClientError::InvalidArgument(what));
    }
    let mut encoded = String::with_capacity(id.len());
    for byte in id.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    Ok(encoded)
}

/// Encodes a list of ids as one comma-joined value, the commas between them
/// left literal (pumble-protocol.md §5.4, `participantIds` and `types`).
pub(crate) fn encode_id_list<'a>(
    ids: impl IntoIterator<Item = &'a str>,
    what: &'static str,
) -> Result<String, ClientError> {
    let encoded = ids
        .into_iter()
        .map(|id| encode_id(id, what))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(encoded.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_ids_pass_unchanged() {
        assert_eq!(
            encode_id("ch_general-1~x", "channel id").ok().as_deref(),
            Some("ch_general-1~x")
        );
    }

    #[test]
    fn reserved_characters_are_encoded() {
        assert_eq!(
            encode_id("../a/b?c#d%e,f g", "channel id").ok().as_deref(),
            Some("%2E%2E%2Fa%2Fb%3Fc%23d%25e%2Cf%20g")
        );
        assert_eq!(encode_id("é", "user id").ok().as_deref(), Some("%C3%A9"));
    }

    #[test]
    fn empty_ids_are_refused() {
        assert!(matches!(
            encode_id("", "channel id"),
            Err(ClientError::InvalidArgument("channel id"))
        ));
        assert!(encode_id_list(["u_a", ""], "user id").is_err());
    }

    #[test]
    fn lists_keep_literal_commas_between_encoded_ids() {
        assert_eq!(
            encode_id_list(["u_anonbot", "u,bob"], "user id")
                .ok()
                .as_deref(),
            Some("u_anonbot,u%2Cbob")
        );
    }
}
