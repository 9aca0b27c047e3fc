//! Replying through the modal: a DM's reply goes to its author as a new
//! anonymous DM; a channel post's or thread reply's goes into the thread.

use anon_tests::{button_value, TestApp};
use pumble_sim::standard::{ALICE, BOB, CAROL, GENERAL};
use pumble_sim::ResponseEffect;

use crate::assert_acked;

/// The reply modal's text input (anon-core's stable element name).
const REPLY_INPUT: &str = "anon_reply_text";

fn open_reply_modal(app: &TestApp, user: &str, message_id: &str) {
    let answer = app
        .pumble
        .click(user, message_id, "anon_reply")
        .expect("the server answers the click");
    assert_acked(&answer);
    assert!(
        matches!(answer.effect, ResponseEffect::ModalOpened(_)),
        "the click is answered with the modal itself, got {:?}",
        answer.effect
    );
    assert_eq!(app.sim.open_modals(user).len(), 1);
}

#[test]
fn replying_to_a_dm_sends_a_new_anonymous_dm_to_its_author() {
    let app = TestApp::spawn();
    assert_acked(
        &app.pumble
            .slash(
                ALICE,
                GENERAL,
                "/anon",
                "<<@u_bob>> loved your talk papaya1",
            )
            .expect("answered"),
    );
    let bob_dm = app.wait_for_bot_dm(BOB).expect("the bot opened a DM");
    let first = app.wait_for_bot_posts(&bob_dm, 1).expect("DM delivered")[0].clone();

    open_reply_modal(&app, BOB, &first.id);
    let submitted = app
        .pumble
        .submit_modal(BOB, &[(REPLY_INPUT, "thank you, which part quince2")])
        .expect("the submit is answered");
    assert_acked(&submitted);
    assert!(app.sim.open_modals(BOB).is_empty(), "the modal closed");

    app.wait_for_notice(BOB, "Your anonymous reply was sent")
        .expect("Bob is told");
    let alice_dm = app
        .bot_dm_with(ALICE)
        .expect("a bot DM with Alice was opened");
    let reply = app
        .wait_for_bot_posts(&alice_dm, 1)
        .expect("the reply arrives")[0]
        .clone();
    let shown = format!("{}{}", reply.text, reply.blocks);
    assert!(shown.contains("quince2"));
    assert!(!shown.contains("Bob") && !shown.contains(BOB));
    // The reply is a message of its own, with its own id on its buttons.
    let first_id = button_value(&first.blocks, "anon_reply");
    let reply_id = button_value(&reply.blocks, "anon_reply");
    assert!(reply_id.is_some() && reply_id != first_id);
    let alice_sees = app.sim.render_view(ALICE);
    assert!(
        alice_sees.contains("quince2") && !alice_sees.contains("Bob"),
        "{alice_sees}"
    );
    // Nothing went to Bob's DM or the channel.
    assert_eq!(app.bot_posts_in(&bob_dm).len(), 1);
    assert!(app.bot_posts_in(GENERAL).is_empty());

    // Alice answers Bob's reply: it reaches Bob, its author.
    open_reply_modal(&app, ALICE, &reply.id);
    assert_acked(
        &app.pumble
            .submit_modal(ALICE, &[(REPLY_INPUT, "the part about caching rhubarb3")])
            .expect("answered"),
    );
    let bob_posts = app
        .wait_for_bot_posts(&bob_dm, 2)
        .expect("second DM to Bob");
    assert!(
        bob_posts[1].blocks.to_string().contains("rhubarb3")
            || bob_posts[1].text.contains("rhubarb3")
    );
}

#[test]
fn replying_to_a_channel_post_or_thread_reply_answers_in_the_thread() {
    let app = TestApp::spawn();
    let post = app
        .post_anonymously(ALICE, GENERAL, "should we freeze deploys fridays salak4")
        .expect("posted");

    open_reply_modal(&app, BOB, &post.id);
    assert_acked(
        &app.pumble
            .submit_modal(BOB, &[(REPLY_INPUT, "yes please tamarind5")])
            .expect("answered"),
    );
    app.wait_for_notice(BOB, "Posted anonymously in the thread")
        .expect("Bob is told");
    let replies = app.sim.replies_to(&post.id);
    assert_eq!(replies.len(), 1);
    assert!(
        replies[0].blocks.to_string().contains("tamarind5")
            || replies[0].text.contains("tamarind5")
    );

    // Carol replies to Bob's reply: same thread, not a new one.
    open_reply_modal(&app, CAROL, &replies[0].id);
    assert_acked(
        &app.pumble
            .submit_modal(CAROL, &[(REPLY_INPUT, "agreed ugli6")])
            .expect("answered"),
    );
    app.wait_for_notice(CAROL, "Posted anonymously in the thread")
        .expect("Carol is told");
    let replies = app.sim.replies_to(&post.id);
    assert_eq!(replies.len(), 2, "both replies sit under the original post");
    assert!(replies[1].blocks.to_string().contains("ugli6") || replies[1].text.contains("ugli6"));
    let top_level: Vec<_> = app
        .bot_posts_in(GENERAL)
        .into_iter()
        .filter(|m| m.thread_root_id.is_none())
        .collect();
    assert_eq!(top_level.len(), 1, "no new top-level post");
    let dave_sees = app.sim.render_view(pumble_sim::standard::DAVE);
    for name in ["Alice", "Bob", "Carol"] {
        assert!(!dave_sees.contains(name), "{name} visible: {dave_sees}");
    }
}

#[test]
fn closing_the_modal_sends_nothing() {
    let app = TestApp::spawn();
    assert_acked(
        &app.pumble
            .slash(ALICE, GENERAL, "/anon", "<<@u_bob>> hello vanilla7")
            .expect("answered"),
    );
    let bob_dm = app.wait_for_bot_dm(BOB).expect("the bot opened a DM");
    let first = app.wait_for_bot_posts(&bob_dm, 1).expect("delivered")[0].clone();
    open_reply_modal(&app, BOB, &first.id);
    if let Some(answer) = app.pumble.close_modal(BOB).expect("closing works") {
        assert_acked(&answer);
    }
    assert!(app.sim.open_modals(BOB).is_empty());
    // A later DM from Alice is the only thing that arrives anywhere.
    assert_acked(
        &app.pumble
            .slash(ALICE, GENERAL, "/anon", "<<@u_bob>> still there walnut8")
            .expect("answered"),
    );
    app.wait_for_bot_posts(&bob_dm, 2).expect("second DM");
    assert!(app
        .bot_dm_with(ALICE)
        .map(|dm| app.bot_posts_in(&dm).is_empty())
        .unwrap_or(true));
}

#[test]
fn an_empty_or_too_long_reply_is_refused_with_a_reason_and_the_modal_can_be_used_again() {
    let app = TestApp::spawn();
    let post = app
        .post_anonymously(ALICE, GENERAL, "thoughts on the offsite xigua9")
        .expect("posted");

    // D12: every refusal of a submitted reply is told to the replier.
    for (text, reason) in [
        ("   ", "your reply was empty"),
        (&*"y".repeat(2001), "2001 characters"),
    ] {
        open_reply_modal(&app, BOB, &post.id);
        let seen = app.notices(BOB).len();
        let answer = app
            .pumble
            .submit_modal(BOB, &[(REPLY_INPUT, text)])
            .expect("answered");
        assert!(answer.elapsed < crate::ACK_DEADLINE);
        let told_in_answer = crate::nack_message(&answer).is_some_and(|m| m.contains(reason))
            || answer.text().contains(reason);
        if !told_in_answer {
            app.wait_for_notice_after(BOB, seen, reason)
                .expect("Bob is told why nothing was sent");
        }
        while app.pumble.close_modal(BOB).is_ok() {}
    }
    assert!(
        app.sim.replies_to(&post.id).is_empty(),
        "nothing was posted"
    );

    open_reply_modal(&app, BOB, &post.id);
    assert_acked(
        &app.pumble
            .submit_modal(BOB, &[(REPLY_INPUT, "fine, short yuzu10")])
            .expect("answered"),
    );
    app.wait_for_notice(BOB, "Posted anonymously in the thread")
        .expect("the valid reply goes through");
    assert_eq!(app.sim.replies_to(&post.id).len(), 1);
}

#[test]
fn a_reply_reaches_an_author_who_opted_out_of_anonymous_dms() {
    let app = TestApp::spawn();
    assert_acked(
        &app.pumble
            .slash(BOB, GENERAL, "/anon-block", "")
            .expect("answered"),
    );
    app.wait_for_notice(BOB, "no longer receive")
        .expect("Bob opted out");
    // Bob still sends anonymously; the answer to his own message reaches him
    // (it answers something he sent, D18).
    assert_acked(
        &app.pumble
            .slash(
                BOB,
                GENERAL,
                "/anon",
                "<<@u_alice>> sorry about earlier zucchini11",
            )
            .expect("answered"),
    );
    let alice_dm = app.wait_for_bot_dm(ALICE).expect("the bot opened a DM");
    let first = app.wait_for_bot_posts(&alice_dm, 1).expect("delivered")[0].clone();
    open_reply_modal(&app, ALICE, &first.id);
    assert_acked(
        &app.pumble
            .submit_modal(ALICE, &[(REPLY_INPUT, "apology accepted almond12")])
            .expect("answered"),
    );
    app.wait_for_notice(ALICE, "Your anonymous reply was sent")
        .expect("Alice is told it was sent");
    let bob_dm = app.wait_for_bot_dm(BOB).expect("the bot opened a DM");
    let reply = app
        .wait_for_bot_posts(&bob_dm, 1)
        .expect("the reply reaches Bob");
    assert!(format!("{}{}", reply[0].text, reply[0].blocks).contains("almond12"));
}
