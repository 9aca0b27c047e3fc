//! Client configuration: where Pumble is, how long a call may take, which
//! proxy (if any) to use, and how patient to be with rate limits.

use std::fmt;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use crate::retry::RetryPolicy;

/// Pumble's public API (pumble-protocol.md §5.1).
pub const DEFAULT_BASE_URL: &str = "https://api-ga.pumble.com";

/// Default bound on one HTTP exchange, from connecting to the last body byte.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Default bound on establishing a connection (DNS, TCP and TLS).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Default cap on the size of a response body the client will read.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 8 * 1024 * 1024;

/// How to build a [`PumbleClient`](crate::PumbleClient).
///
/// Start from [`ClientConfig::default`] and adjust with the `with_*`
/// methods; the values are checked when the client is built.
///
/// Proxies are never taken from the environment (`HTTP_PROXY`,
/// `ALL_PROXY`, …): the client connects directly unless a proxy is set here
/// with [`ClientConfig::with_proxy`].
///
/// ```
/// use std::time::Duration;
/// use pumble_client::ClientConfig;
///
/// let config = ClientConfig::default()
///     .with_base_url("http://127.0.0.1:8080/")
///     .with_timeout(Duration::from_secs(5))
///     .with_connect_timeout(Duration::from_secs(2));
/// assert_eq!(config.timeout(), Duration::from_secs(5));
/// assert_eq!(config.base_url(), "http://127.0.0.1:8080/");
/// ```
#[derive(Clone)]
pub struct ClientConfig {
    base_url: String,
    timeout: Duration,
    connect_timeout: Duration,
    proxy: Option<SecretString>,
    retry: RetryPolicy,
    max_response_bytes: u64,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            proxy: None,
            retry: RetryPolicy::default(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }
}

impl ClientConfig {
    /// Sets the API base URL, e.g. from `PUMBLE_API_URL`. A trailing `/` is
    /// ignored. It must be `http://` or `https://` with a host, and carry no
    /// credentials, query or fragment.
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Sets the bound on one HTTP exchange: connecting, sending, waiting and
    /// reading the whole answer. A retried GET gets this budget per attempt.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the bound on establishing a connection (within the call timeout).
    pub fn with_connect_timeout(mut self, connect_timeout: Duration) -> Self {
        self.connect_timeout = connect_timeout;
        self
    }

    /// Routes every call through this proxy, e.g. `http://proxy.internal:3128`
    /// (the URL may carry credentials; it is never printed).
    pub fn with_proxy(mut self, proxy_url: impl Into<String>) -> Self {
        self.proxy = Some(SecretString::from(proxy_url.into()));
        self
    }

    /// Sets how GETs answered with 429 or 503 are retried.
    pub fn with_retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the largest response body the client will read.
    pub fn with_max_response_bytes(mut self, max_response_bytes: u64) -> Self {
        self.max_response_bytes = max_response_bytes;
        self
    }

    /// The configured base URL, as given.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The bound on one HTTP exchange.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The bound on establishing a connection.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// The retry policy for GETs.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.retry
    }

    /// The largest response body the client will read.
    pub fn max_response_bytes(&self) -> u64 {
        self.max_response_bytes
    }

    /// Whether an explicit proxy is configured.
    pub fn has_proxy(&self) -> bool {
        self.proxy.is_some()
    }

    pub(crate) fn proxy_url(&self) -> Option<&str> {
        self.proxy.as_ref().map(|proxy| proxy.expose_secret())
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A base URL with credentials is refused when the client is built,
        // but must not be printed before that either.
        let base_url = if self.base_url.contains('@') {
            "[REDACTED]"
        } else {
            self.base_url.as_str()
        };
        f.debug_struct("ClientConfig")
            .field("base_url", &base_url)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field(
                "proxy",
                &if self.proxy.is_some() {
                    "[REDACTED]"
                } else {
                    "none"
                },
            )
            .field("retry", &self.retry)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_proxy_and_base_url_credentials() {
        let config = ClientConfig::default()
            .with_base_url("https://user:hunter2@api.example")
            .with_proxy("http://proxyuser:swordfish@proxy.internal:3128");
        let debug = format!("{config:?}");
        assert!(!debug.contains("hunter2") && !debug.contains("swordfish"));
        assert!(config.has_proxy());
        let plain = format!("{:?}", ClientConfig::default());
        assert!(plain.contains(DEFAULT_BASE_URL) && plain.contains("none"));
    }
}
