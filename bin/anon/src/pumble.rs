//! The server's access to Pumble's REST API: one blocking `pumble-client`
//! (one connection pool) plus the app's OAuth credentials, with every call
//! paced below Pumble's rate limit ([`crate::pacer`]) and moved off the async
//! threads (`spawn_blocking`), as the client blocks. OAuth code exchanges,
//! which anyone can trigger through `GET /redirect`, do not use that pacer:
//! they have a small budget of their own ([`exchange_gate`]).

pub mod exchange_gate;

use pumble_client::{
    AuthorizationCode, ClientConfig, ClientError, ClientSecret, OAuthTokens, PumbleClient,
};
use secrecy::ExposeSecret;
use std::sync::Arc;

use crate::pacer::{Pacer, DEFAULT_CALLS_PER_SECOND};
use exchange_gate::{ExchangeGate, GateRefusal};

use crate::settings::Settings;

/// The Pumble client, the app's OAuth credentials, and the pacer that keeps
/// calls under Pumble's rate limit.
#[derive(Debug, Clone)]
pub struct PumbleApi {
    client: PumbleClient,
    app_id: String,
    client_secret: ClientSecret,
    pacer: Arc<Pacer>,
    exchanges: Arc<ExchangeGate>,
}

/// Why a Pumble call failed.
///
/// Its message is what the app logs, so it shows only what cannot carry
/// request data: for an error answer, the status and a code-shaped `code`
/// (e.g. `CHANNEL_NOT_FOUND`), never Pumble's free-text `message`, which a
/// server may write with the ids it was sent (a DM's participants, so a
/// sender's id). The client error is not exposed as a `source` either, so
/// no error chain prints it.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// Pumble answered with an error, or could not be reached in time.
    #[error("{}", LoggableClientError(.0))]
    Client(ClientError),
    /// The blocking task did not complete (runtime shutting down, or a panic).
    #[error("the call could not be run to completion")]
    Aborted,
}

impl From<ClientError> for CallError {
    fn from(error: ClientError) -> Self {
        CallError::Client(error)
    }
}

/// A client error as the app logs it (see [`CallError`]).
struct LoggableClientError<'a>(&'a ClientError);

impl std::fmt::Display for LoggableClientError<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            ClientError::Http { status, code, .. } => {
                write!(f, "Pumble answered HTTP {status}")?;
                match code.as_deref().filter(|code| is_code_shaped(code)) {
                    Some(code) => write!(f, " ({code})"),
                    None => Ok(()),
                }
            }
            // The client keeps no request data in the other variants.
            other => write!(f, "{other}"),
        }
    }
}

/// Words an error code may be made of to be logged. Pumble does not
/// document its codes, so a code is logged only when every word of it is an
/// error word like these: whatever else a server writes there (an echoed
/// id, a channel name, a word of a message) is not logged.
const ERROR_CODE_WORDS: &[&str] = &[
    "ACCESS",
    "ALLOWED",
    "ALREADY",
    "APP",
    "BAD",
    "BOT",
    "CHANNEL",
    "CODE",
    "CONFLICT",
    "DENIED",
    "DISABLED",
    "ERROR",
    "EXISTS",
    "EXPIRED",
    "FORBIDDEN",
    "FOUND",
    "GRANT",
    "IN",
    "INSTALLED",
    "INTERNAL",
    "INVALID",
    "LIMIT",
    "LIMITED",
    "MANY",
    "MEDIA",
    "MEMBER",
    "MESSAGE",
    "METHOD",
    "MISSING",
    "NAME",
    "NOT",
    "PAYLOAD",
    "PERMISSION",
    "RATE",
    "REQUEST",
    "REQUESTS",
    "REQUIRED",
    "SCOPE",
    "SERVER",
    "TAKEN",
    "TOKEN",
    "TOO",
    "TYPE",
    "UNAUTHORIZED",
    "UNAVAILABLE",
    "UNKNOWN",
    "UNSUPPORTED",
    "USER",
    "VALIDATION",
    "WORKSPACE",
];

/// A code such as `CHANNEL_NOT_FOUND` or `4001` that can be logged: words
/// of [`ERROR_CODE_WORDS`] joined by `_`, `-` or `.`, or a number of at most
/// six digits. Nothing else is: not an id (hex, or prefixed like the
/// simulator's `U_ALICE`), not a name, not a word of a message.
fn is_code_shaped(code: &str) -> bool {
    if code.bytes().all(|b| b.is_ascii_digit()) {
        return (1..=6).contains(&code.len());
    }
    code.len() <= 64
        && code
            .split(['_', '-', '.'])
            .all(|word| ERROR_CODE_WORDS.contains(&word))
}

/// Why an OAuth code exchange failed.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    /// Not started: the exchange budget is used up. Nothing was sent.
    #[error(transparent)]
    Refused(#[from] GateRefusal),
    /// Sent, and Pumble refused it, failed, or did not answer in time.
    #[error(transparent)]
    Call(#[from] CallError),
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
            exchanges: Arc::new(ExchangeGate::default()),
        })
    }

    /// How long a message call would wait for the pacer at `now`, reserving
    /// its slot (for tests of the pacing).
    #[cfg(test)]
    fn pacer_wait_at(&self, now: tokio::time::Instant) -> std::time::Duration {
        self.pacer.reserve(now)
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
        self.run_blocking(call).await
    }

    async fn run_blocking<T, F>(&self, call: F) -> Result<T, CallError>
    where
        T: Send + 'static,
        F: FnOnce(&PumbleClient) -> Result<T, ClientError> + Send + 'static,
    {
        let client = self.client.clone();
        match tokio::task::spawn_blocking(move || call(&client)).await {
            Ok(result) => result.map_err(CallError::Client),
            Err(_) => Err(CallError::Aborted),
        }
    }

    /// Exchanges an install code for tokens (pumble-protocol.md §6.3).
    ///
    /// Bounded by the exchange gate, not the message pacer: when the gate is
    /// full the call is refused at once ([`ExchangeError::Refused`]) and
    /// nothing is sent.
    pub async fn exchange_code(
        &self,
        code: AuthorizationCode,
    ) -> Result<OAuthTokens, ExchangeError> {
        let _in_flight = self.exchanges.enter()?;
        let app_id = self.app_id.clone();
        let secret = self.client_secret.clone();
        Ok(self
            .run_blocking(move |client| client.exchange_oauth_code(&app_id, &secret, &code))
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::LoopbackApp;
    use pumble_sim::{Seed, Simulator};
    use std::time::Duration;
    use tokio::time::Instant;

    #[test]
    fn a_logged_error_answer_shows_its_status_and_a_code_shaped_code_only() {
        let answer = |code: Option<&str>| {
            CallError::from(ClientError::Http {
                status: 400,
                code: code.map(str::to_owned),
                message: Some("could not open a DM with [\"u_author\",\"u_bot\"]".to_owned()),
            })
        };
        for code in [
            "CHANNEL_NOT_FOUND",
            "4001",
            "USER_NOT_IN_CHANNEL",
            "MISSING-SCOPE.ERROR",
        ] {
            assert_eq!(
                answer(Some(code)).to_string(),
                format!("Pumble answered HTTP 400 ({code})")
            );
        }
        for not_a_code in [
            "u_author",
            "U_AUTHOR",
            "CH_DM_BOT_BOB",
            "RESIGN",
            "HATE_MY_BOSS",
            "USER_NOT_FOUND_",
            "U_NOBODY_USER",
            "6571F2B5C6E1B40D0E8E6F0A",
            "CHANNEL_6571F2B5C6E1",
            "ERR_V2",
            "_LEADING",
            "6571f2b5c6e1b40d0e8e6f0a",
            "1234567890",
            "USER u_author",
            "",
        ] {
            assert_eq!(
                answer(Some(not_a_code)).to_string(),
                "Pumble answered HTTP 400",
                "{not_a_code:?}"
            );
        }
        let error = answer(None);
        assert_eq!(error.to_string(), "Pumble answered HTTP 400");
        // Nothing else in the chain shows the server's text.
        assert!(std::error::Error::source(&error).is_none());
        let exchange = ExchangeError::from(answer(None));
        assert!(!exchange.to_string().contains("u_author"));
        // The other variants keep the client's own (request-free) wording.
        assert_eq!(
            CallError::from(ClientError::Timeout).to_string(),
            ClientError::Timeout.to_string()
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn code_exchanges_leave_the_message_pacer_alone_and_are_capped() {
        let simulator = Simulator::start(Seed::standard()).expect("simulator starts");
        let dir = tempfile::tempdir().expect("temp dir");
        let credentials = simulator.app();
        let app = LoopbackApp {
            app_id: &credentials.app_id,
            app_key: &credentials.app_key,
            client_secret: &credentials.client_secret,
            signing_secret: &credentials.signing_secret,
        };
        let settings = Settings::loopback(&app, &simulator.base_url(), &dir.path().join("anon.db"))
            .expect("loopback settings");
        let api = PumbleApi::new(&settings).expect("client");
        simulator.clear_calls();

        let attempts = exchange_gate::MAX_EXCHANGES_PER_WINDOW as usize + 10;
        let mut refused = 0;
        for _ in 0..attempts {
            match api.exchange_code(AuthorizationCode::new("code_junk")).await {
                Err(ExchangeError::Call(CallError::Client(ClientError::Http {
                    status: 400,
                    ..
                }))) => {}
                Err(ExchangeError::Refused(GateRefusal::WindowFull { .. })) => refused += 1,
                other => panic!("unexpected exchange result: {:?}", other.map(|_| ())),
            }
        }
        assert_eq!(refused, 10);
        assert_eq!(
            simulator.calls().len(),
            exchange_gate::MAX_EXCHANGES_PER_WINDOW as usize,
            "refused exchanges never reach Pumble"
        );
        // The message pacer still has its whole burst.
        let now = Instant::now();
        for _ in 0..DEFAULT_CALLS_PER_SECOND {
            assert_eq!(api.pacer_wait_at(now), Duration::ZERO);
        }
    }
}
