//! Turning a non-success answer's body into [`ClientError::Http`].
//!
//! Pumble's error bodies are undocumented; the SDK reads `code` and the CLI
//! reads `message` (pumble-protocol.md §5.3), so both are taken when the body
//! is a JSON object. Anything else is kept as a short excerpt. Either way the
//! text is scrubbed of every secret the request carried (a server echoing a
//! token or OAuth code must not put it in a log line), stripped of control
//! characters, and truncated.

use crate::error::ClientError;

/// Longest `code` or `message` kept, in characters.
pub(crate) const MAX_ERROR_TEXT_CHARS: usize = 300;

const REDACTED: &str = "[REDACTED]";

/// Longest `code` kept for a call that carried message content.
const MAX_CODE_CHARS: usize = 64;

/// Builds the error for a non-success answer.
///
/// When the request `carried_content` (a message text and blocks), Pumble's
/// free-text message and any `code` that is not a short identifier are
/// dropped: a server may echo the text truncated, re-escaped or reworded, and
/// no exact-match scrub catches that; the status and a code-shaped `code`
/// (e.g. `CHANNEL_NOT_FOUND`) are kept.
pub(crate) fn http_error(
    status: u16,
    body: &[u8],
    secrets: &[&str],
    carried_content: bool,
) -> ClientError {
    if carried_content {
        let code = match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(serde_json::Value::Object(fields)) => fields
                .get("code")
                .and_then(scalar_text)
                .filter(|code| is_code_shaped(code) && !secrets.iter().any(|s| code.contains(s))),
            _ => None,
        };
        return ClientError::Http {
            status,
            code,
            message: None,
        };
    }
    let (code, message) = match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(fields)) => (
            fields.get("code").and_then(scalar_text),
            fields
                .get("message")
                .or_else(|| fields.get("error"))
                .and_then(scalar_text),
        ),
        _ => (None, excerpt(body)),
    };
    ClientError::Http {
        status,
        code: code.map(|text| clean(&text, secrets)),
        message: message.map(|text| clean(&text, secrets)),
    }
}

/// A short identifier such as `CHANNEL_NOT_FOUND` or `4001`: ASCII letters,
/// digits, `_`, `-`, `.`; nothing a sentence could be written in.
fn is_code_shaped(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= MAX_CODE_CHARS
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

fn scalar_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(text) => Some(text.clone()),
        serde_json::Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

fn excerpt(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

/// Removes secrets, then control characters, then truncates (in that order,
/// so truncation can never leave part of a secret behind).
fn clean(text: &str, secrets: &[&str]) -> String {
    let mut scrubbed = text.to_owned();
    for secret in secrets.iter().filter(|secret| !secret.is_empty()) {
        scrubbed = scrubbed.replace(secret, REDACTED);
    }
    let mut cleaned: String = scrubbed
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_ERROR_TEXT_CHARS)
        .collect();
    if scrubbed.chars().count() > MAX_ERROR_TEXT_CHARS {
        cleaned.push('…');
    }
    cleaned
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(error: ClientError) -> (u16, Option<String>, Option<String>) {
        match error {
            ClientError::Http {
                status,
                code,
                message,
            } => (status, code, message),
            other => panic!("expected an HTTP error, got {other:?}"),
        }
    }

    #[test]
    fn takes_code_and_message_from_pumble_json() {
        let body = br#"{"code":"CHANNEL_NOT_FOUND","message":"Channel not found","extra":1}"#;
        assert_eq!(
            parts(http_error(404, body, &[], false)),
            (
                404,
                Some("CHANNEL_NOT_FOUND".to_owned()),
                Some("Channel not found".to_owned())
            )
        );
    }

    #[test]
    fn numeric_code_and_error_field_are_understood() {
        let body = br#"{"code":4001,"error":"bad request"}"#;
        assert_eq!(
            parts(http_error(400, body, &[], false)),
            (400, Some("4001".to_owned()), Some("bad request".to_owned()))
        );
    }

    #[test]
    fn non_json_body_becomes_a_truncated_excerpt() {
        let body = "x".repeat(1000);
        let (status, code, message) = parts(http_error(502, body.as_bytes(), &[], false));
        assert_eq!((status, code), (502, None));
        let message = message.expect("a non-empty body gives a message");
        assert_eq!(message.chars().count(), MAX_ERROR_TEXT_CHARS + 1);
        assert!(message.ends_with('…'));
    }

    #[test]
    fn empty_body_gives_no_message() {
        assert_eq!(
            parts(http_error(500, b"  \n", &[], false)),
            (500, None, None)
        );
    }

    #[test]
    fn secrets_echoed_by_the_server_are_removed_even_at_the_cut() {
        let secret = "tok_very_secret_token_value";
        // The secret straddles the truncation point.
        let body = format!("{}{secret} trailing", "a".repeat(MAX_ERROR_TEXT_CHARS - 5));
        let (_, _, message) = parts(http_error(400, body.as_bytes(), &[secret], false));
        let message = message.expect("body gives a message");
        assert!(!message.contains(secret));
        assert!(!message.contains("tok_v"));

        let json = format!(r#"{{"code":"{secret}","message":"bad code {secret}"}}"#);
        let (_, code, message) = parts(http_error(400, json.as_bytes(), &[secret], false));
        assert_eq!(code.as_deref(), Some(REDACTED));
        assert_eq!(message.as_deref(), Some("bad code [REDACTED]"));
    }

    #[test]
    fn control_characters_cannot_forge_log_lines() {
        let (_, _, message) = parts(http_error(500, b"oops\nERROR forged line\r", &[], false));
        assert_eq!(message.as_deref(), Some("oops ERROR forged line"));
    }

    #[test]
    fn content_calls_keep_status_and_code_shaped_code_only() {
        // An echo the exact-match scrub cannot catch: truncated and re-cased.
        let body = br#"{"code":"TEXT_TOO_LONG","message":"Message 'MEET ME BEHIND THE OLD LIB...' is too long"}"#;
        assert_eq!(
            parts(http_error(
                400,
                body,
                &["meet me behind the old library"],
                true
            )),
            (400, Some("TEXT_TOO_LONG".to_owned()), None)
        );
        // A code that is a sentence, or holds a secret, is dropped too.
        let body = br#"{"code":"bad text: meet me","message":"x"}"#;
        assert_eq!(parts(http_error(422, body, &[], true)), (422, None, None));
        let body = br#"{"code":"tok_abc"}"#;
        assert_eq!(
            parts(http_error(401, body, &["tok_abc"], true)),
            (401, None, None)
        );
        // A non-JSON page keeps nothing but the status.
        assert_eq!(
            parts(http_error(502, b"<html>meet me behind</html>", &[], true)),
            (502, None, None)
        );
        let long = format!(r#"{{"code":"{}"}}"#, "A".repeat(MAX_CODE_CHARS + 1));
        assert_eq!(
            parts(http_error(400, long.as_bytes(), &[], true)),
            (400, None, None)
        );
    }

    #[test]
    fn non_utf8_error_bodies_are_read_lossily_without_panic() {
        let (_, code, message) = parts(http_error(500, b"\xff\xfe\x00bad \xc3", &[], false));
        assert_eq!(code, None);
        assert_eq!(message.as_deref(), Some("\u{FFFD}\u{FFFD} bad \u{FFFD}"));
    }
}
