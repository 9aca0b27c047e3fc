//! The three `/anon` modes and opting out of anonymous DMs.

use anon_tests::{button_value, TestApp};
use pumble_sim::standard::{ALICE, BOB, CAROL, GENERAL, WORKSPACE};

use crate::assert_acked;

#[test]
fn anon_dm_reaches_the_recipient_from_the_bot_and_tells_the_sender() {
    let app = TestApp::spawn();

    let answer = app
        .pumble
        .slash(
            ALICE,
            GENERAL,
            "/anon",
            "<<@u_bob>> the release notes were clear kiwi1",
        )
        .expect("the server answers");
    assert_acked(&answer);

    app.wait_for_notice(ALICE, "Sent anonymously")
        .expect("the sender hears it was sent");
    let dm = app.bot_dm_with(BOB).expect("a bot DM with Bob was opened");
    let posts = app.wait_for_bot_posts(&dm, 1).expect("the DM arrives");
    assert_eq!(posts.len(), 1);
    let post = &posts[0];
    let shown = format!("{}{}", post.text, post.blocks);
    assert!(shown.contains("the release notes were clear kiwi1"));
    assert!(
        !shown.contains("u_bob"),
        "the mention is not part of the body"
    );
    assert!(!shown.contains(ALICE) && !shown.contains("Alice"));
    // Both buttons carry anon's own id of this message.
    let reply = button_value(&post.blocks, "anon_reply").expect("a Reply button");
    let report = button_value(&post.blocks, "anon_report").expect("a Report button");
    assert_eq!(reply, report);
    assert_eq!(reply.len(), 32);

    let bob_sees = app.sim.render_view(BOB);
    assert!(bob_sees.contains("kiwi1"), "{bob_sees}");
    assert!(!bob_sees.contains("Alice"), "{bob_sees}");
    // Nothing landed in the channel the command was typed in.
    assert!(app.bot_posts_in(GENERAL).is_empty());
}

#[test]
fn anon_without_mention_posts_in_the_channel() {
    let app = TestApp::spawn();

    let answer = app
        .pumble
        .slash(
            ALICE,
            GENERAL,
            "/anon",
            "could we move the weekly sync lemon2",
        )
        .expect("the server answers");
    assert_acked(&answer);

    let posts = app
        .wait_for_bot_posts(GENERAL, 1)
        .expect("the post appears");
    assert!(posts[0].text.contains("lemon2") || posts[0].blocks.to_string().contains("lemon2"));
    assert!(posts[0].thread_root_id.is_none());
    app.wait_for_notice(ALICE, "Posted anonymously in this channel")
        .expect("the sender is told");
    for viewer in [BOB, CAROL] {
        let view = app.sim.render_view(viewer);
        assert!(view.contains("lemon2") && !view.contains("Alice"), "{view}");
    }
}

#[test]
fn anon_inside_a_thread_replies_in_that_thread() {
    let app = TestApp::spawn();
    let root = app
        .sim
        .post_as(BOB, GENERAL, "staging deploy failed again", None)
        .expect("Bob starts a thread");

    let answer = app
        .pumble
        .slash_in_thread(
            ALICE,
            GENERAL,
            &root.id,
            "/anon",
            "same problem here mango3",
        )
        .expect("the server answers");
    assert_acked(&answer);

    app.wait_for_notice(ALICE, "Posted anonymously in the thread")
        .expect("the sender is told");
    let replies = app.sim.replies_to(&root.id);
    assert_eq!(replies.len(), 1, "exactly one reply in the thread");
    assert!(replies[0].blocks.to_string().contains("mango3") || replies[0].text.contains("mango3"));
    assert_eq!(replies[0].thread_root_id.as_deref(), Some(root.id.as_str()));
    // Not also posted at the channel's top level.
    assert!(app
        .bot_posts_in(GENERAL)
        .iter()
        .all(|m| m.thread_root_id.is_some()));
}

#[test]
fn a_blocked_user_gets_no_dm_while_the_sender_is_told_and_unblocking_restores_dms() {
    let app = TestApp::spawn();

    assert_acked(
        &app.pumble
            .slash(BOB, GENERAL, "/anon-block", "")
            .expect("answered"),
    );
    app.wait_for_notice(BOB, "no longer receive anonymous direct messages")
        .expect("Bob is told he opted out");

    assert_acked(
        &app.pumble
            .slash(ALICE, GENERAL, "/anon", "<<@u_bob>> are you there nectar5")
            .expect("answered"),
    );
    app.wait_for_notice(ALICE, "opted out of anonymous direct messages")
        .expect("Alice is told why nothing was sent");
    assert!(
        app.bot_dm_with(BOB)
            .map(|dm| app.bot_posts_in(&dm).is_empty())
            .unwrap_or(true),
        "Bob received nothing"
    );
    assert!(!app.sim.render_view(BOB).contains("nectar5"));

    // Blocking twice says so; unblocking lets DMs through again.
    assert_acked(
        &app.pumble
            .slash(BOB, GENERAL, "/anon-block", "")
            .expect("answered"),
    );
    app.wait_for_notice(BOB, "already opted out")
        .expect("told it was already so");
    assert_acked(
        &app.pumble
            .slash(BOB, GENERAL, "/anon-unblock", "")
            .expect("answered"),
    );
    app.wait_for_notice(BOB, "can receive anonymous direct messages again")
        .expect("Bob is told he opted back in");

    assert_acked(
        &app.pumble
            .slash(ALICE, GENERAL, "/anon", "<<@u_bob>> second try olive6")
            .expect("answered"),
    );
    app.wait_for_notice(ALICE, "Sent anonymously")
        .expect("sent this time");
    let dm = app.bot_dm_with(BOB).expect("DM opened");
    let posts = app.wait_for_bot_posts(&dm, 1).expect("delivered");
    assert!(posts[0].blocks.to_string().contains("olive6") || posts[0].text.contains("olive6"));
    assert!(
        !app.sim.render_view(BOB).contains("nectar5"),
        "the refused one never arrives"
    );
}

#[test]
fn install_stores_the_bot_token_and_the_installers_token() {
    let app = TestApp::spawn();
    let probe = app.store().expect("database opens with the server's key");
    let bot = probe
        .block_on(probe.store().tokens().bot_token(WORKSPACE))
        .expect("query works")
        .expect("a bot token is stored");
    use secrecy::ExposeSecret as _;
    assert_eq!(
        Some(bot.expose_secret().to_owned()),
        app.sim.bot_token(WORKSPACE),
        "the stored bot token is the one Pumble issued"
    );
    let bot_user = probe
        .block_on(probe.store().tokens().bot_user_id(WORKSPACE))
        .expect("query works");
    assert_eq!(bot_user, app.sim.bot_user_id(WORKSPACE));
    let carol = probe
        .block_on(probe.store().tokens().user_token(WORKSPACE, CAROL))
        .expect("query works");
    assert!(carol.is_some(), "the installer's user token is stored");
    let bob = probe
        .block_on(probe.store().tokens().user_token(WORKSPACE, BOB))
        .expect("query works");
    assert!(bob.is_none(), "nobody else's");
}
