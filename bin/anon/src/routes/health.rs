//! Probes: `GET /health` says the process answers; `GET /ready` says the
//! database answers and its migrations are exactly the ones built in.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use crate::request_log::note;
use crate::state::AppState;

/// `GET /health`: alive. Touches nothing but the process.
pub async fn health(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    note(&request, |n| n.outcome = Some("ok"));
    HttpResponse::Ok().json(json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "uptime_secs": state.started.elapsed().as_secs(),
    }))
}

/// `GET /ready`: the store answers and is migrated (503 otherwise; the cause
/// goes to the log, never to the caller).
pub async fn ready(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    match state.services.store.health().await {
        Ok(()) => {
            note(&request, |n| n.outcome = Some("ready"));
            HttpResponse::Ok().json(json!({"status": "ok", "database": "ok"}))
        }
        Err(error) => {
            log::error!("readiness check failed: {error}");
            note(&request, |n| n.outcome = Some("not_ready"));
            HttpResponse::ServiceUnavailable().json(json!({"status": "error", "database": "error"}))
        }
    }
}
