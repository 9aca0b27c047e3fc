//! The client: one configured `ureq` agent (and so one connection pool)
//! shared by every call, and the loop that sends a call, retries it when
//! allowed, and turns the answer into a value or a [`ClientError`].

use std::fmt;
use std::io::Read as _;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use ureq::http::{HeaderValue, Response};

use crate::acting::ActingClient;
use crate::call::{Auth, Call, Payload};
use crate::config::ClientConfig;
use crate::credentials::{AccessToken, AppKey};
use crate::error::{ClientError, ConfigError};
use crate::error_body::http_error;
use crate::resolver::RememberingResolver;
use crate::retry::{is_retryable_status, parse_retry_after, RetryPolicy};

/// The `User-Agent` every call sends.
pub const USER_AGENT: &str = concat!("pumble-client/", env!("CARGO_PKG_VERSION"));

/// Most bytes read from a non-success answer (only its start is kept).
const MAX_ERROR_BODY_BYTES: u64 = 64 * 1024;

/// Idle kept-alive connections the pool holds. Every call goes to one host
/// (Pumble), so this is also the per-host limit; ureq's default of 3 per host
/// made a client shared by more threads than that close connections it had
/// just used and open new ones (a TLS handshake each, against Pumble).
const MAX_IDLE_CONNECTIONS: usize = 16;

/// A blocking client for Pumble's REST API.
///
/// Holds the app key and one connection pool; cheap to clone and safe to
/// share between threads. Calls act as a user or bot through
/// [`PumbleClient::acting_as`], so one client serves every workspace.
///
/// ```
/// use pumble_client::{AccessToken, AppKey, ClientConfig, PumbleClient};
///
/// let client = PumbleClient::new(ClientConfig::default(), AppKey::new("xpat-secret"))?;
/// let bot_token = AccessToken::new("tok-secret");
/// let _as_bot = client.acting_as(&bot_token);
/// // Nothing secret is ever printed.
/// let shown = format!("{client:?} {bot_token:?}");
/// assert!(!shown.contains("secret"));
/// # Ok::<(), pumble_client::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct PumbleClient {
    inner: Arc<Inner>,
}

struct Inner {
    agent: ureq::Agent,
    base_url: String,
    app_key: AppKey,
    retry: RetryPolicy,
    max_response_bytes: u64,
}

impl PumbleClient {
    /// Builds a client. Fails when the base URL, proxy or timeouts are
    /// unusable.
    pub fn new(config: ClientConfig, app_key: AppKey) -> Result<Self, ConfigError> {
        let base_url = normalize_base_url(config.base_url())?;
        if config.timeout().is_zero() || config.connect_timeout().is_zero() {
            return Err(ConfigError::ZeroTimeout);
        }
        let proxy = config
            .proxy_url()
            .map(|url| ureq::Proxy::new(url).map_err(|_| ConfigError::InvalidProxy))
            .transpose()?;
        let agent_config = ureq::Agent::config_builder()
            // Read non-2xx bodies and type them ourselves.
            .http_status_as_error(false)
            // Exactly the configured proxy; never one from the environment.
            .proxy(proxy)
            .timeout_global(Some(config.timeout()))
            .timeout_connect(Some(config.connect_timeout()))
            // Pumble's API does not redirect; following one could carry the
            // `token` header elsewhere. A 3xx becomes `ClientError::Http`.
            .max_redirects(0)
            .max_idle_connections(MAX_IDLE_CONNECTIONS)
            .max_idle_connections_per_host(MAX_IDLE_CONNECTIONS)
            .user_agent(USER_AGENT)
            .accept("application/json")
            .build();
        // ureq's transport, with a resolver that neither looks an IP address
        // up nor spawns a lookup thread for every call (see `resolver`).
        let agent = ureq::Agent::with_parts(
            agent_config,
            ureq::unversioned::transport::DefaultConnector::new(),
            RememberingResolver::new(),
        );
        Ok(Self {
            inner: Arc::new(Inner {
                agent,
                base_url,
                app_key,
                retry: config.retry_policy(),
                max_response_bytes: config.max_response_bytes(),
            }),
        })
    }

    /// A view of this client whose calls act with `token` (a bot token or a
    /// user token).
    pub fn acting_as<'a>(&'a self, token: &'a AccessToken) -> ActingClient<'a> {
        ActingClient::new(self, token)
    }

    /// The base URL calls go to (without a trailing `/`).
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Sends a call and decodes its JSON answer.
    pub(crate) fn execute_json<T: DeserializeOwned>(
        &self,
        call: Call<'_>,
    ) -> Result<T, ClientError> {
        let body = self.execute(call)?;
        serde_json::from_slice(&body).map_err(|error| ClientError::from_json(&error))
    }

    /// Sends a call, retrying GETs on 429/503 as the policy allows, and
    /// returns the body of a success answer.
    pub(crate) fn execute(&self, call: Call<'_>) -> Result<Vec<u8>, ClientError> {
        let url = format!("{}{}", self.inner.base_url, call.path);
        let mut retries = 0;
        let mut waited = Duration::ZERO;
        loop {
            let started = Instant::now();
            let sent = self.send_once(&url, &call);
            let mut response = match sent {
                Ok(response) => response,
                Err(error) => {
                    log::debug!(
                        "pumble {} failed after {:?}: {error}",
                        call.endpoint,
                        started.elapsed()
                    );
                    return Err(error);
                }
            };
            let status = response.status().as_u16();
            log::debug!(
                "pumble {} answered {status} in {:?}",
                call.endpoint,
                started.elapsed()
            );
            if (200..300).contains(&status) {
                return response
                    .body_mut()
                    .with_config()
                    .limit(self.inner.max_response_bytes)
                    .read_to_vec()
                    .map_err(ClientError::from_transport);
            }

            let retry_after = response
                .headers()
                .get("retry-after")
                .and_then(|value| value.to_str().ok())
                .and_then(parse_retry_after);
            // Read the start of the body (at most MAX_ERROR_BODY_BYTES; a
            // longer one is cut, not dropped) so the error can carry Pumble's
            // code and message. A read that fails midway keeps what arrived.
            let mut body = Vec::new();
            let _ = response
                .body_mut()
                .as_reader()
                .take(MAX_ERROR_BODY_BYTES)
                .read_to_end(&mut body);

            if call.is_get() && is_retryable_status(status) {
                if let Some(wait) = self.inner.retry.next_wait(retries, waited, retry_after) {
                    log::debug!(
                        "pumble {} retrying after HTTP {status} in {wait:?}",
                        call.endpoint
                    );
                    thread::sleep(wait);
                    waited += wait;
                    retries += 1;
                    continue;
                }
            }

            return Err(self.failure(&call, status, &body, retry_after));
        }
    }

    /// The error for a final non-success answer.
    fn failure(
        &self,
        call: &Call<'_>,
        status: u16,
        body: &[u8],
        retry_after: Option<Duration>,
    ) -> ClientError {
        if status == 429 {
            return ClientError::RateLimited { retry_after };
        }
        // Every secret this request carried is scrubbed from the error text.
        let mut secrets = vec![self.inner.app_key.expose_secret()];
        if let Auth::Token(token) = &call.auth {
            secrets.push(token.expose_secret());
        }
        secrets.extend(call.sensitive.iter().copied());
        http_error(status, body, &secrets, call.carries_content)
    }

    fn send_once(&self, url: &str, call: &Call<'_>) -> Result<Response<ureq::Body>, ClientError> {
        let agent = &self.inner.agent;
        let sent = match &call.payload {
            Payload::Get => {
                let request = self.with_credentials(agent.get(url), &call.auth)?;
                request.header("content-type", "application/json").call()
            }
            Payload::PostJson(json) => {
                let request = self.with_credentials(agent.post(url), &call.auth)?;
                request
                    .content_type("application/json")
                    .send(json.as_slice())
            }
            Payload::PostForm(form) => {
                let request = self.with_credentials(agent.post(url), &call.auth)?;
                request
                    .content_type(form.content_type.as_str())
                    .send(form.body.as_slice())
            }
        };
        sent.map_err(ClientError::from_transport)
    }

    fn with_credentials<B>(
        &self,
        request: ureq::RequestBuilder<B>,
        auth: &Auth<'_>,
    ) -> Result<ureq::RequestBuilder<B>, ClientError> {
        match auth {
            Auth::Token(token) => {
                let token = secret_header(
                    token.expose_secret(),
                    "access token is not a valid header value",
                )?;
                let app_key = secret_header(
                    self.inner.app_key.expose_secret(),
                    "app key is not a valid header value",
                )?;
                Ok(request
                    .header("token", token)
                    .header("x-app-token", app_key))
            }
            Auth::None => Ok(request),
        }
    }
}

impl fmt::Debug for PumbleClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PumbleClient")
            .field("base_url", &self.inner.base_url)
            .field("app_key", &self.inner.app_key)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

/// A header value marked sensitive (so `http`'s own `Debug` hides it).
fn secret_header(value: &str, invalid: &'static str) -> Result<HeaderValue, ClientError> {
    let mut header =
        HeaderValue::from_str(value).map_err(|_| ClientError::InvalidArgument(invalid))?;
    header.set_sensitive(true);
    Ok(header)
}

/// Checks the base URL and drops a trailing `/`.
fn normalize_base_url(base_url: &str) -> Result<String, ConfigError> {
    let trimmed = base_url.trim_end_matches('/');
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"))
        .ok_or(ConfigError::InvalidBaseUrl(
            "must start with http:// or https://",
        ))?;
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.is_empty() {
        return Err(ConfigError::InvalidBaseUrl("has no host"));
    }
    if authority.contains('@') {
        return Err(ConfigError::InvalidBaseUrl("must not carry credentials"));
    }
    if rest.contains(['?', '#']) || rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(ConfigError::InvalidBaseUrl(
            "must not carry a query, fragment or whitespace",
        ));
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_checked_and_normalized() {
        assert_eq!(
            normalize_base_url("https://api-ga.pumble.com/"),
            Ok("https://api-ga.pumble.com".to_owned())
        );
        assert_eq!(
            normalize_base_url("http://127.0.0.1:8080/prefix"),
            Ok("http://127.0.0.1:8080/prefix".to_owned())
        );
        for bad in [
            "api-ga.pumble.com",
            "ftp://x",
            "https://",
            "https:///path",
            "https://user:pw@host",
            "https://host?x=1",
            "https://host/#f",
            "https://ho st",
        ] {
            assert!(normalize_base_url(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn construction_refuses_bad_settings_without_echoing_them() {
        let key = || AppKey::new("k");
        let zero = ClientConfig::default().with_timeout(Duration::ZERO);
        assert_eq!(
            PumbleClient::new(zero, key()).err(),
            Some(ConfigError::ZeroTimeout)
        );
        let proxy = ClientConfig::default().with_proxy("::not a proxy:: user:hunter2@");
        let error = PumbleClient::new(proxy, key()).err();
        assert_eq!(error, Some(ConfigError::InvalidProxy));
        assert!(!format!("{error:?}").contains("hunter2"));
    }

    #[test]
    fn user_agent_names_this_crate_and_version() {
        assert_eq!(
            USER_AGENT,
            format!("pumble-client/{}", env!("CARGO_PKG_VERSION"))
        );
    }

    #[test]
    fn client_is_clone_send_sync() {
        fn assert_shareable<T: Clone + Send + Sync + 'static>() {}
        assert_shareable::<PumbleClient>();
    }
}
