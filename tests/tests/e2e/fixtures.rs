//! The shared fixtures, sent byte for byte and re-signed: every one is
//! accepted and answered in time, and the server carries on.

use anon_tests::{fixtures, wait_until, TestApp, DEFAULT_WAIT};
use pumble_sim::standard::{ALICE, BOB, GENERAL};

#[test]
fn every_fixture_is_accepted_and_answered_in_time() {
    let app = TestApp::spawn();
    // The thread fixture names a root the workspace must know.
    let root = app
        .sim
        .post_as(BOB, GENERAL, "a thread to answer in", None)
        .expect("a thread");
    for name in fixtures::REQUEST_FIXTURES {
        let mut body = fixtures::bytes(name).expect("fixture readable");
        if *name == "slash_anon_thread.json" {
            body = String::from_utf8(body)
                .expect("UTF-8 fixture")
                .replace("msg_thread_root_1", &root.id)
                .into_bytes();
        }
        let answer = app.pumble.send_signed("/hook", &body).expect("answered");
        assert!(
            answer.is_success(),
            "{name}: answered {} {}",
            answer.status,
            answer.text()
        );
        assert!(
            answer.elapsed < crate::ACK_DEADLINE,
            "{name}: answered after {:?}",
            answer.elapsed
        );
    }
    // The three /anon fixtures (typed by Alice in #general) each end in a
    // notice to her; the DM reached Bob.
    let told = wait_until("three outcomes told to Alice", DEFAULT_WAIT, || {
        let notices = app.notices(ALICE);
        (notices.len() >= 3).then_some(notices)
    })
    .expect("each command ends in a notice");
    assert!(
        told.iter().any(|n| n.contains("Sent anonymously")),
        "{told:?}"
    );
    assert!(told
        .iter()
        .any(|n| n.contains("Posted anonymously in this channel")));
    assert!(told
        .iter()
        .any(|n| n.contains("Posted anonymously in the thread")));
    assert!(app
        .sim
        .render_view(BOB)
        .contains("your release notes were really clear"));
    assert_eq!(app.sim.replies_to(&root.id).len(), 1);

    // Still serving after the uninstall fixture.
    let agent_check = ureq::get(format!("{}/health", app.base_url())).call();
    assert_eq!(agent_check.map(|r| r.status().as_u16()).ok(), Some(200));
}

#[test]
fn fixtures_are_accepted_with_seconds_timestamps_too() {
    let app = TestApp::spawn();
    let pumble = app
        .pumble
        .clone()
        .with_timestamp_unit(pumble_sim::TimestampUnit::Seconds);
    let body = fixtures::bytes("slash_anon_channel.json").expect("fixture");
    let answer = pumble.send_signed("/hook", &body).expect("answered");
    assert!(answer.is_success(), "{}", answer.status);
    app.wait_for_bot_posts(GENERAL, 1).expect("posted");
}
