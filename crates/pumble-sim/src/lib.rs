//! `pumble-sim`: a local Pumble workspace that speaks the real app protocol.
//!
//! It serves the REST API subset an app like anon uses (protocol §5.4) and the
//! OAuth token exchange (§6.3) on `127.0.0.1:0`, records every call, and can
//! inject faults per endpoint.
//!
//! # Threading
//!
//! [`Simulator::start`] runs the HTTP server on its **own background thread
//! with its own actix/tokio runtime**, so a simulator can be used from plain
//! `#[test]` functions and from inside a tokio runtime alike. All state sits
//! in one `Arc<Mutex<WorkspaceState>>` (a std mutex, never held across an
//! `.await`). Dropping the [`Simulator`] or calling [`Simulator::stop`] shuts
//! the server down.
//!
//! ```no_run
//! use pumble_sim::{standard, Seed, Simulator};
//!
//! let sim = Simulator::start(Seed::standard())?;
//! let api_base = sim.base_url(); // "http://127.0.0.1:PORT"
//! let bot_token = sim.bot_token(standard::WORKSPACE).expect("installed by the seed");
//! let app_key = sim.app().app_key; // send as `x-app-token`
//! # let _ = (api_base, bot_token, app_key);
//! # Ok::<(), pumble_sim::SimError>(())
//! ```
//!
//! # Privacy
//!
//! `Debug` output of messages, calls, credentials and tokens never contains
//! bodies, tokens, secrets or message authors; log lines carry method and
//! path only.

#![warn(missing_docs)]

mod api;
mod blocks_text;
mod calls;
mod clock;
mod driver;
mod error;
mod faults;
mod ids;
mod model;
mod render;
mod seed;
mod server;
mod state;
mod wire;

pub use calls::{RecordedCall, TokenKind};
pub use driver::{
    AppResponse, Driver, EventEnvelope, ResponseEffect, TimestampUnit, SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
};
pub use error::SimError;
pub use faults::{Fault, FaultId, FaultRule};
pub use model::{
    roles, Channel, ChannelType, Ephemeral, EphemeralOrigin, Message, OpenModal, User, UserStatus,
};
pub use seed::{
    standard, AppCredentials, DmLookup, Seed, SeedChannel, SeedInstallation, SeedUser,
    SeedWorkspace,
};
pub use server::Simulator;
pub use state::{Installation, TokenSet, Workspace, WorkspaceState};
