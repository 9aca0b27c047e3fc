//! Secrets the client sends to Pumble, each in its own redacting type.
//!
//! Every type here wraps a [`secrecy::SecretString`]: its `Debug` prints only
//! the type name and `[REDACTED]`, it has no `Display`, and the value is
//! zeroed when dropped. The value is reached only through `expose_secret`,
//! which keeps every place that handles the raw secret easy to find.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer};

/// Declares a newtype over [`SecretString`] with a redacting `Debug`.
macro_rules! secret_newtype {
    ($(#[$attr:meta])* $name:ident) => {
        $(#[$attr])*
        #[derive(Clone)]
        pub struct $name(SecretString);

        impl $name {
            /// Wraps a secret value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(SecretString::from(value.into()))
            }

            /// The raw secret. Use it only where it is sent or stored,
            /// never to format a log line or an error.
            pub fn expose_secret(&self) -> &str {
                self.0.expose_secret()
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self::new(value)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "([REDACTED])"))
            }
        }
    };
}

secret_newtype!(
    /// The app key (manifest `appKey`), sent as the `x-app-token` header on
    /// every REST call (pumble-protocol.md §5.2).
    AppKey
);

secret_newtype!(
    /// An access token, sent as the `token` header: a workspace's bot token
    /// (acting as the bot) or a user token (acting as that user)
    /// (pumble-protocol.md §5.2).
    AccessToken
);

secret_newtype!(
    /// The app's OAuth client secret (manifest `clientSecret`), used only in
    /// the code exchange (pumble-protocol.md §6.3).
    ClientSecret
);

secret_newtype!(
    /// A one-time OAuth authorization code from the install redirect
    /// (pumble-protocol.md §6.2).
    AuthorizationCode
);

impl<'de> Deserialize<'de> for AccessToken {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_names_the_type_and_hides_the_value() {
        let key = AppKey::new("xpat-0123456789abcdef");
        let token = AccessToken::new("tok_secret_value");
        assert_eq!(format!("{key:?}"), "AppKey([REDACTED])");
        assert_eq!(format!("{token:?}"), "AccessToken([REDACTED])");
        assert_eq!(token.expose_secret(), "tok_secret_value");
    }

    #[test]
    fn access_token_deserializes_from_a_json_string() {
        let token: AccessToken =
            serde_json::from_str("\"tok_from_json\"").expect("a JSON string is a valid token");
        assert_eq!(token.expose_secret(), "tok_from_json");
    }
}
