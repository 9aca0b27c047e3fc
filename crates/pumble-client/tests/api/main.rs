//! Integration tests of `pumble-client`: against raw TCP servers (timeouts,
//! retries, error answers, exact request bytes) and against `pumble-sim`.

mod canned;
mod errors;
mod pooling;
mod request_shape;
mod retries;
mod secrets;
mod sim;
mod timeouts;

use std::time::Duration;

use pumble_client::{AccessToken, AppKey, ClientConfig, PumbleClient, RetryPolicy};

/// Secrets used with the raw servers; tests search outputs for them.
pub const APP_KEY: &str = "xpat-appkey-0123456789abcdef0123456789";
pub const TOKEN: &str = "tok_bot_secret_0123456789abcdef";

pub fn token() -> AccessToken {
    AccessToken::new(TOKEN)
}

/// A client for `base_url` with a short timeout and a fast retry policy.
pub fn client_for(base_url: &str) -> PumbleClient {
    client_with(
        ClientConfig::default()
            .with_base_url(base_url)
            .with_timeout(Duration::from_secs(5)),
    )
}

pub fn client_with(config: ClientConfig) -> PumbleClient {
    PumbleClient::new(config, AppKey::new(APP_KEY)).expect("test configuration is valid")
}

/// A policy whose fallback delay keeps tests fast.
pub fn quick_retries() -> RetryPolicy {
    RetryPolicy {
        max_retries: 2,
        max_total_wait: Duration::from_secs(2),
        fallback_delay: Duration::from_millis(10),
    }
}

/// A fixture from `tests/fixtures` (copies of the shared Pumble fixtures).
pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("read {path}: {error}"))
}
