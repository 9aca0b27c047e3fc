//! User endpoints: list, one, who-am-I.

use serde_json::{json, Value};

use crate::state::WorkspaceState;
use crate::wire;

use super::{ApiResponse, Caller};

/// `GET /v1/workspaceUsers` → bare array of `WorkspaceUser`, bots and
/// deactivated users included (§5.4), ordered by id.
pub(super) fn list(state: &WorkspaceState, caller: &Caller) -> ApiResponse {
    let users: Vec<Value> = state
        .users_in(&caller.workspace_id)
        .into_iter()
        .map(wire::workspace_user)
        .collect();
    ApiResponse::ok(Value::Array(users))
}

/// `GET /v1/workspaceUsers/{id}` → `WorkspaceUser`.
pub(super) fn one(state: &WorkspaceState, caller: &Caller, user_id: &str) -> ApiResponse {
    match state.user(user_id) {
        Some(u) if u.workspace_id == caller.workspace_id => {
            ApiResponse::ok(wire::workspace_user(u))
        }
        _ => ApiResponse::not_found("user"),
    }
}

/// `GET /oauth2/me` → `{"workspaceId","workspaceName","workspaceUserId","workspaceUserName"}`.
pub(super) fn me(state: &WorkspaceState, caller: &Caller) -> ApiResponse {
    let workspace_name = state
        .workspace(&caller.workspace_id)
        .map(|w| w.name.clone())
        .unwrap_or_default();
    let user_name = state
        .user(&caller.user_id)
        .map(|u| u.name.clone())
        .unwrap_or_default();
    ApiResponse::ok(json!({
        "workspaceId": caller.workspace_id,
        "workspaceName": workspace_name,
        "workspaceUserId": caller.user_id,
        "workspaceUserName": user_name
    }))
}
