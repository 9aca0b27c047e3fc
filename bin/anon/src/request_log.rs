//! One log line per request (issue 7 item 6): method, route, status, the
//! Pumble message type or event, workspace, outcome and latency.
//!
//! The line uses the request *path*, never the query string (the OAuth
//! `code` travels there), and handlers contribute only the fields of
//! [`RequestNote`], none of which can hold a body, a token, a signature or a
//! user id.

use std::borrow::Cow;
use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::{Method, Uri};
use actix_web::{HttpMessage as _, HttpRequest};

/// What a handler adds to its request's log line.
#[derive(Debug, Clone, Default)]
pub struct RequestNote {
    /// The Pumble message type, with the command or event when there is one,
    /// e.g. `SLASH_COMMAND /anon`, `APP_EVENT APP_UNINSTALLED`.
    pub kind: Option<&'static str>,
    /// The workspace the request is about.
    pub workspace: Option<LoggedId>,
    /// A short outcome code, e.g. `queued`, `busy`, `modal`, `signature_mismatch`.
    pub outcome: Option<&'static str>,
}

/// The note of a request no handler wrote to.
static NO_NOTE: RequestNote = RequestNote {
    kind: None,
    workspace: None,
    outcome: None,
};

/// The longest id written to a log line, in characters.
pub const MAX_LOGGED_ID_CHARS: usize = 64;

/// An id as it may appear in a log line: at most [`MAX_LOGGED_ID_CHARS`]
/// plain characters (ASCII letters and digits, `_`, `-`); every other
/// character is dropped, so a sent id cannot break the line or make it long.
/// Held inline: noting a request's workspace allocates nothing.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct LoggedId {
    bytes: [u8; MAX_LOGGED_ID_CHARS],
    len: u8,
}

impl LoggedId {
    /// The loggable part of `raw`.
    pub fn new(raw: &str) -> LoggedId {
        let mut bytes = [0u8; MAX_LOGGED_ID_CHARS];
        let mut len = 0;
        // Plain characters are single ASCII bytes and no byte of a wider
        // character is ASCII, so keeping plain bytes keeps plain characters.
        for byte in raw
            .bytes()
            .filter(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
        {
            let Some(slot) = bytes.get_mut(len) else {
                break;
            };
            *slot = byte;
            len += 1;
        }
        LoggedId {
            bytes,
            // At most MAX_LOGGED_ID_CHARS (64): fits.
            len: u8::try_from(len).unwrap_or(u8::MAX),
        }
    }

    /// The id as written to the log.
    pub fn as_str(&self) -> &str {
        let kept = self.bytes.get(..usize::from(self.len)).unwrap_or_default();
        // Only ASCII bytes were kept.
        std::str::from_utf8(kept).unwrap_or_default()
    }
}

impl std::fmt::Debug for LoggedId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for LoggedId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

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
        f.write_str(self.note.workspace.as_ref().map_or("-", LoggedId::as_str))?;
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

/// The middleware writing one line per request once its response is ready
/// (`App::wrap(RequestLog)`). Its future is the inner service's own, wrapped
/// in place: nothing is boxed or allocated per request.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestLog;

impl<S, B> Transform<S, ServiceRequest> for RequestLog
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    S::Future: Unpin,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Transform = RequestLogService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(RequestLogService { service }))
    }
}

/// [`RequestLog`] around a service.
#[derive(Debug)]
pub struct RequestLogService<S> {
    service: S,
}

impl<S, B> Service<ServiceRequest> for RequestLogService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    S::Future: Unpin,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Future = LoggedResponse<S::Future>;

    actix_web::dev::forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        LoggedResponse {
            started: Instant::now(),
            // Kept for the error case only, where the request is gone
            // (cheap: the usual methods are constants, the URI shares its
            // bytes).
            method: request.method().clone(),
            uri: request.uri().clone(),
            inner: self.service.call(request),
        }
    }
}

/// A response on its way, logged when it is ready.
#[derive(Debug)]
pub struct LoggedResponse<F> {
    inner: F,
    started: Instant,
    method: Method,
    uri: Uri,
}

impl<F, B> Future for LoggedResponse<F>
where
    F: Future<Output = Result<ServiceResponse<B>, actix_web::Error>> + Unpin,
{
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let Poll::Ready(result) = Pin::new(&mut this.inner).poll(cx) else {
            return Poll::Pending;
        };
        let latency = this.started.elapsed();
        match &result {
            Ok(response) => {
                // The line borrows from the request: no copy of the path or
                // note.
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
                    "{} {} status={} outcome=error latency_us={}",
                    this.method,
                    loggable_path(this.uri.path()),
                    error.as_response_error().status_code().as_u16(),
                    latency.as_micros()
                );
            }
        }
        Poll::Ready(result)
    }
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
            workspace: Some(LoggedId::new("ws_1")),
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

    #[test]
    fn plain_ids_are_logged_as_sent() {
        for id in ["ws_1", "ws-A9_z", ""] {
            assert_eq!(LoggedId::new(id).as_str(), id);
        }
        let longest = "a".repeat(MAX_LOGGED_ID_CHARS);
        assert_eq!(LoggedId::new(&longest).as_str(), longest);
    }

    #[test]
    fn other_characters_are_dropped_and_long_ids_cut() {
        assert_eq!(LoggedId::new("ws 1\n\"x\"é").as_str(), "ws1x");
        assert_eq!(LoggedId::new("ééé_ö").as_str(), "_");
        let long = format!("{}{}", "a".repeat(MAX_LOGGED_ID_CHARS), "b".repeat(10));
        assert_eq!(
            LoggedId::new(&long).as_str(),
            "a".repeat(MAX_LOGGED_ID_CHARS)
        );
        let mixed = format!("{}{}", "é".repeat(100), "c".repeat(MAX_LOGGED_ID_CHARS + 1));
        assert_eq!(
            LoggedId::new(&mixed).as_str(),
            "c".repeat(MAX_LOGGED_ID_CHARS)
        );
        // Cut after filtering: 64 plain characters survive.
        let interleaved = "a!".repeat(MAX_LOGGED_ID_CHARS);
        assert_eq!(
            LoggedId::new(&interleaved).as_str(),
            "a".repeat(MAX_LOGGED_ID_CHARS)
        );
    }
}
