//! `.env.example` and the server's configuration table
//! (`anon::settings::VARIABLES`) describe the same variables, the same way.
//!
//! The example is parsed as an operator's `.env` would be: an active line
//! `NAME=value` sets a variable; a commented line `# NAME=value` shows an
//! optional one. The comment lines right above an assignment are its
//! documentation.

use std::collections::BTreeSet;
use std::path::PathBuf;

use anon::settings::{Problem, Settings, Variable, TOKEN_ENCRYPTION_KEY, VARIABLES};

/// 32 bytes (0x00..0x1f) in standard base64: a well-formed key for loading
/// tests, never a deployment's.
const TEST_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// One `NAME=value` line of the example, with the comments above it.
#[derive(Debug)]
struct Entry {
    name: String,
    value: String,
    /// `# NAME=value` rather than `NAME=value`.
    commented: bool,
    /// The comment lines directly above, without their `#`.
    doc: Vec<String>,
    line: usize,
}

fn example_text() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits inside the workspace")
        .join(".env.example");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
}

/// `NAME=value` when `text` is an assignment to an upper-snake-case name.
fn assignment(text: &str) -> Option<(String, String)> {
    let (name, value) = text.split_once('=')?;
    let is_name = !name.is_empty()
        && name.starts_with(|c: char| c.is_ascii_uppercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    is_name.then(|| (name.to_owned(), value.to_owned()))
}

fn parse(text: &str) -> Vec<Entry> {
    let mut entries = Vec::new();
    let mut doc: Vec<String> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line_number = index + 1;
        let trimmed = line.trim();
        if trimmed.is_empty() {
            doc.clear();
            continue;
        }
        let (commented, rest) = match trimmed.strip_prefix('#') {
            Some(rest) => (true, rest.strip_prefix(' ').unwrap_or(rest)),
            None => (false, trimmed),
        };
        match assignment(rest) {
            Some((name, value)) => {
                entries.push(Entry {
                    name,
                    value,
                    commented,
                    doc: std::mem::take(&mut doc),
                    line: line_number,
                });
            }
            None if commented => doc.push(rest.to_owned()),
            None => panic!(".env.example line {line_number} is neither a comment nor NAME=value"),
        }
    }
    entries
}

fn entries() -> Vec<Entry> {
    let entries = parse(&example_text());
    assert!(!entries.is_empty(), ".env.example assigns nothing");
    entries
}

fn variable(name: &str) -> &'static Variable {
    VARIABLES
        .iter()
        .find(|v| v.name == name)
        .unwrap_or_else(|| panic!("{name} is not a variable the server reads"))
}

#[test]
fn the_example_lists_exactly_the_variables_the_server_reads_once_each_in_its_order() {
    let entries = entries();
    let listed: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    let unique: BTreeSet<&str> = listed.iter().copied().collect();
    assert_eq!(
        unique.len(),
        listed.len(),
        "a variable is listed twice: {listed:?}"
    );
    let read: Vec<&str> = VARIABLES.iter().map(|v| v.name).collect();
    assert_eq!(
        listed, read,
        ".env.example and VARIABLES differ (names or order)"
    );
}

#[test]
fn required_variables_are_active_lines_and_optional_ones_are_commented() {
    for entry in entries() {
        let variable = variable(&entry.name);
        assert_eq!(
            entry.commented,
            !variable.required,
            "line {}: {} is {} and must be {}",
            entry.line,
            entry.name,
            if variable.required {
                "required"
            } else {
                "optional"
            },
            if variable.required {
                "an active line"
            } else {
                "commented out"
            },
        );
    }
}

#[test]
fn each_entry_documents_requiredness_default_and_secrecy() {
    for entry in entries() {
        let variable = variable(&entry.name);
        assert!(
            !entry.doc.is_empty(),
            "line {}: {} has no comment above it",
            entry.line,
            entry.name
        );
        let doc = entry.doc.join("\n");
        let first = entry.doc[0].as_str();
        if variable.required {
            assert!(
                first.starts_with("Required."),
                "{}: first comment line must say `Required.`",
                entry.name
            );
        } else {
            assert!(
                first.starts_with("Optional"),
                "{}: first comment line must say `Optional`",
                entry.name
            );
        }
        match variable.default {
            Some(default) => {
                assert!(
                    doc.contains(&format!("Default: {default}")),
                    "{}: comment must say `Default: {default}`",
                    entry.name
                );
                assert_eq!(
                    entry.value, default,
                    "line {}: the commented value of {} must be its default",
                    entry.line, entry.name
                );
            }
            None => assert!(
                variable.required || doc.contains("no default"),
                "{}: an optional variable without default must say `no default`",
                entry.name
            ),
        }
        assert_eq!(
            doc.contains("Secret."),
            variable.secret,
            "{}: the comment says `Secret.` exactly when the server treats it as a secret",
            entry.name
        );
    }
}

#[test]
fn secrets_in_the_example_are_placeholders_or_empty() {
    for entry in entries() {
        if variable(&entry.name).secret {
            assert!(
                entry.value.is_empty() || entry.value.contains("REPLACE"),
                "line {}: {} must be empty or an obvious REPLACE… placeholder",
                entry.line,
                entry.name
            );
        }
    }
}

#[test]
fn the_key_is_left_empty_and_the_generation_commands_are_shown() {
    let entries = entries();
    let key = entries
        .iter()
        .find(|e| e.name == TOKEN_ENCRYPTION_KEY)
        .expect("TOKEN_ENCRYPTION_KEY is listed");
    assert_eq!(key.value, "", "a key in the example would end up deployed");
    let doc = key.doc.join("\n");
    assert!(doc.contains("openssl rand -base64 32"), "{doc}");
    assert!(doc.contains("head -c 32 /dev/urandom | base64"), "{doc}");
}

/// The active lines, as the server would read them from a copied `.env`.
fn active(entries: &[Entry]) -> Vec<(String, String)> {
    entries
        .iter()
        .filter(|e| !e.commented)
        .map(|e| (e.name.clone(), e.value.clone()))
        .collect()
}

#[test]
fn a_copied_example_fails_for_the_missing_key_and_each_placeholder() {
    let error = Settings::from_vars(active(&entries())).expect_err("no key: must not load");
    let placeholders = active(&entries())
        .into_iter()
        .filter(|(_, value)| value.contains("REPLACE"))
        .map(|(name, _)| Problem::Placeholder {
            variable: variable(&name).name,
        });
    let mut expected: Vec<Problem> = placeholders.collect();
    expected.push(Problem::Missing {
        variable: TOKEN_ENCRYPTION_KEY,
    });
    assert_eq!(expected.len(), 5, "four credentials and the key");
    assert_eq!(error.problems, expected);
}

/// `value` with a `REPLACE…` placeholder filled in the way Pumble's
/// credentials look (prefix kept, 32 hex digits), as an operator would.
fn filled_in(value: &str) -> String {
    match value.find("REPLACE") {
        Some(start) => format!("{}{}", &value[..start], "0123456789abcdef".repeat(2)),
        None => value.to_owned(),
    }
}

#[test]
fn with_a_key_the_example_loads_with_the_defaults_it_shows() {
    let entries = entries();
    let mut vars: Vec<(String, String)> = active(&entries)
        .into_iter()
        .map(|(name, value)| (name, filled_in(&value)))
        .collect();
    vars.retain(|(name, _)| name != TOKEN_ENCRYPTION_KEY);
    vars.push((TOKEN_ENCRYPTION_KEY.to_owned(), TEST_KEY.to_owned()));
    let from_code = Settings::from_vars(vars.clone()).expect("example + key loads");

    // Uncommenting every optional line as shown (defaults and examples;
    // empty ones stay unset) still loads, to the same values for defaults.
    for entry in entries.iter().filter(|e| e.commented) {
        vars.push((entry.name.clone(), filled_in(&entry.value)));
    }
    let from_example =
        Settings::from_vars(vars).expect("every value shown in the example is valid");
    assert_eq!(from_example.port, from_code.port);
    assert_eq!(from_example.database_path, from_code.database_path);
    assert_eq!(from_example.bind_address, from_code.bind_address);
    assert_eq!(from_example.pumble_api_url, from_code.pumble_api_url);
    assert_eq!(
        from_example.pumble_consent_url,
        from_code.pumble_consent_url
    );
    assert_eq!(from_example.log_level, from_code.log_level);
    assert_eq!(from_example.log_format, from_code.log_format);
    assert_eq!(
        from_example.pumble_http_timeout,
        from_code.pumble_http_timeout
    );
    assert_eq!(
        from_example.pumble_connect_timeout,
        from_code.pumble_connect_timeout
    );
    assert_eq!(from_example.http_workers, from_code.http_workers);
    assert_eq!(
        from_example.background_workers,
        from_code.background_workers
    );
    assert_eq!(
        from_example.background_queue_capacity,
        from_code.background_queue_capacity
    );
    assert_eq!(
        from_example.replay_guard_capacity,
        from_code.replay_guard_capacity
    );
    assert_eq!(from_example.shutdown_timeout, from_code.shutdown_timeout);
    assert!(
        from_example.public_url.is_some(),
        "the example PUBLIC_URL is valid"
    );
    assert!(from_example.pumble.signing_secret_previous.is_some());
    assert!(
        from_example.token_encryption_key_previous.is_none(),
        "shown empty"
    );
}

#[test]
fn the_parser_tells_assignments_from_prose() {
    let parsed = parse("# Required. Secret. A thing.\n# Format: a=b, e.g.\nNAME_1=x=y\n\n# Optional. Default: 3\n# OTHER=3\n");
    assert_eq!(parsed.len(), 2);
    assert_eq!(parsed[0].name, "NAME_1");
    assert_eq!(parsed[0].value, "x=y");
    assert!(!parsed[0].commented);
    assert_eq!(
        parsed[0].doc,
        ["Required. Secret. A thing.", "Format: a=b, e.g."]
    );
    assert_eq!(parsed[1].name, "OTHER");
    assert!(parsed[1].commented);
    assert_eq!(parsed[1].doc, ["Optional. Default: 3"]);
}

/// The README's configuration table: `(name, required, default)` per row.
fn readme_rows() -> Vec<(String, bool, Option<String>)> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits inside the workspace")
        .join("README.md");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    let section = text
        .split("\n## Configuration\n")
        .nth(1)
        .expect("README has a `## Configuration` section");
    let section = section.split("\n## ").next().unwrap_or(section);
    section
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            // "| `NAME` | yes | `default` | meaning |" → ["", "`NAME`", "yes", "`default`", "meaning", ""]
            let name = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
            assignment(&format!("{name}="))?;
            let required = match *cells.get(2)? {
                "yes" => true,
                "no" => false,
                other => panic!("README: {name}: required column must be yes or no, not {other}"),
            };
            let default = match *cells.get(3)? {
                "—" => None,
                cell => Some(
                    cell.strip_prefix('`')
                        .and_then(|c| c.strip_suffix('`'))
                        .unwrap_or_else(|| panic!("README: {name}: default must be `quoted` or —"))
                        .to_owned(),
                ),
            };
            Some((name.to_owned(), required, default))
        })
        .collect()
}

#[test]
fn the_readme_configuration_table_matches_the_code() {
    let rows = readme_rows();
    let names: Vec<&str> = rows.iter().map(|(name, _, _)| name.as_str()).collect();
    let read: Vec<&str> = VARIABLES.iter().map(|v| v.name).collect();
    assert_eq!(
        names, read,
        "README table and VARIABLES differ (names or order)"
    );
    for (name, required, default) in &rows {
        let variable = variable(name);
        assert_eq!(
            *required, variable.required,
            "README: {name} required column"
        );
        assert_eq!(
            default.as_deref(),
            variable.default,
            "README: {name} default column"
        );
    }
}
