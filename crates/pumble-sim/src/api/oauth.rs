//! `POST /oauth2/access`: the OAuth code exchange (§6.3).

use crate::state::WorkspaceState;
use crate::wire;

use super::multipart::{self, MultipartError};
use super::{ApiRequest, ApiResponse};

/// Reads `client-id`, `client-secret` and `code` from a `multipart/form-data`
/// body (what the SDK sends; anything else is refused with 400), checks the
/// client credentials (401 `INVALID_CLIENT`) and redeems the single-use code
/// (400 `INVALID_GRANT` if unknown or used).
pub(super) fn access(state: &mut WorkspaceState, req: &ApiRequest) -> ApiResponse {
    let boundary = match req.content_type.as_deref().map(multipart::boundary) {
        Some(Ok(b)) => b,
        _ => return ApiResponse::error(400, "INVALID_REQUEST", "body must be multipart/form-data"),
    };
    let fields = match multipart::text_fields(&req.body, &boundary) {
        Ok(f) => f,
        Err(MultipartError::DuplicateField) => {
            return ApiResponse::error(400, "INVALID_REQUEST", "duplicate form field")
        }
        Err(_) => return ApiResponse::error(400, "INVALID_REQUEST", "malformed multipart body"),
    };
    let field = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let (Some(client_id), Some(client_secret), Some(code)) =
        (field("client-id"), field("client-secret"), field("code"))
    else {
        return ApiResponse::error(
            400,
            "INVALID_REQUEST",
            "client-id, client-secret and code are required",
        );
    };
    let app = state.app();
    if client_id != app.app_id || client_secret != app.client_secret {
        return ApiResponse::error(401, "INVALID_CLIENT", "invalid client credentials");
    }
    match state.redeem_oauth_code(code) {
        Some(tokens) => ApiResponse::ok(wire::token_set(&tokens)),
        None => ApiResponse::error(400, "INVALID_GRANT", "invalid or used authorization code"),
    }
}
