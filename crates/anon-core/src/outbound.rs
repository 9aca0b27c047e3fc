//! What anon-core hands the caller to send to Pumble: message bodies and the
//! modal answer.

use std::fmt;

use serde_json::{json, Value};

use crate::ids::TriggerId;

/// A message to post: fallback `text` plus `blocks` (pumble-protocol.md
/// §5.5). `Debug` redacts both, since they may hold an anonymous body or a
/// revealed author.
#[derive(Clone, PartialEq)]
pub struct OutboundMessage {
    text: String,
    blocks: Value,
}

impl OutboundMessage {
    pub(crate) fn new(text: String, blocks: Vec<Value>) -> Self {
        Self {
            text,
            blocks: Value::Array(blocks),
        }
    }

    /// The plain-text fallback.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The `blocks` array.
    pub fn blocks(&self) -> &Value {
        &self.blocks
    }

    /// `{"text": …, "blocks": […]}`, the body of a post (the client adds
    /// `files` or `ephemeral` as its endpoint needs).
    pub fn to_json(&self) -> Value {
        json!({ "text": self.text, "blocks": self.blocks })
    }
}

impl fmt::Debug for OutboundMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutboundMessage")
            .field("text", &"<redacted>")
            .field("blocks", &"<redacted>")
            .finish()
    }
}

/// The HTTP answer to a Reply click: opens the reply modal
/// (pumble-protocol.md §4.3). Send it as the response body with status 200;
/// never ack first.
#[derive(Clone, PartialEq)]
pub struct ModalResponse {
    trigger: TriggerId,
    view: Value,
}

impl ModalResponse {
    pub(crate) fn open(trigger: TriggerId, view: Value) -> Self {
        Self { trigger, view }
    }

    /// The `view` object alone.
    pub fn view(&self) -> &Value {
        &self.view
    }

    /// `{"triggerId", "viewType": "NATIVE", "action": "OPEN", "view"}`.
    pub fn to_json(&self) -> Value {
        json!({
            "triggerId": self.trigger.as_str(),
            "viewType": "NATIVE",
            "action": "OPEN",
            "view": self.view,
        })
    }
}

impl fmt::Debug for ModalResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ModalResponse")
            .field("trigger", &self.trigger)
            .field("view", &"<redacted>")
            .finish()
    }
}
