#![doc = include_str!("../README.md")]
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
