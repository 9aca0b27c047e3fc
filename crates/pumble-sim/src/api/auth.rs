//! Request authentication: the `token` and `x-app-token` headers (§5.2).

use crate::calls::TokenKind;
use crate::model::UserStatus;
use crate::state::WorkspaceState;

use super::{ApiRequest, ApiResponse};

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Caller {
    pub kind: TokenKind,
    pub user_id: String,
    pub workspace_id: String,
}

/// Checks the headers. Pumble's exact refusal is \[UNVERIFIED\] (§5.3); the
/// simulator answers `401` with `{"code","message"}` for a missing or unknown
/// token or app key and for a deactivated user's token, and keeps `403` for
/// authenticated callers that may not do something.
pub(crate) fn authenticate(
    state: &WorkspaceState,
    req: &ApiRequest,
) -> Result<Caller, ApiResponse> {
    let Some(app_token) = req.app_token.as_deref().filter(|t| !t.is_empty()) else {
        return Err(ApiResponse::error(
            401,
            "UNAUTHORIZED",
            "missing x-app-token header",
        ));
    };
    if app_token != state.app().app_key {
        return Err(ApiResponse::error(401, "UNAUTHORIZED", "invalid app token"));
    }
    let Some(token) = req.token.as_deref().filter(|t| !t.is_empty()) else {
        return Err(ApiResponse::error(
            401,
            "UNAUTHORIZED",
            "missing token header",
        ));
    };
    let Some(grant) = state.token_grant(token) else {
        return Err(ApiResponse::error(401, "UNAUTHORIZED", "invalid token"));
    };
    let active = state
        .user(&grant.user_id)
        .is_some_and(|u| u.status == UserStatus::Activated);
    if !active {
        return Err(ApiResponse::error(
            401,
            "UNAUTHORIZED",
            "user is not active",
        ));
    }
    Ok(Caller {
        kind: grant.kind,
        user_id: grant.user_id.clone(),
        workspace_id: grant.workspace_id.clone(),
    })
}
