//! Small builders for Pumble block JSON (pumble-protocol.md §5.5).

use serde_json::{json, Value};

/// A literal text element.
pub(crate) fn text(text: &str) -> Value {
    json!({ "type": "text", "text": text })
}

/// A bold literal text element.
pub(crate) fn bold(text: &str) -> Value {
    json!({ "type": "text", "text": text, "style": { "bold": true } })
}

/// An italic literal text element.
pub(crate) fn italic(text: &str) -> Value {
    json!({ "type": "text", "text": text, "style": { "italic": true } })
}

/// A user-mention element. Only the report post uses it.
pub(crate) fn user(user_id: &str) -> Value {
    json!({ "type": "user", "user_id": user_id })
}

/// A channel reference element.
pub(crate) fn channel(channel_id: &str) -> Value {
    json!({ "type": "channel", "channel_id": channel_id })
}

/// A `rich_text_section`.
pub(crate) fn section(elements: Vec<Value>) -> Value {
    json!({ "type": "rich_text_section", "elements": elements })
}

/// A `rich_text_quote`.
pub(crate) fn quote(elements: Vec<Value>) -> Value {
    json!({ "type": "rich_text_quote", "elements": elements })
}

/// A bullet `rich_text_list` at indent 0.
pub(crate) fn bullets(items: Vec<Value>) -> Value {
    json!({ "type": "rich_text_list", "style": "bullet", "indent": 0, "elements": items })
}

/// A `rich_text` block.
pub(crate) fn rich_text(sections: Vec<Value>) -> Value {
    json!({ "type": "rich_text", "elements": sections })
}

/// A button.
pub(crate) fn button(on_action: &str, value: &str, caption: &str, style: &str) -> Value {
    json!({
        "type": "button",
        "onAction": on_action,
        "value": value,
        "style": style,
        "text": { "type": "plain_text", "text": caption },
    })
}

/// An `actions` block.
pub(crate) fn actions(buttons: Vec<Value>) -> Value {
    json!({ "type": "actions", "elements": buttons })
}

/// A `plain_text` object (titles, labels).
pub(crate) fn plain(text: &str) -> Value {
    json!({ "type": "plain_text", "text": text })
}
