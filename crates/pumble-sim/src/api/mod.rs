//! The REST API subset of protocol §5.4 and the token exchange of §6.3,
//! as synchronous functions over [`WorkspaceState`]. The HTTP server
//! (`crate::server`) only converts requests and responses and applies faults.

mod auth;
mod channels;
mod messages;
pub(crate) mod multipart;
mod oauth;
pub(crate) mod query;
mod users;

use serde_json::Value;

use crate::calls::{RecordedCall, TokenKind};
use crate::state::WorkspaceState;
use crate::wire;

/// One HTTP request, framework-free.
#[derive(Clone)]
pub(crate) struct ApiRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub token: Option<String>,
    pub app_token: Option<String>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

impl std::fmt::Debug for ApiRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// One HTTP response, framework-free. The body is always JSON. (No `Debug`:
/// the body can hold message texts.)
#[derive(Clone, PartialEq)]
pub(crate) struct ApiResponse {
    pub status: u16,
    pub body: Value,
    pub headers: Vec<(&'static str, String)>,
}

impl ApiResponse {
    pub(crate) fn ok(body: Value) -> ApiResponse {
        ApiResponse {
            status: 200,
            body,
            headers: Vec::new(),
        }
    }

    pub(crate) fn error(status: u16, code: &str, message: &str) -> ApiResponse {
        ApiResponse {
            status,
            body: wire::error_body(code, message),
            headers: Vec::new(),
        }
    }

    pub(crate) fn not_found(what: &str) -> ApiResponse {
        ApiResponse::error(404, "NOT_FOUND", &format!("{what} not found"))
    }

    pub(crate) fn bad_request(message: &str) -> ApiResponse {
        ApiResponse::error(400, "BAD_REQUEST", message)
    }

    pub(crate) fn forbidden(message: &str) -> ApiResponse {
        ApiResponse::error(403, "FORBIDDEN", message)
    }
}

/// Handles a request and records it.
pub(crate) fn handle(state: &mut WorkspaceState, req: &ApiRequest) -> ApiResponse {
    let response = route(state, req);
    record(state, req, Some(response.status), false);
    response
}

/// Appends a request to the call log.
pub(crate) fn record(
    state: &mut WorkspaceState,
    req: &ApiRequest,
    status: Option<u16>,
    faulted: bool,
) {
    let (token_kind, acting_user) = match req.token.as_deref() {
        None => (TokenKind::None, None),
        Some(token) => match state.token_grant(token) {
            Some(grant) => (grant.kind, Some(grant.user_id.clone())),
            None => (TokenKind::Unknown, None),
        },
    };
    let call = RecordedCall {
        method: req.method.clone(),
        path: req.path.clone(),
        query: req.query.clone(),
        token_kind,
        acting_user,
        body: parsed_body_for_record(req),
        status,
        faulted,
    };
    state.push_call(call);
}

fn parsed_body_for_record(req: &ApiRequest) -> Option<Value> {
    if req.body.is_empty() {
        return None;
    }
    if let Some(Ok(b)) = req.content_type.as_deref().map(multipart::boundary) {
        let fields = multipart::text_fields(&req.body, &b).ok()?;
        let map = fields
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        return Some(Value::Object(map));
    }
    serde_json::from_slice(&req.body).ok()
}

fn route(state: &mut WorkspaceState, req: &ApiRequest) -> ApiResponse {
    let decoded: Option<Vec<String>> = req
        .path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(query::path_segment)
        .collect();
    let Some(decoded) = decoded else {
        return ApiResponse::bad_request("malformed path");
    };
    let segments: Vec<&str> = decoded.iter().map(String::as_str).collect();
    let method = req.method.as_str();
    if let ["oauth2", "access"] = segments.as_slice() {
        // The token exchange carries client credentials instead (§6.3).
        return if method == "POST" {
            oauth::access(state, req)
        } else {
            method_not_allowed()
        };
    }
    // Every other endpoint needs a token and the app key (§5.2).
    let caller = match auth::authenticate(state, req) {
        Ok(caller) => caller,
        Err(refusal) => return refusal,
    };
    match (method, segments.as_slice()) {
        ("GET", ["oauth2", "me"]) => users::me(state, &caller),
        ("GET", ["v1", "channels", "direct"]) => channels::get_direct(state, &caller, req),
        ("POST", ["v1", "channels", "direct"]) => channels::create_direct(state, &caller, req),
        (_, ["v1", "channels", "direct"]) => method_not_allowed(),
        ("GET", ["v1", "channels"]) => channels::list(state, &caller, req),
        ("POST", ["v1", "channels"]) => channels::create(state, &caller, req),
        ("GET", ["v1", "channels", id]) => channels::details(state, &caller, id),
        ("POST", ["v1", "channels", id, "users"]) => channels::add_users(state, &caller, id, req),
        ("POST", ["v1", "channels", id, "messages"]) => {
            messages::post(state, &caller, id, None, req)
        }
        ("POST", ["v1", "channels", id, "messages", root]) => {
            messages::post(state, &caller, id, Some(root), req)
        }
        ("GET", ["v1", "channels", id, "messages", msg]) => messages::get(state, &caller, id, msg),
        ("GET", ["v1", "channels", id, "messages", root, "replies"]) => {
            messages::replies(state, &caller, id, root)
        }
        ("GET", ["v1", "workspaceUsers"]) => users::list(state, &caller),
        ("GET", ["v1", "workspaceUsers", id]) => users::one(state, &caller, id),
        (_, ["v1", "channels"])
        | (_, ["v1", "channels", _])
        | (_, ["v1", "channels", _, "users"])
        | (_, ["v1", "channels", _, "messages"])
        | (_, ["v1", "channels", _, "messages", _])
        | (_, ["v1", "workspaceUsers"]) => method_not_allowed(),
        _ => ApiResponse::not_found("endpoint"),
    }
}

fn method_not_allowed() -> ApiResponse {
    ApiResponse::error(405, "METHOD_NOT_ALLOWED", "method not allowed")
}

/// Reads a JSON object body. The SDK always sends `content-type:
/// application/json` (§5.2), so anything else is refused with 415; an empty
/// or unparseable body, or one that is not an object, with 400.
pub(crate) fn json_object(req: &ApiRequest) -> Result<serde_json::Map<String, Value>, ApiResponse> {
    let is_json = req.content_type.as_deref().is_some_and(|ct| {
        ct.trim()
            .to_ascii_lowercase()
            .starts_with("application/json")
    });
    if !is_json {
        return Err(ApiResponse::error(
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            "content-type must be application/json",
        ));
    }
    match serde_json::from_slice::<Value>(&req.body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiResponse::bad_request("body must be a JSON object")),
        Err(_) => Err(ApiResponse::bad_request("malformed JSON body")),
    }
}

/// Reads an optional array of strings field; `Err` if present but not one.
pub(crate) fn string_array(
    body: &serde_json::Map<String, Value>,
    field: &str,
) -> Result<Option<Vec<String>>, ApiResponse> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<Vec<String>>>()
            .map(Some)
            .ok_or_else(|| {
                ApiResponse::bad_request(&format!("{field} must be an array of strings"))
            }),
        Some(_) => Err(ApiResponse::bad_request(&format!(
            "{field} must be an array of strings"
        ))),
    }
}

pub(crate) use auth::Caller;
