//! The HTTP routes.

pub mod health;
pub mod hook;
pub mod manifest;
pub mod oauth;

use actix_web::web;

use crate::manifest::{HOOK_PATH, REDIRECT_PATH};

/// Mounts every route on an actix `App`.
pub fn mount(config: &mut web::ServiceConfig) {
    config
        .route(HOOK_PATH, web::post().to(hook::hook))
        .route("/health", web::get().to(health::health))
        .route("/ready", web::get().to(health::ready))
        .route("/manifest", web::get().to(manifest::serve_manifest))
        .route("/install", web::get().to(oauth::install))
        .route(REDIRECT_PATH, web::get().to(oauth::redirect));
}
