//! An [`Application`] running on its own runtime thread, for callers that
//! are not async themselves: the demo, end-to-end tests and benchmarks.
//!
//! ```no_run
//! # fn run(settings: anon::Settings) -> Result<(), anon::StartupError> {
//! let server = anon::ServerThread::start(settings)?;
//! let base = server.base_url(); // http://127.0.0.1:<port>
//! // … blocking HTTP calls against `base` …
//! server.stop(); // graceful: in-flight requests and queued work finish
//! # let _ = base; Ok(()) }
//! ```

use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread::JoinHandle;

use crate::settings::Settings;
use crate::startup::{Application, StartupError, StopHandle};

/// A running server and the thread that runs it.
pub struct ServerThread {
    address: SocketAddr,
    stop: StopHandle,
    runtime: tokio::runtime::Handle,
    thread: Option<JoinHandle<Result<(), StartupError>>>,
}

impl std::fmt::Debug for ServerThread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerThread")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl ServerThread {
    /// Builds the application (store, clients, bind) on a new thread with
    /// its own small runtime and starts serving; returns once it is bound.
    pub fn start(settings: Settings) -> Result<ServerThread, StartupError> {
        let blocking = settings.background_workers + 2;
        let (ready_tx, ready_rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("anon-server".to_owned())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .max_blocking_threads(blocking)
                    .enable_all()
                    .build()
                    .map_err(StartupError::Serve)?;
                runtime.block_on(async move {
                    match Application::build(settings).await {
                        Ok(application) => {
                            let started = (
                                application.local_addr(),
                                application.stop_handle(),
                                tokio::runtime::Handle::current(),
                            );
                            if ready_tx.send(Ok(started)).is_err() {
                                return Ok(());
                            }
                            application.run_until_stopped().await
                        }
                        Err(error) => {
                            let _ = ready_tx.send(Err(error));
                            Ok(())
                        }
                    }
                })
            })
            .map_err(StartupError::Serve)?;
        match ready_rx.recv() {
            Ok(Ok((address, stop, runtime))) => Ok(ServerThread {
                address,
                stop,
                runtime,
                thread: Some(thread),
            }),
            Ok(Err(error)) => {
                let _ = thread.join();
                Err(error)
            }
            Err(_) => match thread.join() {
                Ok(Err(error)) => Err(error),
                _ => Err(StartupError::Serve(std::io::Error::other(
                    "the server thread ended before binding",
                ))),
            },
        }
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.address
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// `http://<address>`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// A handle to stop the server from async code.
    pub fn stop_handle(&self) -> StopHandle {
        self.stop.clone()
    }

    /// Stops gracefully and waits until the database is closed.
    pub fn stop(mut self) -> Result<(), StartupError> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<(), StartupError> {
        let Some(thread) = self.thread.take() else {
            return Ok(());
        };
        let stop = self.stop.clone();
        self.runtime.spawn(async move { stop.stop().await });
        match thread.join() {
            Ok(result) => result,
            Err(_) => Err(StartupError::Serve(std::io::Error::other(
                "the server thread panicked",
            ))),
        }
    }
}

impl Drop for ServerThread {
    fn drop(&mut self) {
        if let Err(error) = self.shutdown() {
            log::warn!("server thread stopped with an error: {error}");
        }
    }
}
