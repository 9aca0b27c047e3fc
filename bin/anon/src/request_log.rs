//! One log line per request (issue 7 item 6): method, route, status, the
//! Pumble message type or event, workspace, outcome and latency.
//!
//! The line uses the request *path*, never the query string (the OAuth
//! `code` travels there), and handlers contribute only the fields of
//! [`RequestNote`], none of which can hold a body, a token, a signature or a
//! user id.

use std::borrow::Cow;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage as _, HttpRequest};

/// What a handler adds to its request's log line.
#[derive(Debug, Clone, Default)]
pub struct RequestNote {
    /// The Pumble message type, with the command or event when there is one,
    /// e.g. `SLASH_COMMAND /anon`, `APP_EVENT APP_UNINSTALLED`.
    pub kind: Option<&'static str>,
    /// The workspace the request is about.
    pub workspace: Option<String>,
    /// A short outcome code, e.g. `queued`, `busy`, `modal`, `signature_mismatch`.
    pub outcome: Option<&'static str>,
}

/// The note of a request no handler wrote to.
static NO_NOTE: RequestNote = RequestNote {
    kind: None,
    workspace: None,
    outcome: None,
};

/// Updates the note of the request being handled.
pub fn note(request: &HttpRequest, update: impl FnOnce(&mut RequestNote)) {
    let mut extensions = request.extensions_mut();
    if let Some(note) = extensions.get_mut::<RequestNote>() {
        update(note);
    } else {
        let mut note = RequestNote::default();
        update(&mut note);
        extensions.insert(note);
    }
}

/// The longest path logged as sent, in characters; longer ones are cut
/// there and marked with `…`, so one request cannot write a huge log line.
pub const MAX_LOGGED_PATH_CHARS: usize = 200;

/// `path` as it goes into the log line: at most [`MAX_LOGGED_PATH_CHARS`]
/// characters of it.
pub fn loggable_path(path: &str) -> Cow<'_, str> {
    match path.char_indices().nth(MAX_LOGGED_PATH_CHARS) {
        Some((cut, _)) => Cow::Owned(format!("{}…", &path[..cut])),
        None => Cow::Borrowed(path),
    }
}

/// One request's log line, `METHOD /path status=… type=… workspace=…
/// outcome=… latency_us=…`, written piece by piece when the line is
/// formatted (no padding or width handling per field: this runs once per
/// request).
struct RequestLine<'a> {
    method: &'a str,
    path: &'a str,
    status: u16,
    note: &'a RequestNote,
    latency_us: u128,
}

impl std::fmt::Display for RequestLine<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.method)?;
        f.write_str(" ")?;
        f.write_str(self.path)?;
        f.write_str(" status=")?;
        f.write_str(Decimal::new(u128::from(self.status)).as_str())?;
        f.write_str(" type=")?;
        f.write_str(self.note.kind.unwrap_or("-"))?;
        f.write_str(" workspace=")?;
        f.write_str(self.note.workspace.as_deref().unwrap_or("-"))?;
        f.write_str(" outcome=")?;
        f.write_str(self.note.outcome.unwrap_or("-"))?;
        f.write_str(" latency_us=")?;
        f.write_str(Decimal::new(self.latency_us).as_str())
    }
}

/// The decimal digits of a number, written into a fixed buffer.
struct Decimal {
    digits: [u8; 39],
    start: usize,
}

impl Decimal {
    fn new(mut value: u128) -> Decimal {
        let mut digits = [b'0'; 39];
        let mut start = digits.len();
        loop {
            start -= 1;
            // A single decimal digit: the cast cannot truncate.
            digits[start] = b'0' + (value % 10) as u8;
            value /= 10;
            if value == 0 {
                break;
            }
        }
        Decimal { digits, start }
    }

    fn as_str(&self) -> &str {
        // Only ASCII digits were written.
        std::str::from_utf8(&self.digits[self.start..]).unwrap_or("0")
    }
}

/// The middleware writing the line once the response is ready.
pub async fn log_request(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    // Kept for the error case only, where the request is gone (cheap: the
    // method is a constant for the usual ones, the URI shares its bytes).
    let method = request.method().clone();
    let uri = request.uri().clone();
    let result = next.call(request).await;
    let latency = started.elapsed();
    match &result {
        Ok(response) => {
            // The line borrows from the request: no copy of the path or note.
            let request = response.request();
            let extensions = request.extensions();
            let note = extensions.get::<RequestNote>();
            let line = RequestLine {
                method: request.method().as_str(),
                path: &loggable_path(request.path()),
                status: response.status().as_u16(),
                note: note.unwrap_or(&NO_NOTE),
                latency_us: latency.as_micros(),
            };
            log::info!(target: "anon::request", "{line}");
        }
        Err(error) => {
            log::warn!(
                target: "anon::request",
                "{method} {} status={} outcome=error latency_us={}",
                loggable_path(uri.path()),
                error.as_response_error().status_code().as_u16(),
                latency.as_micros()
            );
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_in_decimal() {
        for value in [0u128, 7, 10, 200, 65_535, 1_234_567_890, u128::MAX] {
            assert_eq!(Decimal::new(value).as_str(), value.to_string());
        }
    }

    #[test]
    fn a_request_line_names_every_field_with_dashes_for_missing_ones() {
        let note = RequestNote {
            kind: Some("SLASH_COMMAND /anon"),
            workspace: Some("ws_1".to_owned()),
            outcome: Some("queued"),
        };
        let line = RequestLine {
            method: "POST",
            path: "/hook",
            status: 200,
            note: &note,
            latency_us: 431,
        };
        assert_eq!(
            line.to_string(),
            "POST /hook status=200 type=SLASH_COMMAND /anon workspace=ws_1 outcome=queued latency_us=431"
        );
        let empty = RequestNote::default();
        let line = RequestLine {
            method: "GET",
            path: "/health",
            status: 404,
            note: &empty,
            latency_us: 0,
        };
        assert_eq!(
            line.to_string(),
            "GET /health status=404 type=- workspace=- outcome=- latency_us=0"
        );
    }

    #[test]
    fn long_paths_are_cut_at_the_cap_and_marked() {
        let exact = "/".repeat(MAX_LOGGED_PATH_CHARS);
        assert_eq!(loggable_path(&exact), exact);
        let long = format!("/{}", "a".repeat(60_000));
        let logged = loggable_path(&long);
        assert_eq!(logged.chars().count(), MAX_LOGGED_PATH_CHARS + 1);
        assert!(logged.ends_with('…'));
        assert!(long.starts_with(logged.trim_end_matches('…')));
        // Multi-byte characters are cut between characters, not inside one.
        let wide = "é".repeat(MAX_LOGGED_PATH_CHARS + 5);
        assert_eq!(
            loggable_path(&wide).chars().count(),
            MAX_LOGGED_PATH_CHARS + 1
        );
    }
}
