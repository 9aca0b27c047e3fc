//! What the app answered, and what Pumble did with the answer.

use std::fmt;
use std::time::Duration;

use serde_json::Value;

/// What the simulator did with an app's answer to a trigger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseEffect {
    /// Nothing visible (e.g. an empty ack `{}`, or any answer to an event).
    None,
    /// A modal was opened for the user (§4.3 `action: OPEN`); its view id.
    ModalOpened(String),
    /// The user's modal was replaced (`action: UPDATE`); its view id.
    ModalUpdated(String),
    /// A child modal was stacked (`action: PUSH`); its view id.
    ModalPushed(String),
    /// The submitted modal was closed by a successful answer.
    ModalClosed(String),
    /// The ack/nack `message` was shown to the user as an ephemeral (§4.2);
    /// the ephemeral's id.
    Notice(String),
    /// The answer came after the trigger deadline (3 s, §4.6): Pumble ignored
    /// it and showed the user an "app unavailable" ephemeral (its id, when a
    /// channel was known).
    TooLate(Option<String>),
    /// The answer was a view that Pumble would not accept (wrong `triggerId`,
    /// unknown `action`, or no `view` object); the reason.
    Rejected(&'static str),
}

/// The app's HTTP answer to one driver request.
///
/// `Debug` shows status, timing and effect only, never the body.
#[derive(Clone, PartialEq)]
pub struct AppResponse {
    /// HTTP status.
    pub status: u16,
    /// Raw body bytes.
    pub body: Vec<u8>,
    /// `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// Time from sending the request to reading the whole answer.
    pub elapsed: Duration,
    /// What the simulator did with the answer.
    pub effect: ResponseEffect,
}

impl AppResponse {
    /// The body as text (lossy UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON, if it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

impl fmt::Debug for AppResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppResponse")
            .field("status", &self.status)
            .field("elapsed", &self.elapsed)
            .field("effect", &self.effect)
            .field("body_len", &self.body.len())
            .finish()
    }
}
