//! The `actix` feature: the `VerifiedRequest` extractor, in-process and over a
//! real loopback socket.
#![cfg(feature = "actix")]

mod common;

use std::cell::Cell;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_web::dev::{Payload, ServerHandle};
use actix_web::error::PayloadError;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::test as actix_test;
use actix_web::web::{self, Bytes};
use actix_web::{App, FromRequest, HttpResponse, HttpServer, ResponseError};
use common::{OTHER_SECRET, PINNED_SECRET};
use futures_util::{Stream, StreamExt};
use pumble_verify::actix::{ExtractError, VerifiedBody, VerifiedRequest};
use pumble_verify::{sign, Rejection, Verifier, SIGNATURE_HEADER, TIMESTAMP_HEADER};

/// Cap used by the tests that stream bodies, small so they stay fast.
const SMALL_CAP: usize = 1024;

fn now_millis() -> String {
    now_ms().to_string()
}

fn verifier_with_cap(cap: usize) -> Verifier {
    Verifier::builder()
        .secret(PINNED_SECRET)
        .max_body_bytes(cap)
        .build()
        .expect("valid configuration")
}

/// Counts handler runs, so tests can prove a refused request never got there.
#[derive(Clone, Default)]
struct HandlerRuns(Arc<AtomicUsize>);

impl HandlerRuns {
    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// Answers `<messageType> <body length>`.
async fn hook(request: VerifiedRequest, runs: web::Data<HandlerRuns>) -> HttpResponse {
    runs.0.fetch_add(1, Ordering::SeqCst);
    let kind = request.json()["messageType"]
        .as_str()
        .unwrap_or("?")
        .to_owned();
    HttpResponse::Ok().body(format!("{kind} {}", request.body().len()))
}

fn app(
    verifier: Verifier,
    runs: HandlerRuns,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(verifier)
        .app_data(web::Data::new(runs))
        .route("/hook", web::post().to(hook))
}

fn signed_request(body: &[u8]) -> actix_test::TestRequest {
    let timestamp = now_millis();
    let signature = sign(PINNED_SECRET, &timestamp, body);
    actix_test::TestRequest::post()
        .uri("/hook")
        .insert_header((TIMESTAMP_HEADER, timestamp))
        .insert_header((SIGNATURE_HEADER, signature))
        .set_payload(body.to_vec())
}

async fn status_and_body(
    verifier: Verifier,
    request: actix_test::TestRequest,
) -> (u16, String, Option<String>, usize) {
    let runs = HandlerRuns::default();
    let service = actix_test::init_service(app(verifier, runs.clone())).await;
    let response = actix_test::call_service(&service, request.to_request()).await;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let body = actix_test::read_body(response).await;
    (
        status,
        String::from_utf8_lossy(&body).into_owned(),
        content_type,
        runs.count(),
    )
}

// --- in-process --------------------------------------------------------------------

#[actix_web::test]
async fn signed_request_reaches_the_handler_with_json_and_bytes() {
    let body = br#"{"messageType":"SLASH_COMMAND","text":"hi"}"#;
    let (status, text, _, runs) =
        status_and_body(verifier_with_cap(SMALL_CAP), signed_request(body)).await;
    assert_eq!((status, text.as_str(), runs), (200, "SLASH_COMMAND 43", 1));
}

#[actix_web::test]
async fn verifier_registered_as_web_data_is_found() {
    let runs = HandlerRuns::default();
    let verifier = verifier_with_cap(SMALL_CAP);
    let service = actix_test::init_service(
        App::new()
            .app_data(web::Data::new(verifier))
            .app_data(web::Data::new(runs.clone()))
            .route("/hook", web::post().to(hook)),
    )
    .await;
    let request = signed_request(br#"{"messageType":"EVENT"}"#).to_request();
    let response = actix_test::call_service(&service, request).await;
    assert_eq!(response.status(), 200);
    assert_eq!(runs.count(), 1);
}

#[actix_web::test]
async fn missing_signature_answers_403_with_a_json_code() {
    let request = actix_test::TestRequest::post()
        .uri("/hook")
        .insert_header((TIMESTAMP_HEADER, now_millis()))
        .set_payload("{}");
    let (status, text, content_type, runs) =
        status_and_body(verifier_with_cap(SMALL_CAP), request).await;
    assert_eq!(status, 403);
    assert_eq!(text, r#"{"error":"missing_signature"}"#);
    assert_eq!(content_type.as_deref(), Some("application/json"));
    assert_eq!(runs, 0);
}

#[actix_web::test]
async fn wrong_secret_answers_403_without_leaking_the_signature() {
    let body = br#"{"messageType":"SLASH_COMMAND"}"#;
    let timestamp = now_millis();
    let forged = sign(OTHER_SECRET, &timestamp, body);
    let expected = sign(PINNED_SECRET, &timestamp, body);
    let request = actix_test::TestRequest::post()
        .uri("/hook")
        .insert_header((TIMESTAMP_HEADER, timestamp))
        .insert_header((SIGNATURE_HEADER, forged.clone()))
        .set_payload(body.to_vec());
    let (status, text, _, runs) = status_and_body(verifier_with_cap(SMALL_CAP), request).await;
    assert_eq!(
        (status, text.as_str(), runs),
        (403, r#"{"error":"signature_mismatch"}"#, 0)
    );
    assert!(!text.contains(&forged[..8]) && !text.contains(&expected[..8]));
}

#[actix_web::test]
async fn invalid_json_after_a_valid_signature_answers_400() {
    let (status, text, content_type, runs) = status_and_body(
        verifier_with_cap(SMALL_CAP),
        signed_request(b"{\"messageType\":"),
    )
    .await;
    assert_eq!(
        (status, text.as_str(), runs),
        (400, r#"{"error":"invalid_json"}"#, 0)
    );
    assert_eq!(content_type.as_deref(), Some("application/json"));
}

#[actix_web::test]
async fn stale_timestamp_answers_403() {
    let body = b"{}";
    let stale = (SystemTime::now() - Duration::from_secs(301))
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
        .to_string();
    let request = actix_test::TestRequest::post()
        .uri("/hook")
        .insert_header((TIMESTAMP_HEADER, stale.clone()))
        .insert_header((SIGNATURE_HEADER, sign(PINNED_SECRET, &stale, body)))
        .set_payload(&body[..]);
    let (status, text, _, _) = status_and_body(verifier_with_cap(SMALL_CAP), request).await;
    assert_eq!(
        (status, text.as_str()),
        (403, r#"{"error":"stale_timestamp"}"#)
    );
}

#[actix_web::test]
async fn missing_verifier_answers_500_without_running_the_handler() {
    let runs = HandlerRuns::default();
    let service = actix_test::init_service(
        App::new()
            .app_data(web::Data::new(runs.clone()))
            .route("/hook", web::post().to(hook)),
    )
    .await;
    let response = actix_test::call_service(&service, signed_request(b"{}").to_request()).await;
    assert_eq!(response.status(), 500);
    assert_eq!(
        actix_test::read_body(response).await,
        r#"{"error":"verifier_not_configured"}"#
    );
    assert_eq!(runs.count(), 0);
}

#[actix_web::test]
async fn body_exactly_at_the_cap_is_accepted_through_actix() {
    let mut body = br#"{"messageType":"EVENT","p":""#.to_vec();
    body.resize(SMALL_CAP - 2, b'x');
    body.extend_from_slice(br#""}"#);
    let (status, text, _, _) =
        status_and_body(verifier_with_cap(SMALL_CAP), signed_request(&body)).await;
    assert_eq!((status, text), (200, format!("EVENT {SMALL_CAP}")));
}

#[actix_web::test]
async fn body_one_byte_over_the_cap_answers_413_through_actix() {
    let body = vec![b' '; SMALL_CAP + 1];
    let (status, text, _, runs) =
        status_and_body(verifier_with_cap(SMALL_CAP), signed_request(&body)).await;
    assert_eq!(
        (status, text.as_str(), runs),
        (413, r#"{"error":"body_too_large"}"#, 0)
    );
}

#[actix_web::test]
async fn header_names_in_any_case_are_accepted_in_process() {
    let body = br#"{"messageType":"EVENT"}"#;
    let timestamp = now_millis();
    let request = actix_test::TestRequest::post()
        .uri("/hook")
        .insert_header(("X-Pumble-Request-Timestamp", timestamp.clone()))
        .insert_header((
            "X-PUMBLE-REQUEST-SIGNATURE",
            sign(PINNED_SECRET, &timestamp, body),
        ))
        .set_payload(&body[..]);
    let (status, _, _, runs) = status_and_body(verifier_with_cap(SMALL_CAP), request).await;
    assert_eq!((status, runs), (200, 1));
}

#[actix_web::test]
async fn repeated_timestamp_or_signature_headers_are_refused() {
    let body = br#"{"messageType":"EVENT"}"#;
    let timestamp = now_millis();
    let signature = sign(PINNED_SECRET, &timestamp, body);
    // Both copies valid and identical: still refused, never one picked.
    let request = actix_test::TestRequest::post()
        .uri("/hook")
        .append_header(("x-pumble-request-timestamp", timestamp.clone()))
        .append_header(("X-Pumble-Request-Timestamp", timestamp.clone()))
        .insert_header(("x-pumble-request-signature", signature.clone()))
        .set_payload(&body[..]);
    let (status, text, _, runs) = status_and_body(verifier_with_cap(SMALL_CAP), request).await;
    assert_eq!(
        (status, text.as_str(), runs),
        (403, r#"{"error":"malformed_timestamp"}"#, 0)
    );
    // A forged signature first and the valid one second.
    let request = actix_test::TestRequest::post()
        .uri("/hook")
        .insert_header(("x-pumble-request-timestamp", timestamp.clone()))
        .append_header(("x-pumble-request-signature", "0".repeat(64)))
        .append_header(("x-pumble-request-signature", signature))
        .set_payload(&body[..]);
    let (status, text, _, runs) = status_and_body(verifier_with_cap(SMALL_CAP), request).await;
    assert_eq!(
        (status, text.as_str(), runs),
        (403, r#"{"error":"malformed_signature"}"#, 0)
    );
}

// --- the extractor against hand-made streams -----------------------------------------

type BoxedStream = Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>>;

/// A stream of 100-byte chunks, far longer than any cap used here, that
/// counts how many were taken.
fn endless_chunks(taken: Rc<Cell<usize>>) -> Payload {
    let stream = futures_util::stream::repeat_with(move || {
        taken.set(taken.get() + 1);
        Ok(Bytes::from_static(&[b'x'; 100]))
    })
    .take(1000);
    Payload::from(Box::pin(stream) as BoxedStream)
}

fn signed_http_request(verifier: Verifier) -> actix_web::HttpRequest {
    let timestamp = now_millis();
    actix_test::TestRequest::post()
        .app_data(verifier)
        .insert_header((TIMESTAMP_HEADER, timestamp.clone()))
        .insert_header((SIGNATURE_HEADER, sign(PINNED_SECRET, &timestamp, b"{}")))
        .to_http_request()
}

#[actix_web::test]
async fn chunked_stream_stops_being_read_once_past_the_cap() {
    let taken = Rc::new(Cell::new(0));
    let request = signed_http_request(verifier_with_cap(SMALL_CAP));
    let mut payload = endless_chunks(taken.clone());
    let error = VerifiedRequest::from_request(&request, &mut payload)
        .await
        .expect_err("long body is over the cap");
    assert_eq!(error, ExtractError::Rejected(Rejection::BodyTooLarge));
    // 10 chunks fill 1000 bytes; the 11th passes 1024 and ends the reading.
    assert_eq!(taken.get(), 11);
}

#[actix_web::test]
async fn declared_length_over_the_cap_is_refused_before_reading() {
    let taken = Rc::new(Cell::new(0));
    let timestamp = now_millis();
    let request = actix_test::TestRequest::post()
        .app_data(verifier_with_cap(SMALL_CAP))
        .insert_header((TIMESTAMP_HEADER, timestamp.clone()))
        .insert_header((SIGNATURE_HEADER, sign(PINNED_SECRET, &timestamp, b"{}")))
        .insert_header(("content-length", (SMALL_CAP + 1).to_string()))
        .to_http_request();
    let mut payload = endless_chunks(taken.clone());
    let error = VerifiedRequest::from_request(&request, &mut payload)
        .await
        .expect_err("declared length is over the cap");
    assert_eq!(error.status(), 413);
    assert_eq!(taken.get(), 0, "no chunk may be read");
}

#[actix_web::test]
async fn broken_stream_answers_400_body_unreadable() {
    let request = signed_http_request(verifier_with_cap(SMALL_CAP));
    let chunks: Vec<Result<Bytes, PayloadError>> = vec![
        Ok(Bytes::from_static(b"{")),
        Err(PayloadError::Incomplete(None)),
    ];
    let mut payload = Payload::from(Box::pin(futures_util::stream::iter(chunks)) as BoxedStream);
    let error = VerifiedRequest::from_request(&request, &mut payload)
        .await
        .expect_err("stream broke");
    assert_eq!(error, ExtractError::BodyUnreadable);
    let response = error.error_response();
    assert_eq!(response.status(), 400);
}

#[actix_web::test]
async fn rejection_is_an_actix_error_with_the_same_json_answer() {
    let response = Rejection::InvalidJson.error_response();
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.headers().get(CONTENT_TYPE).map(|v| v.as_bytes()),
        Some(&b"application/json"[..])
    );
    let body = actix_web::body::to_bytes(response.into_body())
        .await
        .expect("in-memory body");
    assert_eq!(body, r#"{"error":"invalid_json"}"#);
}

#[test]
fn verified_request_debug_shows_no_body() {
    let system = actix_web::rt::System::new();
    let extracted = system.block_on(async {
        let body = br#"{"messageType":"EVENT","userId":"u_alice"}"#;
        let timestamp = now_millis();
        let (request, mut payload) = actix_test::TestRequest::post()
            .app_data(verifier_with_cap(SMALL_CAP))
            .insert_header((TIMESTAMP_HEADER, timestamp.clone()))
            .insert_header((SIGNATURE_HEADER, sign(PINNED_SECRET, &timestamp, body)))
            .set_payload(&body[..])
            .to_http_parts();
        VerifiedRequest::from_request(&request, &mut payload).await
    });
    let extracted = extracted.expect("signed request verifies");
    let debug = format!("{extracted:?}");
    assert!(!debug.contains("u_alice"), "{debug}");
    assert!(debug.contains("42"), "{debug}");
}

// --- over a real loopback socket ---------------------------------------------------------

struct RunningServer {
    address: SocketAddr,
    handle: ServerHandle,
    runs: HandlerRuns,
}

impl RunningServer {
    fn start(verifier: Verifier) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let address = listener.local_addr().expect("bound address");
        let runs = HandlerRuns::default();
        let server_runs = runs.clone();
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = HttpServer::new(move || app(verifier.clone(), server_runs.clone()))
                    .workers(1)
                    .disable_signals()
                    .listen(listener)
                    .expect("listen on the bound socket")
                    .run();
                sender.send(server.handle()).expect("test thread waits");
                server.await
            })
        });
        let handle = receiver.recv().expect("server started");
        RunningServer {
            address,
            handle,
            runs,
        }
    }

    /// Sends raw request bytes and returns (status, body) of the answer.
    fn exchange(&self, request: &[&[u8]]) -> (u16, String) {
        let mut stream = TcpStream::connect(self.address).expect("connect to loopback");
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("set timeout");
        for part in request {
            stream.write_all(part).expect("send request part");
        }
        read_response(&mut stream)
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        actix_web::rt::System::new().block_on(self.handle.stop(false));
    }
}

/// Reads one HTTP/1.1 response with a `content-length`.
fn read_response(stream: &mut TcpStream) -> (u16, String) {
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    let header_end = loop {
        let read = stream.read(&mut buffer).expect("response arrives in time");
        assert!(read > 0, "connection closed before the response headers");
        received.extend_from_slice(&buffer[..read]);
        if let Some(end) = received.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
    };
    let head = String::from_utf8_lossy(&received[..header_end]).to_ascii_lowercase();
    let status: u16 = head[9..12].parse().expect("status code");
    let length: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .map_or(0, |value| value.trim().parse().expect("numeric length"));
    while received.len() < header_end + length {
        let read = stream.read(&mut buffer).expect("body arrives in time");
        assert!(read > 0, "connection closed before the response body");
        received.extend_from_slice(&buffer[..read]);
    }
    let body = String::from_utf8_lossy(&received[header_end..header_end + length]).into_owned();
    (status, body)
}

fn chunk(data: &[u8]) -> Vec<u8> {
    let mut encoded = format!("{:x}\r\n", data.len()).into_bytes();
    encoded.extend_from_slice(data);
    encoded.extend_from_slice(b"\r\n");
    encoded
}

fn chunked_head(timestamp_name: &str, signature_name: &str, body: &[u8]) -> Vec<u8> {
    let timestamp = now_millis();
    let signature = sign(PINNED_SECRET, &timestamp, body);
    format!(
        "POST /hook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\n{timestamp_name}: {timestamp}\r\n\
         {signature_name}: {signature}\r\n\r\n"
    )
    .into_bytes()
}

#[test]
fn chunked_over_cap_body_is_answered_413_before_it_ends() {
    let server = RunningServer::start(verifier_with_cap(SMALL_CAP));
    let part = [b'x'; 400];
    let head = chunked_head(TIMESTAMP_HEADER, SIGNATURE_HEADER, b"never sent whole");
    let first = chunk(&part);
    // 1200 bytes of chunks and no terminating chunk: the answer can only come
    // from the cap, not from the end of the body.
    let (status, body) = server.exchange(&[&head, &first, &first, &first]);
    assert_eq!(
        (status, body.as_str()),
        (413, r#"{"error":"body_too_large"}"#)
    );
    assert_eq!(server.runs.count(), 0);
}

#[test]
fn declared_length_over_the_cap_is_answered_413_without_a_body() {
    let server = RunningServer::start(verifier_with_cap(SMALL_CAP));
    let timestamp = now_millis();
    let head = format!(
        "POST /hook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10485760\r\n\
         {TIMESTAMP_HEADER}: {timestamp}\r\n{SIGNATURE_HEADER}: {}\r\n\r\n",
        sign(PINNED_SECRET, &timestamp, b"")
    );
    let (status, body) = server.exchange(&[head.as_bytes()]);
    assert_eq!(
        (status, body.as_str()),
        (413, r#"{"error":"body_too_large"}"#)
    );
}

#[test]
fn header_names_in_any_case_are_accepted_over_the_wire() {
    let server = RunningServer::start(verifier_with_cap(SMALL_CAP));
    let body = br#"{"messageType":"EVENT"}"#;
    let head = chunked_head(
        "X-PUMBLE-Request-Timestamp",
        "x-Pumble-REQUEST-signature",
        body,
    );
    let (status, text) = server.exchange(&[&head, &chunk(body), b"0\r\n\r\n"]);
    assert_eq!((status, text.as_str()), (200, "EVENT 23"));
}

#[test]
fn multibyte_character_split_across_chunks_verifies_over_raw_bytes() {
    let server = RunningServer::start(verifier_with_cap(SMALL_CAP));
    let body =
        "{\"messageType\":\"SLASH_COMMAND\",\"text\":\"h\u{e9}llo \u{1f600} \\u00e9\"}".as_bytes();
    let emoji_start = body
        .windows(4)
        .position(|w| w == "\u{1f600}".as_bytes())
        .expect("emoji present");
    // Split in the middle of the 4-byte emoji.
    let (first, second) = body.split_at(emoji_start + 2);
    let head = chunked_head(TIMESTAMP_HEADER, SIGNATURE_HEADER, body);
    let (status, text) = server.exchange(&[&head, &chunk(first), &chunk(second), b"0\r\n\r\n"]);
    assert_eq!(
        (status, text),
        (200, format!("SLASH_COMMAND {}", body.len()))
    );
    assert_eq!(server.runs.count(), 1);
}

// --- VerifiedBody: the signature checks without the JSON parse ------------------------

/// Answers `<body length> <first byte>` from the verified bytes alone.
async fn raw_hook(request: VerifiedBody, runs: web::Data<HandlerRuns>) -> HttpResponse {
    runs.0.fetch_add(1, Ordering::SeqCst);
    let first = request.body().first().map_or('-', |b| char::from(*b));
    HttpResponse::Ok().body(format!("{} {first}", request.body().len()))
}

async fn raw_status_and_body(request: actix_test::TestRequest) -> (u16, String, usize) {
    let runs = HandlerRuns::default();
    let service = actix_test::init_service(
        App::new()
            .app_data(verifier_with_cap(SMALL_CAP))
            .app_data(web::Data::new(runs.clone()))
            .route("/hook", web::post().to(raw_hook)),
    )
    .await;
    let response = actix_test::call_service(&service, request.to_request()).await;
    let status = response.status().as_u16();
    let body = actix_test::read_body(response).await;
    (
        status,
        String::from_utf8_lossy(&body).into_owned(),
        runs.count(),
    )
}

#[actix_web::test]
async fn verified_body_hands_over_signed_bytes_even_when_they_are_not_json() {
    // The handler decides what invalid JSON means; the bytes are exactly the signed ones.
    let (status, text, runs) = raw_status_and_body(signed_request(b"{\"messageType\":")).await;
    assert_eq!((status, text.as_str(), runs), (200, "15 {", 1));
}

#[actix_web::test]
async fn verified_body_refuses_a_forged_request_before_the_handler() {
    let body = br#"{"messageType":"SLASH_COMMAND"}"#;
    let timestamp = now_millis();
    let request = actix_test::TestRequest::post()
        .uri("/hook")
        .insert_header((TIMESTAMP_HEADER, timestamp.clone()))
        .insert_header((SIGNATURE_HEADER, sign(OTHER_SECRET, &timestamp, body)))
        .set_payload(body.to_vec());
    let (status, text, runs) = raw_status_and_body(request).await;
    assert_eq!(
        (status, text.as_str(), runs),
        (403, r#"{"error":"signature_mismatch"}"#, 0)
    );
}

#[actix_web::test]
async fn verified_body_enforces_the_cap_before_the_signature() {
    let body = vec![b' '; SMALL_CAP + 1];
    let (status, text, runs) = raw_status_and_body(signed_request(&body)).await;
    assert_eq!(
        (status, text.as_str(), runs),
        (413, r#"{"error":"body_too_large"}"#, 0)
    );
}

// --- what is checked before the body is read --------------------------------------------

#[actix_web::test]
async fn unsigned_request_is_refused_before_any_chunk_is_read() {
    let taken = Rc::new(Cell::new(0));
    let request = actix_test::TestRequest::post()
        .app_data(verifier_with_cap(SMALL_CAP))
        .to_http_request();
    let mut payload = endless_chunks(taken.clone());
    let error = VerifiedRequest::from_request(&request, &mut payload)
        .await
        .expect_err("no signature headers");
    assert_eq!(error, ExtractError::Rejected(Rejection::MissingTimestamp));
    assert_eq!(taken.get(), 0, "no chunk may be read");
}

#[actix_web::test]
async fn stale_or_malformed_headers_are_refused_before_any_chunk_is_read() {
    let cases = [
        ("1000", "ab".repeat(32), Rejection::StaleTimestamp),
        ("12x", "ab".repeat(32), Rejection::MalformedTimestamp),
        ("", "ab".repeat(32), Rejection::MissingTimestamp),
    ];
    for (timestamp, signature, expected) in cases {
        let taken = Rc::new(Cell::new(0));
        let request = actix_test::TestRequest::post()
            .app_data(verifier_with_cap(SMALL_CAP))
            .insert_header((TIMESTAMP_HEADER, timestamp))
            .insert_header((SIGNATURE_HEADER, signature))
            .to_http_request();
        let mut payload = endless_chunks(taken.clone());
        let error = VerifiedBody::from_request(&request, &mut payload)
            .await
            .expect_err("bad headers");
        assert_eq!(error, ExtractError::Rejected(expected), "{timestamp:?}");
        assert_eq!(taken.get(), 0, "no chunk may be read for {timestamp:?}");
    }
    let taken = Rc::new(Cell::new(0));
    let request = actix_test::TestRequest::post()
        .app_data(verifier_with_cap(SMALL_CAP))
        .insert_header((TIMESTAMP_HEADER, now_millis()))
        .insert_header((SIGNATURE_HEADER, "not-hex"))
        .to_http_request();
    let mut payload = endless_chunks(taken.clone());
    let error = VerifiedRequest::from_request(&request, &mut payload)
        .await
        .expect_err("malformed signature");
    assert_eq!(error, ExtractError::Rejected(Rejection::MalformedSignature));
    assert_eq!(taken.get(), 0);
}

#[actix_web::test]
async fn declared_length_over_the_cap_comes_before_missing_headers() {
    let taken = Rc::new(Cell::new(0));
    let request = actix_test::TestRequest::post()
        .app_data(verifier_with_cap(SMALL_CAP))
        .insert_header(("content-length", (SMALL_CAP + 1).to_string()))
        .to_http_request();
    let mut payload = endless_chunks(taken.clone());
    let error = VerifiedRequest::from_request(&request, &mut payload)
        .await
        .expect_err("declared length is over the cap");
    assert_eq!(error, ExtractError::Rejected(Rejection::BodyTooLarge));
    assert_eq!(taken.get(), 0);
}

#[test]
fn body_timeout_error_answers_408_with_its_code() {
    let error = ExtractError::BodyTimeout;
    assert_eq!((error.status(), error.code()), (408, "body_timeout"));
    assert_eq!(error.error_response().status(), 408);
}

#[test]
fn unsigned_request_declaring_a_large_body_is_answered_without_waiting_for_it() {
    // The default 1 MiB cap: the declared length is allowed, the body never
    // comes, and the missing headers alone decide.
    let server = RunningServer::start(verifier_with_cap(1024 * 1024));
    let head = b"POST /hook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\n\r\n";
    let started = std::time::Instant::now();
    let (status, body) = server.exchange(&[head, b"{\"a\":"]);
    assert_eq!(
        (status, body.as_str()),
        (403, r#"{"error":"missing_timestamp"}"#)
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(server.runs.count(), 0);
}

#[test]
fn a_body_slower_than_the_body_timeout_is_answered_408() {
    let verifier = Verifier::builder()
        .secret(PINNED_SECRET)
        .body_timeout(Duration::from_millis(200))
        .build()
        .expect("valid configuration");
    assert_eq!(verifier.body_timeout(), Duration::from_millis(200));
    let server = RunningServer::start(verifier);
    // Plausible headers (fresh timestamp, 64 hex digits), then 5 of the 100
    // declared bytes and silence.
    let head = format!(
        "POST /hook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\
         {TIMESTAMP_HEADER}: {}\r\n{SIGNATURE_HEADER}: {}\r\n\r\n",
        now_millis(),
        "ab".repeat(32)
    );
    let started = std::time::Instant::now();
    let (status, body) = server.exchange(&[head.as_bytes(), b"{\"a\":"]);
    assert_eq!(
        (status, body.as_str()),
        (408, r#"{"error":"body_timeout"}"#)
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(server.runs.count(), 0);
}

#[test]
fn a_body_sent_in_pauses_within_the_body_timeout_is_verified() {
    // The headers, then the body in three pieces 150 ms apart: the read
    // outlives the event loop's first turns (so the timer is armed), and the
    // whole body still arrives inside the 2 s timeout.
    let verifier = Verifier::builder()
        .secret(PINNED_SECRET)
        .body_timeout(Duration::from_secs(2))
        .build()
        .expect("valid configuration");
    let server = RunningServer::start(verifier);
    let body = br#"{"messageType":"SLASH_COMMAND","text":"sent slowly"}"#;
    let timestamp = now_millis();
    let head = format!(
        "POST /hook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n\
         {TIMESTAMP_HEADER}: {timestamp}\r\n{SIGNATURE_HEADER}: {}\r\n\r\n",
        body.len(),
        sign(PINNED_SECRET, &timestamp, body)
    );
    let mut stream = TcpStream::connect(server.address).expect("connect to loopback");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("set timeout");
    stream.write_all(head.as_bytes()).expect("send the headers");
    for piece in body.chunks(body.len() / 3 + 1) {
        std::thread::sleep(Duration::from_millis(150));
        stream.write_all(piece).expect("send a piece of the body");
    }
    let (status, text) = read_response(&mut stream);
    assert_eq!(
        (status, text),
        (200, format!("SLASH_COMMAND {}", body.len()))
    );
    assert_eq!(server.runs.count(), 1);
}

#[test]
fn the_default_body_timeout_is_ten_seconds() {
    let verifier = Verifier::new(PINNED_SECRET).expect("valid secret");
    assert_eq!(verifier.body_timeout(), pumble_verify::DEFAULT_BODY_TIMEOUT);
    assert_eq!(pumble_verify::DEFAULT_BODY_TIMEOUT, Duration::from_secs(10));
}

/// A signed `/hook` request's head for `body` sent at `timestamp`.
fn signed_head(body: &[u8], timestamp: &str) -> String {
    format!(
        "POST /hook HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\n{TIMESTAMP_HEADER}: {timestamp}\r\n{SIGNATURE_HEADER}: {}\r\nconnection: close\r\n\r\n",
        body.len(),
        sign(PINNED_SECRET, timestamp, body)
    )
}

/// Milliseconds since the epoch, now.
fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis()
}

/// Sleeps until `ms` since the epoch.
fn wait_until_ms(ms: u128) {
    while now_ms() < ms {
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Against a verifier with a 2 s window (entries kept 3 s) and the default
/// 10 s body timeout: a request is delivered, an immediate copy refused;
/// 1.5 s after it was sent a copy's headers arrive, its body held back;
/// `genuine_after_ms` after sending, a genuine request goes through; then
/// the copy's body is sent. The copy's answer and the handler's run count.
fn replay_with_a_held_back_body(genuine_after_ms: u128) -> ((u16, String), usize) {
    let verifier = Verifier::builder()
        .secret(PINNED_SECRET)
        .window(Duration::from_secs(2))
        .replay_guard(1000)
        .build()
        .expect("valid configuration");
    let server = RunningServer::start(verifier);
    let body = br#"{"messageType":"SLASH_COMMAND","n":1}"#;
    let timestamp = now_millis();
    let head = signed_head(body, &timestamp);
    assert_eq!(
        server.exchange(&[head.as_bytes(), body]).0,
        200,
        "delivered"
    );
    assert_eq!(
        server.exchange(&[head.as_bytes(), body]).0,
        403,
        "an immediate copy"
    );
    // 1.5 s later, still inside the 2 s window, the copy's headers.
    let sent: u128 = timestamp.parse().expect("digits");
    wait_until_ms(sent + 1500);
    let mut copy = TcpStream::connect(server.address).expect("connect to loopback");
    copy.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("set timeout");
    copy.write_all(head.as_bytes())
        .expect("send the copy's headers");
    wait_until_ms(sent + genuine_after_ms);
    let later_body = br#"{"messageType":"SLASH_COMMAND","n":2}"#;
    let later = signed_head(later_body, &now_millis());
    assert_eq!(server.exchange(&[later.as_bytes(), later_body]).0, 200);
    // Then the copy's body.
    copy.write_all(body).expect("send the copy's body");
    (read_response(&mut copy), server.runs.count())
}

/// A copy of a delivered request, replayed near the window's edge with its
/// body held back while a genuine request comes in, never reaches the
/// handler: its slice has left the replay guard meanwhile, and it is refused
/// as stale instead of being remembered anew.
#[test]
fn a_replay_near_the_window_edge_with_a_slow_body_is_refused() {
    // The genuine request comes past the slice's keep (window + 1 s).
    let ((status, text), runs) = replay_with_a_held_back_body(3300);
    assert_eq!(
        (status, text.as_str()),
        (403, r#"{"error":"stale_timestamp"}"#)
    );
    assert_eq!(runs, 2, "only the two genuine requests ran");
}

/// The same with the copy's body held back longer than an entry is kept
/// (window + 1 s = 3 s) but within the 10 s body timeout: the guard is
/// handed the time the body arrived, not the headers', and refuses it.
#[test]
fn a_replay_whose_body_is_held_past_the_keep_time_is_refused() {
    // More than the keep time after the copy's headers.
    let ((status, text), runs) = replay_with_a_held_back_body(1500 + 3300);
    assert_eq!(
        (status, text.as_str()),
        (403, r#"{"error":"stale_timestamp"}"#)
    );
    assert_eq!(runs, 2, "only the two genuine requests ran");
}
