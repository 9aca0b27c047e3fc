//! Test support for anon's end-to-end tests and benchmark.
//!
//! Everything here drives the **real** server (`anon::Application`, on
//! `127.0.0.1:0`) against the **real** protocol simulator (`pumble-sim`):
//!
//! * [`TestApp`] starts a simulator with the standard seed, a database in a
//!   fresh temporary folder, the server pointed at the simulator with the
//!   simulator's (per-run, random) app secrets and a generated sealing key,
//!   and installs the app through the real OAuth redirect. Logs stay silent
//!   unless `TEST_LOG` is set.
//! * [`wait_until`] polls for background work with a deadline instead of
//!   sleeping.
//! * [`StoreProbe`] opens the server's database with its key to check what
//!   was stored, and counts raw rows per workspace.
//! * [`privacy`] holds the privacy checks: sensitive strings in log lines or
//!   raw database files, and author ids beside message or conversation ids.
//! * [`fixtures`] reads the shared request bodies copied under `fixtures/`.
//!
//! The tests themselves are in `tests/e2e/` (one binary, many modules) and
//! `tests/privacy.rs` (its own binary, because it installs the process-wide
//! logger).
#![warn(missing_docs)]

pub mod fixtures;
pub mod privacy;
mod store_probe;
mod test_app;
mod wait;

pub use store_probe::{StoreProbe, TableRows};
pub use test_app::{
    button_value, ephemeral_text, HarnessError, TestApp, TestAppBuilder, DEFAULT_WAIT,
};
pub use wait::{wait_until, TimedOut};
