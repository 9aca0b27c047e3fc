//! The Reply click: answered with the reply modal, or a refusal.

use actix_web::HttpResponse;
use anon_core::inbound::ButtonClick;

use crate::routes::hook::nack;
use crate::state::Services;

/// The HTTP answer to a Reply click and its log outcome.
#[derive(Debug)]
pub struct ClickAnswer {
    /// The response to send.
    pub response: HttpResponse,
    /// Short outcome code for the request log.
    pub outcome: &'static str,
}

/// Decides the answer to a Reply click.
pub async fn answer(_services: &Services, _click: ButtonClick) -> ClickAnswer {
    ClickAnswer {
        response: nack("Replying is not available yet."),
        outcome: "not_wired",
    }
}
