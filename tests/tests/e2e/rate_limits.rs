//! Limits: 20 sends a minute per sender, 10 an hour per (sender, target).

use anon_tests::{wait_until, TestApp, DEFAULT_WAIT};
use pumble_sim::standard::{ALICE, BOB, CAROL, DAVE, GENERAL, GRACE, HEIDI};

use crate::assert_acked;

/// Every bot post in every DM of the workspace whose text has `prefix`.
fn delivered_with(app: &TestApp, recipients: &[&str], prefix: &str) -> Vec<String> {
    recipients
        .iter()
        .filter_map(|r| app.bot_dm_with(r))
        .flat_map(|dm| app.bot_posts_in(&dm))
        .map(|m| format!("{}{}", m.text, m.blocks))
        .filter(|s| s.contains(prefix))
        .collect()
}

#[test]
fn twenty_five_rapid_sends_deliver_exactly_twenty_and_tell_why_for_five() {
    let app = TestApp::spawn();
    // Five recipients, five messages each: no per-recipient limit is reached,
    // only the per-sender one.
    let recipients = [BOB, CAROL, DAVE, GRACE, HEIDI];
    for i in 0..25 {
        let to = recipients[i % recipients.len()];
        let answer = app
            .pumble
            .slash(
                ALICE,
                GENERAL,
                "/anon",
                &format!("<<@{to}>> burst rl{i:02}x"),
            )
            .expect("answered");
        assert_acked(&answer);
    }

    let notices = wait_until("25 outcomes told to Alice", DEFAULT_WAIT, || {
        let notices = app.notices(ALICE);
        let told = notices
            .iter()
            .filter(|n| n.contains("Sent anonymously") || n.contains("a minute"))
            .count();
        (told >= 25).then_some(notices)
    })
    .expect("every send ends in a notice");
    let sent = notices
        .iter()
        .filter(|n| n.contains("Sent anonymously"))
        .count();
    let limited = notices
        .iter()
        .filter(|n| n.contains("20 anonymous messages a minute"))
        .count();
    assert_eq!((sent, limited), (20, 5));
    let delivered = delivered_with(&app, &recipients, "burst rl");
    assert_eq!(delivered.len(), 20, "exactly twenty arrived");
    let mut distinct: Vec<&String> = delivered.iter().collect();
    distinct.dedup();
    assert_eq!(distinct.len(), 20, "none twice");
}

#[test]
fn the_eleventh_dm_to_one_person_within_an_hour_is_refused() {
    let app = TestApp::spawn();
    for i in 0..11 {
        assert_acked(
            &app.pumble
                .slash(
                    ALICE,
                    GENERAL,
                    "/anon",
                    &format!("<<@u_bob>> again pt{i:02}x"),
                )
                .expect("answered"),
        );
    }
    let notices = wait_until("11 outcomes", DEFAULT_WAIT, || {
        let notices = app.notices(ALICE);
        (notices.len() >= 11).then_some(notices)
    })
    .expect("every send ends in a notice");
    let sent = notices
        .iter()
        .filter(|n| n.contains("Sent anonymously"))
        .count();
    let limited = notices
        .iter()
        .filter(|n| n.contains("an hour to the same person"))
        .count();
    assert_eq!((sent, limited), (10, 1));
    assert_eq!(delivered_with(&app, &[BOB], "again pt").len(), 10);

    // Someone else is still reachable: the limit is per target.
    assert_acked(
        &app.pumble
            .slash(ALICE, GENERAL, "/anon", "<<@u_carol>> other person pt99x")
            .expect("answered"),
    );
    wait_until("the DM to Carol", DEFAULT_WAIT, || {
        (delivered_with(&app, &[CAROL], "pt99x").len() == 1).then_some(())
    })
    .expect("delivered");
}
