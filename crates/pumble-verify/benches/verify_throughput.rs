//! Verification throughput beside raw HMAC-SHA256 of the same bytes.
//!
//! `cargo bench -p pumble-verify`. No benchmarking framework: each case runs a
//! fixed amount of work several times, interleaved with the others, and the
//! best round is reported (the least disturbed by the rest of the machine).
//! Throughput counts body bytes.

use std::hint::black_box;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use pumble_verify::{sign, Verifier};
use sha2::Sha256;

const SECRET: &str = "xpss-00000000000000000000000000000000";
const TIMESTAMP: &str = "1717000000000";
const ROUNDS: usize = 7;
/// Bytes of body processed per round and case.
const BYTES_PER_ROUND: usize = 96 * 1024 * 1024;
const MIB: f64 = 1024.0 * 1024.0;

/// A JSON object of exactly `len` bytes: `{"text":"xxxx…"}`.
fn json_body(len: usize) -> Vec<u8> {
    let mut body = br#"{"text":""#.to_vec();
    body.resize(len - 2, b'x');
    body.extend_from_slice(br#""}"#);
    body
}

/// What a receiver would do by hand: key HMAC-SHA256 with the secret and feed
/// it `timestamp ":" body`.
fn raw_hmac(body: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(SECRET.as_bytes())
        .expect("HMAC-SHA256 accepts keys of every length");
    mac.update(TIMESTAMP.as_bytes());
    mac.update(b":");
    mac.update(body);
    mac.finalize().into_bytes().into()
}

/// Best throughput (MiB/s) of one round of `iterations` calls.
fn time_round(iterations: usize, body_len: usize, mut work: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..iterations {
        work();
    }
    let elapsed = start.elapsed().max(Duration::from_nanos(1));
    (iterations * body_len) as f64 / MIB / elapsed.as_secs_f64()
}

struct Figures {
    raw: f64,
    signature_only: f64,
    with_json: f64,
}

fn measure(verifier: &Verifier, now: SystemTime, body_len: usize) -> Figures {
    let body = json_body(body_len);
    let signature = sign(SECRET, TIMESTAMP, &body);
    let iterations = (BYTES_PER_ROUND / body_len).max(1);

    // Every case must do real work on the same bytes before being timed.
    assert_eq!(hex::encode(raw_hmac(&body)), signature);
    verifier
        .verify_at(Some(TIMESTAMP), Some(&signature), &body[..], now)
        .expect("the benchmark request verifies");

    let mut figures = Figures {
        raw: 0.0,
        signature_only: 0.0,
        with_json: 0.0,
    };
    for _ in 0..ROUNDS {
        let raw = time_round(iterations, body_len, || {
            black_box(raw_hmac(black_box(&body)));
        });
        let signature_only = time_round(iterations, body_len, || {
            let outcome = verifier.verify_signature_at(
                Some(black_box(TIMESTAMP)),
                Some(black_box(&signature)),
                black_box(&body),
                now,
            );
            assert!(outcome.is_ok());
        });
        let with_json = time_round(iterations, body_len, || {
            let outcome = verifier.verify_at(
                Some(black_box(TIMESTAMP)),
                Some(black_box(&signature)),
                black_box(&body[..]),
                now,
            );
            assert!(black_box(outcome).is_ok());
        });
        figures.raw = figures.raw.max(raw);
        figures.signature_only = figures.signature_only.max(signature_only);
        figures.with_json = figures.with_json.max(with_json);
    }
    figures
}

fn main() {
    // `cargo bench` passes `--bench`; arguments are ignored.
    let verifier = Verifier::new(SECRET).expect("valid secret");
    let now = UNIX_EPOCH + Duration::from_millis(1_717_000_000_000);

    println!(
        "pumble-verify throughput, MiB/s of body, best of {ROUNDS} rounds of {} MiB each",
        BYTES_PER_ROUND / (1024 * 1024)
    );
    println!("(ratio = verify (signature only) / raw HMAC-SHA256; target >= 0.90 at 64 KiB)");
    println!(
        "{:>7} | {:>14} | {:>24} | {:>6} | {:>20} | {:>6}",
        "body", "raw HMAC", "verify (signature only)", "ratio", "verify + JSON parse", "ratio"
    );
    for (label, len) in [("1 KiB", 1024), ("64 KiB", 64 * 1024)] {
        let figures = measure(&verifier, now, len);
        println!(
            "{:>7} | {:>14.1} | {:>24.1} | {:>6.3} | {:>20.1} | {:>6.3}",
            label,
            figures.raw,
            figures.signature_only,
            figures.signature_only / figures.raw,
            figures.with_json,
            figures.with_json / figures.raw,
        );
    }
}
