//! Lifecycle events: uninstall leaves nothing of the workspace; unauthorize
//! removes that user's tokens.

use anon_tests::{TableRows, TestApp};
use pumble_sim::standard::{ALICE, BOB, CAROL, GENERAL, WORKSPACE};
use pumble_sim::EventEnvelope;

use crate::assert_acked;

/// Leaves something of every kind in the database: a DM, a channel post, a
/// reply, a report (and its channel), an opt-out, rate-limit counts, audit
/// rows, tokens.
fn use_every_feature(app: &TestApp) {
    assert_acked(
        &app.pumble
            .slash(ALICE, GENERAL, "/anon", "<<@u_bob>> hi lime1")
            .expect("answered"),
    );
    let post = app
        .post_anonymously(ALICE, GENERAL, "a post lime2")
        .expect("posted");
    assert_acked(
        &app.pumble
            .click(BOB, &post.id, "anon_reply")
            .expect("answered"),
    );
    assert_acked(
        &app.pumble
            .submit_modal(BOB, &[("anon_reply_text", "a reply lime3")])
            .expect("answered"),
    );
    assert_acked(
        &app.pumble
            .click(CAROL, &post.id, "anon_report")
            .expect("answered"),
    );
    assert_acked(
        &app.pumble
            .slash(CAROL, GENERAL, "/anon-block", "")
            .expect("answered"),
    );
    app.wait_for_notice(BOB, "Posted anonymously in the thread")
        .expect("reply done");
    app.wait_for_notice(CAROL, "Reported").expect("report done");
    app.wait_for_notice(CAROL, "no longer receive")
        .expect("opt-out done");
    app.wait_for_notice(ALICE, "Sent anonymously")
        .expect("DM done");
}

fn rows(app: &TestApp) -> Vec<TableRows> {
    app.store()
        .expect("database opens")
        .workspace_rows(WORKSPACE)
        .expect("tables readable")
}

#[test]
fn uninstall_leaves_nothing_of_the_workspace_but_its_opt_outs() {
    let app = TestApp::spawn();
    use_every_feature(&app);
    let before = rows(&app);
    for table in [
        "messages",
        "conversations",
        "audit_events",
        "bot_tokens",
        "user_tokens",
        "report_channels",
    ] {
        assert!(
            before.iter().any(|t| t.table == table && t.rows > 0),
            "the scenario left rows in {table}: {before:?}"
        );
    }

    let answer = app.pumble.app_uninstalled(WORKSPACE).expect("answered");
    assert_acked(&answer);

    let after = rows(&app);
    for table in &after {
        // Opt-outs are kept on purpose (D18): a reinstall must not resume DMs
        // to people who opted out. They are keyed hashes, not ids.
        let expected = if table.table == "opt_outs" { 1 } else { 0 };
        assert_eq!(table.rows, expected, "{} after uninstall", table.table);
    }
    let probe = app.store().expect("database opens");
    let store = probe.store();
    assert!(probe
        .block_on(store.tokens().bot_token(WORKSPACE))
        .expect("query")
        .is_none());
    assert!(probe
        .block_on(store.tokens().user_token(WORKSPACE, CAROL))
        .expect("query")
        .is_none());
    assert!(probe
        .block_on(store.report_channels().get(WORKSPACE))
        .expect("query")
        .is_none());
    assert!(
        probe
            .block_on(store.opt_outs().is_opted_out(WORKSPACE, CAROL))
            .expect("query"),
        "Carol stays opted out"
    );
}

#[test]
fn uninstall_sent_as_pumble_event_is_handled_the_same() {
    let app = TestApp::spawn();
    let pumble = app
        .pumble
        .clone()
        .with_event_envelope(EventEnvelope::PumbleEvent);
    assert_acked(&pumble.app_uninstalled(WORKSPACE).expect("answered"));
    assert!(rows(&app).iter().all(|t| t.rows == 0), "{:?}", rows(&app));
}

#[test]
fn unauthorize_removes_that_users_tokens_only() {
    let app = TestApp::spawn();
    // A second user authorizes the app too.
    let code = app.sim.create_oauth_code(BOB).expect("code");
    assert_eq!(
        app.pumble
            .oauth_redirect(&format!("code={code}"))
            .expect("answered")
            .status,
        200
    );
    let probe = app.store().expect("database opens");
    let store = probe.store();
    assert!(probe
        .block_on(store.tokens().user_token(WORKSPACE, BOB))
        .expect("query")
        .is_some());

    assert_acked(&app.pumble.app_unauthorized(CAROL).expect("answered"));

    assert!(
        probe
            .block_on(store.tokens().user_token(WORKSPACE, CAROL))
            .expect("query")
            .is_none(),
        "Carol's token is gone"
    );
    assert!(probe
        .block_on(store.tokens().user_token(WORKSPACE, BOB))
        .expect("query")
        .is_some());
    assert!(probe
        .block_on(store.tokens().bot_token(WORKSPACE))
        .expect("query")
        .is_some());
    drop(probe);

    // The app still works for everyone (the bot token is the workspace's).
    assert_acked(
        &app.pumble
            .slash(ALICE, GENERAL, "/anon", "still working lime9")
            .expect("answered"),
    );
    app.wait_for_bot_posts(GENERAL, 1).expect("posted");
}

#[test]
fn after_uninstall_and_reinstall_opt_outs_still_hold_and_the_app_works_again() {
    let mut app = TestApp::spawn();
    assert_acked(
        &app.pumble
            .slash(BOB, GENERAL, "/anon-block", "")
            .expect("answered"),
    );
    app.wait_for_notice(BOB, "no longer receive")
        .expect("Bob opted out");
    assert_acked(&app.pumble.app_uninstalled(WORKSPACE).expect("answered"));

    // Reinstalled: Pumble issues a new bot token, which the server stores.
    app.install().expect("the owner installs the app again");
    let probe = app.store().expect("database opens");
    let stored = probe
        .block_on(probe.store().tokens().bot_token(WORKSPACE))
        .expect("query")
        .expect("a bot token again");
    use secrecy::ExposeSecret as _;
    assert_eq!(
        Some(stored.expose_secret().to_owned()),
        app.sim.bot_token(WORKSPACE)
    );
    drop(probe);

    // D18: Bob's opt-out survived; the rest works with the new token.
    let seen = app.notices(ALICE).len();
    assert_acked(
        &app.pumble
            .slash(ALICE, GENERAL, "/anon", "<<@u_bob>> after reinstall lime7")
            .expect("answered"),
    );
    app.wait_for_notice_after(ALICE, seen, "opted out")
        .expect("Bob still gets no anonymous DMs");
    app.post_anonymously(ALICE, GENERAL, "after reinstall lime8")
        .expect("channel posts work with the new bot token");
}
