//! One log line per request (issue 7 item 6): method, route, status, the
//! Pumble message type or event, workspace, outcome and latency.
//!
//! The line uses the request *path*, never the query string (the OAuth
//! `code` travels there), and handlers contribute only the fields of
//! [`RequestNote`], none of which can hold a body, a token, a signature or a
//! user id.

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
pub fn loggable_path(path: &str) -> String {
    match path.char_indices().nth(MAX_LOGGED_PATH_CHARS) {
        Some((cut, _)) => format!("{}…", &path[..cut]),
        None => path.to_owned(),
    }
}

/// The middleware writing the line once the response is ready.
pub async fn log_request(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = request.method().clone();
    let path = loggable_path(request.path());
    let result = next.call(request).await;
    let latency = started.elapsed();
    match &result {
        Ok(response) => {
            let note = response
                .request()
                .extensions()
                .get::<RequestNote>()
                .cloned()
                .unwrap_or_default();
            log::info!(
                target: "anon::request",
                "{method} {path} status={} type={} workspace={} outcome={} latency_us={}",
                response.status().as_u16(),
                note.kind.unwrap_or("-"),
                note.workspace.as_deref().unwrap_or("-"),
                note.outcome.unwrap_or("-"),
                latency.as_micros()
            );
        }
        Err(error) => {
            log::warn!(
                target: "anon::request",
                "{method} {path} status={} outcome=error latency_us={}",
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
