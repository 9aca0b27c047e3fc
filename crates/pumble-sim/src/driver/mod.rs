//! The driver: plays the Pumble side towards an app, sending signed webhooks
//! (protocol §2, §3) and applying the app's answers (§4).
//!
//! Every call blocks (ureq) and never holds the state lock while the app is
//! being called, so the app can use the simulator's REST API while it handles
//! a trigger.

mod apply;
mod click_source;
mod find;
mod payloads;
mod response;

use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

use crate::clock;
use crate::error::SimError;
use crate::ids::random_id;
use crate::model::UserStatus;
use crate::server::{lock, SharedState};
use crate::state::WorkspaceState;

pub use response::{AppResponse, ResponseEffect};

/// Header carrying the signing timestamp (§2.2).
pub const TIMESTAMP_HEADER: &str = "x-pumble-request-timestamp";
/// Header carrying the signature (§2.2).
pub const SIGNATURE_HEADER: &str = "x-pumble-request-signature";

/// Unit of the signing timestamp. Pumble's is \[UNVERIFIED\] (§2.2): the SDK
/// treats it as an opaque string; milliseconds is the default here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimestampUnit {
    /// Milliseconds since the epoch (default).
    #[default]
    Milliseconds,
    /// Seconds since the epoch.
    Seconds,
}

/// `messageType` of lifecycle events. Which one Pumble uses for
/// `APP_UNINSTALLED`/`APP_UNAUTHORIZED` is \[UNVERIFIED\] (§3.1); the SDK treats
/// both alike. `APP_EVENT` (as in the fixtures) is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EventEnvelope {
    /// `"messageType":"APP_EVENT"` (default).
    #[default]
    AppEvent,
    /// `"messageType":"PUMBLE_EVENT"`.
    PumbleEvent,
}

impl EventEnvelope {
    fn as_str(self) -> &'static str {
        match self {
            EventEnvelope::AppEvent => "APP_EVENT",
            EventEnvelope::PumbleEvent => "PUMBLE_EVENT",
        }
    }
}

/// Where a trigger came from, for applying the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
enum TriggerSource {
    Slash,
    Message,
    ModalSubmit { view_id: String },
    ModalBlock { view_id: String },
}

/// What the simulator needs to apply an answer.
#[derive(Debug, Clone)]
struct TriggerContext {
    workspace_id: String,
    user_id: String,
    channel_id: Option<String>,
    thread_root_id: Option<String>,
    trigger_id: String,
    source: TriggerSource,
}

/// Plays Pumble towards one app. Create with [`crate::Simulator::driver`].
///
/// Defaults: triggers and events go to `POST <app>/hook`, the OAuth redirect
/// to `GET <app>/redirect` (the SDK runner's paths, §1); timestamps in
/// milliseconds; events as `APP_EVENT`; a 3 s trigger deadline (§4.6); a 10 s
/// request timeout.
#[derive(Clone)]
pub struct Driver {
    state: SharedState,
    agent: ureq::Agent,
    app_url: String,
    hook_path: String,
    redirect_path: String,
    timestamp_unit: TimestampUnit,
    event_envelope: EventEnvelope,
    trigger_deadline: Duration,
    timeout: Duration,
}

impl std::fmt::Debug for Driver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Driver")
            .field("app_url", &self.app_url)
            .field("hook_path", &self.hook_path)
            .field("timestamp_unit", &self.timestamp_unit)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

fn build_agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(timeout))
        .proxy(None)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .build()
        .into()
}

impl Driver {
    pub(crate) fn new(state: SharedState, app_url: &str) -> Driver {
        let timeout = Duration::from_secs(10);
        Driver {
            state,
            agent: build_agent(timeout),
            app_url: app_url.trim_end_matches('/').to_owned(),
            hook_path: "/hook".to_owned(),
            redirect_path: "/redirect".to_owned(),
            timestamp_unit: TimestampUnit::default(),
            event_envelope: EventEnvelope::default(),
            trigger_deadline: Duration::from_secs(3),
            timeout,
        }
    }

    /// Sends triggers and events to this path instead of `/hook`.
    pub fn with_hook_path(mut self, path: &str) -> Driver {
        self.hook_path = path.to_owned();
        self
    }

    /// Sends the OAuth redirect to this path (or absolute URL) instead of
    /// `/redirect`.
    pub fn with_redirect_path(mut self, path: &str) -> Driver {
        self.redirect_path = path.to_owned();
        self
    }

    /// Signs with timestamps in this unit.
    pub fn with_timestamp_unit(mut self, unit: TimestampUnit) -> Driver {
        self.timestamp_unit = unit;
        self
    }

    /// Sends lifecycle events with this `messageType`.
    pub fn with_event_envelope(mut self, envelope: EventEnvelope) -> Driver {
        self.event_envelope = envelope;
        self
    }

    /// Answers slower than this are ignored as Pumble would (default 3 s).
    pub fn with_trigger_deadline(mut self, deadline: Duration) -> Driver {
        self.trigger_deadline = deadline;
        self
    }

    /// Gives up on the app after this long (default 10 s).
    pub fn with_timeout(mut self, timeout: Duration) -> Driver {
        self.timeout = timeout;
        self.agent = build_agent(timeout);
        self
    }

    // ----- triggers -------------------------------------------------------------------

    /// `user_id` types `command text` in `channel_id` (§3.2).
    pub fn slash(
        &self,
        user_id: &str,
        channel_id: &str,
        command: &str,
        text: &str,
    ) -> Result<AppResponse, SimError> {
        self.slash_command(user_id, channel_id, None, command, text)
    }

    /// `user_id` types `command text` in the thread panel of `thread_root_id`
    /// (the payload carries `threadRootId`, §3.2).
    pub fn slash_in_thread(
        &self,
        user_id: &str,
        channel_id: &str,
        thread_root_id: &str,
        command: &str,
        text: &str,
    ) -> Result<AppResponse, SimError> {
        self.slash_command(user_id, channel_id, Some(thread_root_id), command, text)
    }

    fn slash_command(
        &self,
        user_id: &str,
        channel_id: &str,
        thread_root_id: Option<&str>,
        command: &str,
        text: &str,
    ) -> Result<AppResponse, SimError> {
        let ctx = {
            let st = lock(&self.state);
            let workspace_id = active_user_workspace(&st, user_id)?;
            let channel = st
                .channel(channel_id)
                .filter(|c| c.workspace_id == workspace_id)
                .ok_or_else(|| SimError::UnknownChannel(channel_id.to_owned()))?;
            if !channel.has_member(user_id) {
                return Err(SimError::NotFound(format!(
                    "the user is not a member of {channel_id}, so cannot type there"
                )));
            }
            if let Some(root) = thread_root_id {
                let is_root = st
                    .message(root)
                    .is_some_and(|m| m.channel_id == channel_id && m.thread_root_id.is_none());
                if !is_root {
                    return Err(SimError::NotFound(format!(
                        "{root} is not a thread root in {channel_id}"
                    )));
                }
            }
            TriggerContext {
                workspace_id,
                user_id: user_id.to_owned(),
                channel_id: Some(channel_id.to_owned()),
                thread_root_id: thread_root_id.map(str::to_owned),
                trigger_id: random_id("trg_"),
                source: TriggerSource::Slash,
            }
        };
        let body = payloads::slash_command(&ctx, command, text);
        self.send_trigger(ctx, &body)
    }

    /// `user_id` clicks the button `on_action` on a message or ephemeral the
    /// app posted and the user can see (§3.4). The payload carries the
    /// button's real `value`.
    pub fn click(
        &self,
        user_id: &str,
        message_id: &str,
        on_action: &str,
    ) -> Result<AppResponse, SimError> {
        let (ctx, body) = {
            let st = lock(&self.state);
            let workspace_id = active_user_workspace(&st, user_id)?;
            let source = click_source::visible_app_post(&st, &workspace_id, user_id, message_id)?;
            click_source::build_click(&workspace_id, user_id, source, on_action)?
        };
        self.send_trigger(ctx, &body)
    }

    /// Clicks `on_action` on the most recent app post visible to `user_id`
    /// that has such a button.
    pub fn click_latest(&self, user_id: &str, on_action: &str) -> Result<AppResponse, SimError> {
        let (ctx, body) = {
            let st = lock(&self.state);
            let workspace_id = active_user_workspace(&st, user_id)?;
            let source =
                click_source::latest_app_post_with_button(&st, &workspace_id, user_id, on_action)
                    .ok_or_else(|| {
                    SimError::NotFound(format!(
                        "no app post visible to {user_id} has a {on_action} button"
                    ))
                })?;
            click_source::build_click(&workspace_id, user_id, source, on_action)?
        };
        self.send_trigger(ctx, &body)
    }

    /// `user_id` clicks the button `on_action` inside their top modal
    /// (`sourceType: VIEW`, §3.4): the payload carries the whole view with
    /// its `id` and current state. An `UPDATE` or `PUSH` answer applies to
    /// that modal; the modal stays open otherwise.
    pub fn click_in_modal(&self, user_id: &str, on_action: &str) -> Result<AppResponse, SimError> {
        let (ctx, body) = {
            let st = lock(&self.state);
            let workspace_id = active_user_workspace(&st, user_id)?;
            let modal = st
                .modals_for(user_id)
                .last()
                .map(|m| (*m).clone())
                .ok_or_else(|| SimError::NotFound("no modal open for the user".to_owned()))?;
            let button = find::button(&modal.view, on_action).ok_or_else(|| {
                SimError::NotFound(format!("no {on_action} button in {}", modal.view_id))
            })?;
            let mut state_values = Map::new();
            for input in find::inputs(&modal.view) {
                if let Some(initial) = &input.initial_value {
                    insert_state(&mut state_values, &input, initial);
                }
            }
            let ctx = TriggerContext {
                workspace_id,
                user_id: user_id.to_owned(),
                channel_id: modal.channel_id.clone(),
                thread_root_id: None,
                trigger_id: random_id("trg_"),
                source: TriggerSource::ModalBlock {
                    view_id: modal.view_id.clone(),
                },
            };
            let mut view = modal.view.clone();
            if let Some(obj) = view.as_object_mut() {
                obj.insert("state".into(), json!({ "values": state_values }));
            }
            let body =
                payloads::view_block_interaction(&ctx, &modal.view_id, &view, on_action, &button);
            (ctx, body)
        };
        self.send_trigger(ctx, &body)
    }

    /// Submits the top modal open for `user_id` (§3.5), filling inputs given
    /// as `(element onAction or blockId, text)`; inputs left out keep their
    /// `initial_value` if they have one. On a 2xx answer the modal closes (or
    /// is replaced/stacked if the answer is a view); otherwise it stays open.
    pub fn submit_modal(
        &self,
        user_id: &str,
        values: &[(&str, &str)],
    ) -> Result<AppResponse, SimError> {
        let (ctx, body) = {
            let st = lock(&self.state);
            let workspace_id = active_user_workspace(&st, user_id)?;
            let modal = st
                .modals_for(user_id)
                .last()
                .map(|m| (*m).clone())
                .ok_or_else(|| SimError::NotFound("no modal open for the user".to_owned()))?;
            let inputs = find::inputs(&modal.view);
            let mut state_values = Map::new();
            for (key, text) in values {
                let input = inputs
                    .iter()
                    .find(|i| i.on_action == *key || i.block_id == *key)
                    .ok_or_else(|| SimError::NotFound(format!("no input {key} in the modal")))?;
                insert_state(&mut state_values, input, text);
            }
            for input in &inputs {
                let filled = state_values
                    .get(&input.block_id)
                    .and_then(|b| b.get(&input.on_action))
                    .is_some();
                if let (false, Some(initial)) = (filled, &input.initial_value) {
                    insert_state(&mut state_values, input, initial);
                }
            }
            let ctx = TriggerContext {
                workspace_id,
                user_id: user_id.to_owned(),
                channel_id: modal.channel_id.clone(),
                thread_root_id: None,
                trigger_id: random_id("trg_"),
                source: TriggerSource::ModalSubmit {
                    view_id: modal.view_id.clone(),
                },
            };
            let body =
                payloads::view_action(&ctx, "SUBMIT", &modal.view, Value::Object(state_values));
            (ctx, body)
        };
        self.send_trigger(ctx, &body)
    }

    /// `user_id` dismisses their top modal. It closes in any case; the app is
    /// told (`CLOSE`, §3.5) only if the view set `notifyOnClose: true`, and
    /// then its answer is returned.
    pub fn close_modal(&self, user_id: &str) -> Result<Option<AppResponse>, SimError> {
        let body = {
            let mut st = lock(&self.state);
            let workspace_id = active_user_workspace(&st, user_id)?;
            let modal = st
                .modals_for(user_id)
                .last()
                .map(|m| (*m).clone())
                .ok_or_else(|| SimError::NotFound("no modal open for the user".to_owned()))?;
            st.close_modal(&modal.view_id);
            let notify = modal.view.get("notifyOnClose").and_then(Value::as_bool) == Some(true);
            if !notify {
                return Ok(None);
            }
            let ctx = TriggerContext {
                workspace_id,
                user_id: user_id.to_owned(),
                channel_id: modal.channel_id.clone(),
                thread_root_id: None,
                trigger_id: random_id("trg_"),
                source: TriggerSource::ModalSubmit {
                    view_id: modal.view_id.clone(),
                },
            };
            // A closed view reports empty state (view_close_reply.json).
            payloads::view_action(&ctx, "CLOSE", &modal.view, json!({}))
        };
        // The modal is gone whatever the app answers.
        self.send_untriggered(&body).map(Some)
    }

    // ----- lifecycle events ---------------------------------------------------------------

    /// Uninstalls the app from `workspace_id` (its tokens stop working) and
    /// sends `APP_UNINSTALLED` (§3.7). The uninstall stands even if the app
    /// cannot be reached, as in Pumble.
    pub fn app_uninstalled(&self, workspace_id: &str) -> Result<AppResponse, SimError> {
        let body = {
            let mut st = lock(&self.state);
            let app_id = st.app().app_id.clone();
            let inst = st.uninstall_app(workspace_id)?;
            payloads::event(
                self.event_envelope.as_str(),
                "APP_UNINSTALLED",
                workspace_id,
                &[],
                &json!({
                    "id": inst.id,
                    "app": app_id,
                    "workspace": workspace_id,
                    "installedBy": inst.installed_by,
                    "botUser": inst.bot_user_id,
                    "uninstalledAt": clock::iso8601_millis(clock::now_millis()),
                }),
            )
        };
        self.send_untriggered(&body)
    }

    /// `user_id` revokes their authorization (their user tokens stop
    /// working, even if the app cannot be reached) and `APP_UNAUTHORIZED` is
    /// sent (§3.7).
    pub fn app_unauthorized(&self, user_id: &str) -> Result<AppResponse, SimError> {
        let body = {
            let mut st = lock(&self.state);
            let user = st
                .user(user_id)
                .cloned()
                .ok_or_else(|| SimError::UnknownUser(user_id.to_owned()))?;
            let app_id = st.app().app_id.clone();
            let installation_id = st
                .installation(&user.workspace_id)
                .map(|i| i.id.clone())
                .unwrap_or_default();
            st.revoke_user_tokens(user_id);
            payloads::event(
                self.event_envelope.as_str(),
                "APP_UNAUTHORIZED",
                &user.workspace_id,
                &[user_id],
                &json!({
                    "id": random_id("authz_"),
                    "app": app_id,
                    "appInstallation": installation_id,
                    "workspaceUser": user_id,
                    "workspace": user.workspace_id,
                    "grantedScopes": [],
                    "accessGranted": true,
                }),
            )
        };
        self.send_untriggered(&body)
    }

    // ----- OAuth -----------------------------------------------------------------------------

    /// `user_id` consents: a fresh code is created and the browser is sent to
    /// `GET <app><redirect>?code=…[&state=…]` (§6.2). The app then redeems the
    /// code at `POST /oauth2/access`.
    pub fn oauth_install(
        &self,
        user_id: &str,
        state: Option<&str>,
    ) -> Result<AppResponse, SimError> {
        let code = lock(&self.state).create_oauth_code(user_id, false)?;
        let mut query = format!("code={}", form_encode(&code));
        if let Some(s) = state {
            query.push_str("&state=");
            query.push_str(&form_encode(s));
        }
        self.oauth_redirect(&query)
    }

    /// `GET <app><redirect>?<query>` with an arbitrary query (e.g. none, to
    /// test a missing `code`).
    pub fn oauth_redirect(&self, query: &str) -> Result<AppResponse, SimError> {
        let mut url = if self.redirect_path.starts_with("http://")
            || self.redirect_path.starts_with("https://")
        {
            self.redirect_path.clone()
        } else {
            format!("{}{}", self.app_url, self.redirect_path)
        };
        if !query.is_empty() {
            url.push('?');
            url.push_str(query);
        }
        let started = Instant::now();
        let response = self.agent.get(&url).call().map_err(transport_error)?;
        let (status, body, content_type) = read_response(response)?;
        Ok(AppResponse {
            status,
            body,
            content_type,
            elapsed: started.elapsed(),
            effect: ResponseEffect::None,
        })
    }

    // ----- raw requests ----------------------------------------------------------------------

    /// The `(timestamp, signature)` header values for `body`, signed now.
    pub fn signature_headers(&self, body: &[u8]) -> (String, String) {
        let timestamp = self.timestamp_now();
        let secret = lock(&self.state).app().signing_secret.clone();
        let signature = pumble_verify::sign(&secret, &timestamp, body);
        (timestamp, signature)
    }

    /// POSTs `body` to `path` (relative to the app URL), signed now. Use it to
    /// send fixtures or hand-made bodies; the answer is not applied.
    pub fn send_signed(&self, path: &str, body: &[u8]) -> Result<AppResponse, SimError> {
        let (timestamp, signature) = self.signature_headers(body);
        self.send_with_headers(
            path,
            body,
            &[
                (TIMESTAMP_HEADER, &timestamp),
                (SIGNATURE_HEADER, &signature),
            ],
        )
    }

    /// POSTs `body` signed with the given timestamp header value (e.g. a stale
    /// one).
    pub fn send_signed_at(
        &self,
        path: &str,
        body: &[u8],
        timestamp: &str,
    ) -> Result<AppResponse, SimError> {
        let secret = lock(&self.state).app().signing_secret.clone();
        let signature = pumble_verify::sign(&secret, timestamp, body);
        self.send_with_headers(
            path,
            body,
            &[
                (TIMESTAMP_HEADER, timestamp),
                (SIGNATURE_HEADER, &signature),
            ],
        )
    }

    /// POSTs `body` with `content-type: application/json` and exactly the
    /// given extra headers (no signature unless listed): for negative tests.
    pub fn send_with_headers(
        &self,
        path: &str,
        body: &[u8],
        headers: &[(&str, &str)],
    ) -> Result<AppResponse, SimError> {
        let mut request = self
            .agent
            .post(format!("{}{path}", self.app_url))
            .header("content-type", "application/json");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let started = Instant::now();
        let response = request.send(body).map_err(transport_error)?;
        let (status, body, content_type) = read_response(response)?;
        Ok(AppResponse {
            status,
            body,
            content_type,
            elapsed: started.elapsed(),
            effect: ResponseEffect::None,
        })
    }

    // ----- internals ---------------------------------------------------------------------------

    fn timestamp_now(&self) -> String {
        let millis = clock::now_millis();
        match self.timestamp_unit {
            TimestampUnit::Milliseconds => millis.to_string(),
            TimestampUnit::Seconds => (millis / 1000).to_string(),
        }
    }

    fn post_signed(
        &self,
        body: &Value,
    ) -> Result<(u16, Vec<u8>, Option<String>, Duration), SimError> {
        let bytes = body.to_string().into_bytes();
        let response = self.send_signed(&self.hook_path, &bytes)?;
        Ok((
            response.status,
            response.body,
            response.content_type,
            response.elapsed,
        ))
    }

    /// Sends a body whose answer Pumble does not act on (events, `CLOSE`).
    fn send_untriggered(&self, body: &Value) -> Result<AppResponse, SimError> {
        let (status, body, content_type, elapsed) = self.post_signed(body)?;
        Ok(AppResponse {
            status,
            body,
            content_type,
            elapsed,
            effect: ResponseEffect::None,
        })
    }

    fn send_trigger(&self, ctx: TriggerContext, body: &Value) -> Result<AppResponse, SimError> {
        let (status, response_body, content_type, elapsed) = self.post_signed(body)?;
        let effect = {
            let mut st = lock(&self.state);
            apply::apply(
                &mut st,
                &ctx,
                status,
                &response_body,
                elapsed > self.trigger_deadline,
            )
        };
        Ok(AppResponse {
            status,
            body: response_body,
            content_type,
            elapsed,
            effect,
        })
    }
}

fn insert_state(values: &mut Map<String, Value>, input: &find::Input, text: &str) {
    let block = values
        .entry(input.block_id.clone())
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(block) = block {
        block.insert(
            input.on_action.clone(),
            json!({ "type": input.element_type, "value": text }),
        );
    }
}

/// The workspace of an active user.
fn active_user_workspace(st: &WorkspaceState, user_id: &str) -> Result<String, SimError> {
    match st.user(user_id) {
        Some(u) if u.status == UserStatus::Activated => Ok(u.workspace_id.clone()),
        Some(_) => Err(SimError::InactiveUser(user_id.to_owned())),
        None => Err(SimError::UnknownUser(user_id.to_owned())),
    }
}

fn read_response(
    mut response: ureq::http::Response<ureq::Body>,
) -> Result<(u16, Vec<u8>, Option<String>), SimError> {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = response
        .body_mut()
        .with_config()
        .limit(16 * 1024 * 1024)
        .read_to_vec()
        .map_err(transport_error)?;
    Ok((status, body, content_type))
}

/// A driver error naming the kind of failure only: ureq's own messages can
/// quote the URL, whose query may hold an OAuth code.
fn transport_error(error: ureq::Error) -> SimError {
    match error {
        ureq::Error::Timeout(_) => SimError::Timeout,
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => SimError::Timeout,
        ureq::Error::Io(io) => SimError::Transport(format!("i/o error ({:?})", io.kind())),
        ureq::Error::ConnectionFailed => SimError::Transport("connection failed".to_owned()),
        ureq::Error::HostNotFound => SimError::Transport("host not found".to_owned()),
        ureq::Error::BodyExceedsLimit(_) => SimError::Transport("answer too large".to_owned()),
        _ => SimError::Transport("invalid request or answer".to_owned()),
    }
}

/// Percent-encodes a query value (unreserved characters kept).
fn form_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
