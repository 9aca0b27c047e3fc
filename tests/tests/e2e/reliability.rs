//! Nothing lost and everything answered in time: a restart between modal
//! open and submit, a slow Pumble, a hanging Pumble, a full work queue.

use std::time::{Duration, Instant};

use anon_tests::{wait_until, TestApp};
use pumble_sim::standard::{ALICE, BOB, GENERAL};
use pumble_sim::{Fault, FaultRule, ResponseEffect};

use crate::{assert_acked, nack_message};

#[test]
fn a_restart_between_modal_open_and_submit_still_delivers_the_reply() {
    let mut app = TestApp::spawn();
    assert_acked(
        &app.pumble
            .slash(
                ALICE,
                GENERAL,
                "/anon",
                "<<@u_bob>> before the restart acai1",
            )
            .expect("answered"),
    );
    let bob_dm = app.wait_for_bot_dm(BOB).expect("the bot opened a DM");
    let first = app.wait_for_bot_posts(&bob_dm, 1).expect("delivered")[0].clone();
    let opened = app
        .pumble
        .click(BOB, &first.id, "anon_reply")
        .expect("answered");
    assert!(
        matches!(opened.effect, ResponseEffect::ModalOpened(_)),
        "{opened:?}"
    );

    // A new process on the same database; Bob's modal is still open.
    app.restart()
        .expect("the server restarts on the same database");
    assert_eq!(app.sim.open_modals(BOB).len(), 1);

    let submitted = app
        .pumble
        .submit_modal(BOB, &[("anon_reply_text", "after the restart bilberry2")])
        .expect("answered");
    assert_acked(&submitted);
    let alice_dm = wait_until("the bot DM with Alice", anon_tests::DEFAULT_WAIT, || {
        app.bot_dm_with(ALICE)
    })
    .expect("opened");
    let reply = app
        .wait_for_bot_posts(&alice_dm, 1)
        .expect("the reply arrives");
    assert!(format!("{}{}", reply[0].text, reply[0].blocks).contains("bilberry2"));
    app.wait_for_notice(BOB, "Your anonymous reply was sent")
        .expect("Bob is told");
}

#[test]
fn a_slow_pumble_still_gets_every_ack_in_time_and_the_message_arrives() {
    let app = TestApp::spawn();
    // A post to reply to and report, made while Pumble is fast.
    let post = app
        .post_anonymously(ALICE, GENERAL, "before the slowdown cloud1")
        .expect("posted");

    // From now on every Pumble API call takes 2 s.
    app.sim.inject_fault(FaultRule::any_method(
        "/**",
        Fault::Latency(Duration::from_secs(2)),
    ));
    let slash = app
        .pumble
        .slash(ALICE, GENERAL, "/anon", "<<@u_bob>> while slow date3")
        .expect("answered");
    assert_acked(&slash);
    let reply_click = app
        .pumble
        .click(BOB, &post.id, "anon_reply")
        .expect("answered");
    assert_acked(&reply_click);
    assert!(
        matches!(reply_click.effect, ResponseEffect::ModalOpened(_)),
        "{reply_click:?}"
    );
    let submit = app
        .pumble
        .submit_modal(BOB, &[("anon_reply_text", "slow reply elder4")])
        .expect("answered");
    assert_acked(&submit);
    let report = app
        .pumble
        .click(BOB, &post.id, "anon_report")
        .expect("answered");
    assert_acked(&report);
    for answer in [&slash, &reply_click, &submit, &report] {
        assert_ne!(
            std::mem::discriminant(&answer.effect),
            std::mem::discriminant(&ResponseEffect::TooLate(None)),
            "Pumble would have shown 'app did not respond'"
        );
    }

    // The work still completes, at Pumble's pace.
    let slow_wait = Duration::from_secs(40);
    let bob_dm =
        wait_until("the bot DM with Bob", slow_wait, || app.bot_dm_with(BOB)).expect("opened");
    wait_until("the DM to Bob", slow_wait, || {
        (!app.bot_posts_in(&bob_dm).is_empty()).then_some(())
    })
    .expect("the DM arrives");
    wait_until("the thread reply", slow_wait, || {
        (!app.sim.replies_to(&post.id).is_empty()).then_some(())
    })
    .expect("the reply arrives");
}

#[test]
fn a_hanging_pumble_makes_the_sender_hear_about_it_after_the_timeout() {
    let app = TestApp::builder()
        .settings(|s| s.pumble_http_timeout = Duration::from_millis(500))
        .spawn();
    // The first DM opens the bot↔Bob channel.
    assert_acked(
        &app.pumble
            .slash(ALICE, GENERAL, "/anon", "<<@u_bob>> first fig1")
            .expect("answered"),
    );
    app.wait_for_notice(ALICE, "Sent anonymously")
        .expect("first sent");
    let bob_dm = app.bot_dm_with(BOB).expect("opened");

    // Posting into that DM now hangs; everything else (the ephemeral to
    // Alice in #general) still answers.
    app.sim.inject_fault(FaultRule::new(
        "POST",
        &format!("/v1/channels/{bob_dm}/messages"),
        Fault::Hang,
    ));
    let seen = app.notices(ALICE).len();
    let started = Instant::now();
    assert_acked(
        &app.pumble
            .slash(ALICE, GENERAL, "/anon", "<<@u_bob>> second grape2")
            .expect("answered"),
    );
    let told = wait_until(
        "a notice about the failed send",
        Duration::from_secs(10),
        || app.notices(ALICE).into_iter().nth(seen),
    )
    .expect("Alice hears about it");
    let after = started.elapsed();
    assert!(
        told.contains("could not confirm") || told.contains("Nothing was sent"),
        "told: {told}"
    );
    assert!(!told.contains("Sent anonymously"));
    assert!(
        after >= Duration::from_millis(500),
        "only after the timeout ({after:?})"
    );
    assert!(
        after < Duration::from_secs(5),
        "soon after the timeout ({after:?})"
    );
    assert_eq!(
        app.bot_posts_in(&bob_dm).len(),
        1,
        "the hung post never landed"
    );
}

#[test]
fn a_full_queue_answers_busy_at_once_and_half_does_nothing() {
    let app = TestApp::builder()
        .settings(|s| {
            s.background_workers = 1;
            s.background_queue_capacity = 1;
        })
        .spawn();
    // Each command now takes a while (channel facts, post, notice).
    app.sim.inject_fault(FaultRule::any_method(
        "/**",
        Fault::Latency(Duration::from_millis(300)),
    ));
    let mut accepted = Vec::new();
    let mut busy = Vec::new();
    for i in 0..8 {
        let marker = format!("flood{i}x");
        let answer = app
            .pumble
            .slash(ALICE, GENERAL, "/anon", &format!("flooding {marker}"))
            .expect("answered");
        assert!(answer.elapsed < Duration::from_secs(1), "answered at once");
        if answer.is_success() {
            accepted.push(marker);
        } else {
            let message = nack_message(&answer).unwrap_or_default();
            assert!(message.contains("busy"), "{} {message}", answer.status);
            busy.push(marker);
        }
    }
    assert!(!busy.is_empty(), "a one-slot queue must refuse some of 8");
    assert!(!accepted.is_empty());
    assert!(
        accepted.len() <= 3,
        "at most one running, one queued (+1 race)"
    );

    // Every accepted command completes; no refused one ever appears.
    let posts = app
        .wait_for_bot_posts(GENERAL, accepted.len())
        .expect("accepted commands complete");
    let shown: Vec<String> = posts
        .iter()
        .map(|m| format!("{}{}", m.text, m.blocks))
        .collect();
    for marker in &accepted {
        assert!(
            shown.iter().any(|s| s.contains(marker.as_str())),
            "{marker} posted"
        );
    }
    app.wait_for_notices(ALICE, accepted.len() + busy.len())
        .expect("every command told its outcome");
    let view = app.sim.render_view(ALICE);
    for marker in &busy {
        assert!(
            !view.contains(marker.as_str()),
            "{marker} was refused yet appeared"
        );
    }
    assert_eq!(app.bot_posts_in(GENERAL).len(), accepted.len());
}

#[test]
fn a_graceful_stop_finishes_every_accepted_command_first() {
    let mut app = TestApp::spawn();
    app.sim.inject_fault(FaultRule::any_method(
        "/**",
        Fault::Latency(Duration::from_millis(150)),
    ));
    let markers: Vec<String> = (0..5).map(|i| format!("drain{i}x")).collect();
    for marker in &markers {
        assert_acked(
            &app.pumble
                .slash(
                    ALICE,
                    GENERAL,
                    "/anon",
                    &format!("before the stop {marker}"),
                )
                .expect("answered"),
        );
    }
    // Stop at once (work still queued or in flight). The stop returns only
    // once the queue is drained, so everything is there right after it: the
    // queue lives in memory and the new process could not have done it.
    app.restart().expect("stops gracefully and starts again");
    let posts = app.bot_posts_in(GENERAL);
    assert_eq!(
        posts.len(),
        markers.len(),
        "every accepted command was carried out"
    );
    for marker in &markers {
        assert!(
            posts
                .iter()
                .any(|m| format!("{}{}", m.text, m.blocks).contains(marker.as_str())),
            "{marker} was lost"
        );
    }
    assert_eq!(
        app.notices(ALICE).len(),
        markers.len(),
        "and its sender told"
    );
}
