//! End-to-end smoke path against the simulator: install through the real
//! OAuth redirect, then one anonymous DM, seen from both sides.

use std::time::{Duration, Instant};

use anon::{LoopbackApp, ServerThread, Settings};
use pumble_sim::{standard, Seed, Simulator};

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn install_then_an_anonymous_dm_reaches_the_recipient_without_its_author() {
    let sim = Simulator::start(Seed::standard()).expect("simulator starts");
    let app = sim.app();
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = Settings::loopback(
        &LoopbackApp {
            app_id: &app.app_id,
            app_key: &app.app_key,
            client_secret: &app.client_secret,
            signing_secret: &app.signing_secret,
        },
        &sim.base_url(),
        &dir.path().join("anon.db"),
    )
    .expect("valid settings");
    let server = ServerThread::start(settings).expect("server starts");
    let driver = sim.driver(&server.base_url());

    let installed = driver
        .oauth_install(standard::CAROL, None)
        .expect("redirect answered");
    assert_eq!(installed.status, 200, "{}", installed.text());
    assert!(installed.text().contains("connected"));

    let body = "the release notes were really clear";
    let ack = driver
        .slash(
            standard::ALICE,
            standard::GENERAL,
            "/anon",
            &format!("<<@{}>> {body}", standard::BOB),
        )
        .expect("command answered");
    assert_eq!(ack.status, 200);
    assert_eq!(ack.json(), Some(serde_json::json!({})));
    assert!(ack.elapsed < Duration::from_secs(1));

    wait_for("the DM to reach Bob", || {
        sim.render_view(standard::BOB).contains(body)
    });
    let bob_sees = sim.render_view(standard::BOB);
    assert!(
        !bob_sees.contains("Alice"),
        "Bob must not learn the author:\n{bob_sees}"
    );

    // Alice is told it was sent, and only she sees that.
    wait_for("Alice's confirmation", || {
        sim.render_view(standard::ALICE).contains("(only you)")
    });
    let alice_sees = sim.render_view(standard::ALICE);
    assert!(
        !alice_sees.contains(body),
        "the body goes to Bob only:\n{alice_sees}"
    );

    server.stop().expect("clean stop");
}
