//! What anon's own handling of a signed request costs, measured in process
//! beside a plain actix-web "200 OK" service driven the same way.
//!
//! ```sh
//! cargo bench -p anon --bench request_path_cost
//! ```
//!
//! Both services are called through `actix_web::test::call_service`: no
//! sockets, no HTTP parsing, no other process, so what differs between the two
//! is anon's own work — the request log, the verifier (headers, timestamp,
//! HMAC, replay guard), the envelope read, the queue and the answer — and it
//! is measured to a few nanoseconds, which the end-to-end `ack_latency`
//! bench (where this work is about a fifth of the server's time) cannot do.
//!
//! The request is the one `ack_latency` sends at full load: a unique signed
//! `/anon` slash command, refused at once as "busy" because the background
//! queue is full (its jobs never finish here). A second anon figure is for a
//! signed request of an unknown `messageType` (verified, then refused).
//! Rounds alternate between the services (baseline, anon, anon, baseline, …);
//! the figures are medians over rounds. The request's construction is the same
//! for both and is included in both.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use actix_web::http::StatusCode;
use actix_web::{test, web, App, HttpResponse};
use anon::settings::LogFormat;
use anon::state::{AppState, Services};
use anon::work_queue::WorkQueue;
use anon::Settings;
use anon_store::{KeyRing, Store, StoreOptions};
use base64::Engine as _;
use pumble_verify::{SIGNATURE_HEADER, TIMESTAMP_HEADER};
use secrecy::ExposeSecret as _;

/// Requests per round.
const ROUND: usize = 50_000;
/// Rounds per service and request kind.
const ROUNDS: usize = 10;
/// The signing secret both sides of the bench share.
const SECRET: &str = "xpss-bench-request-path-cost";

fn main() {
    // `cargo test --benches` runs this binary without `--bench`: no measuring.
    if !std::env::args().any(|a| a == "--bench") {
        println!("request_path_cost: measures only under `cargo bench`");
        return;
    }
    if let Err(error) = actix_web::rt::System::new().block_on(run()) {
        eprintln!("request_path_cost: {error}");
        std::process::exit(1);
    }
}

/// Sends every request of `$requests` to `$service` in turn, counting each
/// answer's status under `$who`; the time per request in nanoseconds. (A
/// macro: the test services' request type is not nameable here.)
macro_rules! time_round {
    ($service:expr, $requests:expr, $who:expr, $statuses:ident) => {{
        let started = Instant::now();
        for request in $requests.iter() {
            let status = test::call_service($service, request.to_request().to_request())
                .await
                .status();
            *$statuses.entry(($who, status.as_u16())).or_default() += 1;
        }
        per_request(started.elapsed())
    }};
}

async fn run() -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let key = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
    let database = dir.path().join("anon.db");
    let settings = Settings::from_vars([
        ("PUMBLE_APP_ID", "bench-app"),
        ("PUMBLE_APP_KEY", "xpat-bench"),
        ("PUMBLE_APP_CLIENT_SECRET", "xpcs-bench"),
        ("PUMBLE_APP_SIGNING_SECRET", SECRET),
        ("TOKEN_ENCRYPTION_KEY", key.as_str()),
        (
            "DATABASE_PATH",
            database.to_str().ok_or("a temporary path")?,
        ),
        // Never called: every command here is refused before any work.
        ("PUMBLE_API_URL", "http://127.0.0.1:9"),
    ])
    .map_err(|e| e.to_string())?;
    // The production logger at the production level, writing nowhere: its
    // formatting and buffering are measured, a terminal's cost is not.
    anon::logging::init_with_output(
        log::LevelFilter::Info,
        LogFormat::Text,
        Box::new(std::io::sink()),
    )
    .map_err(|e| e.to_string())?;

    let keys = KeyRing::from_base64(settings.token_encryption_key.expose_secret(), None)
        .map_err(|e| e.to_string())?;
    let store = Store::open(StoreOptions::file(&settings.database_path, keys))
        .await
        .map_err(|e| e.to_string())?;
    let pumble = anon::pumble::PumbleApi::new(&settings).map_err(|e| e.to_string())?;
    let services = std::sync::Arc::new(Services { store, pumble });
    // One worker, one slot, jobs that never finish: once two commands are
    // taken, every later one is refused "busy" at once.
    let queue = std::sync::Arc::new(WorkQueue::start(1, 1, |_job| std::future::pending()));
    let state = web::Data::new(AppState {
        app_id: settings.pumble.app_id.clone(),
        public_url: None,
        consent_url: settings.pumble_consent_url.clone(),
        services,
        queue,
        started: Instant::now(),
    });
    let verifier = pumble_verify::Verifier::builder()
        .secret(SECRET)
        // Every request of the run is kept (each is unique).
        .replay_guard(4 * ROUND * ROUNDS)
        .build()
        .map_err(|e| e.to_string())?;

    let anon = test::init_service(anon::startup::app(state, verifier)).await;
    let baseline = test::init_service(App::new().route(
        "/hook",
        web::post().to(|_body: web::Bytes| async {
            HttpResponse::Ok()
                .content_type("application/json")
                .body("{}")
        }),
    ))
    .await;

    // Fill the queue: the first commands are taken, then "busy".
    let mut next = 0u64;
    for _ in 0..100 {
        let request = signed(slash_body(next), next);
        next += 1;
        if test::call_service(&anon, request.to_request().to_request())
            .await
            .status()
            == StatusCode::BAD_REQUEST
        {
            break;
        }
        tokio::task::yield_now().await;
    }

    let mut baseline_ns = Vec::new();
    let mut busy_ns = Vec::new();
    let mut unknown_ns = Vec::new();
    let mut statuses = std::collections::BTreeMap::<(&'static str, u16), u64>::new();
    for round in 0..ROUNDS {
        let commands: Vec<Signed> = (0..ROUND)
            .map(|_| {
                next += 1;
                signed(slash_body(next), next)
            })
            .collect();
        let unknowns: Vec<Signed> = (0..ROUND)
            .map(|_| {
                next += 1;
                signed(unknown_body(next), next)
            })
            .collect();
        if round % 2 == 0 {
            baseline_ns.push(time_round!(&baseline, &commands, "baseline", statuses));
        }
        busy_ns.push(time_round!(&anon, &commands, "anon slash", statuses));
        unknown_ns.push(time_round!(&anon, &unknowns, "anon unknown", statuses));
        if round % 2 == 1 {
            baseline_ns.push(time_round!(&baseline, &commands, "baseline", statuses));
        }
    }
    log::logger().flush();

    let baseline = median(&mut baseline_ns);
    let busy = median(&mut busy_ns);
    let unknown = median(&mut unknown_ns);
    println!(
        "request_path_cost: in process, median of {ROUNDS} rounds of {ROUND} requests (range in brackets)"
    );
    println!(
        "baseline actix 200 OK                  {baseline:>6.0} ns/request [{:.0}-{:.0}]",
        baseline_ns[0],
        baseline_ns[ROUNDS - 1]
    );
    println!(
        "anon /anon refused busy                {busy:>6.0} ns/request [{:.0}-{:.0}]; anon's own work {:.0} ns",
        busy_ns[0],
        busy_ns[ROUNDS - 1],
        busy - baseline
    );
    println!(
        "anon unknown messageType (verify-only) {unknown:>6.0} ns/request [{:.0}-{:.0}]; anon's own work {:.0} ns",
        unknown_ns[0],
        unknown_ns[ROUNDS - 1],
        unknown - baseline
    );
    let answers: Vec<String> = statuses
        .iter()
        .map(|((who, status), n)| format!("{who} {status}: {n}"))
        .collect();
    println!("answers: {}", answers.join(", "));
    if statuses.keys().any(|(who, status)| match *who {
        "baseline" => *status != 200,
        _ => *status != 400,
    }) {
        println!("warning: some answers were not the ones measured (baseline 200, anon 400)");
    }
    Ok(())
}

/// A request's signed parts, turned into a test request inside the timed loop.
struct Signed {
    body: web::Bytes,
    timestamp: String,
    signature: String,
}

impl Signed {
    fn to_request(&self) -> test::TestRequest {
        test::TestRequest::post()
            .uri("/hook")
            .insert_header(("content-type", "application/json"))
            .insert_header((TIMESTAMP_HEADER, self.timestamp.as_str()))
            .insert_header((SIGNATURE_HEADER, self.signature.as_str()))
            .set_payload(self.body.clone())
    }
}

/// Signs `body` at a timestamp unique to `n` (a millisecond apart, from now).
fn signed(body: Vec<u8>, n: u64) -> Signed {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let timestamp = (now_ms + u128::from(n % 1000)).to_string();
    let signature = pumble_verify::sign(SECRET, &timestamp, &body);
    Signed {
        body: web::Bytes::from(body),
        timestamp,
        signature,
    }
}

/// The `/anon` DM `ack_latency` sends, unique to `n`.
fn slash_body(n: u64) -> Vec<u8> {
    serde_json::json!({
        "messageType": "SLASH_COMMAND",
        "slashCommand": "/anon",
        "text": format!("<<@u_bench_{:04}>> bench message {n}", (n + 1) % 500),
        "userId": format!("u_bench_{:04}", n % 500),
        "channelId": "ch_general",
        "workspaceId": "ws_1",
        "triggerId": format!("trg_bench_{n}"),
    })
    .to_string()
    .into_bytes()
}

/// A signed request of a type anon does not handle (refused after the check).
fn unknown_body(n: u64) -> Vec<u8> {
    format!("{{\"messageType\":\"BENCH_UNKNOWN\",\"workspaceId\":\"ws_1\",\"n\":{n}}}").into_bytes()
}

fn per_request(elapsed: Duration) -> f64 {
    elapsed.as_nanos() as f64 / ROUND as f64
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
