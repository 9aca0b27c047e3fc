//! The client's errors.
//!
//! No variant ever holds a token, the app key, the client secret or an OAuth
//! code: transport errors are described from a fixed vocabulary, error bodies
//! are scrubbed of every secret the request carried, and decode errors keep
//! only serde's description of *where* the answer went wrong, never a value
//! taken from it.

use std::time::Duration;

/// Why a call to Pumble failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The call did not complete within the configured timeout.
    #[error("the call to Pumble timed out")]
    Timeout,

    /// Pumble could not be reached, or the connection broke.
    #[error("could not talk to Pumble: {0}")]
    Transport(String),

    /// Pumble answered with a non-success status.
    #[error("Pumble answered HTTP {status}{}", describe_http(.code, .message))]
    Http {
        /// The HTTP status code.
        status: u16,
        /// The `code` of Pumble's error JSON, when present.
        code: Option<String>,
        /// The `message` of Pumble's error JSON, or the start of a body that
        /// is not such JSON; truncated, with the request's secrets removed.
        /// Always `None` for calls that carried message content (posts,
        /// replies, ephemerals), whose `code` is also kept only when it is a
        /// short identifier: a server may echo the text in forms no scrub
        /// can recognise.
        message: Option<String>,
    },

    /// Pumble answered `429 Too Many Requests` and the retry budget (GETs)
    /// was exhausted or retrying was not allowed (POSTs).
    #[error("Pumble rate-limited the call{}", describe_retry_after(.retry_after))]
    RateLimited {
        /// The answer's `Retry-After`, when it gave one in seconds.
        retry_after: Option<Duration>,
    },

    /// Pumble answered with a success status but a body of unexpected shape.
    #[error("could not decode Pumble's answer: {0}")]
    Decode(String),

    /// The call was refused before sending because an argument cannot form a
    /// valid request (for example an empty id, which would change the path).
    #[error("invalid argument: {0}")]
    InvalidArgument(&'static str),
}

impl ClientError {
    /// The HTTP status of Pumble's answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Http { status, .. } => Some(*status),
            Self::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    /// Whether Pumble said the thing asked for does not exist: HTTP 404, or
    /// an error `code` containing `NOT_FOUND`.
    pub fn is_not_found(&self) -> bool {
        match self {
            Self::Http { status, code, .. } => {
                *status == 404
                    || code
                        .as_deref()
                        .is_some_and(|code| code.to_ascii_uppercase().contains("NOT_FOUND"))
            }
            _ => false,
        }
    }

    /// Converts a ureq error without keeping any text that could carry
    /// request data (ureq's own messages may echo the URL).
    pub(crate) fn from_transport(error: ureq::Error) -> Self {
        let reason = match error {
            ureq::Error::Timeout(_) => return Self::Timeout,
            ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
                return Self::Timeout
            }
            ureq::Error::Io(io) => format!("I/O error ({})", io.kind()),
            ureq::Error::HostNotFound => "host not found".to_owned(),
            ureq::Error::ConnectionFailed => "connection failed".to_owned(),
            ureq::Error::Tls(_) | ureq::Error::Rustls(_) | ureq::Error::Pem(_) => {
                "TLS error".to_owned()
            }
            ureq::Error::TlsRequired => "TLS required but not established".to_owned(),
            ureq::Error::Protocol(_) => "malformed HTTP answer".to_owned(),
            ureq::Error::LargeResponseHeader(..) => "response header too large".to_owned(),
            ureq::Error::BodyExceedsLimit(limit) => {
                format!("response body larger than {limit} bytes")
            }
            ureq::Error::Decompress(..) => "response body decompression failed".to_owned(),
            ureq::Error::BadUri(_) | ureq::Error::Http(_) => {
                "request could not be formed (invalid URL or header value)".to_owned()
            }
            ureq::Error::InvalidProxyUrl | ureq::Error::ConnectProxyFailed(_) => {
                "proxy error".to_owned()
            }
            ureq::Error::RedirectFailed | ureq::Error::TooManyRedirects => {
                "unexpected redirect".to_owned()
            }
            _ => "transport error".to_owned(),
        };
        Self::Transport(reason)
    }

    /// Converts a JSON error, keeping serde's description only when it
    /// cannot contain a value from the body (syntax errors and
    /// missing/duplicate fields); otherwise only the position is kept.
    pub(crate) fn from_json(error: &serde_json::Error) -> Self {
        use serde_json::error::Category;

        let position = format!("line {} column {}", error.line(), error.column());
        let text = error.to_string();
        let description = match error.classify() {
            Category::Eof => format!("answer ended early at {position}"),
            Category::Syntax => format!("answer is not valid JSON at {position}"),
            Category::Data
                if text.starts_with("missing field") || text.starts_with("duplicate field") =>
            {
                text
            }
            Category::Data => format!("unexpected value or type at {position}"),
            Category::Io => "could not read the answer".to_owned(),
        };
        Self::Decode(description)
    }
}

fn describe_http(code: &Option<String>, message: &Option<String>) -> String {
    match (code, message) {
        (Some(code), Some(message)) => format!(" ({code}): {message}"),
        (Some(code), None) => format!(" ({code})"),
        (None, Some(message)) => format!(": {message}"),
        (None, None) => String::new(),
    }
}

fn describe_retry_after(retry_after: &Option<Duration>) -> String {
    retry_after
        .map(|after| format!(" (retry after {} s)", after.as_secs()))
        .unwrap_or_default()
}

/// Why a [`ClientConfig`](crate::ClientConfig) was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// The base URL is unusable; the text says why (never echoing the URL).
    #[error("invalid base URL: {0}")]
    InvalidBaseUrl(&'static str),

    /// The proxy URL could not be parsed (it is not echoed: it may hold
    /// credentials).
    #[error("invalid proxy URL")]
    InvalidProxy,

    /// A timeout of zero would fail every call.
    #[error("timeouts must be greater than zero")]
    ZeroTimeout,
}
