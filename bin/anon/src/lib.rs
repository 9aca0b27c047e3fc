//! anon: anonymous messages for Pumble, with admin accountability.
//!
//! This crate is the server: configuration ([`settings`]), the HTTP routes,
//! the flows that translate between Pumble's requests and `anon-core`'s
//! decisions, the bounded background queue, logging, and the `anon demo`
//! scenario with its privacy checks. The binary (`main.rs`) only parses the
//! command line and calls into it.
//!
//! Start a server on a free loopback port:
//!
//! ```no_run
//! # async fn start(settings: anon::settings::Settings) -> Result<(), anon::StartupError> {
//! let application = anon::Application::build(settings).await?;
//! let port = application.port();
//! let stop = application.stop_handle();
//! let running = tokio::spawn(application.run_until_stopped());
//! // … send requests to 127.0.0.1:{port} …
//! stop.stop().await;
//! # let _ = (port, running);
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

pub mod audit_log;
pub mod bot;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod console;
pub mod demo;
pub mod effects;
pub mod flows;
pub mod fresh_ids;
pub mod jobs;
pub mod log_sink;
pub mod log_time;
pub mod logging;
pub mod manifest;
pub mod pacer;
pub mod privacy;
pub mod pumble;
pub mod request_log;
pub mod retention;
pub mod routes;
pub mod server_thread;
pub mod setting_cautions;
pub mod settings;
pub mod startup;
pub mod state;
pub mod work_queue;

pub use server_thread::ServerThread;
pub use settings::{LoopbackApp, Settings};
pub use startup::{Application, StartupError, StopHandle};
