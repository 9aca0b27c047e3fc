//! Finding what a user acts on: buttons in blocks, inputs in modal views.

use serde_json::Value;

/// A button found in blocks.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Button {
    /// The button's `value`, if it has one.
    pub value: Option<Value>,
    /// Its `loadingTimeout`, 0 when absent.
    pub loading_timeout: u64,
}

/// The first element of type `button` with this `onAction`, anywhere in the
/// blocks (actions blocks, section accessories, ...).
pub(crate) fn button(blocks: &Value, on_action: &str) -> Option<Button> {
    match blocks {
        Value::Array(items) => items.iter().find_map(|b| button(b, on_action)),
        Value::Object(obj) => {
            let is_match = obj.get("type").and_then(Value::as_str) == Some("button")
                && obj.get("onAction").and_then(Value::as_str) == Some(on_action);
            if is_match {
                return Some(Button {
                    value: obj.get("value").cloned(),
                    loading_timeout: obj
                        .get("loadingTimeout")
                        .and_then(Value::as_u64)
                        .unwrap_or(0),
                });
            }
            obj.values().find_map(|v| button(v, on_action))
        }
        _ => None,
    }
}

/// An input block's element in a modal view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Input {
    /// The input block's `blockId`.
    pub block_id: String,
    /// The element's `onAction`.
    pub on_action: String,
    /// The element's `type` (e.g. `plain_text_input`).
    pub element_type: String,
    /// The element's `initial_value`, if a string.
    pub initial_value: Option<String>,
}

/// Every `input` block of a view, in order (§5.6).
pub(crate) fn inputs(view: &Value) -> Vec<Input> {
    let Some(blocks) = view.get("blocks").and_then(Value::as_array) else {
        return Vec::new();
    };
    blocks
        .iter()
        .filter(|b| b.get("type").and_then(Value::as_str) == Some("input"))
        .filter_map(|b| {
            let element = b.get("element")?;
            Some(Input {
                block_id: b.get("blockId")?.as_str()?.to_owned(),
                on_action: element.get("onAction")?.as_str()?.to_owned(),
                element_type: element.get("type")?.as_str()?.to_owned(),
                initial_value: element
                    .get("initial_value")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_buttons_anywhere_with_their_value() {
        let blocks = json!([
            {"type":"rich_text","elements":[]},
            {"type":"actions","elements":[
                {"type":"button","onAction":"a","value":"v1","text":{"type":"plain_text","text":"A"}},
                {"type":"button","onAction":"b","loadingTimeout":5,"text":{"type":"plain_text","text":"B"}}]},
            {"type":"section","accessory":{"type":"button","onAction":"c","value":"v3"}}
        ]);
        assert_eq!(
            button(&blocks, "a").map(|b| b.value),
            Some(Some(json!("v1")))
        );
        assert_eq!(
            button(&blocks, "b").map(|b| (b.value, b.loading_timeout)),
            Some((None, 5))
        );
        assert_eq!(
            button(&blocks, "c").map(|b| b.value),
            Some(Some(json!("v3")))
        );
        assert_eq!(button(&blocks, "z"), None);
    }

    #[test]
    fn lists_input_blocks() {
        let view = json!({"blocks":[
            {"type":"input","blockId":"reply_block","label":{"type":"plain_text","text":"R"},
             "element":{"type":"plain_text_input","onAction":"reply_text","initial_value":"hi"}},
            {"type":"divider"}
        ]});
        let found = inputs(&view);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].block_id, "reply_block");
        assert_eq!(found[0].on_action, "reply_text");
        assert_eq!(found[0].initial_value.as_deref(), Some("hi"));
    }
}
