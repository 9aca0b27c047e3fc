//! The privacy checks of issue 7 item 9, as reusable functions over plain
//! data: rendered views, captured log lines, raw file bytes.
//!
//! Every check returns [`Finding`]s that say *where* and *what kind* of
//! thing leaked, never the leaked value itself, so a failing assertion does
//! not print the secret it found.

use std::fmt;
use std::path::PathBuf;

/// What kind of sensitive value a needle is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A message body someone typed.
    Body,
    /// A bot or user access token.
    Token,
    /// An app secret (signing secret, app key, client secret, sealing key).
    Secret,
    /// A request signature.
    Signature,
    /// An OAuth authorization code.
    OAuthCode,
    /// A user id.
    UserId,
    /// An author's display name.
    AuthorName,
}

/// A value that must not appear somewhere. `Debug` shows its kind and
/// length only.
#[derive(Clone, PartialEq, Eq)]
pub struct Sensitive {
    kind: Kind,
    value: String,
}

impl fmt::Debug for Sensitive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sensitive")
            .field("kind", &self.kind)
            .field("len", &self.value.len())
            .finish()
    }
}

impl Sensitive {
    /// A needle of `kind`. Empty values are allowed but never match.
    pub fn new(kind: Kind, value: impl Into<String>) -> Sensitive {
        Sensitive {
            kind,
            value: value.into(),
        }
    }

    /// Its kind.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// Whether `haystack` contains the value. Ids and names must stand alone
    /// (not inside a longer id or word); bodies, tokens and secrets match
    /// anywhere.
    pub fn found_in(&self, haystack: &str) -> bool {
        if self.value.is_empty() {
            return false;
        }
        match self.kind {
            Kind::UserId | Kind::AuthorName => contains_word(haystack, &self.value),
            _ => haystack.contains(&self.value),
        }
    }

    fn found_in_bytes(&self, haystack: &[u8]) -> Option<usize> {
        let needle = self.value.as_bytes();
        if needle.is_empty() || needle.len() > haystack.len() {
            return None;
        }
        haystack.windows(needle.len()).position(|w| w == needle)
    }
}

/// One leak: where, and what kind of value. Never holds the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// What kind of value leaked.
    pub kind: Kind,
    /// Where: `log line 12`, `anon.db-wal byte 4096`, `view of u_bob, #general`.
    pub place: String,
}

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

/// Log lines containing any needle.
pub fn find_in_lines(lines: &[String], needles: &[Sensitive]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (number, line) in lines.iter().enumerate() {
        for needle in needles {
            if needle.found_in(line) {
                findings.push(Finding {
                    kind: needle.kind,
                    place: format!("log line {}", number + 1),
                });
            }
        }
    }
    findings
}

/// Log lines holding a run of at least `min_len` hex digits: what a
/// signature or a raw key looks like (anon's own ids are 32 hex digits, a
/// signature 64).
pub fn hex_runs_in_lines(lines: &[String], min_len: usize) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (number, line) in lines.iter().enumerate() {
        let mut run = 0usize;
        let mut longest = 0usize;
        for c in line.chars() {
            run = if c.is_ascii_hexdigit() { run + 1 } else { 0 };
            longest = longest.max(run);
        }
        if longest >= min_len {
            findings.push(Finding {
                kind: Kind::Signature,
                place: format!("log line {}", number + 1),
            });
        }
    }
    findings
}

/// Log lines naming one of `authors` together with one of `ids` (anon
/// message ids, conversation ids, Pumble message ids of anonymous posts):
/// the pairing that de-anonymises.
pub fn authors_beside_ids(lines: &[String], authors: &[String], ids: &[String]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (number, line) in lines.iter().enumerate() {
        let names_author = authors.iter().any(|a| contains_word(line, a));
        let names_id = ids.iter().any(|id| contains_word(line, id));
        if names_author && names_id {
            findings.push(Finding {
                kind: Kind::UserId,
                place: format!("log line {}", number + 1),
            });
        }
    }
    findings
}

/// Files whose raw bytes contain a needle. Missing files (SQLite removes
/// `-wal` and `-shm` when the last connection closes) are skipped.
pub fn find_in_files(files: &[PathBuf], needles: &[Sensitive]) -> std::io::Result<Vec<Finding>> {
    let mut findings = Vec::new();
    for file in files {
        let bytes = match std::fs::read(file) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
            Err(error) => return Err(error),
        };
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for needle in needles {
            if let Some(at) = needle.found_in_bytes(&bytes) {
                findings.push(Finding {
                    kind: needle.kind,
                    place: format!("{name} byte {at}"),
                });
            }
        }
    }
    Ok(findings)
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
#[derive(Debug, Clone)]
pub struct RenderedView {
    /// The viewer's user id.
    pub viewer_id: String,
    /// Whether the viewer is a workspace owner or administrator.
    pub viewer_is_admin: bool,
    /// The rendering.
    pub text: String,
}

/// One thing in a rendered view: the section it is in (`#general`,
/// `DM with Anon`, `Modal: …`) and its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewItem {
    /// The section title, without the `==` marks.
    pub section: String,
    /// The item's lines (author head included).
    pub lines: Vec<String>,
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

/// Check (a): no user sees an anonymous message's author next to it. For
/// every view and every item in it that contains a message's marker, the
/// item must not show the author's id or name — unless the viewer is the
/// author, or an admin looking at the reports channel (`reports_section`).
pub fn authors_in_views(
    views: &[RenderedView],
    messages: &[AnonymousMessage],
    reports_section: &str,
) -> Vec<Finding> {
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
                    findings.push(Finding {
                        kind: Kind::AuthorName,
                        place: format!("view of {}, {}", view.viewer_id, item.section),
                    });
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

    #[test]
    fn findings_name_the_place_and_never_the_value() {
        let lines = vec!["ok".to_owned(), "token=tok_bot_123 here".to_owned()];
        let found = find_in_lines(&lines, &[Sensitive::new(Kind::Token, "tok_bot_123")]);
        assert_eq!(
            found,
            [Finding {
                kind: Kind::Token,
                place: "log line 2".to_owned()
            }]
        );
        assert!(!format!("{found:?}").contains("tok_bot_123"));
        assert!(!format!("{:?}", Sensitive::new(Kind::Token, "tok_bot_123")).contains("tok_"));
    }

    #[test]
    fn hex_runs_flag_signature_length_only() {
        let id = "0123456789abcdef0123456789abcdef";
        let signature = format!("{id}{id}");
        let lines = vec![format!("message {id}"), format!("sig {signature}")];
        let found = hex_runs_in_lines(&lines, 64);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].place, "log line 2");
    }

    #[test]
    fn an_author_is_flagged_only_on_the_same_line_as_an_id() {
        let lines = vec![
            "reply by u_alice".to_owned(),
            "message 1f2e delivered".to_owned(),
            "u_alice sent 1f2e".to_owned(),
        ];
        let found = authors_beside_ids(&lines, &["u_alice".to_owned()], &["1f2e".to_owned()]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].place, "log line 3");
    }

    #[test]
    fn files_are_searched_as_bytes_and_missing_ones_skipped() {
        let dir = tempfile::tempdir().expect("temp dir");
        let present = dir.path().join("a.db");
        std::fs::write(&present, b"\x00\x01xx u_carol yy\xff").expect("write");
        let found = find_in_files(
            &[present, dir.path().join("a.db-wal")],
            &[Sensitive::new(Kind::UserId, "u_carol")],
        )
        .expect("readable");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].place, "a.db byte 5");
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
        assert_eq!(found[0].place, "view of u_bob, #general");

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
