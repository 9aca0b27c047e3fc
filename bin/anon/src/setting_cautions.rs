//! Settings that load but are probably a mistake: the server starts, and
//! `anon check-config` and `anon serve` say what looks wrong.
//!
//! A caution names the variable and what is wrong with it, never its value
//! (the values compared here include secrets).

use std::fmt;

use secrecy::ExposeSecret;

use crate::settings::{
    Settings, PUBLIC_URL, PUMBLE_API_URL, PUMBLE_APP_SIGNING_SECRET,
    PUMBLE_APP_SIGNING_SECRET_PREVIOUS, TOKEN_ENCRYPTION_KEY, TOKEN_ENCRYPTION_KEY_PREVIOUS,
};

/// A setting that loads but is probably a mistake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caution {
    /// A URL other than a loopback one is `http://`: what crosses it
    /// (requests with message text, or access tokens) is not encrypted.
    PlainHttp {
        /// The variable holding the URL.
        variable: &'static str,
        /// What would cross the network unencrypted.
        exposed: &'static str,
    },
    /// A `…_PREVIOUS` variable holds the same value as the current one: it
    /// is meant for the old value during a rotation.
    PreviousEqualsCurrent {
        /// The `…_PREVIOUS` variable.
        previous: &'static str,
        /// The current one.
        current: &'static str,
    },
}

impl fmt::Display for Caution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Caution::PlainHttp { variable, exposed } => write!(
                f,
                "{variable} is an http:// URL: {exposed} would cross the network unencrypted; use https:// outside local testing"
            ),
            Caution::PreviousEqualsCurrent { previous, current } => write!(
                f,
                "{previous} equals {current}: during a rotation it holds the old value; otherwise unset it"
            ),
        }
    }
}

impl Settings {
    /// What in these settings is probably a mistake, in the order of the
    /// variables' table.
    pub fn cautions(&self) -> Vec<Caution> {
        let mut cautions = Vec::new();
        if self
            .pumble
            .signing_secret_previous
            .as_ref()
            .is_some_and(|previous| {
                previous.expose_secret() == self.pumble.signing_secret.expose_secret()
            })
        {
            cautions.push(Caution::PreviousEqualsCurrent {
                previous: PUMBLE_APP_SIGNING_SECRET_PREVIOUS,
                current: PUMBLE_APP_SIGNING_SECRET,
            });
        }
        if self
            .token_encryption_key_previous
            .as_ref()
            .is_some_and(|previous| {
                previous.expose_secret() == self.token_encryption_key.expose_secret()
            })
        {
            cautions.push(Caution::PreviousEqualsCurrent {
                previous: TOKEN_ENCRYPTION_KEY_PREVIOUS,
                current: TOKEN_ENCRYPTION_KEY,
            });
        }
        if self.public_url.as_deref().is_some_and(plain_http_off_host) {
            cautions.push(Caution::PlainHttp {
                variable: PUBLIC_URL,
                exposed: "Pumble's requests, message text included,",
            });
        }
        if plain_http_off_host(&self.pumble_api_url) {
            cautions.push(Caution::PlainHttp {
                variable: PUMBLE_API_URL,
                exposed: "access tokens and message text",
            });
        }
        cautions
    }
}

/// Whether `url` (a URL the settings accepted) is `http://` to a host other
/// than this one (`localhost` or a loopback address).
fn plain_http_off_host(url: &str) -> bool {
    let Ok(parts) = crate::manifest::public_url_parts(url) else {
        return false;
    };
    let loopback = parts.host.eq_ignore_ascii_case("localhost")
        || parts
            .host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|address| address.is_loopback());
    !parts.https && !loopback
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_to_another_host_is_plain_http() {
        for url in [
            "http://anon.example.test",
            "http://anon.example.test/base",
            "http://10.0.0.7:3000",
            "http://[2001:db8::1]:8080/x",
            "http://localhost.example.test",
        ] {
            assert!(plain_http_off_host(url), "{url}");
        }
        for url in [
            "https://anon.example.test",
            "http://localhost:3000",
            "http://127.0.0.1:8787",
            "http://127.9.9.9",
            "http://[::1]:3000/base",
            "ftp://anon.example.test",
            // Not URLs the settings accept (refused at load before cautions).
            "HTTP://anon.example.test/base",
            "http:/",
            "",
        ] {
            assert!(!plain_http_off_host(url), "{url}");
        }
    }

    #[test]
    fn cautions_name_the_variable_and_never_the_value() {
        let signing = "xpss-33333333333333333333333333333333";
        let key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
        let settings = Settings::from_vars([
            ("PUMBLE_APP_ID", "0123456789abcdef01234567"),
            ("PUMBLE_APP_KEY", "xpat-11111111111111111111111111111111"),
            (
                "PUMBLE_APP_CLIENT_SECRET",
                "xpcls-22222222222222222222222222222222",
            ),
            ("PUMBLE_APP_SIGNING_SECRET", signing),
            ("PUMBLE_APP_SIGNING_SECRET_PREVIOUS", signing),
            ("TOKEN_ENCRYPTION_KEY", key),
            ("TOKEN_ENCRYPTION_KEY_PREVIOUS", key),
            ("PUBLIC_URL", "http://anon.example.test"),
            ("PUMBLE_API_URL", "http://api.example.test"),
        ])
        .expect("valid settings");
        let cautions = settings.cautions();
        assert_eq!(
            cautions,
            [
                Caution::PreviousEqualsCurrent {
                    previous: PUMBLE_APP_SIGNING_SECRET_PREVIOUS,
                    current: PUMBLE_APP_SIGNING_SECRET,
                },
                Caution::PreviousEqualsCurrent {
                    previous: TOKEN_ENCRYPTION_KEY_PREVIOUS,
                    current: TOKEN_ENCRYPTION_KEY,
                },
                Caution::PlainHttp {
                    variable: PUBLIC_URL,
                    exposed: "Pumble's requests, message text included,",
                },
                Caution::PlainHttp {
                    variable: PUMBLE_API_URL,
                    exposed: "access tokens and message text",
                },
            ]
        );
        for caution in &cautions {
            let text = caution.to_string();
            assert!(!text.contains(signing) && !text.contains(key), "{text}");
            assert!(!text.contains("example.test"), "{text}");
        }
    }

    #[test]
    fn usual_settings_have_no_cautions() {
        let settings = Settings::from_vars([
            ("PUMBLE_APP_ID", "0123456789abcdef01234567"),
            ("PUMBLE_APP_KEY", "xpat-11111111111111111111111111111111"),
            (
                "PUMBLE_APP_CLIENT_SECRET",
                "xpcls-22222222222222222222222222222222",
            ),
            (
                "PUMBLE_APP_SIGNING_SECRET",
                "xpss-33333333333333333333333333333333",
            ),
            (
                "PUMBLE_APP_SIGNING_SECRET_PREVIOUS",
                "xpss-44444444444444444444444444444444",
            ),
            (
                "TOKEN_ENCRYPTION_KEY",
                "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
            ),
            ("PUBLIC_URL", "https://anon.example.test"),
        ])
        .expect("valid settings");
        assert_eq!(settings.cautions(), []);
    }
}
