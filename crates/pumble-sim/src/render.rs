//! "What each user sees": everything visible to one user as plain text.

use std::collections::BTreeSet;

use crate::blocks_text::{blocks_lines, message_lines, plain};
use crate::model::{ChannelType, OpenModal};
use crate::state::WorkspaceState;

/// One thing shown in a conversation, in posting order.
struct Item<'s> {
    seq: u64,
    author: &'s str,
    ephemeral: bool,
    lines: Vec<String>,
    id: &'s str,
}

/// Renders what `user_id` sees: every channel and DM they are in that has
/// something visible to them (messages, with thread replies indented under
/// their root, and ephemerals addressed to them marked `(only you)`), then
/// the modals open for them. Deterministic: conversations in creation order,
/// items in posting order, no ids or timestamps.
pub(crate) fn render_view(st: &WorkspaceState, user_id: &str) -> String {
    let mut out = String::new();
    let Some(viewer) = st.user(user_id) else {
        return out;
    };
    out.push_str(&format!("View of {}\n", viewer.name));

    let ephemeral_channels: BTreeSet<&str> = st
        .ephemerals_for(user_id)
        .iter()
        .map(|e| e.channel_id.as_str())
        .collect();
    for channel in st.channels_in(&viewer.workspace_id) {
        let member = channel.has_member(user_id);
        if !member && !ephemeral_channels.contains(channel.id.as_str()) {
            continue;
        }
        let section = render_channel(st, &channel.id, user_id, member);
        if section.is_empty() {
            continue;
        }
        let title = match channel.channel_type {
            ChannelType::Direct => {
                let others: Vec<&str> = channel
                    .members
                    .iter()
                    .filter(|m| *m != user_id)
                    .map(|m| st.user(m).map_or(m.as_str(), |u| u.name.as_str()))
                    .collect();
                format!("DM with {}", others.join(", "))
            }
            _ => format!("#{}", channel.name.as_deref().unwrap_or(&channel.id)),
        };
        out.push_str(&format!("\n== {title} ==\n"));
        out.push_str(&section);
    }
    for modal in st.modals_for(user_id) {
        out.push_str(&render_modal(st, modal));
    }
    out
}

fn render_channel(st: &WorkspaceState, channel_id: &str, user_id: &str, member: bool) -> String {
    let mut roots: Vec<Item> = Vec::new();
    let mut threaded: Vec<(&str, Item)> = Vec::new();
    if member {
        for m in st.messages_in(channel_id) {
            let item = Item {
                seq: m.seq,
                author: &m.author,
                ephemeral: false,
                lines: message_lines(st, &m.text, &m.blocks),
                id: &m.id,
            };
            match &m.thread_root_id {
                Some(root) => threaded.push((root, item)),
                None => roots.push(item),
            }
        }
    }
    for e in st.ephemerals_for(user_id) {
        if e.channel_id != channel_id {
            continue;
        }
        let item = Item {
            seq: e.seq,
            author: &e.author,
            ephemeral: true,
            lines: message_lines(st, &e.text, &e.blocks),
            id: &e.id,
        };
        match &e.thread_root_id {
            Some(root) if member => threaded.push((root, item)),
            _ => roots.push(item),
        }
    }
    roots.sort_by_key(|i| i.seq);
    threaded.sort_by_key(|(_, i)| i.seq);
    let mut out = String::new();
    for root in &roots {
        push_item(st, &mut out, root, "");
        for (_, reply) in threaded.iter().filter(|(r, _)| *r == root.id) {
            push_item(st, &mut out, reply, "    ");
        }
    }
    out
}

fn push_item(st: &WorkspaceState, out: &mut String, item: &Item, indent: &str) {
    let name = st
        .user(item.author)
        .map_or(item.author, |u| u.name.as_str());
    let marker = if item.ephemeral { "(only you) " } else { "" };
    let head = format!("{indent}{marker}{name}: ");
    let pad = " ".repeat(head.chars().count());
    let mut lines = item.lines.iter();
    out.push_str(&head);
    out.push_str(lines.next().map_or("", String::as_str));
    out.push('\n');
    for line in lines {
        out.push_str(&pad);
        out.push_str(line);
        out.push('\n');
    }
}

fn render_modal(st: &WorkspaceState, modal: &OpenModal) -> String {
    let mut out = format!("\n== Modal: {} ==\n", modal.title().unwrap_or(""));
    let blocks = modal
        .view
        .get("blocks")
        .and_then(serde_json::Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    for line in blocks_lines(st, blocks) {
        out.push_str(&line);
        out.push('\n');
    }
    let submit = plain(modal.view.get("submit"));
    let close = plain(modal.view.get("close"));
    let buttons: Vec<String> = [submit, close]
        .into_iter()
        .filter(|s| !s.is_empty())
        .map(|s| format!("[{s}]"))
        .collect();
    if !buttons.is_empty() {
        out.push_str(&buttons.join(" "));
        out.push('\n');
    }
    out
}
