//! The record of every REST call the simulator received.

use std::fmt;

use serde_json::Value;

/// What kind of token authenticated a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A bot token issued by an installation.
    Bot,
    /// A user token issued by an OAuth exchange.
    User,
    /// No `token` header at all (e.g. `POST /oauth2/access`).
    None,
    /// A `token` header the simulator does not know (refused with 401).
    Unknown,
}

/// One HTTP request the simulator received, as seen by its REST layer.
///
/// `Debug` prints the method, path, token kind and status only: never the
/// query (it can hold user ids) nor the body.
#[derive(Clone, PartialEq)]
pub struct RecordedCall {
    /// HTTP method, upper case (`GET`, `POST`).
    pub method: String,
    /// Path without the query string, e.g. `/v1/channels/ch_general/messages`.
    pub path: String,
    /// Raw query string without `?`, if any.
    pub query: Option<String>,
    /// Kind of token presented.
    pub token_kind: TokenKind,
    /// The user (or bot user) the token belongs to, when known.
    pub acting_user: Option<String>,
    /// The parsed body: JSON for JSON requests, an object of the fields for
    /// multipart requests, `None` when empty or unparseable.
    pub body: Option<Value>,
    /// Status answered; `None` when the request was held by a hang fault.
    pub status: Option<u16>,
    /// `true` when an injected fault (other than pure latency) answered it.
    pub faulted: bool,
}

impl RecordedCall {
    /// `path?query`, as requested.
    pub fn path_and_query(&self) -> String {
        match &self.query {
            Some(q) => format!("{}?{q}", self.path),
            None => self.path.clone(),
        }
    }

    /// The percent-decoded value of the first query parameter `name`.
    pub fn query_param(&self, name: &str) -> Option<String> {
        let query = self.query.as_deref()?;
        crate::api::query::param(query, name)
    }
}

impl fmt::Debug for RecordedCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordedCall")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("token_kind", &self.token_kind)
            .field("status", &self.status)
            .field("faulted", &self.faulted)
            .finish_non_exhaustive()
    }
}
