//! What the replay guard adds to each verification, at a busy server's rate.
//!
//! `cargo bench -p pumble-verify --bench replay_guard_cost`. The same
//! pre-signed requests — unique, `RATE` a second over `SECONDS` seconds, each
//! verified `DELIVERY_MS` after its timestamp, as a server would see them —
//! are verified by a verifier without a guard and by one
//! with a guard large enough for all of them; the difference is the guard's
//! cost. Rounds alternate the two and the best round of each is reported.
//!
//! Before the rounds, one guarded verifier takes every request while the
//! process's resident memory (`VmRSS`, Linux) is read before and after: the
//! growth, per request, is what remembering a request costs in memory.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use pumble_verify::{sign, Verifier};

const SECRET: &str = "xpss-00000000000000000000000000000000";
/// Requests a second (the order of the `anon` server's one-core maximum).
const RATE: u64 = 55_000;
/// Seconds of traffic.
const SECONDS: u64 = 12;
/// How long after its timestamp each request is verified (its delivery).
const DELIVERY_MS: u64 = 20;
const ROUNDS: usize = 5;

struct Request {
    /// When it is verified.
    at: SystemTime,
    timestamp: String,
    signature: String,
    body: Vec<u8>,
}

fn main() {
    // `cargo bench` passes `--bench`; arguments are ignored.
    let total = RATE * SECONDS;
    // Timestamps from here on, RATE a second.
    let first_ms: u64 = 1_717_000_000_000;
    let requests: Vec<Request> = (0..total)
        .map(|n| {
            let sent_ms = first_ms + n * 1000 / RATE;
            let timestamp = sent_ms.to_string();
            let body = format!(
                r#"{{"messageType":"SLASH_COMMAND","slashCommand":"/anon","text":"bench {n}","userId":"u_{}","workspaceId":"ws_1"}}"#,
                n % 500
            )
            .into_bytes();
            let signature = sign(SECRET, &timestamp, &body);
            Request {
                at: UNIX_EPOCH + Duration::from_millis(sent_ms + DELIVERY_MS),
                timestamp,
                signature,
                body,
            }
        })
        .collect();
    let run = |verifier: &Verifier| -> Duration {
        let started = Instant::now();
        for request in &requests {
            let outcome = verifier.verify_signature_at(
                Some(&request.timestamp),
                Some(&request.signature),
                &request.body,
                request.at,
            );
            assert!(outcome.is_ok(), "{outcome:?}");
        }
        started.elapsed()
    };
    let guarded_verifier = || {
        Verifier::builder()
            .secret(SECRET)
            .replay_guard(usize::try_from(total).unwrap_or(usize::MAX))
            .build()
            .expect("valid configuration")
    };
    // Memory first, in a process whose heap has not yet held a guard.
    let resident_before = resident_bytes();
    let remembering = guarded_verifier();
    run(&remembering);
    let resident_growth = resident_bytes()
        .zip(resident_before)
        .map(|(after, before)| after.saturating_sub(before));
    drop(remembering);
    let (mut plain, mut guarded) = (Duration::MAX, Duration::MAX);
    for _ in 0..ROUNDS {
        let without = Verifier::new(SECRET).expect("valid secret");
        plain = plain.min(run(&without));
        let with = guarded_verifier();
        guarded = guarded.min(run(&with));
    }
    let per_request = |elapsed: Duration| elapsed.as_nanos() as f64 / total as f64;
    println!(
        "replay guard cost: {total} unique requests, {RATE}/s over {SECONDS} s, best of {ROUNDS} rounds"
    );
    println!(
        "verify without guard {:.0} ns/request, with guard {:.0} ns/request: the guard adds {:.0} ns",
        per_request(plain),
        per_request(guarded),
        per_request(guarded) - per_request(plain)
    );
    match resident_growth {
        Some(bytes) => println!(
            "resident memory for {total} remembered requests: {:.1} MiB, {:.1} bytes a request",
            bytes as f64 / (1024.0 * 1024.0),
            bytes as f64 / total as f64
        ),
        None => println!("resident memory: not readable here (/proc/self/status)"),
    }
}

/// The process's resident memory in bytes, where `/proc/self/status` says.
fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
