//! The privacy scenario (issue 7 item 9): every flow runs with the server's
//! logs captured at trace level, then
//!
//! * (a) no user but the workspace admins, in the reports channel, ever sees
//!   an anonymous message's author next to it (each simulated user's view
//!   is rendered and checked);
//! * (b) no captured log line holds a body, a token, a secret, a signature,
//!   the OAuth code, or an author id on the same line as a message or
//!   conversation id;
//! * (c) the raw database, `-wal` and `-shm` files hold no user id, body or
//!   token of the scenario.
//!
//! The checks are the server's own (`anon::privacy`, which `anon demo`
//! ends with), plus the tests crate's stricter view check (admins learn an
//! author only in the reports channel).
//!
//! Its own test binary: the logger is process-wide, and no other test may
//! write into (or miss from) this capture.

use anon::logging::LogCapture;
use anon::privacy::{check_database_files, check_logs, check_views, LogSecrets, UserView};
use anon::settings::LogFormat;
use anon_tests::privacy::{authors_in_views, AnonymousMessage, RenderedView};
use anon_tests::{button_value, TestApp};
use pumble_sim::standard::{
    ALICE, BOB, CAROL, DAVE, ERIN, FRANK, GENERAL, GRACE, HEIDI, IVAN, WORKSPACE,
};
use pumble_sim::{roles, Message, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use secrecy::ExposeSecret as _;

const EVERYONE: [&str; 9] = [CAROL, DAVE, ALICE, BOB, ERIN, FRANK, GRACE, HEIDI, IVAN];

/// One anonymous send of the scenario.
struct Sent {
    author: &'static str,
    body: &'static str,
    marker: &'static str,
}

fn name_of(app: &TestApp, user: &str) -> String {
    app.sim.user(user).map(|u| u.name).unwrap_or_default()
}

fn bot_post_with(app: &TestApp, marker: &str) -> Message {
    let bot = app.sim.bot_user_id(WORKSPACE).unwrap_or_default();
    anon_tests::wait_until(
        &format!("a post with {marker}"),
        anon_tests::DEFAULT_WAIT,
        || {
            app.sim
                .channels(WORKSPACE)
                .iter()
                .flat_map(|c| app.sim.messages_in(&c.id))
                .find(|m| m.author == bot && format!("{}{}", m.text, m.blocks).contains(marker))
        },
    )
    .expect("the anonymous message was delivered")
}

#[test]
fn no_author_identity_reaches_users_logs_or_database_files() {
    // Before anything else, so every line of the process is captured.
    let capture = LogCapture::install(
        log::LevelFilter::Trace,
        LogFormat::Text,
        std::env::var_os("TEST_LOG").is_some(),
    )
    .expect("the capturing logger is the first logger of this process");

    let app = TestApp::spawn();
    let sent = run_every_flow(&app);

    // ----- what the scenario used -----------------------------------------------
    let credentials = app.sim.app();
    let probe = app.store().expect("database opens");
    let carol_token = probe
        .block_on(probe.store().tokens().user_token(WORKSPACE, CAROL))
        .expect("query")
        .expect("the installer's token is stored");
    let bot_token = app.sim.bot_token(WORKSPACE).expect("installed");
    // A signature the server verified (a real request signed by the driver's
    // secret, sent with its headers).
    let body = br#"{"messageType":"SLASH_COMMAND","slashCommand":"/anon","text":"signed kestrel9","userId":"u_erin","channelId":"ch_general","workspaceId":"ws_1","triggerId":"trg_sig"}"#;
    let (timestamp, signature) = app.pumble.signature_headers(body);
    let answer = app
        .pumble
        .send_with_headers(
            "/hook",
            body,
            &[
                (TIMESTAMP_HEADER, &timestamp),
                (SIGNATURE_HEADER, &signature),
            ],
        )
        .expect("answered");
    assert!(answer.is_success());
    app.wait_for_notice(ERIN, "Posted anonymously")
        .expect("Erin's post");

    let mut anonymous = Vec::new();
    let mut ids = Vec::new();
    for s in &sent {
        let post = bot_post_with(&app, s.marker);
        let id = button_value(&post.blocks, "anon_reply").expect("anon's message id");
        let stored = probe
            .block_on(probe.store().messages().get(WORKSPACE, &id))
            .expect("query")
            .expect("stored");
        assert_eq!(
            stored.author_id.expose_secret(),
            s.author,
            "authorship is per message"
        );
        ids.extend([id, stored.conversation_id.clone(), post.id.clone()]);
        anonymous.push(AnonymousMessage {
            marker: s.marker.to_owned(),
            author_id: s.author.to_owned(),
            author_name: name_of(&app, s.author),
        });
    }
    drop(probe);

    // ----- (a) what each person sees -------------------------------------------
    let reports = app
        .sim
        .channels(WORKSPACE)
        .into_iter()
        .find(|c| {
            c.name
                .as_deref()
                .is_some_and(|n| n.starts_with("anon-reports"))
        })
        .expect("the reports channel exists");
    let reports_section = format!("#{}", reports.name.clone().unwrap_or_default());
    let views: Vec<RenderedView> = EVERYONE
        .iter()
        .map(|user| {
            let role = app.sim.user(user).map(|u| u.role).unwrap_or_default();
            RenderedView {
                viewer_id: (*user).to_owned(),
                viewer_is_admin: role == roles::OWNER || role == roles::ADMINISTRATOR,
                text: app.sim.render_view(user),
            }
        })
        .collect();
    let names: Vec<String> = EVERYONE.iter().map(|u| name_of(&app, u)).collect();
    let user_views: Vec<UserView<'_>> = views
        .iter()
        .zip(&names)
        .map(|(view, name)| UserView {
            user_id: &view.viewer_id,
            user_name: name,
            text: &view.text,
            is_admin: view.viewer_is_admin,
        })
        .collect();
    let server_messages: Vec<anon::privacy::AnonymousMessage<'_>> = sent
        .iter()
        .zip(&anonymous)
        .map(|(s, a)| anon::privacy::AnonymousMessage {
            author_id: s.author,
            author_name: &a.author_name,
            body: s.body,
        })
        .collect();
    let mut speakers: Vec<&str> = names.iter().map(String::as_str).collect();
    speakers.push(pumble_sim::standard::APP_NAME);
    let outcome = check_views(&user_views, &server_messages, &speakers);
    assert!(outcome.passed(), "{outcome}");
    assert_eq!(outcome.inspected, EVERYONE.len());
    let leaks = authors_in_views(&views, &anonymous, &reports_section);
    assert!(
        leaks.is_empty(),
        "authors visible outside the reports channel: {leaks:?}"
    );
    assert!(
        leaks.is_empty(),
        "authors visible next to their messages: {leaks:?}"
    );
    for message in &anonymous {
        let seen_by_others = views
            .iter()
            .filter(|v| v.viewer_id != message.author_id && v.text.contains(&message.marker))
            .count();
        assert!(seen_by_others > 0, "the check saw the message at all");
    }
    // The reports channel is the admins' only; there they see the reported
    // authors (the check above is not vacuous).
    for member in &reports.members {
        let role = app.sim.user(member).map(|u| (u.role, u.is_addon_bot));
        assert!(
            matches!(role, Some((ref r, false)) if r == roles::OWNER || r == roles::ADMINISTRATOR)
                || matches!(role, Some((_, true))),
            "{member} is in the reports channel"
        );
    }
    let dave = &views[1].text;
    assert!(dave.contains(&reports_section) && dave.contains("Heidi") && dave.contains("Alice"));
    // Exactly the reported messages reach the reports channel, each with its
    // own author: nothing about the three that were never reported.
    let reported: Vec<String> = app
        .bot_posts_in(&reports.id)
        .iter()
        .map(|m| format!("{}{}", m.text, m.blocks))
        .filter(|text| text.contains("Written by user "))
        .collect();
    assert_eq!(reported.len(), 2, "two reports");
    for s in &sent {
        let reports_of: Vec<&String> = reported.iter().filter(|r| r.contains(s.marker)).collect();
        let was_reported = s.marker == "privdm1" || s.marker == "privthread4";
        assert_eq!(reports_of.len(), usize::from(was_reported), "{}", s.marker);
        for report in reports_of {
            assert!(report.contains(&format!("Written by user {},", s.author)));
        }
    }

    // ----- the lifecycle events, then (b) and (c) over everything ------------------
    // Bob authorizes the app and then revokes it; finally the workspace
    // uninstalls it (after the first file scan, which must see live data).
    let code = app.sim.create_oauth_code(BOB).expect("code");
    let bob_install = app
        .pumble
        .oauth_redirect(&format!("code={code}"))
        .expect("answered");
    assert_eq!(bob_install.status, 200);
    assert!(app
        .pumble
        .app_unauthorized(BOB)
        .expect("answered")
        .is_success());

    // ----- (b) the logs ----------------------------------------------------------
    let lines: Vec<String> = capture
        .lines()
        .into_iter()
        // The simulated Pumble runs in this process too; its lines are not
        // the server's.
        .filter(|line| {
            line.split_whitespace()
                .nth(2)
                .is_none_or(|t| !t.starts_with("pumble_sim"))
        })
        .collect();
    assert!(
        lines.iter().any(|l| l.contains("POST /hook")),
        "the server's request lines were captured ({} lines)",
        lines.len()
    );
    let carol_token = carol_token.expose_secret().to_owned();
    let key = app
        .settings()
        .token_encryption_key
        .expose_secret()
        .to_owned();
    let install_code = app.install_code().unwrap_or_default().to_owned();
    let mut bodies: Vec<&str> = sent.iter().map(|s| s.body).collect();
    bodies.extend([
        "signed kestrel9",
        "refused privoptout6",
        "refused privmention7",
    ]);
    let secrets = LogSecrets {
        bodies,
        credentials: vec![
            &bot_token,
            &carol_token,
            &credentials.signing_secret,
            &credentials.app_key,
            &credentials.client_secret,
            &key,
            &signature,
            &install_code,
            &code,
        ],
        // Every token the simulator issues starts so, and its secrets too.
        credential_prefixes: vec!["tok_", "xpat-", "xpcls-", "xpss-"],
        user_ids: EVERYONE.to_vec(),
        message_ids: ids.iter().map(String::as_str).collect(),
    };
    let outcome = check_logs(&lines, &secrets);
    assert!(outcome.passed(), "{outcome}");

    // ----- (c) the database files --------------------------------------------------
    let mut at_rest: Vec<(&str, &str)> = EVERYONE.iter().map(|u| ("a user id", *u)).collect();
    at_rest.extend(sent.iter().map(|s| ("a body", s.body)));
    at_rest.extend([
        ("a token", bot_token.as_str()),
        ("a token", carol_token.as_str()),
    ]);
    let database = app.database_path().to_path_buf();
    let outcome = check_database_files(&database, &at_rest).expect("files readable");
    assert!(outcome.passed(), "while running: {outcome}");
    assert!(outcome.inspected > 0);

    // Uninstall, and check the logs of the purge too; then the files again
    // once the server has stopped (checkpointed, -wal and -shm removed).
    let mark = capture.mark();
    assert!(app
        .pumble
        .app_uninstalled(WORKSPACE)
        .expect("answered")
        .is_success());
    let outcome = check_logs(&capture.lines_since(mark), &secrets);
    assert!(outcome.passed(), "uninstall: {outcome}");
    let mut app = app;
    app.stop_server().expect("graceful stop");
    let outcome = check_database_files(&database, &at_rest).expect("files readable");
    assert!(outcome.passed(), "after stopping: {outcome}");
}

/// Runs every flow once; returns the anonymous sends (author, body, marker).
fn run_every_flow(app: &TestApp) -> Vec<Sent> {
    let acked = |answer: pumble_sim::AppResponse| {
        assert!(answer.is_success(), "answered {}", answer.status);
    };
    // A DM, and the recipient's reply through the modal.
    acked(
        app.pumble
            .slash(
                ALICE,
                GENERAL,
                "/anon",
                "<<@u_bob>> your review was harsh privdm1",
            )
            .expect("answered"),
    );
    let dm = bot_post_with(app, "privdm1");
    acked(
        app.pumble
            .click(BOB, &dm.id, "anon_reply")
            .expect("answered"),
    );
    acked(
        app.pumble
            .submit_modal(BOB, &[("anon_reply_text", "it was deserved privreply2")])
            .expect("answered"),
    );
    bot_post_with(app, "privreply2");
    // A channel post, and an anonymous reply in its thread.
    let post = app
        .post_anonymously(GRACE, GENERAL, "the office is too cold privpost3")
        .expect("posted");
    acked(
        app.pumble
            .click(HEIDI, &post.id, "anon_reply")
            .expect("answered"),
    );
    acked(
        app.pumble
            .submit_modal(HEIDI, &[("anon_reply_text", "far too cold privthread4")])
            .expect("answered"),
    );
    let reply = bot_post_with(app, "privthread4");
    // /anon typed inside someone's thread.
    let root = app
        .sim
        .post_as(CAROL, GENERAL, "lunch plans?", None)
        .expect("a thread");
    acked(
        app.pumble
            .slash_in_thread(
                IVAN,
                GENERAL,
                &root.id,
                "/anon",
                "not pizza again privslash5",
            )
            .expect("answered"),
    );
    bot_post_with(app, "privslash5");
    // Reports: a thread reply (by an owner) and a DM (by its recipient).
    acked(
        app.pumble
            .click(CAROL, &reply.id, "anon_report")
            .expect("answered"),
    );
    app.wait_for_notice(CAROL, "Reported").expect("reported");
    acked(
        app.pumble
            .click(BOB, &dm.id, "anon_report")
            .expect("answered"),
    );
    app.wait_for_notice(BOB, "Reported").expect("reported");
    // Opting out and in, and refusals (their bodies must not leak either).
    acked(
        app.pumble
            .slash(IVAN, GENERAL, "/anon-block", "")
            .expect("answered"),
    );
    app.wait_for_notice(IVAN, "no longer receive")
        .expect("Ivan opted out");
    acked(
        app.pumble
            .slash(ALICE, GENERAL, "/anon", "<<@u_ivan>> refused privoptout6")
            .expect("answered"),
    );
    app.wait_for_notice(ALICE, "opted out").expect("refused");
    acked(
        app.pumble
            .slash(IVAN, GENERAL, "/anon-unblock", "")
            .expect("answered"),
    );
    acked(
        app.pumble
            .slash(
                ALICE,
                GENERAL,
                "/anon",
                "hey <<@u_bob>> refused privmention7",
            )
            .expect("answered"),
    );
    app.wait_for_notice(ALICE, "does not start with the mention")
        .expect("refused");
    vec![
        Sent {
            author: ALICE,
            body: "your review was harsh privdm1",
            marker: "privdm1",
        },
        Sent {
            author: BOB,
            body: "it was deserved privreply2",
            marker: "privreply2",
        },
        Sent {
            author: GRACE,
            body: "the office is too cold privpost3",
            marker: "privpost3",
        },
        Sent {
            author: HEIDI,
            body: "far too cold privthread4",
            marker: "privthread4",
        },
        Sent {
            author: IVAN,
            body: "not pizza again privslash5",
            marker: "privslash5",
        },
    ]
}
