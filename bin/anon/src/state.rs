//! What every request handler and background job shares.

use std::sync::Arc;
use std::time::Instant;

use anon_store::Store;

use crate::jobs::Job;
use crate::pumble::PumbleApi;
use crate::work_queue::WorkQueue;

/// What background jobs need: the store and Pumble's API.
#[derive(Debug)]
pub struct Services {
    /// The store.
    pub store: Store,
    /// Clients for Pumble's API.
    pub pumble: PumbleApi,
}

/// Shared server state, one per process.
#[derive(Debug)]
pub struct AppState {
    /// The app id (OAuth client id; not secret).
    pub app_id: String,
    /// Public base URL, when configured.
    pub public_url: Option<String>,
    /// Pumble's consent screen, where the install link points.
    pub consent_url: String,
    /// The store and the Pumble clients.
    pub services: Arc<Services>,
    /// The bounded background queue.
    pub queue: Arc<WorkQueue<Job>>,
    /// When the server started.
    pub started: Instant,
}
