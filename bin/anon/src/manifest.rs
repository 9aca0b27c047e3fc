//! The Pumble app manifest (pumble-protocol.md §7).
//!
//! The repository's `manifest.json` is the template: every URL in it is a
//! path relative to the server, and every path is one this server actually
//! serves (`/hook` for all triggers and events, `/redirect` for OAuth), so the
//! registered manifest cannot drift from the routes (anon-behavior.md D20).
//! It holds no secrets. [`render`] makes the URLs absolute for one public
//! host, the way the Node SDK serves `GET /manifest` (§7.2).
//!
//! Scopes (§7.4), exactly those the server uses:
//!
//! | scope | used for |
//! |---|---|
//! | `messages:write` | anonymous DMs, channel posts, thread replies, reports, every ephemeral answer |
//! | `channels:read` | finding the bot↔recipient DM; reading a channel's kind and members before posting |
//! | `channels:write` | creating the private reports channel and inviting admins; creating a missing DM |
//! | `users:list` | finding owners and administrators; telling people from bots |
//!
//! No `channels:list`: the reports channel is known by the id recorded at
//! creation and never looked up by name (DESIGN.md rule 9, D5). No user scopes.

use serde_json::Value;

/// The manifest template, as checked in at the repository root.
pub const TEMPLATE: &str = include_str!("../../../manifest.json");

/// The path every trigger and event is posted to.
pub const HOOK_PATH: &str = "/hook";
/// The OAuth redirect path.
pub const REDIRECT_PATH: &str = "/redirect";

/// Manifest keys that hold secrets; never served even if a template had them.
const SECRET_KEYS: [&str; 3] = ["appKey", "clientSecret", "signingSecret"];

/// The template, parsed.
pub fn template() -> Value {
    serde_json::from_str(TEMPLATE).expect("manifest.json is valid JSON (checked by a unit test)")
}

/// The deployable manifest: the template with every relative URL made
/// absolute against `public_url` (e.g. `https://anon.example.com`), secret
/// keys removed, and the app `id` set when given.
pub fn render(public_url: &str, app_id: Option<&str>) -> Value {
    let base = public_url.trim().trim_end_matches('/');
    let mut manifest = template();
    if let Value::Object(fields) = &mut manifest {
        for key in SECRET_KEYS {
            fields.remove(key);
        }
        if let Some(id) = app_id {
            fields.insert("id".to_owned(), Value::String(id.to_owned()));
        }
        for key in ["blockInteraction", "viewAction", "eventSubscriptions"] {
            if let Some(url) = fields.get_mut(key).and_then(|v| v.get_mut("url")) {
                absolutize(url, base);
            }
        }
        for key in ["slashCommands", "shortcuts", "dynamicMenus"] {
            if let Some(Value::Array(items)) = fields.get_mut(key) {
                for url in items.iter_mut().filter_map(|item| item.get_mut("url")) {
                    absolutize(url, base);
                }
            }
        }
        if let Some(Value::Array(urls)) = fields.get_mut("redirectUrls") {
            urls.iter_mut().for_each(|url| absolutize(url, base));
        }
    }
    manifest
}

/// Makes one relative URL absolute; absolute ones are left alone (§7.2).
fn absolutize(url: &mut Value, base: &str) {
    if let Value::String(text) = url {
        if !(text.starts_with("http://") || text.starts_with("https://")) {
            let path = text.trim_start_matches('/');
            *text = format!("{base}/{path}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_url(manifest: &Value) -> Vec<String> {
        let mut urls = Vec::new();
        for key in ["blockInteraction", "viewAction", "eventSubscriptions"] {
            urls.extend(manifest[key]["url"].as_str().map(str::to_owned));
        }
        for key in ["slashCommands", "shortcuts", "dynamicMenus"] {
            for item in manifest[key].as_array().into_iter().flatten() {
                urls.extend(item["url"].as_str().map(str::to_owned));
            }
        }
        for url in manifest["redirectUrls"].as_array().into_iter().flatten() {
            urls.extend(url.as_str().map(str::to_owned));
        }
        urls
    }

    #[test]
    fn template_uses_only_served_relative_paths() {
        let manifest = template();
        let urls = every_url(&manifest);
        assert_eq!(urls.len(), 7, "{urls:?}");
        for url in &urls {
            assert!(
                url == HOOK_PATH || url == REDIRECT_PATH,
                "{url} is not served"
            );
        }
        assert_eq!(manifest["redirectUrls"], serde_json::json!([REDIRECT_PATH]));
    }

    #[test]
    fn template_declares_the_three_commands_two_events_and_exact_scopes() {
        let manifest = template();
        let commands: Vec<_> = manifest["slashCommands"]
            .as_array()
            .expect("slashCommands is a list")
            .iter()
            .map(|c| c["command"].as_str().expect("command is text"))
            .collect();
        assert_eq!(commands, ["/anon", "/anon-block", "/anon-unblock"]);
        for command in manifest["slashCommands"].as_array().into_iter().flatten() {
            assert!(!command["description"]
                .as_str()
                .unwrap_or_default()
                .is_empty());
            assert!(command["usageHint"]
                .as_str()
                .is_some_and(|hint| hint.len() <= 55));
        }
        assert_eq!(
            manifest["eventSubscriptions"]["events"],
            serde_json::json!(["APP_UNINSTALLED", "APP_UNAUTHORIZED"])
        );
        assert_eq!(
            manifest["scopes"],
            serde_json::json!({
                "botScopes": ["messages:write", "channels:read", "channels:write", "users:list"],
                "userScopes": []
            })
        );
        for key in SECRET_KEYS {
            assert!(manifest.get(key).is_none());
        }
    }

    #[test]
    fn render_makes_every_url_absolute_and_changes_nothing_else() {
        let rendered = render("https://anon.example.test/", Some("app_1"));
        for url in every_url(&rendered) {
            assert!(
                url == "https://anon.example.test/hook"
                    || url == "https://anon.example.test/redirect",
                "{url}"
            );
        }
        assert_eq!(rendered["id"], "app_1");
        // Put the relative paths back: the rest must equal the template.
        let mut restored = rendered.clone();
        if let Value::Object(fields) = &mut restored {
            fields.remove("id");
        }
        let text = restored
            .to_string()
            .replace("https://anon.example.test", "");
        let restored: Value = serde_json::from_str(&text).expect("still JSON");
        assert_eq!(restored, template());
    }

    #[test]
    fn render_leaves_absolute_urls_alone() {
        let mut url = Value::String("https://elsewhere.test/x".to_owned());
        absolutize(&mut url, "https://anon.example.test");
        assert_eq!(url, "https://elsewhere.test/x");
    }
}
