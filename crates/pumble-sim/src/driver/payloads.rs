//! The JSON bodies Pumble sends to apps (§3), with the fixtures' field names.

use serde_json::{json, Map, Value};

use super::find::Button;
use super::TriggerContext;

/// `SLASH_COMMAND` (§3.2; `slash_*.json`). `threadRootId` only when typed in
/// a thread.
pub(super) fn slash_command(ctx: &TriggerContext, command: &str, text: &str) -> Value {
    let mut body = Map::new();
    body.insert("messageType".into(), json!("SLASH_COMMAND"));
    body.insert("slashCommand".into(), json!(command));
    body.insert("text".into(), json!(text));
    body.insert("userId".into(), json!(ctx.user_id));
    body.insert("channelId".into(), json!(ctx.channel_id));
    if let Some(root) = &ctx.thread_root_id {
        body.insert("threadRootId".into(), json!(root));
    }
    body.insert("workspaceId".into(), json!(ctx.workspace_id));
    body.insert("triggerId".into(), json!(ctx.trigger_id));
    Value::Object(body)
}

/// `BLOCK_INTERACTION` for a button (§3.4; `block_*.json`): `payload` is a
/// JSON *string* `{"value":…}` holding the button's real value.
pub(super) fn block_interaction(
    ctx: &TriggerContext,
    source_type: &str,
    source_id: &str,
    on_action: &str,
    button: &Button,
) -> Value {
    let payload = match &button.value {
        Some(value) => json!({ "value": value }),
        None => json!({}),
    };
    json!({
        "messageType": "BLOCK_INTERACTION",
        "workspaceId": ctx.workspace_id,
        "userId": ctx.user_id,
        "channelId": ctx.channel_id,
        "sourceType": source_type,
        "sourceId": source_id,
        "actionType": "BUTTON",
        "onAction": on_action,
        "payload": payload.to_string(),
        "triggerId": ctx.trigger_id,
        "loadingTimeout": button.loading_timeout,
    })
}

/// `BLOCK_INTERACTION` for a button inside a modal (§3.4, `sourceType:
/// VIEW`): like a message click, plus the whole `view`.
pub(super) fn view_block_interaction(
    ctx: &TriggerContext,
    view_id: &str,
    view: &Value,
    on_action: &str,
    button: &Button,
) -> Value {
    let mut body = block_interaction(ctx, "VIEW", view_id, on_action, button);
    if let Some(obj) = body.as_object_mut() {
        if ctx.channel_id.is_none() {
            obj.remove("channelId");
        }
        obj.insert("view".into(), view.clone());
    }
    body
}

/// `VIEW_ACTION` (§3.5; `view_*.json`): the opened view echoed with its `id`
/// and the given `state.values`.
pub(super) fn view_action(
    ctx: &TriggerContext,
    action_type: &str,
    view: &Value,
    state_values: Value,
) -> Value {
    let mut view = view.clone();
    if let Some(obj) = view.as_object_mut() {
        obj.insert("state".into(), json!({ "values": state_values }));
    }
    let mut body = Map::new();
    body.insert("messageType".into(), json!("VIEW_ACTION"));
    body.insert("workspaceId".into(), json!(ctx.workspace_id));
    body.insert("userId".into(), json!(ctx.user_id));
    if let Some(channel) = &ctx.channel_id {
        body.insert("channelId".into(), json!(channel));
    }
    body.insert("viewActionType".into(), json!(action_type));
    body.insert("view".into(), view);
    body.insert("triggerId".into(), json!(ctx.trigger_id));
    Value::Object(body)
}

/// A lifecycle event envelope (§3.7; `event_*.json`): `body` is a JSON *string*.
pub(super) fn event(
    message_type: &str,
    event_type: &str,
    workspace_id: &str,
    user_ids: &[&str],
    body: &Value,
) -> Value {
    json!({
        "messageType": message_type,
        "eventType": event_type,
        "workspaceId": workspace_id,
        "workspaceUserIds": user_ids,
        "body": body.to_string(),
    })
}
