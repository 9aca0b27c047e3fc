//! Channel endpoints: details, list, create, add users, DM lookup and creation.

use serde_json::{json, Value};

use crate::model::{Channel, ChannelType};
use crate::seed::DmLookup;
use crate::state::WorkspaceState;
use crate::wire;

use super::{json_object, query, string_array, ApiRequest, ApiResponse, Caller};

/// Most participants a DM may have besides the caller (§5.4: 1..8).
const MAX_DM_OTHERS: usize = 8;

/// A channel in the caller's workspace, or 404.
fn channel_in_workspace<'s>(
    state: &'s WorkspaceState,
    caller: &Caller,
    channel_id: &str,
) -> Result<&'s Channel, ApiResponse> {
    match state.channel(channel_id) {
        Some(c) if c.workspace_id == caller.workspace_id => Ok(c),
        _ => Err(ApiResponse::not_found("channel")),
    }
}

/// Whether the caller may see the channel: public channels are visible to the
/// whole workspace, private channels and DMs to their members only.
fn visible_to(channel: &Channel, user_id: &str) -> bool {
    channel.channel_type == ChannelType::Public || channel.has_member(user_id)
}

/// `GET /v1/channels/{id}` → `ChannelInfo`; `403` for a private channel or DM
/// the caller is not in.
pub(super) fn details(state: &WorkspaceState, caller: &Caller, channel_id: &str) -> ApiResponse {
    match channel_in_workspace(state, caller, channel_id) {
        Ok(c) if visible_to(c, &caller.user_id) => {
            ApiResponse::ok(wire::channel_info(c, &caller.user_id))
        }
        Ok(_) => ApiResponse::forbidden("not a member of this channel"),
        Err(e) => e,
    }
}

/// `GET /v1/channels[?types=A,B]` → bare array of `ChannelInfo` visible to the
/// caller, in creation order.
pub(super) fn list(state: &WorkspaceState, caller: &Caller, req: &ApiRequest) -> ApiResponse {
    let wanted: Option<Vec<String>> =
        match req.query.as_deref().and_then(|q| query::param(q, "types")) {
            None => None,
            Some(raw) => {
                let mut kinds = Vec::new();
                for t in raw.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                    if ChannelType::parse(t).is_none() && t != "SELF" {
                        return ApiResponse::bad_request("unknown channel type in types");
                    }
                    kinds.push(t.to_owned());
                }
                Some(kinds)
            }
        };
    let list: Vec<Value> = state
        .channels_in(&caller.workspace_id)
        .into_iter()
        .filter(|c| visible_to(c, &caller.user_id))
        .filter(|c| {
            wanted
                .as_ref()
                .is_none_or(|w| w.iter().any(|t| t == c.channel_type.as_str()))
        })
        .map(|c| wire::channel_info(c, &caller.user_id))
        .collect();
    ApiResponse::ok(Value::Array(list))
}

/// Whether a name is 1–80 letters, digits, `_`, `-` or spaces (§5.4).
fn valid_channel_name(name: &str) -> bool {
    let len = name.chars().count();
    (1..=80).contains(&len)
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == ' ')
}

/// `POST /v1/channels` `{"name","type"?,"description"?}` → `ChannelInfo`.
///
/// The default `type` is \[UNVERIFIED\] (§5.4); the simulator uses `PUBLIC`, so
/// a client that means `PRIVATE` must say so. Names are unique per workspace
/// (400 `NAME_TAKEN`); guests may not create channels (403).
pub(super) fn create(state: &mut WorkspaceState, caller: &Caller, req: &ApiRequest) -> ApiResponse {
    let body = match json_object(req) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let Some(name) = body.get("name").and_then(Value::as_str) else {
        return ApiResponse::bad_request("name is required");
    };
    if !valid_channel_name(name) {
        return ApiResponse::bad_request("invalid channel name");
    }
    let channel_type = match body.get("type") {
        None | Some(Value::Null) => ChannelType::Public,
        Some(Value::String(t)) if t == "PUBLIC" => ChannelType::Public,
        Some(Value::String(t)) if t == "PRIVATE" => ChannelType::Private,
        Some(_) => return ApiResponse::bad_request("type must be PUBLIC or PRIVATE"),
    };
    let description = match body.get("description") {
        None | Some(Value::Null) => None,
        Some(Value::String(d)) if d.chars().count() <= 250 => Some(d.clone()),
        Some(_) => {
            return ApiResponse::bad_request(
                "description must be a string of at most 250 characters",
            )
        }
    };
    let is_guest = state
        .user(&caller.user_id)
        .is_some_and(|u| u.role.starts_with("GUEST"));
    if is_guest {
        return ApiResponse::forbidden("guests may not create channels");
    }
    let taken = state.channels_in(&caller.workspace_id).iter().any(|c| {
        c.name
            .as_deref()
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
    });
    if taken {
        return ApiResponse::error(400, "NAME_TAKEN", "a channel with this name exists");
    }
    let id = state.create_channel(
        &caller.workspace_id,
        Some(&caller.user_id),
        channel_type,
        Some(name.to_owned()),
        description,
        vec![caller.user_id.clone()],
    );
    match state.channel(&id) {
        Some(c) => ApiResponse::ok(wire::channel_info(c, &caller.user_id)),
        None => ApiResponse::error(500, "INTERNAL", "channel vanished"),
    }
}

/// `POST /v1/channels/{id}/users` `{"userIds":[...]}` →
/// `{"channelId","addedUserIds"}` (ids that were not members yet).
pub(super) fn add_users(
    state: &mut WorkspaceState,
    caller: &Caller,
    channel_id: &str,
    req: &ApiRequest,
) -> ApiResponse {
    let channel = match channel_in_workspace(state, caller, channel_id) {
        Ok(c) => c.clone(),
        Err(e) => return e,
    };
    let body = match json_object(req) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let user_ids = match string_array(&body, "userIds") {
        Ok(Some(ids)) => ids,
        Ok(None) => return ApiResponse::bad_request("userIds is required"),
        Err(e) => return e,
    };
    if channel.channel_type == ChannelType::Direct {
        return ApiResponse::bad_request("cannot add users to a direct channel");
    }
    if !channel.has_member(&caller.user_id) {
        return ApiResponse::forbidden("not a member of this channel");
    }
    for id in &user_ids {
        let known = state
            .user(id)
            .is_some_and(|u| u.workspace_id == caller.workspace_id);
        if !known {
            return ApiResponse::error(400, "USER_NOT_FOUND", "unknown user id");
        }
    }
    let mut added = Vec::new();
    for id in user_ids {
        if let Ok(true) = state.add_member(channel_id, &id) {
            added.push(id);
        }
    }
    ApiResponse::ok(json!({ "channelId": channel_id, "addedUserIds": added }))
}

/// Validates a DM's participant set: all in the caller's workspace, the caller
/// included, at least one other, at most eight others.
fn dm_participants(
    state: &WorkspaceState,
    caller: &Caller,
    ids: Vec<String>,
) -> Result<Vec<String>, ApiResponse> {
    let mut set: Vec<String> = Vec::new();
    for id in ids {
        if !set.contains(&id) {
            set.push(id);
        }
    }
    if !set.contains(&caller.user_id) {
        return Err(ApiResponse::bad_request(
            "participantIds must include the caller",
        ));
    }
    let others = set.len() - 1;
    if others == 0 || others > MAX_DM_OTHERS {
        return Err(ApiResponse::bad_request(
            "a direct channel needs 1 to 8 other participants",
        ));
    }
    for id in &set {
        let known = state
            .user(id)
            .is_some_and(|u| u.workspace_id == caller.workspace_id);
        if !known {
            return Err(ApiResponse::error(400, "USER_NOT_FOUND", "unknown user id"));
        }
    }
    Ok(set)
}

/// `GET /v1/channels/direct?participantIds=<caller>,<others>` → `ChannelInfo`.
///
/// The SDK sends the caller first (§5.4); the simulator requires the caller to
/// be in the list but does not insist on its position (recorded calls let
/// tests check the order). A missing DM answers 404 unless the seed chose
/// [`DmLookup::CreateWhenMissing`].
pub(super) fn get_direct(
    state: &mut WorkspaceState,
    caller: &Caller,
    req: &ApiRequest,
) -> ApiResponse {
    let Some(raw) = req
        .query
        .as_deref()
        .and_then(|q| query::param(q, "participantIds"))
    else {
        return ApiResponse::bad_request("participantIds is required");
    };
    let ids: Vec<String> = raw
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let set = match dm_participants(state, caller, ids) {
        Ok(set) => set,
        Err(e) => return e,
    };
    find_or_create_dm(
        state,
        caller,
        set,
        state.dm_lookup() == DmLookup::CreateWhenMissing,
    )
}

/// `POST /v1/channels/direct` `{"participantIds":[...],"hiddenFor":[...]?}` →
/// `ChannelInfo`, existing or new. The caller is a participant whether or not
/// it lists itself.
pub(super) fn create_direct(
    state: &mut WorkspaceState,
    caller: &Caller,
    req: &ApiRequest,
) -> ApiResponse {
    let body = match json_object(req) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let mut ids = match string_array(&body, "participantIds") {
        Ok(Some(ids)) if !ids.is_empty() => ids,
        Ok(_) => return ApiResponse::bad_request("participantIds is required"),
        Err(e) => return e,
    };
    match string_array(&body, "hiddenFor") {
        Ok(Some(h)) if h.len() > MAX_DM_OTHERS => {
            return ApiResponse::bad_request("hiddenFor has at most 8 entries")
        }
        Ok(_) => {}
        Err(e) => return e,
    }
    ids.insert(0, caller.user_id.clone());
    let set = match dm_participants(state, caller, ids) {
        Ok(set) => set,
        Err(e) => return e,
    };
    find_or_create_dm(state, caller, set, true)
}

fn find_or_create_dm(
    state: &mut WorkspaceState,
    caller: &Caller,
    participants: Vec<String>,
    create: bool,
) -> ApiResponse {
    let refs: Vec<&str> = participants.iter().map(String::as_str).collect();
    if let Some(existing) = state.find_dm(&caller.workspace_id, &refs) {
        return ApiResponse::ok(wire::channel_info(existing, &caller.user_id));
    }
    if !create {
        return ApiResponse::not_found("direct channel");
    }
    // DMs carry no `addedById` (api_dm_channel.json).
    let id = state.create_channel(
        &caller.workspace_id,
        None,
        ChannelType::Direct,
        None,
        None,
        participants,
    );
    match state.channel(&id) {
        Some(c) => ApiResponse::ok(wire::channel_info(c, &caller.user_id)),
        None => ApiResponse::error(500, "INTERNAL", "channel vanished"),
    }
}

#[cfg(test)]
mod tests {
    use super::valid_channel_name;

    #[test]
    fn channel_names_follow_the_documented_alphabet() {
        assert!(valid_channel_name("abot-reports"));
        assert!(valid_channel_name("Team chat_2"));
        assert!(!valid_channel_name(""));
        assert!(!valid_channel_name("a/b"));
        assert!(!valid_channel_name(&"x".repeat(81)));
    }
}
