//! Applying an app's answer to a trigger as Pumble would (§4.2, §4.3, §4.6):
//! modals opened, updated or stacked, ack/nack messages shown, late answers
//! ignored.

use serde_json::Value;

use crate::model::EphemeralOrigin;
use crate::state::WorkspaceState;

use super::{ResponseEffect, TriggerContext, TriggerSource};

/// Applies an app's answer to a trigger as Pumble would (§4.2, §4.3, §4.6).
pub(super) fn apply(
    st: &mut WorkspaceState,
    ctx: &TriggerContext,
    status: u16,
    body: &[u8],
    late: bool,
) -> ResponseEffect {
    // The modal the trigger came from, and whether a success closes it.
    let (source_view, submitted_view) = match &ctx.source {
        TriggerSource::ModalSubmit { view_id } => (Some(view_id.clone()), Some(view_id.clone())),
        TriggerSource::ModalBlock { view_id } => (Some(view_id.clone()), None),
        TriggerSource::Slash | TriggerSource::Message => (None, None),
    };
    if late {
        let name = st.app().name.clone();
        let notice = notice(
            st,
            ctx,
            &format!("{name} did not respond in time. Please try again later."),
            EphemeralOrigin::AppUnavailable,
        );
        return ResponseEffect::TooLate(notice);
    }
    let json: Option<Value> = serde_json::from_slice(body).ok();
    let success = (200..300).contains(&status);
    if success {
        if let Some(answer) = json.as_ref().filter(|j| j.get("viewType").is_some()) {
            return apply_view(st, ctx, answer, source_view, submitted_view);
        }
    }
    let message = json
        .as_ref()
        .and_then(|j| j.get("message"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    if success {
        if let Some(view_id) = &submitted_view {
            st.close_modal(view_id);
        }
    }
    match message {
        Some(text) => notice(st, ctx, &text, EphemeralOrigin::TriggerAnswer)
            .map_or(ResponseEffect::None, ResponseEffect::Notice),
        None => match (success, submitted_view) {
            (true, Some(view_id)) => ResponseEffect::ModalClosed(view_id),
            _ => ResponseEffect::None,
        },
    }
}

/// Applies a `{"triggerId","viewType","action","view"}` answer (§4.3).
fn apply_view(
    st: &mut WorkspaceState,
    ctx: &TriggerContext,
    answer: &Value,
    source_view: Option<String>,
    submitted_view: Option<String>,
) -> ResponseEffect {
    if answer.get("triggerId").and_then(Value::as_str) != Some(ctx.trigger_id.as_str()) {
        return ResponseEffect::Rejected("triggerId does not match the trigger");
    }
    let Some(view) = answer.get("view").filter(|v| v.is_object()).cloned() else {
        return ResponseEffect::Rejected("no view object");
    };
    let top = source_view.or_else(|| {
        st.modals_for(&ctx.user_id)
            .last()
            .map(|m| m.view_id.clone())
    });
    match answer.get("action").and_then(Value::as_str) {
        Some("OPEN") => {
            if let Some(view_id) = &submitted_view {
                st.close_modal(view_id);
            }
            let id = st.open_modal(
                &ctx.workspace_id,
                &ctx.user_id,
                ctx.channel_id.clone(),
                view,
                None,
            );
            ResponseEffect::ModalOpened(id)
        }
        Some("UPDATE") => match top {
            Some(view_id) => {
                st.update_modal(&view_id, view);
                ResponseEffect::ModalUpdated(view_id)
            }
            None => {
                let id = st.open_modal(
                    &ctx.workspace_id,
                    &ctx.user_id,
                    ctx.channel_id.clone(),
                    view,
                    None,
                );
                ResponseEffect::ModalOpened(id)
            }
        },
        Some("PUSH") => {
            let id = st.open_modal(
                &ctx.workspace_id,
                &ctx.user_id,
                ctx.channel_id.clone(),
                view,
                top,
            );
            ResponseEffect::ModalPushed(id)
        }
        _ => ResponseEffect::Rejected("unknown view action"),
    }
}

/// Shows `text` to the acting user as an ephemeral from the app's bot.
fn notice(
    st: &mut WorkspaceState,
    ctx: &TriggerContext,
    text: &str,
    origin: EphemeralOrigin,
) -> Option<String> {
    let channel = ctx.channel_id.clone()?;
    let author = st
        .installation(&ctx.workspace_id)
        .map(|i| i.bot_user_id.clone())?;
    st.store_ephemeral(
        &channel,
        ctx.thread_root_id.clone(),
        &author,
        vec![ctx.user_id.clone()],
        text.to_owned(),
        Value::Array(Vec::new()),
        origin,
    )
    .ok()
    .map(|e| e.id)
}
