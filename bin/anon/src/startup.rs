//! Building and running the server: open the store, build the clients, start
//! the background workers and the retention timer, bind, serve; and stop
//! gracefully (stop accepting, finish in-flight requests and queued work,
//! close the database).

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServerHandle, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{web, App, HttpServer};
use anon_store::{KeyRing, Store, StoreError, StoreOptions};
use secrecy::ExposeSecret;

use crate::jobs::{self, Job};
use crate::pumble::PumbleApi;
use crate::request_log::RequestLog;
use crate::retention;

use crate::routes;
use crate::settings::Settings;
use crate::state::{AppState, Services};
use crate::work_queue::WorkQueue;

/// Database connections kept by the server: SQLite serialises writers
/// anyway, and each connection costs a page cache.
const STORE_CONNECTIONS: u32 = 4;

/// How long an idle keep-alive connection stays open between requests.
const KEEP_ALIVE: Duration = Duration::from_secs(5);

/// How long a connection may take to shut down after its last response.
const CLIENT_DISCONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// Open connections per HTTP worker; beyond it new connections wait in the
/// listen backlog. Pumble needs a handful; the timeouts above free the rest.
const MAX_CONNECTIONS_PER_WORKER: usize = 2048;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The encryption keys were refused.
    #[error("TOKEN_ENCRYPTION_KEY: {0}")]
    Keys(#[from] anon_store::KeyError),
    /// The store could not be opened or migrated.
    #[error("database: {0}")]
    Store(#[from] StoreError),
    /// The signing secrets were refused.
    #[error("PUMBLE_APP_SIGNING_SECRET: {0}")]
    Verifier(#[from] pumble_verify::ConfigError),
    /// The Pumble client could not be configured.
    #[error("Pumble client: {0}")]
    Client(#[from] pumble_client::ConfigError),
    /// The address could not be bound, or the server failed.
    #[error("listening on {address}: {source}")]
    Bind {
        /// The address.
        address: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// The server stopped with an error.
    #[error("server: {0}")]
    Serve(std::io::Error),
}

/// The running server: bound, serving once [`Application::run_until_stopped`]
/// is awaited.
pub struct Application {
    address: SocketAddr,
    server: Server,
    state: web::Data<AppState>,
    retention: tokio::task::JoinHandle<()>,
    shutdown_timeout: Duration,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

/// Stops a running [`Application`] from elsewhere (a signal, a test).
#[derive(Clone)]
pub struct StopHandle {
    server: ServerHandle,
}

impl std::fmt::Debug for StopHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StopHandle")
    }
}

impl StopHandle {
    /// Stops accepting connections and lets in-flight requests finish; then
    /// [`Application::run_until_stopped`] drains the queue and closes the
    /// store before it returns.
    pub async fn stop(&self) {
        self.server.stop(true).await;
    }
}

/// The HTTP application every worker serves: the request log around every
/// route, with the state and the verifier as app data (the verifier
/// registered as itself, an `Arc` inside, the form its extractor looks up
/// first).
pub fn app(
    state: web::Data<AppState>,
    verifier: pumble_verify::Verifier,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .wrap(RequestLog)
        .app_data(state)
        .app_data(verifier)
        .configure(routes::mount)
}

impl Application {
    /// Opens the store (creating and migrating it), builds the Pumble client
    /// and the verifier, starts the background workers and the retention
    /// timer, and binds `bind_address:port` (port 0 picks a free one).
    ///
    /// Must be called inside a tokio runtime.
    pub async fn build(settings: Settings) -> Result<Application, StartupError> {
        let started = Instant::now();
        let keys = KeyRing::from_base64(
            settings.token_encryption_key.expose_secret(),
            settings
                .token_encryption_key_previous
                .as_ref()
                .map(|key| key.expose_secret()),
        )?;
        let store = Store::open(
            StoreOptions::file(&settings.database_path, keys).max_connections(STORE_CONNECTIONS),
        )
        .await?;

        let mut verifier = pumble_verify::Verifier::builder()
            .secret(settings.pumble.signing_secret.expose_secret());
        if let Some(previous) = &settings.pumble.signing_secret_previous {
            verifier = verifier.secret(previous.expose_secret());
        }
        verifier = verifier.body_timeout(settings.request_read_timeout);
        if settings.replay_guard_capacity > 0 {
            verifier = verifier.replay_guard(settings.replay_guard_capacity);
        }
        let verifier = verifier.build()?;

        let pumble = PumbleApi::new(&settings)?;
        let services = Arc::new(Services { store, pumble });
        let queue = {
            let services = Arc::clone(&services);
            Arc::new(WorkQueue::start(
                settings.background_workers,
                settings.background_queue_capacity,
                move |job: Job| jobs::run(Arc::clone(&services), job),
            ))
        };
        let retention = retention::start(services.store.clone(), retention::EVERY);

        let state = web::Data::new(AppState {
            app_id: settings.pumble.app_id.clone(),
            public_url: settings.public_url.clone(),
            consent_url: settings.pumble_consent_url.clone(),
            services,
            queue,
            started,
        });

        let address = settings.listen_address();
        let listener =
            TcpListener::bind(address).map_err(|source| StartupError::Bind { address, source })?;
        let address = listener
            .local_addr()
            .map_err(|source| StartupError::Bind { address, source })?;
        let shutdown_timeout = settings.shutdown_timeout;
        let request_read_timeout = settings.request_read_timeout;
        let server = {
            let state = state.clone();
            HttpServer::new(move || app(state.clone(), verifier.clone()))
                .workers(settings.http_workers)
                // Slow senders: the headers (here) and the body (the verifier's
                // body timeout) each get `request_read_timeout`, then 408.
                .client_request_timeout(request_read_timeout)
                .keep_alive(KEEP_ALIVE)
                .client_disconnect_timeout(CLIENT_DISCONNECT_TIMEOUT)
                .max_connections(MAX_CONNECTIONS_PER_WORKER)
                .shutdown_timeout(shutdown_timeout.as_secs())
                .disable_signals()
                .listen(listener)
                .map_err(|source| StartupError::Bind { address, source })?
                .run()
        };
        log::info!(
            "anon {} listening on {address} after {} ms (http workers {}, background workers {}, queue {})",
            env!("CARGO_PKG_VERSION"),
            started.elapsed().as_millis(),
            settings.http_workers,
            settings.background_workers,
            settings.background_queue_capacity
        );
        Ok(Application {
            address,
            server,
            state,
            retention,
            shutdown_timeout,
        })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.address
    }

    /// A handle that stops the server gracefully.
    pub fn stop_handle(&self) -> StopHandle {
        StopHandle {
            server: self.server.handle(),
        }
    }

    /// Serves until stopped through a [`StopHandle`], then finishes queued
    /// background work (up to `SHUTDOWN_TIMEOUT_SECS`), stops the retention
    /// timer and closes the database.
    pub async fn run_until_stopped(self) -> Result<(), StartupError> {
        let served = self.server.await;
        let drained = self.state.queue.drain(self.shutdown_timeout).await;
        if !drained {
            log::warn!("stopped before every queued command finished");
        }
        self.retention.abort();
        self.state.services.store.clone().close().await;
        log::info!("anon stopped");
        served.map_err(StartupError::Serve)
    }
}
