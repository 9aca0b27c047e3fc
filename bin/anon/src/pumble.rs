//! The server's access to Pumble's REST API: one blocking `pumble-client`
//! (one connection pool) plus the app's OAuth credentials, with every call
//! paced below Pumble's rate limit ([`crate::pacer`]) and moved off the async
//! threads (`spawn_blocking`), as the client blocks.

use pumble_client::{
    AuthorizationCode, ClientConfig, ClientError, ClientSecret, OAuthTokens, PumbleClient,
};
use secrecy::ExposeSecret;
use std::sync::Arc;

use crate::pacer::{Pacer, DEFAULT_CALLS_PER_SECOND};

use crate::settings::Settings;

/// The Pumble client, the app's OAuth credentials, and the pacer that keeps
/// calls under Pumble's rate limit.
#[derive(Debug, Clone)]
pub struct PumbleApi {
    client: PumbleClient,
    app_id: String,
    client_secret: ClientSecret,
    pacer: Arc<Pacer>,
}

/// A blocking call could not be run (its thread pool is gone: shutting down).
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// Pumble answered with an error, or could not be reached in time.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The blocking task did not complete (runtime shutting down, or a panic).
    #[error("the call could not be run to completion")]
    Aborted,
}

impl PumbleApi {
    /// Builds the client from the settings (base URL, timeouts, app key).
    pub fn new(settings: &Settings) -> Result<PumbleApi, pumble_client::ConfigError> {
        let config = ClientConfig::default()
            .with_base_url(settings.pumble_api_url.clone())
            .with_timeout(settings.pumble_http_timeout)
            .with_connect_timeout(settings.pumble_connect_timeout);
        let app_key = pumble_client::AppKey::new(settings.pumble.app_key.expose_secret());
        Ok(PumbleApi {
            client: PumbleClient::new(config, app_key)?,
            app_id: settings.pumble.app_id.clone(),
            client_secret: ClientSecret::new(settings.pumble.client_secret.expose_secret()),
            pacer: Arc::new(Pacer::new(
                DEFAULT_CALLS_PER_SECOND,
                DEFAULT_CALLS_PER_SECOND,
            )),
        })
    }

    /// The underlying client (blocking; call it through [`PumbleApi::call`]).
    pub fn client(&self) -> &PumbleClient {
        &self.client
    }

    /// Runs `call` with the client on the blocking thread pool, once the
    /// pacer allows another call.
    pub async fn call<T, F>(&self, call: F) -> Result<T, CallError>
    where
        T: Send + 'static,
        F: FnOnce(&PumbleClient) -> Result<T, ClientError> + Send + 'static,
    {
        self.pacer.acquire().await;
        let client = self.client.clone();
        match tokio::task::spawn_blocking(move || call(&client)).await {
            Ok(result) => result.map_err(CallError::Client),
            Err(_) => Err(CallError::Aborted),
        }
    }

    /// Exchanges an install code for tokens (pumble-protocol.md §6.3).
    pub async fn exchange_code(&self, code: AuthorizationCode) -> Result<OAuthTokens, CallError> {
        let app_id = self.app_id.clone();
        let secret = self.client_secret.clone();
        self.call(move |client| client.exchange_oauth_code(&app_id, &secret, &code))
            .await
    }
}
