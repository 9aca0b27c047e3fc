//! The JSON shapes the REST API answers, with the field names and nesting of
//! protocol §5.4 and the shared `api_*.json` fixtures.

use serde_json::{json, Map, Value};

use crate::clock::iso8601_millis;
use crate::model::{Channel, Ephemeral, Message, User};
use crate::state::{TokenSet, WorkspaceState};

/// `ChannelInfo` = `{"channel": Channel, "users": [...], "pinnedMessages": []}`
/// as seen by `viewer` (which decides `isMember`).
pub(crate) fn channel_info(channel: &Channel, viewer: &str) -> Value {
    let mut ch = Map::new();
    ch.insert("id".into(), json!(channel.id));
    ch.insert("workspaceId".into(), json!(channel.workspace_id));
    ch.insert("channelType".into(), json!(channel.channel_type.as_str()));
    ch.insert("isMember".into(), json!(channel.has_member(viewer)));
    ch.insert("isMuted".into(), json!(false));
    ch.insert("isHidden".into(), json!(false));
    ch.insert("isArchived".into(), json!(false));
    ch.insert("isPumbleBot".into(), json!(false));
    ch.insert("isAddonBot".into(), json!(false));
    ch.insert("isMain".into(), json!(false));
    ch.insert("isInitial".into(), json!(false));
    // Enumerated preference values are placeholders, as in the fixtures.
    ch.insert(
        "postingPermissions".into(),
        json!({
            "allowThreads": true,
            "allowMentions": true,
            "postingPermissionsGroup": "EVERYONE",
            "workspaceUserIds": []
        }),
    );
    ch.insert("desktopNotificationPreferences".into(), json!("MENTIONS"));
    ch.insert("mobileNotificationPreferences".into(), json!("MENTIONS"));
    ch.insert("notifyAboutRepliesInThreads".into(), json!(true));
    if let Some(name) = &channel.name {
        ch.insert("name".into(), json!(name));
    }
    if let Some(description) = &channel.description {
        ch.insert("description".into(), json!(description));
    }
    if let Some(added_by) = &channel.added_by {
        ch.insert("addedById".into(), json!(added_by));
    }
    json!({
        "channel": Value::Object(ch),
        "users": channel.members,
        "pinnedMessages": []
    })
}

/// A persisted `Message` (shape of `api_post_message.json`), with
/// `threadReplyInfo` on replies and `threadRootInfo` on roots that have replies.
pub(crate) fn message(state: &WorkspaceState, msg: &Message) -> Value {
    let mut obj = message_core(
        &msg.id,
        &msg.workspace_id,
        &msg.channel_id,
        &msg.author,
        &msg.text,
        &msg.blocks,
        msg.timestamp_milli,
    );
    match &msg.thread_root_id {
        Some(root_id) => {
            let root_text = state.message(root_id).map(|r| r.text.clone());
            let mut info = Map::new();
            info.insert("rootId".into(), json!(root_id));
            info.insert("replySentToChannel".into(), json!(false));
            if let Some(text) = root_text {
                info.insert("rootText".into(), json!(text));
            }
            obj.insert("threadReplyInfo".into(), Value::Object(info));
        }
        None => {
            let replies = state.reply_count(&msg.id);
            if replies > 0 {
                obj.insert("threadRootInfo".into(), json!({ "repliesCount": replies }));
            }
        }
    }
    Value::Object(obj)
}

/// The `Message` answered for an ephemeral post (same shape; never persisted).
pub(crate) fn ephemeral(eph: &Ephemeral) -> Value {
    let mut obj = message_core(
        &eph.id,
        &eph.workspace_id,
        &eph.channel_id,
        &eph.author,
        &eph.text,
        &eph.blocks,
        eph.timestamp_milli,
    );
    if let Some(root_id) = &eph.thread_root_id {
        obj.insert(
            "threadReplyInfo".into(),
            json!({ "rootId": root_id, "replySentToChannel": false }),
        );
    }
    Value::Object(obj)
}

fn message_core(
    id: &str,
    workspace_id: &str,
    channel_id: &str,
    author: &str,
    text: &str,
    blocks: &Value,
    millis: u64,
) -> Map<String, Value> {
    let mut obj = Map::new();
    obj.insert("id".into(), json!(id));
    obj.insert("workspaceId".into(), json!(workspace_id));
    obj.insert("channelId".into(), json!(channel_id));
    obj.insert("author".into(), json!(author));
    obj.insert("text".into(), json!(text));
    obj.insert("timestamp".into(), json!(iso8601_millis(millis)));
    obj.insert("timestampMilli".into(), json!(millis));
    obj.insert("reactions".into(), json!([]));
    obj.insert("files".into(), json!([]));
    obj.insert("attachments".into(), json!([]));
    obj.insert("edited".into(), json!(false));
    obj.insert("deleted".into(), json!(false));
    obj.insert("blocks".into(), blocks.clone());
    obj
}

/// A `WorkspaceUser` (shape of `api_list_users.json`).
pub(crate) fn workspace_user(user: &User) -> Value {
    json!({
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "workspaceId": user.workspace_id,
        "role": user.role,
        "status": user.status.as_str(),
        "avatar": {
            "fullPath": format!("https://files.example.test/avatars/{}.png", user.id),
            "scaledPath": format!("https://files.example.test/avatars/{}_64.png", user.id)
        },
        "timeZoneId": "Europe/Berlin",
        "automaticallyTimeZone": true,
        "title": "",
        "phone": "",
        "isInvitationAccepted": true,
        "isPumbleBot": false,
        "isAddonBot": user.is_addon_bot,
        "timeFormat": 24
    })
}

/// The token exchange answer (shape of `oauth_token_response.json`).
pub(crate) fn token_set(tokens: &TokenSet) -> Value {
    json!({
        "accessToken": tokens.access_token,
        "botToken": tokens.bot_token,
        "userId": tokens.user_id,
        "botId": tokens.bot_id,
        "workspaceId": tokens.workspace_id
    })
}

/// The error body the simulator answers: `{"code","message"}`. Pumble's real
/// error body is \[UNVERIFIED\] (protocol §5.3); the SDK logs
/// `response.data.code`, so both fields are present.
pub(crate) fn error_body(code: &str, message: &str) -> Value {
    json!({ "code": code, "message": message })
}
