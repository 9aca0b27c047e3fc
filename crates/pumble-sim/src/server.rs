//! The running simulator: an actix-web server on its own thread, and the
//! handle tests hold.

use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};

use crate::api::{self, ApiRequest, ApiResponse};
use crate::calls::RecordedCall;
use crate::driver::Driver;
use crate::error::SimError;
use crate::faults::{Fault, FaultId, FaultRule};
use crate::model::{Channel, ChannelType, Ephemeral, Message, OpenModal, User, UserStatus};
use crate::seed::{AppCredentials, DmLookup, Seed, SeedChannel, SeedUser};
use crate::state::WorkspaceState;

/// Largest request body the simulator reads (text ≤100 000 chars plus blocks).
const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// How long a [`Fault::Hang`] holds a request at most.
const HANG_LIMIT: Duration = Duration::from_secs(3600);

/// The world shared between the server thread and the test thread.
pub(crate) type SharedState = Arc<Mutex<WorkspaceState>>;

/// Locks the state, recovering from a poisoned lock (a panicking test thread
/// must not take the simulator down with it).
pub(crate) fn lock(state: &SharedState) -> MutexGuard<'_, WorkspaceState> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A running simulated Pumble.
///
/// [`Simulator::start`] binds `127.0.0.1:0` and serves the REST API from a
/// background thread with its own actix/tokio runtime, so it works from plain
/// `#[test]` functions and from inside another tokio runtime alike. Dropping
/// the value (or calling [`Simulator::stop`]) shuts the server down and joins
/// its thread.
pub struct Simulator {
    state: SharedState,
    addr: SocketAddr,
    stop_tx: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Simulator {
    /// Builds the seeded world and starts serving it on `127.0.0.1:0`.
    pub fn start(seed: Seed) -> Result<Simulator, SimError> {
        Simulator::start_on(seed, SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// Like [`Simulator::start`], on a chosen address (e.g. a fixed port for
    /// manual experiments). Tests should use [`Simulator::start`].
    pub fn start_on(seed: Seed, addr: SocketAddr) -> Result<Simulator, SimError> {
        let state: SharedState = Arc::new(Mutex::new(WorkspaceState::from_seed(seed)?));
        let listener = TcpListener::bind(addr).map_err(|e| SimError::Start(e.to_string()))?;
        let addr = listener
            .local_addr()
            .map_err(|e| SimError::Start(e.to_string()))?;
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<(), String>>();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let server_state = Arc::clone(&state);
        let thread = std::thread::Builder::new()
            .name("pumble-sim".to_owned())
            .spawn(move || serve(server_state, listener, ready_tx, stop_rx))
            .map_err(|e| SimError::Start(e.to_string()))?;
        match ready_rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(SimError::Start(e)),
            Err(_) => return Err(SimError::Start("server thread ended early".to_owned())),
        }
        log::debug!("pumble-sim listening on {addr}");
        Ok(Simulator {
            state,
            addr,
            stop_tx: Some(stop_tx),
            thread: Some(thread),
        })
    }

    /// The API base URL, e.g. `http://127.0.0.1:41234` (no trailing slash);
    /// use it where the SDK would use `https://api-ga.pumble.com`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops the server (requests in flight, including hanging ones, are
    /// dropped) and waits for its thread.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(tx) = self.stop_tx.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    /// Runs `f` with the locked state, for anything the convenience methods do
    /// not cover. Do not call other `Simulator` methods inside `f` (deadlock).
    pub fn with_state<R>(&self, f: impl FnOnce(&mut WorkspaceState) -> R) -> R {
        f(&mut lock(&self.state))
    }

    /// A driver that plays Pumble towards the app at `app_url` (e.g.
    /// `http://127.0.0.1:3000`): signed slash commands, clicks, modal
    /// submits, lifecycle events and the OAuth redirect.
    pub fn driver(&self, app_url: &str) -> Driver {
        Driver::new(Arc::clone(&self.state), app_url)
    }

    // ----- credentials -----------------------------------------------------------

    /// The registered app's id, name and secrets.
    pub fn app(&self) -> AppCredentials {
        lock(&self.state).app().clone()
    }

    /// The current bot token of a workspace, if the app is installed there.
    pub fn bot_token(&self, workspace_id: &str) -> Option<String> {
        lock(&self.state).bot_token(workspace_id).map(str::to_owned)
    }

    /// The bot user id of the app's installation in a workspace.
    pub fn bot_user_id(&self, workspace_id: &str) -> Option<String> {
        lock(&self.state)
            .installation(workspace_id)
            .map(|i| i.bot_user_id.clone())
    }

    /// Issues a user token, as if `user_id` had authorized the app.
    pub fn issue_user_token(&self, user_id: &str) -> Result<String, SimError> {
        lock(&self.state).issue_user_token(user_id)
    }

    /// Creates a single-use OAuth code for `user_id` (redeem it with
    /// `POST /oauth2/access`).
    pub fn create_oauth_code(&self, user_id: &str) -> Result<String, SimError> {
        lock(&self.state).create_oauth_code(user_id, false)
    }

    /// Like [`Simulator::create_oauth_code`], but the exchange reinstalls the
    /// app: a new bot token replaces the old one (§6.3).
    pub fn create_reinstall_code(&self, user_id: &str) -> Result<String, SimError> {
        lock(&self.state).create_oauth_code(user_id, true)
    }

    // ----- changing the world ------------------------------------------------------

    /// Adds a workspace (without the app installed; see [`Simulator::install_app`]).
    pub fn add_workspace(&self, id: &str, name: &str) -> Result<(), SimError> {
        lock(&self.state).add_workspace(id, name)
    }

    /// Installs the app in a workspace (creating its bot user); returns the bot token.
    pub fn install_app(
        &self,
        workspace_id: &str,
        bot_user_id: &str,
        installed_by: &str,
    ) -> Result<String, SimError> {
        lock(&self.state).install_app(workspace_id, bot_user_id, installed_by)
    }

    /// Adds a user to a workspace, e.g.
    /// `sim.add_user(SeedUser::new("ws_1", "u_zoe", "Zoe", roles::USER))`.
    pub fn add_user(&self, user: SeedUser) -> Result<(), SimError> {
        lock(&self.state).add_user(user)
    }

    /// Adds a channel with a fixed id and members.
    pub fn add_channel(
        &self,
        workspace_id: &str,
        id: &str,
        name: &str,
        channel_type: ChannelType,
        members: &[&str],
    ) -> Result<(), SimError> {
        lock(&self.state).add_channel(SeedChannel {
            id: id.to_owned(),
            workspace_id: workspace_id.to_owned(),
            name: name.to_owned(),
            channel_type,
            description: None,
            members: members.iter().map(|m| (*m).to_owned()).collect(),
        })
    }

    /// Adds a member to a channel; `Ok(false)` if already a member.
    pub fn add_member(&self, channel_id: &str, user_id: &str) -> Result<bool, SimError> {
        lock(&self.state).add_member(channel_id, user_id)
    }

    /// Removes a member from a channel; `Ok(false)` if not a member.
    pub fn remove_member(&self, channel_id: &str, user_id: &str) -> Result<bool, SimError> {
        lock(&self.state).remove_member(channel_id, user_id)
    }

    /// Changes a user's role, e.g. to [`crate::roles::ADMINISTRATOR`].
    pub fn set_role(&self, user_id: &str, role: &str) -> Result<(), SimError> {
        lock(&self.state).set_role(user_id, role)
    }

    /// Changes a user's status; a deactivated user's tokens are refused.
    pub fn set_status(&self, user_id: &str, status: UserStatus) -> Result<(), SimError> {
        lock(&self.state).set_status(user_id, status)
    }

    /// Posts a message as a human member (e.g. a thread root to type a slash
    /// command under); returns the message.
    pub fn post_as(
        &self,
        user_id: &str,
        channel_id: &str,
        text: &str,
        thread_root_id: Option<&str>,
    ) -> Result<Message, SimError> {
        lock(&self.state).post_as(user_id, channel_id, text, thread_root_id)
    }

    /// Changes how `GET /v1/channels/direct` treats a DM that does not exist.
    pub fn set_dm_lookup(&self, dm_lookup: DmLookup) {
        lock(&self.state).set_dm_lookup(dm_lookup);
    }

    // ----- reading the world ---------------------------------------------------------

    /// A user by id.
    pub fn user(&self, user_id: &str) -> Option<User> {
        lock(&self.state).user(user_id).cloned()
    }

    /// A channel by id.
    pub fn channel(&self, channel_id: &str) -> Option<Channel> {
        lock(&self.state).channel(channel_id).cloned()
    }

    /// Every channel of a workspace, in creation order.
    pub fn channels(&self, workspace_id: &str) -> Vec<Channel> {
        lock(&self.state)
            .channels_in(workspace_id)
            .into_iter()
            .cloned()
            .collect()
    }

    /// The DM between exactly these users, if it exists.
    pub fn find_dm(&self, workspace_id: &str, participants: &[&str]) -> Option<Channel> {
        lock(&self.state)
            .find_dm(workspace_id, participants)
            .cloned()
    }

    /// A persisted message by id.
    pub fn message(&self, message_id: &str) -> Option<Message> {
        lock(&self.state).message(message_id).cloned()
    }

    /// Every persisted message (roots and replies) of a channel, oldest first.
    pub fn messages_in(&self, channel_id: &str) -> Vec<Message> {
        lock(&self.state)
            .messages_in(channel_id)
            .into_iter()
            .cloned()
            .collect()
    }

    /// Replies under a thread root, oldest first.
    pub fn replies_to(&self, root_id: &str) -> Vec<Message> {
        lock(&self.state)
            .replies_to(root_id)
            .into_iter()
            .cloned()
            .collect()
    }

    /// Ephemerals shown to a user, oldest first.
    pub fn ephemerals_for(&self, user_id: &str) -> Vec<Ephemeral> {
        lock(&self.state)
            .ephemerals_for(user_id)
            .into_iter()
            .cloned()
            .collect()
    }

    /// Modals open for a user, oldest first (the last is on top).
    pub fn open_modals(&self, user_id: &str) -> Vec<OpenModal> {
        lock(&self.state)
            .modals_for(user_id)
            .into_iter()
            .cloned()
            .collect()
    }

    /// Everything `user_id` can see, as plain text: the channels and DMs
    /// they are in (messages with author names, blocks flattened to text
    /// including button labels, thread replies indented under their root,
    /// ephemerals addressed to them marked `(only you)`), then the modals
    /// open for them. Deterministic; contains no ids or timestamps. An
    /// unknown user sees nothing (empty string).
    pub fn render_view(&self, user_id: &str) -> String {
        crate::render::render_view(&lock(&self.state), user_id)
    }

    // ----- recorded calls and faults ---------------------------------------------------

    /// Every REST call received so far, in arrival order.
    pub fn calls(&self) -> Vec<RecordedCall> {
        lock(&self.state).calls().to_vec()
    }

    /// Forgets the recorded calls.
    pub fn clear_calls(&self) {
        lock(&self.state).clear_calls();
    }

    /// Turns call recording on (default) or off, e.g. for long benchmarks.
    pub fn set_call_recording(&self, on: bool) {
        lock(&self.state).set_call_recording(on);
    }

    /// Adds a fault rule; it applies from the next request on.
    pub fn inject_fault(&self, rule: FaultRule) -> FaultId {
        lock(&self.state).faults.insert(rule)
    }

    /// Removes one fault rule; `false` if it was gone already.
    pub fn remove_fault(&self, id: FaultId) -> bool {
        lock(&self.state).faults.remove(id)
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        lock(&self.state).faults.clear();
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// The server thread: its own actix system; runs until told to stop.
fn serve(
    state: SharedState,
    listener: TcpListener,
    ready: std::sync::mpsc::Sender<Result<(), String>>,
    stop: tokio::sync::oneshot::Receiver<()>,
) {
    let system = actix_web::rt::System::new();
    system.block_on(async move {
        let data = web::Data::new(state);
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
                .default_service(web::to(entry))
        })
        .workers(2)
        // Small JSON answers: do not let Nagle's algorithm hold them back.
        .tcp_nodelay(true)
        .disable_signals()
        .shutdown_timeout(0)
        .listen(listener);
        let server = match server {
            Ok(s) => s.run(),
            Err(e) => {
                let _ = ready.send(Err(e.to_string()));
                return;
            }
        };
        let handle = server.handle();
        let running = actix_web::rt::spawn(server);
        let _ = ready.send(Ok(()));
        let _ = stop.await;
        handle.stop(false).await;
        let _ = running.await;
    });
}

/// Every request lands here: faults first, then the REST layer.
async fn entry(req: HttpRequest, body: web::Bytes, state: web::Data<SharedState>) -> HttpResponse {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let api_req = ApiRequest {
        method: req.method().as_str().to_ascii_uppercase(),
        path: req.path().to_owned(),
        query: Some(req.query_string().to_owned()).filter(|q| !q.is_empty()),
        token: header("token"),
        app_token: header("x-app-token"),
        content_type: header("content-type"),
        body: body.to_vec(),
    };
    // Path only: the query can hold ids and codes.
    log::debug!("{} {}", api_req.method, api_req.path);
    let plan = lock(&state).faults.plan(&api_req.method, &api_req.path);
    if !plan.delay.is_zero() {
        actix_web::rt::time::sleep(plan.delay).await;
    }
    let response = match plan.terminal {
        None => api::handle(&mut lock(&state), &api_req),
        Some(Fault::Hang) => {
            api::record(&mut lock(&state), &api_req, None, true);
            actix_web::rt::time::sleep(HANG_LIMIT).await;
            ApiResponse::error(504, "HANG_ENDED", "injected hang ended")
        }
        Some(Fault::Status {
            status,
            code,
            message,
        }) => {
            let r = ApiResponse::error(status, &code, &message);
            api::record(&mut lock(&state), &api_req, Some(status), true);
            r
        }
        Some(Fault::RateLimited { retry_after_secs }) => {
            let mut r = ApiResponse::error(429, "TOO_MANY_REQUESTS", "rate limit exceeded");
            r.headers
                .push(("retry-after", retry_after_secs.to_string()));
            api::record(&mut lock(&state), &api_req, Some(429), true);
            r
        }
        // Latency is never terminal (FaultSet::plan adds it to `delay`).
        Some(Fault::Latency(_)) => api::handle(&mut lock(&state), &api_req),
    };
    to_http(response)
}

fn to_http(response: ApiResponse) -> HttpResponse {
    let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut builder = HttpResponse::build(status);
    for (name, value) in response.headers {
        builder.insert_header((name, value));
    }
    builder
        .content_type("application/json")
        .body(response.body.to_string())
}
