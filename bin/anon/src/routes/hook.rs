//! `POST /hook`: every trigger and event Pumble sends (pumble-protocol.md
//! §2–§4).
//!
//! The signature is verified by `pumble-verify`'s extractor before anything
//! else runs (size cap 413, headers/timestamp/signature/replay 403); only then
//! are the bytes parsed (not JSON: 400 `invalid_json`). Slash commands, the
//! hot path, are deserialised straight from the bytes into their typed
//! payload, without a JSON tree in between.
//! Then the body is dispatched on `messageType`, and every path answers —
//! an unknown type gets a clear 400, never a hang (§9.6):
//!
//! | message | answer |
//! |---|---|
//! | `SLASH_COMMAND` | `200 {}` at once; the command runs in the background and ends in an ephemeral message to the sender |
//! | `BLOCK_INTERACTION` Reply | `200` with the modal (never an ack first, §9.2), or `200 {}` and an ephemeral saying why not |
//! | `BLOCK_INTERACTION` Report | `200 {}` at once; the reporter is told the outcome by ephemeral |
//! | `VIEW_ACTION` submit / close | `200 {}` at once; a submitted reply is sent in the background and the replier told the outcome |
//! | `PUMBLE_EVENT` / `APP_EVENT` | `200 {}` after the purge it asks for |
//!
//! **Busy.** When the background queue is full, a command is refused at once
//! with nothing done, answered like the SDK's `nack(text)`: status 400 and
//! `{"message": "…busy…"}`, which Pumble shows the user as an ephemeral
//! message (§4.2). Nothing is half-done: the job was never queued.

use actix_web::http::header::{HeaderValue, CONTENT_TYPE};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use anon_core::inbound::{
    BlockInteractionPayload, ButtonAction, ButtonClick, SlashCommand, SlashCommandPayload,
    ViewAction, ViewActionKind, ViewActionPayload,
};
use pumble_verify::actix::{ExtractError, VerifiedBody};
use pumble_verify::Rejection;
use serde_json::{json, Value};

use crate::flows;
use crate::jobs::Job;
use crate::request_log::{note, LoggedId};
use crate::state::AppState;
use crate::work_queue::{Refused, Slot};

/// What the user is told when a command cannot be taken right now.
pub const BUSY_MESSAGE: &str =
    "Anon is busy right now and did not send anything. Please try again in a moment.";

/// The busy refusal's body, `{"message": BUSY_MESSAGE}`.
static BUSY_BODY: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| json!({ "message": BUSY_MESSAGE }).to_string());

/// What the user is told when the server is shutting down.
pub const STOPPING_MESSAGE: &str =
    "Anon is restarting and did not send anything. Please try again in a moment.";

/// The fields of a request needed to route it, read without building a JSON
/// tree or copying a string (unknown fields are skipped). A string written
/// with escapes cannot be borrowed, so it fails this read and the request
/// takes the general path ([`dispatch_value`]) instead.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope<'a> {
    #[serde(borrow, default)]
    message_type: Option<&'a str>,
    #[serde(borrow, default)]
    workspace_id: Option<&'a str>,
}

/// The handler.
pub async fn hook(
    request: HttpRequest,
    verified: Result<VerifiedBody, ExtractError>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let verified = match verified {
        Ok(verified) => verified,
        Err(error) => {
            note(&request, |n| n.outcome = Some(error.code()));
            let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::BAD_REQUEST);
            return HttpResponse::build(status).json(json!({ "error": error.code() }));
        }
    };
    // The signature is good; only now are the bytes parsed. Slash commands,
    // the hot path, go straight from the bytes into their typed payload.
    let bytes = verified.body();
    // UTF-8 is checked once for the whole body, not string by string.
    let Ok(text) = std::str::from_utf8(bytes) else {
        return invalid_json(&request);
    };
    // Only an object is read as an envelope (serde would also fill a struct
    // from an array, field by field).
    let is_object = text
        .trim_start_matches([' ', '\t', '\n', '\r'])
        .starts_with('{');
    let envelope = match is_object.then(|| serde_json::from_str::<Envelope<'_>>(text)) {
        Some(Ok(envelope)) => envelope,
        // Not an object with string fields where expected: parse it the
        // general way, which tells invalid JSON from an unexpected shape.
        _ => return dispatch_value(&request, &state, bytes).await,
    };
    let workspace = envelope.workspace_id.map(LoggedId::new);
    note(&request, |n| n.workspace = workspace);
    match envelope.message_type {
        Some("SLASH_COMMAND") => slash_command(&request, &state, text),
        Some("BLOCK_INTERACTION" | "VIEW_ACTION" | "PUMBLE_EVENT" | "APP_EVENT") => {
            match serde_json::from_slice::<Value>(bytes) {
                Ok(body) => dispatch(&request, &state, body).await,
                Err(_) => invalid_json(&request),
            }
        }
        // The envelope parsed: JSON of a type this app does not handle.
        _ => unsupported_message_type(&request),
    }
}

/// Parses the verified bytes into a JSON value and dispatches it.
async fn dispatch_value(request: &HttpRequest, state: &AppState, bytes: &[u8]) -> HttpResponse {
    let Ok(body) = serde_json::from_slice::<Value>(bytes) else {
        return invalid_json(request);
    };
    let workspace = body
        .get("workspaceId")
        .and_then(Value::as_str)
        .map(LoggedId::new);
    note(request, |n| n.workspace = workspace);
    if body.get("messageType").and_then(Value::as_str) == Some("SLASH_COMMAND") {
        let slot = match state.queue.try_reserve() {
            Ok(slot) => slot,
            Err(refused) => return refuse_slash(request, refused),
        };
        return match serde_json::from_value::<SlashCommandPayload>(body) {
            Ok(payload) => slash_payload(request, slot, payload),
            Err(_) => {
                note(request, |n| n.kind = Some("SLASH_COMMAND"));
                malformed(request)
            }
        };
    }
    dispatch(request, state, body).await
}

/// `400 {"error":"invalid_json"}`: signed, but not JSON (the verifier's
/// [`Rejection::InvalidJson`] answer).
fn invalid_json(request: &HttpRequest) -> HttpResponse {
    let rejection = Rejection::InvalidJson;
    note(request, |n| n.outcome = Some(rejection.code()));
    let status = StatusCode::from_u16(rejection.status()).unwrap_or(StatusCode::BAD_REQUEST);
    HttpResponse::build(status).json(json!({ "error": rejection.code() }))
}

/// Dispatches every message type but slash commands on the parsed body.
async fn dispatch(request: &HttpRequest, state: &AppState, body: Value) -> HttpResponse {
    let message_type = match body.get("messageType").and_then(Value::as_str) {
        Some("BLOCK_INTERACTION") => Some("BLOCK_INTERACTION"),
        Some("VIEW_ACTION") => Some("VIEW_ACTION"),
        Some("PUMBLE_EVENT") => Some("PUMBLE_EVENT"),
        Some("APP_EVENT") => Some("APP_EVENT"),
        _ => None,
    };
    match message_type {
        Some("BLOCK_INTERACTION") => block_interaction(request, state, body).await,
        Some("VIEW_ACTION") => view_action(request, state, body).await,
        Some(event_envelope @ ("PUMBLE_EVENT" | "APP_EVENT")) => {
            event(request, state, event_envelope, body).await
        }
        _ => unsupported_message_type(request),
    }
}

/// `400 {"error":"unsupported_message_type", "message": …}`.
fn unsupported_message_type(request: &HttpRequest) -> HttpResponse {
    note(request, |n| {
        n.kind = Some("unknown");
        n.outcome = Some("unsupported_message_type");
    });
    json_response(
        HttpResponse::BadRequest(),
        UNSUPPORTED_MESSAGE_TYPE_BODY.as_str(),
    )
}

/// The answer to a signed request of a type this app does not handle,
/// written once.
static UNSUPPORTED_MESSAGE_TYPE_BODY: std::sync::LazyLock<String> = std::sync::LazyLock::new(
    || {
        json!({
        "error": "unsupported_message_type",
        "message": "This app handles SLASH_COMMAND, BLOCK_INTERACTION, VIEW_ACTION, PUMBLE_EVENT and APP_EVENT requests.",
    })
    .to_string()
    },
);

/// `200 {}`: the trigger is acknowledged (§4.2 `ack()`).
pub fn ack() -> HttpResponse {
    json_response(HttpResponse::Ok(), "{}")
}

/// A response with a JSON body written beforehand; the content type is a
/// constant header value, not parsed from a media type per response.
fn json_response(mut builder: actix_web::HttpResponseBuilder, body: &'static str) -> HttpResponse {
    builder
        .insert_header((CONTENT_TYPE, HeaderValue::from_static("application/json")))
        .body(body)
}

/// `400 {"message": text}`: refused, with a message shown to the user
/// (§4.2 `nack(text)`).
pub fn nack(text: &str) -> HttpResponse {
    HttpResponse::BadRequest().json(json!({ "message": text }))
}

fn malformed(request: &HttpRequest) -> HttpResponse {
    note(request, |n| n.outcome = Some("malformed_payload"));
    HttpResponse::BadRequest().json(json!({ "error": "malformed_payload" }))
}

/// Hands `job` to the background queue and says how to answer at once: an
/// ack when it was taken (with `taken` as the log outcome), otherwise the
/// busy or stopping refusal — and then nothing of the job is done.
pub fn submit(state: &AppState, job: Job, taken: &'static str) -> (HttpResponse, &'static str) {
    match state.queue.try_submit(job) {
        Ok(()) => (ack(), taken),
        Err(refused) => refusal(refused),
    }
}

/// The immediate answer to a command the queue cannot take, and its log
/// outcome.
fn refusal(refused: Refused) -> (HttpResponse, &'static str) {
    match refused {
        // The hot path under overload: a body written once, not per request.
        Refused::Busy => (
            json_response(HttpResponse::BadRequest(), BUSY_BODY.as_str()),
            "busy",
        ),
        Refused::Stopping => (nack(STOPPING_MESSAGE), "stopping"),
    }
}

/// Queues a background job and answers at once: ack, or busy.
fn enqueue(request: &HttpRequest, state: &AppState, job: Job) -> HttpResponse {
    let (response, outcome) = submit(state, job, "queued");
    note(request, |n| n.outcome = Some(outcome));
    response
}

/// The answer to a slash command the queue could not take a slot for.
///
/// A slash command holds its queue slot before its payload is parsed, so
/// under overload it is refused at once, before any work is spent on it
/// (and then a malformed command is told "busy" too, which is still true).
fn refuse_slash(request: &HttpRequest, refused: Refused) -> HttpResponse {
    let (response, outcome) = refusal(refused);
    note(request, |n| {
        n.kind = Some("SLASH_COMMAND");
        n.outcome = Some(outcome);
    });
    response
}

fn slash_command(request: &HttpRequest, state: &AppState, text: &str) -> HttpResponse {
    let slot = match state.queue.try_reserve() {
        Ok(slot) => slot,
        Err(refused) => return refuse_slash(request, refused),
    };
    // Straight from the bytes; a body that reads differently as a JSON
    // value (a key given twice, where the value's last one wins) gets the
    // same answer as every other message type, through the value.
    let payload = serde_json::from_str::<SlashCommandPayload>(text).or_else(|_| {
        serde_json::from_str::<Value>(text).and_then(serde_json::from_value::<SlashCommandPayload>)
    });
    match payload {
        Ok(payload) => slash_payload(request, slot, payload),
        Err(_) => {
            note(request, |n| n.kind = Some("SLASH_COMMAND"));
            malformed(request)
        }
    }
}

/// Checks the command and puts it in the held slot (a malformed one gives the
/// slot back unused).
fn slash_payload(
    request: &HttpRequest,
    slot: Slot<'_, Job>,
    payload: SlashCommandPayload,
) -> HttpResponse {
    let kind = match payload.slash_command.trim() {
        "/anon" => "SLASH_COMMAND /anon",
        "/anon-block" => "SLASH_COMMAND /anon-block",
        "/anon-unblock" => "SLASH_COMMAND /anon-unblock",
        _ => "SLASH_COMMAND other",
    };
    note(request, |n| n.kind = Some(kind));
    match SlashCommand::try_from(payload) {
        Ok(command) => {
            slot.submit(Job::Slash(command));
            note(request, |n| n.outcome = Some("queued"));
            ack()
        }
        Err(_) => malformed(request),
    }
}

async fn block_interaction(request: &HttpRequest, state: &AppState, body: Value) -> HttpResponse {
    let Ok(payload) = serde_json::from_value::<BlockInteractionPayload>(body) else {
        note(request, |n| n.kind = Some("BLOCK_INTERACTION"));
        return malformed(request);
    };
    let Ok(click) = ButtonClick::try_from(payload) else {
        note(request, |n| n.kind = Some("BLOCK_INTERACTION"));
        return malformed(request);
    };
    let kind = match click.action {
        ButtonAction::Reply => "BLOCK_INTERACTION reply",
        ButtonAction::Report => "BLOCK_INTERACTION report",
        ButtonAction::Other => "BLOCK_INTERACTION other",
    };
    note(request, |n| n.kind = Some(kind));
    let answer = flows::click::answer(state, click).await;
    note(request, |n| n.outcome = Some(answer.outcome));
    answer.response
}

async fn view_action(request: &HttpRequest, state: &AppState, body: Value) -> HttpResponse {
    note(request, |n| n.kind = Some("VIEW_ACTION"));
    let Ok(payload) = serde_json::from_value::<ViewActionPayload>(body) else {
        return malformed(request);
    };
    let Ok(action) = ViewAction::try_from(payload) else {
        return malformed(request);
    };
    match action.kind {
        ViewActionKind::Submit => {
            note(request, |n| n.kind = Some("VIEW_ACTION submit"));
            enqueue(request, state, Job::ReplySubmit(action))
        }
        ViewActionKind::Close => {
            // Nothing is kept per open modal (the modal names its target), so
            // closing needs no work.
            note(request, |n| {
                n.kind = Some("VIEW_ACTION close");
                n.outcome = Some("closed");
            });
            ack()
        }
        ViewActionKind::Other => {
            note(request, |n| n.outcome = Some("unknown_view_action"));
            HttpResponse::BadRequest().json(json!({ "error": "unknown_view_action" }))
        }
    }
}

async fn event(
    request: &HttpRequest,
    state: &AppState,
    message_type: &str,
    body: Value,
) -> HttpResponse {
    let event_type = body
        .get("eventType")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let kind = match (message_type, event_type) {
        ("APP_EVENT", "APP_UNINSTALLED") => "APP_EVENT APP_UNINSTALLED",
        ("APP_EVENT", "APP_UNAUTHORIZED") => "APP_EVENT APP_UNAUTHORIZED",
        ("APP_EVENT", _) => "APP_EVENT other",
        (_, "APP_UNINSTALLED") => "PUMBLE_EVENT APP_UNINSTALLED",
        (_, "APP_UNAUTHORIZED") => "PUMBLE_EVENT APP_UNAUTHORIZED",
        _ => "PUMBLE_EVENT other",
    };
    note(request, |n| n.kind = Some(kind));
    let outcome = flows::lifecycle::handle(&state.services, body).await;
    note(request, |n| n.outcome = Some(outcome.code()));
    match outcome {
        flows::lifecycle::EventOutcome::Malformed => malformed(request),
        _ => ack(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_envelope_borrows_plain_strings_and_refuses_escaped_ones() {
        let plain: Envelope<'_> =
            serde_json::from_str(r#"{"messageType":"SLASH_COMMAND","workspaceId":"ws_1","x":[1]}"#)
                .expect("plain strings are read in place");
        assert_eq!(plain.message_type, Some("SLASH_COMMAND"));
        assert_eq!(plain.workspace_id, Some("ws_1"));
        // An escaped string cannot be borrowed: the envelope read fails and
        // the hook takes the general parse (tested end to end).
        assert!(
            serde_json::from_str::<Envelope<'_>>(r#"{"messageType":"SLASH\u005FCOMMAND"}"#)
                .is_err()
        );
    }
}
