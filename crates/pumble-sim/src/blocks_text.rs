//! Flattening Pumble blocks (§5.5, §5.6) to plain text lines, the way a user
//! would read them: text, quotes, lists, mentions by name, button labels.

use serde_json::Value;

use crate::state::WorkspaceState;

/// Lines for a message: its blocks when it has any, else its text.
pub(crate) fn message_lines(st: &WorkspaceState, text: &str, blocks: &Value) -> Vec<String> {
    let from_blocks = blocks
        .as_array()
        .map(|b| blocks_lines(st, b))
        .unwrap_or_default();
    if from_blocks.is_empty() {
        text.lines().map(str::to_owned).collect()
    } else {
        from_blocks
    }
}

/// Lines for a list of blocks.
pub(crate) fn blocks_lines(st: &WorkspaceState, blocks: &[Value]) -> Vec<String> {
    let mut out = Vec::new();
    for block in blocks {
        match kind(block) {
            "rich_text" => {
                for section in array(block, "elements") {
                    rich_text_section(st, section, &mut out);
                }
            }
            "actions" => {
                let labels: Vec<String> =
                    array(block, "elements").iter().map(element_label).collect();
                if !labels.is_empty() {
                    out.push(labels.join(" "));
                }
            }
            "section" => {
                let mut line = plain(block.get("text"));
                if let Some(accessory) = block.get("accessory") {
                    if !line.is_empty() {
                        line.push(' ');
                    }
                    line.push_str(&element_label(accessory));
                }
                out.extend(line.lines().map(str::to_owned));
            }
            "input" => {
                let label = plain(block.get("label"));
                let element = block.get("element").unwrap_or(&Value::Null);
                let shown = element
                    .get("initial_value")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .unwrap_or_else(|| plain(element.get("placeholder")));
                out.push(format!("{label}: [{shown}]"));
            }
            "divider" => out.push("---".to_owned()),
            _ => {}
        }
    }
    out
}

fn rich_text_section(st: &WorkspaceState, section: &Value, out: &mut Vec<String>) {
    match kind(section) {
        "rich_text_section" => push_lines(out, "", &inline(st, array(section, "elements"))),
        "rich_text_quote" => push_lines(out, "> ", &inline(st, array(section, "elements"))),
        "rich_text_preformatted" => push_lines(
            out,
            "",
            &format!("```{}```", inline(st, array(section, "elements"))),
        ),
        "rich_text_list" => {
            let ordered = section.get("style").and_then(Value::as_str) == Some("ordered");
            let indent = section.get("indent").and_then(Value::as_u64).unwrap_or(0);
            let pad = "  ".repeat(usize::try_from(indent).unwrap_or(0));
            let offset = section.get("offset").and_then(Value::as_u64).unwrap_or(0);
            for (i, item) in array(section, "elements").iter().enumerate() {
                let bullet = if ordered {
                    format!("{}. ", offset + 1 + u64::try_from(i).unwrap_or(0))
                } else {
                    "• ".to_owned()
                };
                push_lines(
                    out,
                    &format!("{pad}{bullet}"),
                    &inline(st, array(item, "elements")),
                );
            }
        }
        _ => {}
    }
}

fn push_lines(out: &mut Vec<String>, prefix: &str, text: &str) {
    for line in text.lines() {
        out.push(format!("{prefix}{line}"));
    }
}

/// Inline elements as text; mentions by display name.
fn inline(st: &WorkspaceState, elements: &[Value]) -> String {
    let mut s = String::new();
    for e in elements {
        let str_field = |name: &str| e.get(name).and_then(Value::as_str).unwrap_or("");
        match kind(e) {
            "text" => s.push_str(str_field("text")),
            "user" => {
                let id = str_field("user_id");
                let name = st.user(id).map_or(id, |u| u.name.as_str());
                s.push('@');
                s.push_str(name);
            }
            "channel" => {
                let id = str_field("channel_id");
                let name = st.channel(id).and_then(|c| c.name.as_deref()).unwrap_or(id);
                s.push('#');
                s.push_str(name);
            }
            "usergroup" => {
                s.push('@');
                s.push_str(str_field("usergroup_id"));
            }
            "broadcast" => {
                s.push('@');
                s.push_str(str_field("range"));
            }
            "link" => {
                let text = str_field("text");
                s.push_str(if text.is_empty() {
                    str_field("url")
                } else {
                    text
                });
            }
            "emoji" => {
                s.push(':');
                s.push_str(str_field("name"));
                s.push(':');
            }
            _ => {}
        }
    }
    s
}

/// `[Label]` for a button, `[placeholder]` or `[type]` for other elements.
fn element_label(element: &Value) -> String {
    let text = plain(element.get("text"));
    if !text.is_empty() {
        return format!("[{text}]");
    }
    let placeholder = plain(element.get("placeholder"));
    if !placeholder.is_empty() {
        return format!("[{placeholder}]");
    }
    format!("[{}]", kind(element))
}

/// The `text` of a `{"type":"plain_text","text"}` object (or a bare string).
pub(crate) fn plain(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(o)) => o
            .get("text")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
        _ => String::new(),
    }
}

fn kind(v: &Value) -> &str {
    v.get("type").and_then(Value::as_str).unwrap_or("")
}

fn array<'v>(v: &'v Value, field: &str) -> &'v [Value] {
    v.get(field)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::Seed;
    use serde_json::json;

    #[test]
    fn flattens_anon_blocks_with_mentions_lists_and_buttons() {
        let st = WorkspaceState::from_seed(Seed::standard()).expect("standard seed is valid");
        let blocks = json!([
            {"type":"rich_text","elements":[
                {"type":"rich_text_section","elements":[{"type":"text","text":"Report","style":{"bold":true}}]},
                {"type":"rich_text_list","style":"bullet","indent":0,"elements":[
                    {"type":"rich_text_section","elements":[{"type":"text","text":"Author: "},{"type":"user","user_id":"u_alice"}]},
                    {"type":"rich_text_section","elements":[{"type":"text","text":"In: "},{"type":"channel","channel_id":"ch_general"}]}]},
                {"type":"rich_text_quote","elements":[{"type":"text","text":"line one\nline two"}]}]},
            {"type":"divider"},
            {"type":"actions","elements":[
                {"type":"button","onAction":"a","text":{"type":"plain_text","text":"Reply"}},
                {"type":"button","onAction":"b","text":{"type":"plain_text","text":"Report"}}]}
        ]);
        assert_eq!(
            message_lines(&st, "fallback", &blocks),
            vec![
                "Report",
                "• Author: @Alice",
                "• In: #general",
                "> line one",
                "> line two",
                "---",
                "[Reply] [Report]"
            ]
        );
        assert_eq!(
            message_lines(&st, "just text\nmore", &json!([])),
            vec!["just text", "more"]
        );
    }
}
