//! Finding the app post a user clicks: one the app's bot made and the user
//! can see (a channel they are in, or an ephemeral addressed to them).

use serde_json::Value;

use crate::error::SimError;
use crate::ids::random_id;
use crate::state::WorkspaceState;

use super::{find, payloads, TriggerContext, TriggerSource};

/// A post by the app's bot that a user can see and click. (No `Debug`: it
/// holds the post's blocks.)
#[derive(Clone)]
pub(super) struct ClickSource {
    id: String,
    channel_id: String,
    thread_root_id: Option<String>,
    blocks: Value,
    ephemeral: bool,
}

pub(super) fn visible_app_post(
    st: &WorkspaceState,
    workspace_id: &str,
    user_id: &str,
    message_id: &str,
) -> Result<ClickSource, SimError> {
    let bot = st
        .installation(workspace_id)
        .map(|i| i.bot_user_id.clone())
        .ok_or_else(|| SimError::NotFound(format!("the app is not installed in {workspace_id}")))?;
    if let Some(m) = st.message(message_id) {
        let visible = st
            .channel(&m.channel_id)
            .is_some_and(|c| c.has_member(user_id));
        if m.author != bot || !visible {
            return Err(SimError::NotFound(format!(
                "{message_id} is not an app post the user can see"
            )));
        }
        return Ok(ClickSource {
            id: m.id.clone(),
            channel_id: m.channel_id.clone(),
            thread_root_id: m.thread_root_id.clone(),
            blocks: m.blocks.clone(),
            ephemeral: false,
        });
    }
    match st.ephemeral(message_id) {
        Some(e) if e.author == bot && e.recipients.iter().any(|r| r == user_id) => {
            Ok(ClickSource {
                id: e.id.clone(),
                channel_id: e.channel_id.clone(),
                thread_root_id: e.thread_root_id.clone(),
                blocks: e.blocks.clone(),
                ephemeral: true,
            })
        }
        _ => Err(SimError::NotFound(format!(
            "{message_id} is not an app post the user can see"
        ))),
    }
}

pub(super) fn latest_app_post_with_button(
    st: &WorkspaceState,
    workspace_id: &str,
    user_id: &str,
    on_action: &str,
) -> Option<ClickSource> {
    let bot = st.installation(workspace_id)?.bot_user_id.clone();
    let message = st
        .all_messages()
        .iter()
        .filter(|m| m.author == bot && m.workspace_id == workspace_id)
        .filter(|m| {
            st.channel(&m.channel_id)
                .is_some_and(|c| c.has_member(user_id))
        })
        .filter(|m| find::button(&m.blocks, on_action).is_some())
        .max_by_key(|m| m.seq)
        .map(|m| (m.seq, m.id.clone()));
    let ephemeral = st
        .ephemerals_for(user_id)
        .into_iter()
        .filter(|e| e.author == bot && find::button(&e.blocks, on_action).is_some())
        .max_by_key(|e| e.seq)
        .map(|e| (e.seq, e.id.clone()));
    let (_, id) = match (message, ephemeral) {
        (Some(m), Some(e)) => Some(if m.0 > e.0 { m } else { e }),
        (m, e) => m.or(e),
    }?;
    visible_app_post(st, workspace_id, user_id, &id).ok()
}

pub(super) fn build_click(
    workspace_id: &str,
    user_id: &str,
    source: ClickSource,
    on_action: &str,
) -> Result<(TriggerContext, Value), SimError> {
    let button = find::button(&source.blocks, on_action)
        .ok_or_else(|| SimError::NotFound(format!("no {on_action} button on {}", source.id)))?;
    let ctx = TriggerContext {
        workspace_id: workspace_id.to_owned(),
        user_id: user_id.to_owned(),
        channel_id: Some(source.channel_id.clone()),
        thread_root_id: source.thread_root_id.clone(),
        trigger_id: random_id("trg_"),
        source: TriggerSource::Message,
    };
    let source_type = if source.ephemeral {
        "EPHEMERAL_MESSAGE"
    } else {
        "MESSAGE"
    };
    let body = payloads::block_interaction(&ctx, source_type, &source.id, on_action, &button);
    Ok((ctx, body))
}
