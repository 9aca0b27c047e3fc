//! A stricter view check than `anon::privacy::check_views`, which the
//! privacy scenario runs beside the server's own checks (those are reused,
//! not duplicated): an administrator may learn an anonymous message's author
//! **only in the reports channel**, next to that reported message, and
//! nowhere else.
//!
//! Findings say *where* an author showed, never the message.

use std::fmt;

/// Whether `word` occurs in `text` with no id character (`[A-Za-z0-9_-]`)
/// right before or after it.
pub fn contains_word(text: &str, word: &str) -> bool {
    if word.is_empty() {
        return false;
    }
    let is_id_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(is_id_char) && !after.is_some_and(is_id_char)
    })
}

/// One anonymous message as the scenario knows it: a marker word unique to
/// its body, and its real author.
#[derive(Clone, PartialEq, Eq)]
pub struct AnonymousMessage {
    /// A word that occurs only in this message's body.
    pub marker: String,
    /// The author's user id.
    pub author_id: String,
    /// The author's display name.
    pub author_name: String,
}

impl fmt::Debug for AnonymousMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AnonymousMessage")
            .field("author", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// What one user sees, rendered (`pumble_sim::Simulator::render_view`).
/// `Debug` shows the viewer, not what they see.
#[derive(Clone)]
pub struct RenderedView {
    /// The viewer's user id.
    pub viewer_id: String,
    /// Whether the viewer is a workspace owner or administrator.
    pub viewer_is_admin: bool,
    /// The rendering.
    pub text: String,
}

impl fmt::Debug for RenderedView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RenderedView")
            .field("viewer_id", &self.viewer_id)
            .field("viewer_is_admin", &self.viewer_is_admin)
            .field("text_len", &self.text.len())
            .finish()
    }
}

/// One thing in a rendered view: the section it is in (`#general`,
/// `DM with Anon`, `Modal: …`) and its lines.
/// `Debug` shows the section and how many lines, not their text.
#[derive(Clone, PartialEq, Eq)]
pub struct ViewItem {
    /// The section title, without the `==` marks.
    pub section: String,
    /// The item's lines (author head included).
    pub lines: Vec<String>,
}

impl fmt::Debug for ViewItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ViewItem")
            .field("section", &self.section)
            .field("lines", &self.lines.len())
            .finish()
    }
}

/// Splits a rendered view into items. A section starts with `== title ==`;
/// an item starts at a line with no indent or exactly four spaces (a thread
/// reply) and runs until the next such line; modal sections are one item.
pub fn view_items(rendered: &str) -> Vec<ViewItem> {
    let mut items: Vec<ViewItem> = Vec::new();
    let mut section = String::new();
    for line in rendered.lines() {
        if let Some(title) = line
            .strip_prefix("== ")
            .and_then(|rest| rest.strip_suffix(" =="))
        {
            section = title.to_owned();
            if section.starts_with("Modal:") {
                items.push(ViewItem {
                    section: section.clone(),
                    lines: Vec::new(),
                });
            }
            continue;
        }
        if line.is_empty() || section.is_empty() {
            continue;
        }
        let indent = line.len() - line.trim_start_matches(' ').len();
        let starts_item = !section.starts_with("Modal:") && (indent == 0 || indent == 4);
        match items.last_mut() {
            Some(item) if !starts_item && item.section == section => {
                item.lines.push(line.to_owned())
            }
            _ => items.push(ViewItem {
                section: section.clone(),
                lines: vec![line.to_owned()],
            }),
        }
    }
    items
}

/// For every view and every item in it that contains a message's marker,
/// the item must not show the author's id or name — unless the viewer is the
/// author, or an admin looking at the reports channel (`reports_section`).
/// Returns where an author showed (`view of u_bob, #general`).
pub fn authors_in_views(
    views: &[RenderedView],
    messages: &[AnonymousMessage],
    reports_section: &str,
) -> Vec<String> {
    let mut findings = Vec::new();
    for view in views {
        for item in view_items(&view.text) {
            let text = item.lines.join("\n");
            for message in messages {
                if message.author_id == view.viewer_id || !text.contains(&message.marker) {
                    continue;
                }
                if view.viewer_is_admin && item.section == reports_section {
                    continue;
                }
                let shows_author = contains_word(&text, &message.author_id)
                    || contains_word(&text, &message.author_name);
                if shows_author {
                    findings.push(format!("view of {}, {}", view.viewer_id, item.section));
                }
            }
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_match_only_standing_alone() {
        assert!(contains_word("by u_bob.", "u_bob"));
        assert!(contains_word("u_bob", "u_bob"));
        assert!(!contains_word("u_bobby", "u_bob"));
        assert!(!contains_word("xu_bob", "u_bob"));
        assert!(contains_word("Alice: hi", "Alice"));
        assert!(!contains_word("Malice", "Alice"));
    }

    const VIEW: &str = "View of Bob\n\n== #general ==\nAlice: morning all\nAnon: zebra7 is late again\n      [Reply anonymously] [Report]\n    Anon: a reply quokka9\n\n== DM with Anon ==\n(only you) Anon: Sent anonymously.\n\n== Modal: Reply ==\nReplying to: zebra7\n[Send] [Cancel]\n";

    #[test]
    fn views_split_into_items_per_section() {
        let items = view_items(VIEW);
        let sections: Vec<&str> = items.iter().map(|i| i.section.as_str()).collect();
        assert_eq!(
            sections,
            [
                "#general",
                "#general",
                "#general",
                "DM with Anon",
                "Modal: Reply"
            ]
        );
        assert_eq!(items[1].lines.len(), 2);
        assert_eq!(items[4].lines, ["Replying to: zebra7", "[Send] [Cancel]"]);
    }

    fn view(viewer: &str, admin: bool, text: &str) -> RenderedView {
        RenderedView {
            viewer_id: viewer.to_owned(),
            viewer_is_admin: admin,
            text: text.to_owned(),
        }
    }

    #[test]
    fn the_author_next_to_the_message_is_found_except_for_admins_in_reports() {
        let message = AnonymousMessage {
            marker: "zebra7".to_owned(),
            author_id: "u_alice".to_owned(),
            author_name: "Alice".to_owned(),
        };
        // Alice's own plain post in the same channel is not next to the marker.
        assert!(authors_in_views(
            &[view("u_bob", false, VIEW)],
            std::slice::from_ref(&message),
            "#anon-reports"
        )
        .is_empty());

        let leaked = "View of Bob\n\n== #general ==\nAnon: zebra7 is late again (by Alice)\n";
        let found = authors_in_views(
            &[view("u_bob", false, leaked)],
            std::slice::from_ref(&message),
            "#anon-reports",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0], "view of u_bob, #general");

        let report =
            "View of Dave\n\n== #anon-reports ==\nAnon: Report: zebra7, written by Alice\n";
        assert!(authors_in_views(
            &[view("u_dave", true, report)],
            std::slice::from_ref(&message),
            "#anon-reports"
        )
        .is_empty());
        assert_eq!(
            authors_in_views(&[view("u_bob", false, report)], &[message], "#anon-reports").len(),
            1,
            "a non-admin in the reports channel is a leak"
        );
    }
}
