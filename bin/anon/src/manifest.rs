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

/// Why a public base URL was refused. Never holds the URL, which might
/// carry a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PublicUrlError {
    /// Neither `https://` nor `http://`.
    #[error("must start with https:// or http://")]
    Scheme,
    /// Nothing after the scheme.
    #[error("has no host")]
    NoHost,
    /// A `user:password@` part.
    #[error("must not carry a user name or password")]
    Credentials,
    /// A `?query` or `#fragment`.
    #[error("must not have a query or fragment")]
    QueryOrFragment,
    /// Spaces, control or non-ASCII characters, or a host or port that is
    /// not a plain DNS name, IP literal and number.
    #[error("is not a plain http(s) URL (host name, optional port and path)")]
    Malformed,
}

/// Checks a public base URL (`PUBLIC_URL`, `--public-url`): `http` or
/// `https`, a host, an optional port and path, and no user name, password,
/// query or fragment. Returns it trimmed, without a trailing `/`.
pub fn check_public_url(url: &str) -> Result<String, PublicUrlError> {
    public_url_parts(url)?;
    Ok(url.trim().trim_end_matches('/').to_owned())
}

/// What [`check_public_url`] reads of a URL it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicUrlParts<'a> {
    /// `https://` rather than `http://`.
    pub https: bool,
    /// The host: a DNS name, or an IP address (an IPv6 one without its
    /// brackets).
    pub host: &'a str,
}

/// The parts of a public base URL, checked as [`check_public_url`] says.
pub fn public_url_parts(url: &str) -> Result<PublicUrlParts<'_>, PublicUrlError> {
    let url = url.trim();
    let (https, rest) = match url.strip_prefix("https://") {
        Some(rest) => (true, rest),
        None => (
            false,
            url.strip_prefix("http://").ok_or(PublicUrlError::Scheme)?,
        ),
    };
    if !rest.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(PublicUrlError::Malformed);
    }
    if rest.contains(['?', '#']) {
        return Err(PublicUrlError::QueryOrFragment);
    }
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.contains('@') {
        return Err(PublicUrlError::Credentials);
    }
    if authority.is_empty() {
        return Err(PublicUrlError::NoHost);
    }
    let (host, port) = match authority.strip_prefix('[') {
        Some(literal) => {
            let end = literal.find(']').ok_or(PublicUrlError::Malformed)?;
            let after = &literal[end + 1..];
            let port = match after.strip_prefix(':') {
                Some(port) => Some(port),
                None if after.is_empty() => None,
                None => return Err(PublicUrlError::Malformed),
            };
            (&literal[..end], port)
        }
        None => match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    let host_ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:".contains(&b));
    let port_ok = port.is_none_or(|port| port.parse::<u16>().is_ok());
    if !host_ok || !port_ok {
        return Err(PublicUrlError::Malformed);
    }
    Ok(PublicUrlParts { https, host })
}

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

    #[test]
    fn public_urls_are_plain_http_urls_without_credentials() {
        for (url, expected) in [
            ("https://anon.example.com", "https://anon.example.com"),
            ("https://anon.example.com/", "https://anon.example.com"),
            ("http://127.0.0.1:3000", "http://127.0.0.1:3000"),
            ("https://[::1]:8443/anon/", "https://[::1]:8443/anon"),
            (
                " https://anon.example.com/pumble ",
                "https://anon.example.com/pumble",
            ),
        ] {
            assert_eq!(check_public_url(url).as_deref(), Ok(expected), "{url}");
        }
        for (url, refusal) in [
            (
                "https://user:pw@anon.example.com",
                PublicUrlError::Credentials,
            ),
            (
                "https://user@anon.example.com/x",
                PublicUrlError::Credentials,
            ),
            ("ftp://anon.example.com", PublicUrlError::Scheme),
            ("anon.example.com", PublicUrlError::Scheme),
            ("https://", PublicUrlError::NoHost),
            ("https:///path", PublicUrlError::NoHost),
            (
                "https://anon.example.com/?a=b",
                PublicUrlError::QueryOrFragment,
            ),
            (
                "https://anon.example.com#top",
                PublicUrlError::QueryOrFragment,
            ),
            ("https://anon example.com", PublicUrlError::Malformed),
            ("https://anon.example.com:port", PublicUrlError::Malformed),
            ("https://anon.example.com:99999", PublicUrlError::Malformed),
            ("https://[::1", PublicUrlError::Malformed),
            ("https://an<on>.example.com", PublicUrlError::Malformed),
        ] {
            assert_eq!(check_public_url(url), Err(refusal), "{url}");
        }
        let refusal = check_public_url("https://user:hunter2@anon.example.com").unwrap_err();
        assert!(!format!("{refusal} {refusal:?}").contains("hunter2"));
    }

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
