//! Every refusal tells the person why, and nothing is sent or lost.

use anon_tests::{fixtures, TestApp};
use pumble_sim::standard::{ALICE, BOB, CAROL, GENERAL, RANDOM, WORKSPACE};
use pumble_sim::{AppResponse, ChannelType};
use serde_json::json;

use crate::{assert_acked, nack_message};

/// Sends a request with `send` and asserts `user` is told something
/// containing `needle` because of it: as the `message` of a nack answer, or
/// as an ephemeral notice shown after the request.
#[track_caller]
fn assert_refused(
    app: &TestApp,
    user: &str,
    needle: &str,
    send: impl FnOnce() -> AppResponse,
) -> AppResponse {
    let seen = app.notices(user).len();
    let answer = send();
    assert!(
        answer.elapsed < crate::ACK_DEADLINE,
        "answered after {:?}",
        answer.elapsed
    );
    if nack_message(&answer).is_some_and(|m| m.contains(needle)) {
        return answer;
    }
    if let Err(error) = app.wait_for_notice_after(user, seen, needle) {
        panic!(
            "{error}; answer {} {}; {user} sees:\n{}",
            answer.status,
            answer.text(),
            app.sim.render_view(user)
        );
    }
    answer
}

/// Nothing by the bot anywhere in the workspace.
#[track_caller]
fn assert_nothing_posted(app: &TestApp) {
    for channel in app.sim.channels(WORKSPACE) {
        assert!(
            app.bot_posts_in(&channel.id).is_empty(),
            "the app posted in {}",
            channel.id
        );
    }
}

fn slash(app: &TestApp, user: &str, channel: &str, text: &str) -> AppResponse {
    let answer = app
        .pumble
        .slash(user, channel, "/anon", text)
        .expect("the server answers");
    assert_acked(&answer);
    answer
}

#[test]
fn a_dm_to_oneself_is_refused() {
    let app = TestApp::spawn();
    assert_refused(&app, ALICE, "to yourself", || {
        slash(&app, ALICE, GENERAL, "<<@u_alice>> note to self")
    });
    assert_nothing_posted(&app);
}

#[test]
fn a_dm_to_the_bot_is_refused() {
    let app = TestApp::spawn();
    assert_refused(&app, ALICE, "does not read messages", || {
        slash(&app, ALICE, GENERAL, "<<@u_anonbot>> hello bot")
    });
    assert_nothing_posted(&app);
}

#[test]
fn a_mention_not_at_the_start_is_refused_instead_of_posted_publicly() {
    let app = TestApp::spawn();
    assert_refused(&app, ALICE, "does not start with the mention", || {
        slash(&app, ALICE, GENERAL, "hey <<@u_bob>> you left the oven on")
    });
    assert_nothing_posted(&app);
}

#[test]
fn empty_text_gets_the_usage() {
    let app = TestApp::spawn();
    assert_refused(&app, ALICE, "How to use anon", || {
        slash(&app, ALICE, GENERAL, "")
    });
    assert_refused(&app, ALICE, "How to use anon", || {
        slash(&app, ALICE, GENERAL, "<<@u_bob>>")
    });
    assert_nothing_posted(&app);
}

#[test]
fn over_2000_characters_is_refused_and_2000_multibyte_characters_are_sent() {
    let app = TestApp::spawn();
    let too_long = "x".repeat(2001);
    assert_refused(&app, ALICE, "2001 characters", || {
        slash(&app, ALICE, GENERAL, &too_long)
    });
    assert_nothing_posted(&app);

    // 2000 characters of 2 and 3 bytes each: 5000 bytes, exactly at the limit.
    let body: String = "é日".repeat(1000);
    assert_eq!(body.chars().count(), 2000);
    slash(&app, ALICE, GENERAL, &format!("<<@u_bob>> {body}"));
    app.wait_for_notice(ALICE, "Sent anonymously")
        .expect("the 2000-character message is sent");
    let dm = app.bot_dm_with(BOB).expect("DM opened");
    let posts = app.wait_for_bot_posts(&dm, 1).expect("delivered");
    assert!(
        posts[0].blocks.to_string().contains(&body) || posts[0].text.contains(&body),
        "delivered whole"
    );
}

#[test]
fn a_channel_post_in_a_dm_between_people_is_refused() {
    let app = TestApp::spawn();
    app.sim
        .add_channel(
            WORKSPACE,
            "ch_dm_alice_bob",
            "",
            ChannelType::Direct,
            &[ALICE, BOB],
        )
        .expect("a human DM");
    assert_refused(&app, ALICE, "everyone would know it was you", || {
        slash(&app, ALICE, "ch_dm_alice_bob", "guess who")
    });
    assert_nothing_posted(&app);
}

#[test]
fn a_channel_post_in_a_channel_with_fewer_than_three_people_is_refused() {
    let app = TestApp::spawn();
    app.sim
        .add_channel(
            WORKSPACE,
            "ch_small",
            "small",
            ChannelType::Private,
            &[ALICE, BOB, pumble_sim::standard::BOT],
        )
        .expect("a two-person channel");
    assert_refused(&app, ALICE, "fewer than 3 members", || {
        slash(&app, ALICE, "ch_small", "guess who again")
    });
    assert_nothing_posted(&app);
}

#[test]
fn one_cannot_reply_to_or_report_ones_own_message() {
    let app = TestApp::spawn();
    let post = app
        .post_anonymously(ALICE, GENERAL, "my own post hazel1")
        .expect("posted");

    assert_refused(&app, ALICE, "cannot reply to it", || {
        app.pumble
            .click(ALICE, &post.id, "anon_reply")
            .expect("answered")
    });
    assert!(app.sim.open_modals(ALICE).is_empty(), "no modal opened");

    let answer = assert_refused(&app, ALICE, "cannot report it", || {
        app.pumble
            .click(ALICE, &post.id, "anon_report")
            .expect("answered")
    });
    assert_acked(&answer);
    assert!(
        no_reports_channel(&app),
        "no reports channel for a refused report"
    );
    assert!(app.sim.replies_to(&post.id).is_empty());
}

fn no_reports_channel(app: &TestApp) -> bool {
    app.sim
        .channels(WORKSPACE)
        .iter()
        .all(|c| !c.name.as_deref().unwrap_or("").starts_with("anon-reports"))
}

/// A button click as Pumble sends it (§3.4), built by hand so that the
/// channel, the message and the value can be forged.
fn click_body(user: &str, channel: &str, source: &str, on_action: &str, value: &str) -> Vec<u8> {
    let mut body = fixtures::json("block_reply_click.json").expect("fixture");
    body["userId"] = json!(user);
    body["channelId"] = json!(channel);
    body["sourceId"] = json!(source);
    body["onAction"] = json!(on_action);
    body["payload"] = json!(json!({ "value": value }).to_string());
    body["triggerId"] = json!(format!("trg_{on_action}_{user}"));
    serde_json::to_vec(&body).expect("serialisable")
}

#[test]
fn a_click_from_another_channel_is_refused() {
    let app = TestApp::spawn();
    let post = app
        .post_anonymously(ALICE, GENERAL, "posted in general iris2")
        .expect("posted");
    let id = anon_tests::button_value(&post.blocks, "anon_report").expect("button");

    // Bob's click claims to come from #random, where the post is not.
    for action in ["anon_reply", "anon_report"] {
        assert_refused(&app, BOB, "only works in the conversation", || {
            app.pumble
                .send_signed("/hook", &click_body(BOB, RANDOM, &post.id, action, &id))
                .expect("answered")
        });
    }
    assert!(app.sim.open_modals(BOB).is_empty());
    assert!(app.sim.replies_to(&post.id).is_empty());
    assert_eq!(app.bot_posts_in(GENERAL).len(), 1);
    assert!(no_reports_channel(&app));
}

#[test]
fn a_dm_button_pressed_by_someone_else_is_refused() {
    let app = TestApp::spawn();
    slash(&app, ALICE, GENERAL, "<<@u_bob>> only for bob jasmine3");
    let dm = app.wait_for_bot_dm(BOB).expect("the bot opened a DM");
    let post = app.wait_for_bot_posts(&dm, 1).expect("delivered")[0].clone();
    let id = anon_tests::button_value(&post.blocks, "anon_reply").expect("button");

    // Carol (not the recipient) presents the DM's button value from #general.
    for action in ["anon_reply", "anon_report"] {
        assert_refused(
            &app,
            CAROL,
            "Only the person who received this message",
            || {
                app.pumble
                    .send_signed("/hook", &click_body(CAROL, GENERAL, &post.id, action, &id))
                    .expect("answered")
            },
        );
    }
    assert!(app.sim.open_modals(CAROL).is_empty());
    assert!(no_reports_channel(&app));
}

#[test]
fn a_legacy_or_unknown_button_value_is_refused_with_a_reason() {
    let app = TestApp::spawn();
    slash(&app, ALICE, GENERAL, "<<@u_bob>> hello kumquat4");
    let dm = app.wait_for_bot_dm(BOB).expect("the bot opened a DM");
    let post = app.wait_for_bot_posts(&dm, 1).expect("delivered")[0].clone();
    // The reference app's value format, as in the shared fixtures, on our
    // buttons and on the reference app's own button names.
    let legacy = "c0a80101-0000-4000-8000-00000000d001:recipient";
    for action in ["anon_reply", "anon_report", "reply_anon", "report_anon"] {
        let answer = assert_refused(&app, BOB, "older version of anon", || {
            app.pumble
                .send_signed("/hook", &click_body(BOB, &dm, &post.id, action, legacy))
                .expect("answered")
        });
        assert!(
            answer.is_success() || nack_message(&answer).is_some(),
            "{action}: answered {} without a message for the user",
            answer.status
        );
    }
    assert!(app.sim.open_modals(BOB).is_empty());
    assert!(no_reports_channel(&app));
    assert!(app
        .bot_dm_with(ALICE)
        .map(|dm| app.bot_posts_in(&dm).is_empty())
        .unwrap_or(true));
}

#[test]
fn a_message_id_from_another_workspace_is_unknown_there() {
    let app = TestApp::spawn();
    let post = app
        .post_anonymously(ALICE, GENERAL, "workspace one only lychee5")
        .expect("posted");
    let id = anon_tests::button_value(&post.blocks, "anon_report").expect("button");

    // A second workspace with the app installed by its owner.
    let sim = &app.sim;
    sim.add_workspace("ws_2", "Other Workspace")
        .expect("workspace");
    for (user, name, role) in [
        ("u_zed", "Zed", pumble_sim::roles::OWNER),
        ("u_yan", "Yan", pumble_sim::roles::USER),
        ("u_xia", "Xia", pumble_sim::roles::USER),
    ] {
        sim.add_user(pumble_sim::SeedUser::new("ws_2", user, name, role))
            .expect("user");
    }
    sim.add_channel(
        "ws_2",
        "ch_other",
        "other",
        ChannelType::Public,
        &["u_zed", "u_yan", "u_xia"],
    )
    .expect("channel");
    let code = sim.create_oauth_code("u_zed").expect("code");
    let installed = app
        .pumble
        .oauth_redirect(&format!("code={code}"))
        .expect("answered");
    assert_eq!(installed.status, 200);

    // Yan presents workspace one's message id from workspace two.
    for action in ["anon_report", "anon_reply"] {
        assert_refused(&app, "u_yan", "no longer available", || {
            let mut body: serde_json::Value =
                serde_json::from_slice(&click_body("u_yan", "ch_other", &post.id, action, &id))
                    .expect("JSON");
            body["workspaceId"] = json!("ws_2");
            app.pumble
                .send_signed("/hook", &serde_json::to_vec(&body).expect("JSON"))
                .expect("answered")
        });
    }
    assert!(no_reports_channel(&app));
    assert!(app.sim.channels("ws_2").iter().all(|c| !c
        .name
        .as_deref()
        .unwrap_or("")
        .starts_with("anon-reports")));
    assert!(app.sim.open_modals("u_yan").is_empty());
}
