//! The HTTP routes.

pub mod health;
pub mod hook;
pub mod manifest;
pub mod oauth;

use actix_web::{web, HttpRequest, HttpResponse};

use crate::manifest::{HOOK_PATH, REDIRECT_PATH};
use crate::request_log::note;

/// Mounts every route on an actix `App`.
///
/// Each path is one resource, so a known path asked with another method is
/// answered `405` with an `Allow` header (e.g. `GET /hook`), and any other
/// path a small JSON `404`. The probes answer `HEAD` like `GET` (without the
/// body).
pub fn mount(config: &mut web::ServiceConfig) {
    config
        .service(web::resource(HOOK_PATH).route(web::post().to(hook::hook)))
        .service(
            web::resource("/health")
                .route(web::get().to(health::health))
                .route(web::head().to(health::health)),
        )
        .service(
            web::resource("/ready")
                .route(web::get().to(health::ready))
                .route(web::head().to(health::ready)),
        )
        .service(web::resource("/manifest").route(web::get().to(manifest::serve_manifest)))
        .service(web::resource("/install").route(web::get().to(oauth::install)))
        .service(web::resource(REDIRECT_PATH).route(web::get().to(oauth::redirect)))
        .default_service(web::to(not_found));
}

/// Any path not served: `404 {"error":"not_found"}`.
async fn not_found(request: HttpRequest) -> HttpResponse {
    note(&request, |n| n.outcome = Some("not_found"));
    HttpResponse::NotFound().json(serde_json::json!({"error": "not_found"}))
}
