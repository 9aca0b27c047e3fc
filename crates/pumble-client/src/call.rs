//! One REST call, described before it is sent: method and body, path,
//! credentials, and the strings that must never come back in an error.

use serde::Serialize;

use crate::credentials::AccessToken;
use crate::error::ClientError;
use crate::multipart::MultipartForm;

/// Which credentials a call carries.
pub(crate) enum Auth<'a> {
    /// `token` (acting as this user or bot) and `x-app-token` (§5.2).
    Token(&'a AccessToken),
    /// Neither: the OAuth code exchange sends its secrets in the body (§6.3).
    None,
}

/// The method and body.
pub(crate) enum Payload {
    /// A GET; the only kind of call that is ever retried.
    Get,
    /// A POST with a JSON body.
    PostJson(Vec<u8>),
    /// A POST with a `multipart/form-data` body.
    PostForm(MultipartForm),
}

/// A call ready to be sent.
pub(crate) struct Call<'a> {
    /// A fixed name for logs. Paths are never logged: they carry user,
    /// channel and message ids, and a DM lookup logged next to a post would
    /// tie a recipient to a message.
    pub(crate) endpoint: &'static str,
    /// Path and query, starting with `/`, ids already encoded.
    pub(crate) path: String,
    pub(crate) auth: Auth<'a>,
    pub(crate) payload: Payload,
    /// Extra strings (besides the credentials) scrubbed from error texts.
    pub(crate) sensitive: Vec<&'a str>,
    /// Whether the request carries message content. Pumble's free-text
    /// error message is then dropped from the error: a server may echo the
    /// text truncated, re-escaped or reworded, which no exact-match scrub
    /// can catch, and that text may be an anonymous message.
    pub(crate) carries_content: bool,
}

impl<'a> Call<'a> {
    /// A GET acting with `token`.
    pub(crate) fn get(endpoint: &'static str, path: String, token: &'a AccessToken) -> Self {
        Self {
            endpoint,
            path,
            auth: Auth::Token(token),
            payload: Payload::Get,
            sensitive: Vec::new(),
            carries_content: false,
        }
    }

    /// A JSON POST acting with `token`.
    pub(crate) fn post_json(
        endpoint: &'static str,
        path: String,
        token: &'a AccessToken,
        body: &impl Serialize,
    ) -> Result<Self, ClientError> {
        let json = serde_json::to_vec(body)
            .map_err(|_| ClientError::InvalidArgument("request body could not be encoded"))?;
        Ok(Self {
            endpoint,
            path,
            auth: Auth::Token(token),
            payload: Payload::PostJson(json),
            sensitive: Vec::new(),
            carries_content: false,
        })
    }

    /// Adds a string that must not appear in an error built from the answer.
    pub(crate) fn scrubbing(mut self, sensitive: &'a str) -> Self {
        self.sensitive.push(sensitive);
        self
    }

    /// Marks the call as carrying message content (see `carries_content`).
    pub(crate) fn carrying_content(mut self) -> Self {
        self.carries_content = true;
        self
    }

    pub(crate) fn is_get(&self) -> bool {
        matches!(self.payload, Payload::Get)
    }
}
