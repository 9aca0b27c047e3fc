//! actix-web glue (feature `actix`): the [`VerifiedRequest`] extractor.
//!
//! Register one [`Verifier`] as app data, either directly or wrapped in
//! `web::Data`; the extractor looks for both:
//!
//! ```
//! use actix_web::{test, web, App, HttpResponse};
//! use pumble_verify::actix::VerifiedRequest;
//! use pumble_verify::{sign, Verifier};
//! use std::time::{SystemTime, UNIX_EPOCH};
//!
//! async fn hook(request: VerifiedRequest) -> HttpResponse {
//!     // Only verified requests get here; `request.json()` is already parsed.
//!     let kind = request.json()["messageType"].as_str().unwrap_or("unknown").to_owned();
//!     HttpResponse::Ok().body(kind)
//! }
//!
//! # actix_web::rt::System::new().block_on(async {
//! let secret = "xpss-00000000000000000000000000000000";
//! let verifier = Verifier::new(secret).expect("valid secret");
//! let app = test::init_service(
//!     App::new()
//!         .app_data(verifier.clone()) // or .app_data(web::Data::new(verifier))
//!         .route("/hook", web::post().to(hook)),
//! )
//! .await;
//!
//! let body = r#"{"messageType":"SLASH_COMMAND"}"#;
//! let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock after 1970").as_millis();
//! let timestamp = now_ms.to_string();
//! let request = test::TestRequest::post()
//!     .uri("/hook")
//!     .insert_header(("x-pumble-request-timestamp", timestamp.as_str()))
//!     .insert_header(("x-pumble-request-signature", sign(secret, &timestamp, body.as_bytes())))
//!     .set_payload(body)
//!     .to_request();
//! let response = test::call_service(&app, request).await;
//! assert_eq!(response.status(), 200);
//! assert_eq!(test::read_body(response).await, "SLASH_COMMAND");
//!
//! // Unsigned: 403 with {"error":"missing_timestamp"}, the handler never runs.
//! let request = test::TestRequest::post().uri("/hook").set_payload(body).to_request();
//! let response = test::call_service(&app, request).await;
//! assert_eq!(response.status(), 403);
//! assert_eq!(test::read_body(response).await, r#"{"error":"missing_timestamp"}"#);
//! # });
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;
use std::time::{Duration, SystemTime};

use actix_web::dev::Payload;
use actix_web::http::header::{HeaderName, CONTENT_LENGTH};
use actix_web::http::StatusCode;
use actix_web::web::{Bytes, BytesMut, Data};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError};
use futures_util::StreamExt;

use crate::verifier::{CheckedHeaders, HeaderField};
use crate::{Rejection, Verifier, SIGNATURE_HEADER, TIMESTAMP_HEADER};

/// At most this much is reserved up front from a declared `Content-Length`,
/// so a sender that announces a large body and sends nothing does not make
/// the server allocate the whole cap.
const MAX_PREALLOCATION: usize = 64 * 1024;

/// A request that passed every check of the app's [`Verifier`]: its exact
/// body bytes and their JSON.
///
/// As an extractor it checks what it can before reading (a `Content-Length`
/// above the cap: 413; missing headers, a malformed or stale timestamp, a
/// malformed signature: 403), then reads the body itself with the verifier's
/// cap enforced while streaming (a chunked body is refused as soon as it
/// passes the cap) and within [`Verifier::body_timeout`] (408). A request
/// that fails answers the rejection's status with the JSON body
/// `{"error":"<code>"}`; the handler does not run.
///
/// Handlers that take it should not also take another body extractor.
/// The `Debug` output shows the body length only.
pub struct VerifiedRequest {
    body: Bytes,
    json: serde_json::Value,
}

impl VerifiedRequest {
    /// The exact bytes that were verified.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body parsed as JSON.
    pub fn json(&self) -> &serde_json::Value {
        &self.json
    }

    /// The parsed JSON, dropping the bytes.
    pub fn into_json(self) -> serde_json::Value {
        self.json
    }

    /// The bytes and their JSON.
    pub fn into_parts(self) -> (Bytes, serde_json::Value) {
        (self.body, self.json)
    }
}

impl fmt::Debug for VerifiedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifiedRequest")
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

/// A request whose signature passed every check of the app's [`Verifier`]
/// except the JSON parse (checks 1–5): its exact body bytes, for handlers
/// that deserialise them straight into their own types.
///
/// It reads and checks the body exactly like [`VerifiedRequest`] and answers
/// the same refusals, but never builds a `serde_json::Value`; the handler
/// decides what invalid JSON means (answer 400 to keep [`VerifiedRequest`]'s
/// behaviour, [`Rejection::InvalidJson`] has the code). The `Debug` output
/// shows the body length only.
pub struct VerifiedBody {
    body: Bytes,
}

impl VerifiedBody {
    /// The exact bytes that were verified.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The bytes, as the shared buffer they were read into.
    pub fn into_bytes(self) -> Bytes {
        self.body
    }
}

impl fmt::Debug for VerifiedBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifiedBody")
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// Why [`VerifiedRequest`] could not be extracted. Each answers its status
/// with `{"error":"<code>"}` and `Content-Type: application/json`, never a
/// cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExtractError {
    /// The request failed verification.
    #[error(transparent)]
    Rejected(#[from] Rejection),
    /// The connection failed or the client stopped sending mid-body (400,
    /// `body_unreadable`).
    #[error("request body could not be read")]
    BodyUnreadable,
    /// The body did not arrive within the verifier's
    /// [`Verifier::body_timeout`] (408, `body_timeout`).
    #[error("request body did not arrive in time")]
    BodyTimeout,
    /// No [`Verifier`] was registered as app data: a server setup mistake
    /// (500, `verifier_not_configured`).
    #[error("no verifier registered as app data")]
    VerifierNotConfigured,
}

impl ExtractError {
    /// The HTTP status code to answer with.
    pub fn status(self) -> u16 {
        match self {
            ExtractError::Rejected(rejection) => rejection.status(),
            ExtractError::BodyUnreadable => 400,
            ExtractError::BodyTimeout => 408,
            ExtractError::VerifierNotConfigured => 500,
        }
    }

    /// A short, stable code, safe to log and to return.
    pub fn code(self) -> &'static str {
        match self {
            ExtractError::Rejected(rejection) => rejection.code(),
            ExtractError::BodyUnreadable => "body_unreadable",
            ExtractError::BodyTimeout => "body_timeout",
            ExtractError::VerifierNotConfigured => "verifier_not_configured",
        }
    }
}

/// `{"error":"<code>"}` with the given status.
fn json_error_response(status: u16, code: &'static str) -> HttpResponse {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    HttpResponse::build(status)
        .content_type("application/json")
        .body(serde_json::json!({ "error": code }).to_string())
}

impl ResponseError for ExtractError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        json_error_response(self.status(), self.code())
    }
}

/// Lets handlers that call [`Verifier::verify`] themselves return a
/// [`Rejection`] as an actix error with the same JSON answer.
impl ResponseError for Rejection {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        json_error_response(self.status(), self.code())
    }
}

impl FromRequest for VerifiedRequest {
    type Error = ExtractError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let verifier = registered_verifier(req);
        let declared_len = declared_content_length(req);
        let request = req.clone();
        let payload = payload.take();
        Box::pin(async move {
            let verifier = verifier.ok_or(ExtractError::VerifierNotConfigured)?;
            let (headers, body) =
                read_checked_body(&verifier, &request, payload, declared_len).await?;
            verifier.check_body_against(&headers, &body)?;
            // Parsed exactly once, from the verified bytes (never before).
            let json = serde_json::from_slice(&body).map_err(|_| Rejection::InvalidJson)?;
            Ok(VerifiedRequest { body, json })
        })
    }
}

impl FromRequest for VerifiedBody {
    type Error = ExtractError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let verifier = registered_verifier(req);
        let declared_len = declared_content_length(req);
        let request = req.clone();
        let payload = payload.take();
        Box::pin(async move {
            let verifier = verifier.ok_or(ExtractError::VerifierNotConfigured)?;
            let (headers, body) =
                read_checked_body(&verifier, &request, payload, declared_len).await?;
            verifier.check_body_against(&headers, &body)?;
            Ok(VerifiedBody { body })
        })
    }
}

/// Everything that can be checked before the body, then the body.
///
/// Order: a declared `Content-Length` over the cap (413) is known without
/// reading anything, so it comes first, as in the verifier's list; then the
/// header checks that need no body (missing headers, timestamp format and
/// window, signature format: 403), so a request that cannot be genuine costs
/// no read at all; then the body, with the cap enforced while streaming and
/// the whole read bounded by [`Verifier::body_timeout`] (408). The signature
/// itself is checked by the caller once the bytes are in, against the
/// headers checked here (they are read and parsed once).
async fn read_checked_body<'a>(
    verifier: &Verifier,
    request: &'a HttpRequest,
    payload: Payload,
    declared_len: Option<u64>,
) -> Result<(CheckedHeaders<'a>, Bytes), ExtractError> {
    let cap = verifier.max_body_bytes();
    if declared_len.is_some_and(|declared| declared > cap as u64) {
        return Err(Rejection::BodyTooLarge.into());
    }
    let headers = verifier.check_headers_at(
        header_field(request, &TIMESTAMP_HEADER_NAME),
        header_field(request, &SIGNATURE_HEADER_NAME),
        SystemTime::now(),
    )?;
    let body = read_within(
        verifier.body_timeout(),
        read_capped(payload, declared_len, cap),
    )
    .await
    .ok_or(ExtractError::BodyTimeout)??;
    // The replay guard gets the time the request reaches it, not the time
    // its headers did: a body held back cannot hand it an old reading.
    let mut headers = headers;
    headers.reread_clock(SystemTime::now());
    Ok((headers, body))
}

/// Runs `read` to completion, or gives up (`None`) once `deadline` has
/// passed.
///
/// A small body nearly always arrives in the same packet as the headers, and
/// actix hands it to the payload right after the handler's first poll. So
/// the read is polled, given one turn of the event loop, and polled again
/// before any timer is armed: only a body that is still missing then costs
/// a timer. The deadline starts at that point, at most one turn late.
async fn read_within<T>(deadline: Duration, read: impl Future<Output = T>) -> Option<T> {
    let mut read = std::pin::pin!(read);
    let mut first_poll = true;
    let early = std::future::poll_fn(|cx| match read.as_mut().poll(cx) {
        Poll::Ready(value) => Poll::Ready(Some(value)),
        Poll::Pending if first_poll => {
            first_poll = false;
            // Come back after the event loop's turn, timer or not.
            cx.waker().wake_by_ref();
            Poll::Pending
        }
        Poll::Pending => Poll::Ready(None),
    })
    .await;
    match early {
        Some(value) => Some(value),
        None => actix_web::rt::time::timeout(deadline, read).await.ok(),
    }
}

/// [`TIMESTAMP_HEADER`] as a header name built once: looking a header up
/// by a `&str` that is not a standard name allocates a name per lookup.
static TIMESTAMP_HEADER_NAME: HeaderName = HeaderName::from_static(TIMESTAMP_HEADER);

/// [`SIGNATURE_HEADER`] as a header name built once.
static SIGNATURE_HEADER_NAME: HeaderName = HeaderName::from_static(SIGNATURE_HEADER);

/// The header `name` as sent: absent, once, or repeated (which the verifier
/// refuses rather than pick one of the values).
fn header_field<'a>(request: &'a HttpRequest, name: &HeaderName) -> HeaderField<'a> {
    let mut values = request.headers().get_all(name);
    match (values.next(), values.next()) {
        (None, _) => HeaderField::Absent,
        (Some(value), None) => HeaderField::Once(value.as_bytes()),
        (Some(_), Some(_)) => HeaderField::Repeated,
    }
}

/// The verifier registered with `app_data(verifier)` or
/// `app_data(web::Data::new(verifier))`.
fn registered_verifier(req: &HttpRequest) -> Option<Verifier> {
    req.app_data::<Verifier>().cloned().or_else(|| {
        req.app_data::<Data<Verifier>>()
            .map(|data| data.get_ref().clone())
    })
}

/// The declared body length, when the header is present and a number.
fn declared_content_length(req: &HttpRequest) -> Option<u64> {
    req.headers()
        .get(CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Reads the whole body, refusing it at the first chunk that passes `cap`
/// (the rest is never read). A declared length over the cap was refused
/// before.
async fn read_capped(
    mut payload: Payload,
    declared_len: Option<u64>,
    cap: usize,
) -> Result<Bytes, ExtractError> {
    // A small body usually arrives as one chunk: kept as it is, not copied.
    let first = match payload.next().await {
        None => return Ok(Bytes::new()),
        Some(chunk) => chunk.map_err(|_| ExtractError::BodyUnreadable)?,
    };
    if first.len() > cap {
        return Err(Rejection::BodyTooLarge.into());
    }
    let Some(second) = payload.next().await else {
        return Ok(first);
    };
    let reserve = declared_len
        .map_or(0, |declared| declared as usize)
        .min(MAX_PREALLOCATION);
    let mut body = BytesMut::with_capacity(reserve.max(first.len()));
    body.extend_from_slice(&first);
    let mut next = Some(second);
    while let Some(chunk) = next {
        let chunk = chunk.map_err(|_| ExtractError::BodyUnreadable)?;
        if chunk.len() > cap - body.len() {
            return Err(Rejection::BodyTooLarge.into());
        }
        body.extend_from_slice(&chunk);
        next = payload.next().await;
    }
    Ok(body.freeze())
}
