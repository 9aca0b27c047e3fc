//! Reporting: a private reports channel the app creates on first use, every
//! owner and administrator invited (also those promoted later), and a report
//! that names the exact author of the exact message reported (D1) and
//! previews exactly that message (D2).

use anon_tests::{privacy::contains_word, TestApp};
use pumble_sim::standard::{ALICE, BOB, CAROL, DAVE, GENERAL, GRACE, HEIDI, IVAN, WORKSPACE};
use pumble_sim::{roles, Channel, ChannelType, Message};

use crate::assert_acked;

fn reports_channel(app: &TestApp) -> Option<Channel> {
    let bot = app.sim.bot_user_id(WORKSPACE)?;
    app.sim.channels(WORKSPACE).into_iter().find(|c| {
        c.name
            .as_deref()
            .is_some_and(|n| n.starts_with("anon-reports"))
            && c.added_by.as_deref() == Some(bot.as_str())
    })
}

fn report(app: &TestApp, reporter: &str, message: &Message) {
    let answer = app
        .pumble
        .click(reporter, &message.id, "anon_report")
        .expect("the server answers the click");
    assert_acked(&answer);
}

/// What a report post shows: its fallback text and blocks as JSON (people
/// appear as user mentions there).
fn shown(message: &Message) -> String {
    format!("{}\n{}", message.text, message.blocks)
}

/// The user a report post says wrote the message: its fallback text reads
/// "Written by user <id>, reported by user <id>".
fn written_by(report: &str) -> Option<String> {
    let rest = report.split("Written by user ").nth(1)?;
    Some(rest.split([',', ' ']).next()?.to_owned())
}

fn post_in_general(app: &TestApp, author: &str, text: &str) -> Message {
    app.post_anonymously(author, GENERAL, text).expect("posted")
}

#[test]
fn first_report_creates_a_private_channel_with_every_admin_and_names_the_author() {
    let app = TestApp::spawn();
    assert!(
        reports_channel(&app).is_none(),
        "no reports channel before a report"
    );
    let post = post_in_general(&app, ALICE, "the new policy is unfair apricot1");

    report(&app, BOB, &post);
    app.wait_for_notice(BOB, "Reported").expect("Bob is told");

    let channel = reports_channel(&app).expect("the reports channel was created");
    assert_eq!(channel.channel_type, ChannelType::Private);
    let mut humans: Vec<&str> = channel
        .members
        .iter()
        .map(String::as_str)
        .filter(|m| Some(*m) != app.sim.bot_user_id(WORKSPACE).as_deref())
        .collect();
    humans.sort_unstable();
    assert_eq!(
        humans,
        [CAROL, DAVE],
        "exactly the owner and the administrator"
    );

    let reports: Vec<Message> = app
        .bot_posts_in(&channel.id)
        .into_iter()
        .filter(|m| shown(m).contains("apricot1"))
        .collect();
    assert_eq!(reports.len(), 1, "one report post previewing the message");
    let report_post = shown(&reports[0]);
    assert_eq!(
        written_by(&report_post).as_deref(),
        Some(ALICE),
        "{report_post}"
    );
    assert!(
        contains_word(&report_post, ALICE),
        "the author is mentioned"
    );

    // Admins see the author in the reports channel; the reporter does not.
    let dave_sees = app.sim.render_view(DAVE);
    assert!(dave_sees.contains("Alice"), "{dave_sees}");
    assert!(!app.sim.render_view(BOB).contains("Alice"));
}

#[test]
fn an_admin_promoted_later_is_invited_on_the_next_report() {
    let app = TestApp::spawn();
    let first = post_in_general(&app, ALICE, "first complaint banana2");
    report(&app, BOB, &first);
    app.wait_for_notice(BOB, "Reported")
        .expect("first report done");
    let channel = reports_channel(&app).expect("created");
    assert!(!channel.has_member(GRACE));

    app.sim
        .set_role(GRACE, roles::ADMINISTRATOR)
        .expect("Grace becomes an administrator");
    let second = post_in_general(&app, HEIDI, "second complaint cherry3");
    report(&app, IVAN, &second);
    app.wait_for_notice(IVAN, "Reported")
        .expect("second report done");

    let channel = app.sim.channel(&channel.id).expect("still there");
    assert!(
        channel.has_member(GRACE),
        "the new administrator was invited"
    );
    assert!(!channel.has_member(IVAN) && !channel.has_member(BOB));
    let created: Vec<_> = app
        .sim
        .channels(WORKSPACE)
        .into_iter()
        .filter(|c| {
            c.name
                .as_deref()
                .is_some_and(|n| n.starts_with("anon-reports"))
        })
        .collect();
    assert_eq!(created.len(), 1, "the channel is reused, not created again");
}

#[test]
fn reporting_a_thread_reply_names_its_own_author_and_previews_it_d1_d2() {
    let app = TestApp::spawn();
    let post = post_in_general(&app, ALICE, "who broke the build durian4");
    // Bob answers anonymously in the thread through the modal.
    assert_acked(
        &app.pumble
            .click(BOB, &post.id, "anon_reply")
            .expect("answered"),
    );
    assert_acked(
        &app.pumble
            .submit_modal(BOB, &[("anon_reply_text", "it was the cache elder5")])
            .expect("answered"),
    );
    app.wait_for_notice(BOB, "Posted anonymously in the thread")
        .expect("reply posted");
    let reply = app.sim.replies_to(&post.id)[0].clone();

    report(&app, CAROL, &reply);
    app.wait_for_notice(CAROL, "Reported")
        .expect("Carol is told");

    let channel = reports_channel(&app).expect("created");
    let reports: Vec<String> = app
        .bot_posts_in(&channel.id)
        .iter()
        .map(shown)
        .filter(|s| s.contains("elder5") || s.contains("durian4"))
        .collect();
    assert_eq!(reports.len(), 1, "one report");
    assert_eq!(
        written_by(&reports[0]).as_deref(),
        Some(BOB),
        "D1: the reply's own author, not the thread starter: {}",
        reports[0]
    );
    assert!(
        !contains_word(&reports[0], ALICE),
        "D1: the thread starter is not named at all"
    );
    assert!(
        reports[0].contains("elder5"),
        "D2: previews the reported reply"
    );
    assert!(!reports[0].contains("durian4"), "D2: not the first message");
}

#[test]
fn reporting_a_dm_reply_names_the_replier_and_previews_the_reply() {
    let app = TestApp::spawn();
    assert_acked(
        &app.pumble
            .slash(ALICE, GENERAL, "/anon", "<<@u_bob>> you were rude fig6")
            .expect("answered"),
    );
    let bob_dm = app.wait_for_bot_dm(BOB).expect("the bot opened a DM");
    let first = app.wait_for_bot_posts(&bob_dm, 1).expect("delivered")[0].clone();
    assert_acked(
        &app.pumble
            .click(BOB, &first.id, "anon_reply")
            .expect("answered"),
    );
    assert_acked(
        &app.pumble
            .submit_modal(BOB, &[("anon_reply_text", "so were you guava7")])
            .expect("answered"),
    );
    let alice_dm = app.wait_for_bot_dm(ALICE).expect("the bot opened a DM");
    let reply = app.wait_for_bot_posts(&alice_dm, 1).expect("reply arrives")[0].clone();

    report(&app, ALICE, &reply);
    app.wait_for_notice(ALICE, "Reported")
        .expect("Alice is told");
    let channel = reports_channel(&app).expect("created");
    let reports: Vec<String> = app
        .bot_posts_in(&channel.id)
        .iter()
        .map(shown)
        .filter(|s| s.contains("guava7") || s.contains("fig6"))
        .collect();
    assert_eq!(reports.len(), 1);
    assert_eq!(
        written_by(&reports[0]).as_deref(),
        Some(BOB),
        "the reply's author: {}",
        reports[0]
    );
    assert!(reports[0].contains("guava7") && !reports[0].contains("fig6"));
}

#[test]
fn simultaneous_first_reports_create_one_reports_channel() {
    let app = TestApp::spawn();
    let first = post_in_general(&app, ALICE, "first of two kiwano8");
    let second = post_in_general(&app, HEIDI, "second of two loquat9");
    std::thread::scope(|scope| {
        for (reporter, message) in [(BOB, &first), (IVAN, &second), (GRACE, &first)] {
            let pumble = app.pumble.clone();
            scope.spawn(move || {
                let answer = pumble
                    .click(reporter, &message.id, "anon_report")
                    .expect("the server answers");
                assert_acked(&answer);
            });
        }
    });
    for reporter in [BOB, IVAN, GRACE] {
        app.wait_for_notice(reporter, "Reported")
            .expect("every reporter is told");
    }
    let channels: Vec<Channel> = app
        .sim
        .channels(WORKSPACE)
        .into_iter()
        .filter(|c| {
            c.name
                .as_deref()
                .is_some_and(|n| n.starts_with("anon-reports"))
        })
        .collect();
    assert_eq!(channels.len(), 1, "one reports channel");
    let posts: Vec<String> = app
        .bot_posts_in(&channels[0].id)
        .iter()
        .map(shown)
        .collect();
    assert_eq!(posts.iter().filter(|p| written_by(p).is_some()).count(), 3);
    assert!(posts.iter().any(|p| p.contains("kiwano8")));
    assert!(posts.iter().any(|p| p.contains("loquat9")));
}
