//! The crate's error type.

/// Everything that can go wrong when starting, seeding or driving a simulator.
///
/// Messages name ids and kinds of failure only, never tokens, secrets or
/// message bodies.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// Binding the loopback listener or spawning the server thread failed.
    #[error("could not start the simulator: {0}")]
    Start(String),
    /// The seed or a test-time change would make the workspace inconsistent
    /// (duplicate id, unknown member, ...).
    #[error("invalid workspace change: {0}")]
    InvalidChange(String),
    /// A user id that does not exist in the simulator.
    #[error("unknown user {0}")]
    UnknownUser(String),
    /// A channel id that does not exist in the simulator.
    #[error("unknown channel {0}")]
    UnknownChannel(String),
    /// A user who is not active (deactivated or invited) cannot act.
    #[error("user {0} is not active")]
    InactiveUser(String),
    /// A workspace id that does not exist in the simulator.
    #[error("unknown workspace {0}")]
    UnknownWorkspace(String),
    /// The driver could not find what a user is supposed to act on (a message
    /// the app posted that the user can see, a button, an open modal, an input).
    #[error("nothing to act on: {0}")]
    NotFound(String),
    /// The app did not answer within the driver's timeout.
    #[error("the app did not answer in time")]
    Timeout,
    /// The app could not be reached or its answer could not be read
    /// (connection refused, broken connection, ...); the kind of failure only.
    #[error("request to the app failed: {0}")]
    Transport(String),
}
