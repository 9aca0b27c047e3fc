//! The privacy checks that end `anon demo` and the end-to-end privacy
//! scenario (issue 7 item 9). Each returns a [`CheckOutcome`] listing its
//! violations; a violation names *which* secret leaked by kind and number
//! (e.g. "body #2"), never the secret itself, so the outcome can be printed.
//!
//! * [`check_views`] — (a) no user but the admins (and the author) sees who
//!   wrote an anonymous message.
//! * [`check_logs`] — (b) no log line holds a body, a token, a secret, an
//!   OAuth code, a signature, or a user id together with a message or
//!   conversation id.
//! * [`check_database_files`] — (c) the raw SQLite files (`-wal` and `-shm`
//!   included) hold no user id, body or token.

use std::fmt;
use std::path::{Path, PathBuf};

/// The result of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckOutcome {
    /// What was checked.
    pub name: &'static str,
    /// How many things were inspected.
    pub inspected: usize,
    /// What they were, plural (`"views"`, `"log lines"`, `"bytes"`).
    pub unit: &'static str,
    /// Every violation found (empty: passed).
    pub violations: Vec<String>,
}

impl CheckOutcome {
    /// True when nothing was found.
    pub fn passed(&self) -> bool {
        self.violations.is_empty()
    }
}

impl fmt::Display for CheckOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.passed() {
            write!(
                f,
                "PASS  {} ({} {} inspected)",
                self.name, self.inspected, self.unit
            )
        } else {
            write!(
                f,
                "FAIL  {} ({} {} inspected)",
                self.name, self.inspected, self.unit
            )?;
            for violation in &self.violations {
                write!(f, "\n        - {violation}")?;
            }
            Ok(())
        }
    }
}

/// One anonymous message of a scenario: who really wrote it and what.
#[derive(Clone, Copy)]
pub struct AnonymousMessage<'a> {
    /// The author's user id.
    pub author_id: &'a str,
    /// The author's display name, as views show it.
    pub author_name: &'a str,
    /// The text as sent.
    pub body: &'a str,
}

impl fmt::Debug for AnonymousMessage<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AnonymousMessage([REDACTED])")
    }
}

/// What one user sees (the simulator's rendering of their client).
#[derive(Debug, Clone, Copy)]
pub struct UserView<'a> {
    /// The viewer's user id.
    pub user_id: &'a str,
    /// The viewer's display name (for the report).
    pub user_name: &'a str,
    /// Everything visible to them, as text.
    pub text: &'a str,
    /// An owner or administrator: allowed to learn authors through reports.
    pub is_admin: bool,
}

/// (a) For every viewer who is neither an admin nor the author of a given
/// anonymous message: their view never shows the author's user id, and no
/// posted item that shows the message's text names the author.
///
/// `speaker_names` are the names items are headed with (every user's and
/// the bot's display name); an item runs from a line headed `Name: ` (after
/// indentation and an optional `(only you) ` marker) to the next such line.
pub fn check_views(
    views: &[UserView<'_>],
    messages: &[AnonymousMessage<'_>],
    speaker_names: &[&str],
) -> CheckOutcome {
    let mut violations = Vec::new();
    for view in views.iter().filter(|view| !view.is_admin) {
        let items = items(view.text, speaker_names);
        for (number, message) in messages.iter().enumerate() {
            if message.author_id == view.user_id {
                continue;
            }
            if contains_id(view.text, message.author_id) {
                violations.push(format!(
                    "{}'s view shows the author id of anonymous message #{}",
                    view.user_name,
                    number + 1
                ));
            }
            let first_line = message.body.lines().next().unwrap_or_default().trim();
            if first_line.is_empty() {
                continue;
            }
            for item in items.iter().filter(|item| item.contains(first_line)) {
                if contains_word(item, message.author_name) {
                    violations.push(format!(
                        "{}'s view names the author next to anonymous message #{}",
                        view.user_name,
                        number + 1
                    ));
                }
            }
        }
    }
    CheckOutcome {
        name: "(a) only admins learn who wrote an anonymous message",
        inspected: views.len(),
        unit: "views",
        violations,
    }
}

/// Splits a rendered view into posted items.
fn items(text: &str, speaker_names: &[&str]) -> Vec<String> {
    let mut items: Vec<String> = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        let unmarked = trimmed.strip_prefix("(only you) ").unwrap_or(trimmed);
        let starts_item = speaker_names
            .iter()
            .any(|name| unmarked.starts_with(&format!("{name}: ")));
        let boundary = line.starts_with("== ") || line.starts_with("View of ") || line.is_empty();
        if starts_item || boundary {
            items.extend(current.take());
            if starts_item {
                current = Some(line.to_owned());
            }
        } else if let Some(item) = current.as_mut() {
            item.push('\n');
            item.push_str(line);
        }
    }
    items.extend(current);
    items
}

/// Everything a scenario used that must never reach a log line.
#[derive(Clone, Default)]
pub struct LogSecrets<'a> {
    /// Message bodies.
    pub bodies: Vec<&'a str>,
    /// Tokens, keys, secrets and OAuth codes (exact values).
    pub credentials: Vec<&'a str>,
    /// Prefixes every token of a kind starts with (e.g. `tok_`), in case a
    /// token was issued that the scenario never saw.
    pub credential_prefixes: Vec<&'a str>,
    /// User ids (a line may not hold one next to a message or conversation id).
    pub user_ids: Vec<&'a str>,
    /// Message and conversation ids besides anon's own 32-hex-digit ids
    /// (e.g. Pumble's message ids).
    pub message_ids: Vec<&'a str>,
}

impl fmt::Debug for LogSecrets<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogSecrets")
            .field("bodies", &self.bodies.len())
            .field("credentials", &self.credentials.len())
            .field("user_ids", &self.user_ids.len())
            .field("message_ids", &self.message_ids.len())
            .finish_non_exhaustive()
    }
}

/// Shortest body fragment searched for (shorter bodies are searched whole).
const BODY_FRAGMENT_CHARS: usize = 24;

/// (b) No line holds a body (or its first 24 characters), a credential, a
/// signature-like run of 64 hex digits, or a user id together with a
/// message or conversation id (anon's 32-hex-digit ids, or the ids given).
pub fn check_logs(lines: &[String], secrets: &LogSecrets<'_>) -> CheckOutcome {
    let mut violations = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let at = index + 1;
        for (number, body) in secrets.bodies.iter().enumerate() {
            let fragment: String = body.trim().chars().take(BODY_FRAGMENT_CHARS).collect();
            if !fragment.is_empty() && line.contains(&fragment) {
                violations.push(format!("log line {at} contains body #{}", number + 1));
            }
        }
        for (number, credential) in secrets.credentials.iter().enumerate() {
            if !credential.is_empty() && line.contains(credential) {
                violations.push(format!("log line {at} contains credential #{}", number + 1));
            }
        }
        for prefix in &secrets.credential_prefixes {
            if !prefix.is_empty() && line.contains(prefix) {
                violations.push(format!("log line {at} contains a `{prefix}…` credential"));
            }
        }
        if longest_hex_run(line) >= 64 {
            violations.push(format!(
                "log line {at} contains a signature-like hex string"
            ));
        }
        let names_user = secrets.user_ids.iter().any(|user| contains_id(line, user));
        let names_message =
            longest_hex_run(line) >= 32 || secrets.message_ids.iter().any(|id| line.contains(id));
        if names_user && names_message {
            violations.push(format!(
                "log line {at} names a user next to a message or conversation id"
            ));
        }
    }
    CheckOutcome {
        name: "(b) logs hold no body, token, signature, or author next to a message",
        inspected: lines.len(),
        unit: "log lines",
        violations,
    }
}

/// The database file and its `-wal` and `-shm` companions (those that exist).
pub fn database_files(database_path: &Path) -> Vec<PathBuf> {
    let mut files = vec![database_path.to_path_buf()];
    for suffix in ["-wal", "-shm"] {
        let mut name = database_path.as_os_str().to_owned();
        name.push(suffix);
        files.push(PathBuf::from(name));
    }
    files.into_iter().filter(|path| path.exists()).collect()
}

/// (c) None of `secrets` (user ids, bodies, tokens) occurs, as bytes, in the
/// database file or its `-wal`/`-shm` files.
pub fn check_database_files(
    database_path: &Path,
    secrets: &[(&str, &str)],
) -> std::io::Result<CheckOutcome> {
    let mut violations = Vec::new();
    let mut inspected = 0;
    for path in database_files(database_path) {
        let bytes = std::fs::read(&path)?;
        inspected += bytes.len();
        let file = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        for (kind, secret) in secrets {
            if !secret.is_empty() && find(&bytes, secret.as_bytes()) {
                violations.push(format!("{file} contains {kind} in plain text"));
            }
        }
    }
    Ok(CheckOutcome {
        name: "(c) database files hold no user id, body or token",
        inspected,
        unit: "bytes",
        violations,
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty()
        && haystack
            .windows(needle.len())
            .any(|window| window == needle)
}

/// Whether `id` occurs in `text` as a whole id (not inside a longer one).
fn contains_id(text: &str, id: &str) -> bool {
    if id.is_empty() {
        return false;
    }
    let is_id_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    text.match_indices(id).any(|(start, _)| {
        let before = text[..start].chars().next_back();
        let after = text[start + id.len()..].chars().next();
        !before.is_some_and(is_id_char) && !after.is_some_and(is_id_char)
    })
}

/// Whether `word` occurs in `text` not as part of a longer word.
fn contains_word(text: &str, word: &str) -> bool {
    if word.is_empty() {
        return false;
    }
    text.match_indices(word).any(|(start, _)| {
        let before = text[..start].chars().next_back();
        let after = text[start + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

fn longest_hex_run(text: &str) -> usize {
    let mut longest = 0;
    let mut run = 0;
    for byte in text.bytes() {
        if byte.is_ascii_hexdigit() {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    longest
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: &[&str] = &["Alice", "Bob", "Anon", "Carol"];

    fn message() -> AnonymousMessage<'static> {
        AnonymousMessage {
            author_id: "u_alice",
            author_name: "Alice",
            body: "the roadmap slipped again",
        }
    }

    fn view<'a>(user: &'a str, text: &'a str, is_admin: bool) -> UserView<'a> {
        UserView {
            user_id: user,
            user_name: user,
            text,
            is_admin,
        }
    }

    #[test]
    fn an_anonymous_post_headed_by_the_bot_passes() {
        let text = "View of Bob\n\n== DM with Anon ==\nAnon: Anonymous message\n      > the roadmap slipped again\n";
        let outcome = check_views(&[view("u_bob", text, false)], &[message()], NAMES);
        assert!(outcome.passed(), "{outcome}");
    }

    #[test]
    fn the_author_named_in_the_same_item_fails_but_elsewhere_passes() {
        let leaked = "== #general ==\nAnon: Anonymous\n      > the roadmap slipped again\n      sent by Alice\n";
        let outcome = check_views(&[view("u_bob", leaked, false)], &[message()], NAMES);
        assert_eq!(outcome.violations.len(), 1, "{outcome}");

        let apart = "== #general ==\nAlice: good morning\nAnon: Anonymous\n      > the roadmap slipped again\n";
        assert!(check_views(&[view("u_bob", apart, false)], &[message()], NAMES).passed());
    }

    #[test]
    fn admins_and_the_author_may_see_it_and_ids_never_leak_to_others() {
        let report = "Anon: Report: the roadmap slipped again, written by Alice (u_alice)";
        assert!(check_views(&[view("u_carol", report, true)], &[message()], NAMES).passed());
        assert!(check_views(&[view("u_alice", report, false)], &[message()], NAMES).passed());
        let id_only = "== #general ==\nAnon: something about u_alice\n";
        let outcome = check_views(&[view("u_bob", id_only, false)], &[message()], NAMES);
        assert_eq!(outcome.violations.len(), 1);
    }

    #[test]
    fn log_check_finds_each_kind_of_leak_and_names_no_value() {
        let secrets = LogSecrets {
            bodies: vec!["the roadmap slipped again"],
            credentials: vec!["xpss-secret"],
            credential_prefixes: vec!["tok_"],
            user_ids: vec!["u_alice"],
            message_ids: vec!["msg_42"],
        };
        let lines: Vec<String> = [
            "INFO anon::request POST /hook status=200 workspace=ws_1 outcome=queued",
            "DEBUG text was the roadmap slipped again",
            "WARN secret xpss-secret",
            "WARN token tok_bot_1",
            "DEBUG signature 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "INFO u_alice sent msg_42",
            "INFO u_alice wrote 0123456789abcdef0123456789abcdef",
            "INFO message 0123456789abcdef0123456789abcdef delivered",
        ]
        .map(str::to_owned)
        .to_vec();
        let outcome = check_logs(&lines, &secrets);
        let lines_flagged: Vec<&str> = outcome
            .violations
            .iter()
            .map(|v| v.split(' ').nth(2).unwrap_or_default())
            .collect();
        assert_eq!(lines_flagged, ["2", "3", "4", "5", "6", "7"], "{outcome}");
        let shown = outcome.to_string();
        assert!(!shown.contains("roadmap") && !shown.contains("xpss-secret"));
    }

    #[test]
    fn database_check_reads_the_wal_too() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("anon.db");
        std::fs::write(&db, b"sealed bytes only").expect("write");
        std::fs::write(dir.path().join("anon.db-wal"), b"..u_alice..").expect("write");
        let outcome =
            check_database_files(&db, &[("user id #1", "u_alice"), ("body #1", "slipped")])
                .expect("readable");
        assert_eq!(
            outcome.violations,
            ["anon.db-wal contains user id #1 in plain text"]
        );
        assert_eq!(database_files(&db).len(), 2);
    }

    #[test]
    fn ids_match_whole_only() {
        assert!(contains_id("by u_bob.", "u_bob"));
        assert!(!contains_id("by u_bobby", "u_bob"));
        assert!(contains_word("Hi Bob!", "Bob"));
        assert!(!contains_word("Bobby", "Bob"));
    }
}
