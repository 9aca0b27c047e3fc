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

#[test]
fn a_full_queue_refuses_at_once_with_a_busy_message_and_does_nothing() {
    use pumble_sim::{Fault, FaultRule};

    let sim = Simulator::start(Seed::standard()).expect("simulator starts");
    let app = sim.app();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = Settings::loopback(
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
    settings.background_workers = 1;
    settings.background_queue_capacity = 1;
    let server = ServerThread::start(settings).expect("server starts");
    let driver = sim.driver(&server.base_url());
    let code = sim.create_oauth_code(standard::CAROL).expect("code");
    assert_eq!(
        driver
            .oauth_redirect(&format!("code={code}"))
            .expect("redirect")
            .status,
        200
    );

    // Every Pumble call now takes 300 ms, so the one worker stays busy.
    sim.inject_fault(FaultRule::new(
        "POST",
        "/v1/**",
        Fault::Latency(Duration::from_millis(300)),
    ));
    let senders = [
        standard::ALICE,
        standard::BOB,
        standard::GRACE,
        standard::HEIDI,
        standard::IVAN,
    ];
    let mut accepted = Vec::new();
    let mut refused = Vec::new();
    for sender in senders {
        let answer = driver
            .slash(sender, standard::GENERAL, "/anon-block", "")
            .expect("answered");
        assert!(
            answer.elapsed < Duration::from_millis(250),
            "answered at once"
        );
        match answer.status {
            200 => accepted.push(sender),
            400 => {
                let message = answer.json().expect("JSON")["message"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                assert!(message.contains("busy"), "{message}");
                refused.push(sender);
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert!(
        !refused.is_empty(),
        "five commands cannot all fit one worker and one slot"
    );
    assert!(
        accepted.len() <= 3,
        "worker + dispatcher hand-off + one slot"
    );

    // Every accepted command ends in a notice; a refused one leaves nothing.
    wait_for("every accepted command to finish", || {
        accepted
            .iter()
            .all(|user| !sim.ephemerals_for(user).is_empty())
    });
    for user in &refused {
        assert!(
            sim.ephemerals_for(user)
                .iter()
                .all(|notice| notice.text.contains("busy")),
            "a refused command must not be carried out"
        );
    }
    server.stop().expect("clean stop");
}

#[test]
fn stopping_finishes_queued_work_before_closing() {
    use pumble_sim::{Fault, FaultRule};

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
    let code = sim.create_oauth_code(standard::CAROL).expect("code");
    assert_eq!(
        driver
            .oauth_redirect(&format!("code={code}"))
            .expect("redirect")
            .status,
        200
    );

    sim.inject_fault(FaultRule::new(
        "POST",
        "/v1/**",
        Fault::Latency(Duration::from_millis(200)),
    ));
    let ack = driver
        .slash(standard::BOB, standard::GENERAL, "/anon-block", "")
        .expect("answered");
    assert_eq!(ack.status, 200);
    // Stop at once: the queued command still completes before the server is gone.
    server.stop().expect("clean stop");
    assert_eq!(sim.ephemerals_for(standard::BOB).len(), 1);
}
