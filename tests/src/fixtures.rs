//! The shared Pumble request fixtures, copied under `tests/fixtures/` so the
//! tests depend on nothing outside the repository. Each file is sent byte for
//! byte (re-signed), including its trailing newline.

use std::path::PathBuf;

/// Every request fixture: slash commands, button clicks, view actions and
/// lifecycle events.
pub const REQUEST_FIXTURES: &[&str] = &[
    "slash_anon_dm.json",
    "slash_anon_channel.json",
    "slash_anon_thread.json",
    "slash_anon_block.json",
    "block_reply_click.json",
    "block_report_click.json",
    "view_submit_reply.json",
    "view_close_reply.json",
    "event_app_unauthorized.json",
    "event_app_uninstalled.json",
];

/// The folder holding the fixtures.
pub fn folder() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The exact bytes of fixture `name` (e.g. `slash_anon_dm.json`).
pub fn bytes(name: &str) -> std::io::Result<Vec<u8>> {
    std::fs::read(folder().join(name))
}

/// Fixture `name` parsed as JSON, for tests that change a field before
/// sending it.
pub fn json(name: &str) -> std::io::Result<serde_json::Value> {
    let bytes = bytes(name)?;
    serde_json::from_slice(&bytes).map_err(std::io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_fixture_is_present_and_is_one_json_object() {
        for name in REQUEST_FIXTURES {
            let value = json(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(
                value.get("messageType").is_some(),
                "{name} has a messageType"
            );
        }
    }
}
