//! Fault injection, observed from a plain HTTP client.

use std::time::{Duration, Instant};

use pumble_sim::{standard, Fault, FaultRule, Seed, Simulator};
use serde_json::json;

use crate::http::Http;

fn start() -> (Simulator, String) {
    let sim = Simulator::start(Seed::standard()).expect("simulator starts");
    let bot = sim.bot_token(standard::WORKSPACE).expect("installed");
    (sim, bot)
}

#[test]
fn fixed_status_applies_to_the_matching_endpoint_only_until_cleared() {
    let (sim, bot) = start();
    let http = Http::new(&sim);
    let id = sim.inject_fault(FaultRule::new(
        "POST",
        "/v1/channels/*/messages",
        Fault::Status {
            status: 503,
            code: "UNAVAILABLE".to_owned(),
            message: "try later".to_owned(),
        },
    ));
    let path = format!("/v1/channels/{}/messages", standard::GENERAL);
    let failed = http
        .post(&path, &bot, &json!({ "text": "hi" }))
        .expect("request");
    assert_eq!(failed.status, 503);
    assert_eq!(
        failed.json,
        json!({ "code": "UNAVAILABLE", "message": "try later" })
    );
    assert!(
        sim.messages_in(standard::GENERAL).is_empty(),
        "nothing was posted"
    );
    // Other endpoints and methods are untouched.
    assert_eq!(
        http.get("/v1/workspaceUsers", &bot)
            .expect("request")
            .status,
        200
    );
    let calls = sim.calls();
    assert!(calls[0].faulted && calls[0].status == Some(503));
    assert!(!calls[1].faulted);

    assert!(sim.remove_fault(id));
    let ok = http
        .post(&path, &bot, &json!({ "text": "hi" }))
        .expect("request");
    assert_eq!(ok.status, 200);
}

#[test]
fn rate_limit_answers_429_with_retry_after_a_set_number_of_times() {
    let (sim, bot) = start();
    let http = Http::new(&sim);
    sim.inject_fault(
        FaultRule::any_method(
            "/v1/workspaceUsers",
            Fault::RateLimited {
                retry_after_secs: 7,
            },
        )
        .times(2),
    );
    for _ in 0..2 {
        let r = http.get("/v1/workspaceUsers", &bot).expect("request");
        assert_eq!(r.status, 429);
        assert_eq!(r.retry_after.as_deref(), Some("7"));
        assert!(r.json["code"].is_string());
    }
    let r = http.get("/v1/workspaceUsers", &bot).expect("request");
    assert_eq!(r.status, 200);
    assert_eq!(r.retry_after, None);
}

#[test]
fn latency_delays_the_answer() {
    let (sim, bot) = start();
    let http = Http::new(&sim);
    sim.inject_fault(FaultRule::new(
        "GET",
        "/v1/workspaceUsers",
        Fault::Latency(Duration::from_millis(300)),
    ));
    let started = Instant::now();
    let r = http.get("/v1/workspaceUsers", &bot).expect("request");
    assert_eq!(r.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    sim.clear_faults();
    let started = Instant::now();
    http.get("/v1/workspaceUsers", &bot).expect("request");
    assert!(started.elapsed() < Duration::from_millis(300));
}

#[test]
fn hang_times_the_client_out_without_blocking_other_requests() {
    let (sim, bot) = start();
    sim.inject_fault(FaultRule::any_method("/v1/channels/**", Fault::Hang));
    let impatient = Http::with_timeout(&sim, Duration::from_millis(300));
    let started = Instant::now();
    let result = impatient.get(&format!("/v1/channels/{}", standard::GENERAL), &bot);
    assert!(result.is_err(), "the hanging request times out");
    assert!(started.elapsed() < Duration::from_secs(3));
    // Meanwhile other endpoints answer at once, even with a request held.
    let holder = {
        let sim_url_client = Http::with_timeout(&sim, Duration::from_secs(2));
        let bot = bot.clone();
        std::thread::spawn(move || sim_url_client.get("/v1/channels", &bot).is_err())
    };
    let started = Instant::now();
    let users = Http::new(&sim)
        .get("/v1/workspaceUsers", &bot)
        .expect("request");
    assert_eq!(users.status, 200);
    assert!(started.elapsed() < Duration::from_secs(1));
    let held = sim
        .calls()
        .into_iter()
        .find(|c| c.path == format!("/v1/channels/{}", standard::GENERAL));
    assert_eq!(held.map(|c| (c.faulted, c.status)), Some((true, None)));
    // Stopping the simulator drops held connections promptly.
    let started = Instant::now();
    sim.stop();
    assert!(
        holder.join().expect("thread ends"),
        "held request fails once stopped"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
}
