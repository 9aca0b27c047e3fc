//! Message endpoints: post, reply in thread, ephemeral (both), fetch, replies.

use serde_json::Value;

use crate::model::{ChannelType, EphemeralOrigin};
use crate::state::WorkspaceState;
use crate::wire;

use super::{json_object, string_array, ApiRequest, ApiResponse, Caller};

/// Longest message text (§8: `text` ≤ 100 000 characters).
const MAX_TEXT_CHARS: usize = 100_000;

/// `POST /v1/channels/{c}/messages[/{root}]` (§4.5, §5.4).
///
/// * Normal posts need the caller to be a channel member (403 otherwise).
/// * With `ephemeral.sendToUsers`, the post is shown only to those users, who
///   must be channel members (400 otherwise). The caller need not be a member:
///   the SDK's `say()` answers a slash command ephemerally in whatever channel
///   it was typed, including DMs between humans where the bot cannot be a
///   member, so Pumble must accept that.
/// * With a `{root}`, the root must be a persisted, top-level message of the
///   channel (404 if unknown, 400 if it is itself a reply).
pub(super) fn post(
    state: &mut WorkspaceState,
    caller: &Caller,
    channel_id: &str,
    root_id: Option<&str>,
    req: &ApiRequest,
) -> ApiResponse {
    let channel = match state.channel(channel_id) {
        Some(c) if c.workspace_id == caller.workspace_id => c.clone(),
        _ => return ApiResponse::not_found("channel"),
    };
    let body = match json_object(req) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let text = match body.get("text") {
        Some(Value::String(t)) if t.chars().count() <= MAX_TEXT_CHARS => t.clone(),
        Some(Value::String(_)) => return ApiResponse::bad_request("text is too long"),
        _ => return ApiResponse::bad_request("text is required"),
    };
    let blocks = match body.get("blocks") {
        None | Some(Value::Null) => Value::Array(Vec::new()),
        Some(Value::Array(b)) => Value::Array(b.clone()),
        Some(_) => return ApiResponse::bad_request("blocks must be an array"),
    };
    if let Some(root) = root_id {
        match state.message(root) {
            Some(m) if m.channel_id == channel_id && m.thread_root_id.is_none() => {}
            Some(m) if m.channel_id == channel_id => {
                return ApiResponse::bad_request("thread root is itself a reply")
            }
            _ => return ApiResponse::not_found("thread root message"),
        }
    }
    match body.get("ephemeral") {
        None | Some(Value::Null) => {}
        Some(Value::Object(eph)) => {
            let recipients = match string_array(eph, "sendToUsers") {
                Ok(Some(r)) if !r.is_empty() => r,
                Ok(_) => return ApiResponse::bad_request("ephemeral.sendToUsers is required"),
                Err(e) => return e,
            };
            if recipients.iter().any(|r| !channel.has_member(r)) {
                return ApiResponse::error(
                    400,
                    "USER_NOT_IN_CHANNEL",
                    "an ephemeral recipient is not a member of the channel",
                );
            }
            return match state.store_ephemeral(
                channel_id,
                root_id.map(str::to_owned),
                &caller.user_id,
                recipients,
                text,
                blocks,
                EphemeralOrigin::Api,
            ) {
                Ok(eph) => ApiResponse::ok(wire::ephemeral(&eph)),
                Err(_) => ApiResponse::not_found("channel"),
            };
        }
        Some(_) => return ApiResponse::bad_request("ephemeral must be an object"),
    }
    if !channel.has_member(&caller.user_id) {
        return ApiResponse::forbidden("not a member of this channel");
    }
    match state.store_message(
        channel_id,
        &caller.user_id,
        text,
        blocks,
        root_id.map(str::to_owned),
    ) {
        Ok(msg) => ApiResponse::ok(wire::message(state, &msg)),
        Err(_) => ApiResponse::not_found("channel"),
    }
}

/// Whether the caller may read a channel's messages: members always, anyone
/// in the workspace for public channels.
fn can_read(state: &WorkspaceState, caller: &Caller, channel_id: &str) -> Result<(), ApiResponse> {
    match state.channel(channel_id) {
        Some(c) if c.workspace_id == caller.workspace_id => {
            if c.channel_type == ChannelType::Public || c.has_member(&caller.user_id) {
                Ok(())
            } else {
                Err(ApiResponse::forbidden("not a member of this channel"))
            }
        }
        _ => Err(ApiResponse::not_found("channel")),
    }
}

/// `GET /v1/channels/{c}/messages/{m}` → `Message`. Ephemerals are not
/// persisted (§4.5) and so are not found.
pub(super) fn get(
    state: &WorkspaceState,
    caller: &Caller,
    channel_id: &str,
    message_id: &str,
) -> ApiResponse {
    if let Err(e) = can_read(state, caller, channel_id) {
        return e;
    }
    match state.message(message_id) {
        Some(m) if m.channel_id == channel_id => ApiResponse::ok(wire::message(state, m)),
        _ => ApiResponse::not_found("message"),
    }
}

/// `GET /v1/channels/{c}/messages/{root}/replies` → bare array of `Message`.
pub(super) fn replies(
    state: &WorkspaceState,
    caller: &Caller,
    channel_id: &str,
    root_id: &str,
) -> ApiResponse {
    if let Err(e) = can_read(state, caller, channel_id) {
        return e;
    }
    match state.message(root_id) {
        Some(m) if m.channel_id == channel_id => {
            let list = state
                .replies_to(root_id)
                .into_iter()
                .map(|r| wire::message(state, r))
                .collect();
            ApiResponse::ok(Value::Array(list))
        }
        _ => ApiResponse::not_found("message"),
    }
}
