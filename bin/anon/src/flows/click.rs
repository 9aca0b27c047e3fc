//! Button clicks, answered in the request: the message behind the button is
//! looked up (store only, no Pumble call), anon-core decides, and the answer
//! is the reply modal (Reply; never an ack first, §9.2), or `200 {}` with
//! the report or the refusal carried out in the background.

use actix_web::HttpResponse;
use anon_core::flows::click::{lookup_failed, on_click};
use anon_core::flows::ClickStep;
use anon_core::inbound::ButtonClick;

use super::stored_message::lookup;
use crate::jobs::Job;
use crate::routes::hook::submit;
use crate::state::AppState;

/// The HTTP answer to a click and its log outcome.
#[derive(Debug)]
pub struct ClickAnswer {
    /// The response to send.
    pub response: HttpResponse,
    /// Short outcome code for the request log.
    pub outcome: &'static str,
}

/// Decides and answers a Reply or Report click.
pub async fn answer(state: &AppState, click: ButtonClick) -> ClickAnswer {
    let stored = match click.message_id() {
        Some(id) => match lookup(&state.services.store, &click.workspace, id).await {
            Ok(stored) => stored,
            Err(error) => {
                log::error!("click: message lookup failed: {error}");
                let effects = lookup_failed(&click);
                return queue(
                    state,
                    Job::Effects(click.workspace.clone(), effects),
                    "unavailable",
                );
            }
        },
        None => None,
    };
    match on_click(&click, stored.as_ref()) {
        ClickStep::OpenModal(modal) => ClickAnswer {
            response: HttpResponse::Ok().json(modal.to_json()),
            outcome: "modal",
        },
        ClickStep::Report(case) => queue(state, Job::Report(case), "queued"),
        ClickStep::Done(effects) => queue(
            state,
            Job::Effects(click.workspace.clone(), effects),
            "refused",
        ),
    }
}

/// Acks and queues the rest; when the queue cannot take it, answers busy
/// and does nothing (the refusal's own notices included).
fn queue(state: &AppState, job: Job, taken: &'static str) -> ClickAnswer {
    let (response, outcome) = submit(state, job, taken);
    ClickAnswer { response, outcome }
}
