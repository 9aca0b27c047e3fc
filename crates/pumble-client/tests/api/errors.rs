//! Non-success answers become typed errors with Pumble's code and message;
//! odd answers and bad arguments are reported, never panicked on.

use pumble_client::{ClientError, OutgoingMessage};

use crate::canned::{refused_base_url, Canned, CannedServer};
use crate::{client_for, fixture, token};

fn http_parts(error: ClientError) -> (u16, Option<String>, Option<String>) {
    match error {
        ClientError::Http {
            status,
            code,
            message,
        } => (status, code, message),
        other => panic!("expected an HTTP error, got {other:?}"),
    }
}

#[test]
fn pumble_error_json_gives_code_and_message() {
    let server = CannedServer::start(vec![Canned::new(
        403,
        r#"{"code":"MISSING_SCOPE","message":"channels:write required","timestamp":1}"#,
    )]);
    let token = token();
    let error = client_for(&server.base_url())
        .acting_as(&token)
        .channel_details("ch_1")
        .expect_err("403 is an error");
    assert!(!error.is_not_found());
    assert_eq!(
        error.to_string(),
        "Pumble answered HTTP 403 (MISSING_SCOPE): channels:write required"
    );
    assert_eq!(
        http_parts(error),
        (
            403,
            Some("MISSING_SCOPE".to_owned()),
            Some("channels:write required".to_owned())
        )
    );
}

#[test]
fn a_non_json_error_body_is_kept_short() {
    let page = format!("<html><body>{}</body></html>", "Bad gateway. ".repeat(200));
    let server = CannedServer::start(vec![Canned::new(502, page)]);
    let token = token();
    let error = client_for(&server.base_url())
        .acting_as(&token)
        .channel_details("ch_1")
        .expect_err("502 is an error");
    let (status, code, message) = http_parts(error);
    assert_eq!((status, code), (502, None));
    let message = message.expect("the body start is kept");
    assert!(message.starts_with("<html><body>Bad gateway."));
    assert!(message.chars().count() <= 301, "{} chars", message.len());
}

#[test]
fn a_huge_error_body_is_cut_and_its_start_kept() {
    let page = format!("upstream exploded {}", "x".repeat(4 * 1024 * 1024));
    let server = CannedServer::start(vec![Canned::new(500, page)]);
    let token = token();
    let started = std::time::Instant::now();
    let error = client_for(&server.base_url())
        .acting_as(&token)
        .channel_details("ch_1")
        .expect_err("500 is an error");
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    let (status, _, message) = http_parts(error);
    assert_eq!(status, 500);
    let message = message.expect("the start of a long body is kept");
    assert!(message.starts_with("upstream exploded x"), "{message}");
    assert!(message.chars().count() <= 301);
}

#[test]
fn a_post_error_keeps_no_server_text_that_could_echo_the_message() {
    let text = "meet me behind the old library at noon";
    // Echoes the exact scrub cannot catch: cut short, upper-cased, escaped.
    let server = CannedServer::start(vec![
        Canned::new(
            400,
            r#"{"code":"INVALID_TEXT","message":"Invalid text 'meet me behind the old lib'"}"#,
        ),
        Canned::new(500, "MEET ME BEHIND THE OLD LIBRARY AT NOON failed"),
        Canned::new(422, r#"{"code":"text meet me behind","error":"meet me"}"#),
    ]);
    let token = token();
    let client = client_for(&server.base_url());
    let bot = client.acting_as(&token);
    let message = OutgoingMessage::text(text);
    let errors = [
        bot.post_message("ch_1", &message).expect_err("400"),
        bot.reply_in_thread("ch_1", "msg_1", &message)
            .expect_err("500"),
        bot.post_ephemeral("ch_1", &["u_bob"], &message)
            .expect_err("422"),
    ];
    assert!(
        matches!(
            &errors[0],
            ClientError::Http { status: 400, code: Some(code), message: None } if code == "INVALID_TEXT"
        ),
        "{:?}",
        errors[0]
    );
    for error in &errors[1..] {
        assert!(
            matches!(
                error,
                ClientError::Http {
                    code: None,
                    message: None,
                    ..
                }
            ),
            "{error:?}"
        );
    }
    for error in &errors {
        let shown = format!("{error} {error:?}").to_lowercase();
        assert!(!shown.contains("meet"), "{shown}");
        assert!(!shown.contains("library"), "{shown}");
    }
}

#[test]
fn not_found_is_recognised_by_status_or_code() {
    let server = CannedServer::start(vec![
        Canned::new(404, ""),
        Canned::new(400, r#"{"code":"CHANNEL_NOT_FOUND"}"#),
        Canned::new(400, r#"{"code":"BAD_REQUEST"}"#),
    ]);
    let token = token();
    let client = client_for(&server.base_url());
    let bot = client.acting_as(&token);
    let found: Vec<bool> = (0..3)
        .map(|_| {
            bot.get_message("ch_1", "msg_1")
                .expect_err("all three are errors")
                .is_not_found()
        })
        .collect();
    assert_eq!(found, vec![true, true, false]);
}

#[test]
fn a_missing_dm_is_created_after_a_not_found_lookup() {
    let server = CannedServer::start(vec![
        Canned::new(404, r#"{"code":"NOT_FOUND","message":"no such channel"}"#),
        Canned::ok(fixture("api_dm_channel.json")),
    ]);
    let token = token();
    let dm = client_for(&server.base_url())
        .acting_as(&token)
        .get_or_create_direct_channel("u_anonbot", &["u_bob", "u_anonbot"])
        .expect("the DM is created");
    assert_eq!(dm.channel.id, "ch_dm_bot_bob");
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].method, "GET");
    assert_eq!(
        requests[0].target,
        "/v1/channels/direct?participantIds=u_anonbot,u_bob"
    );
    assert_eq!(requests[1].method, "POST");
    assert_eq!(requests[1].target, "/v1/channels/direct");
    assert_eq!(
        requests[1].json(),
        serde_json::json!({"participantIds": ["u_anonbot", "u_bob"]})
    );
}

#[test]
fn other_lookup_failures_do_not_create_a_dm() {
    let server = CannedServer::start(vec![
        Canned::new(500, r#"{"code":"INTERNAL","message":"boom"}"#),
        Canned::ok(fixture("api_dm_channel.json")),
    ]);
    let token = token();
    let error = client_for(&server.base_url())
        .acting_as(&token)
        .get_or_create_direct_channel("u_anonbot", &["u_bob"])
        .expect_err("a 500 is returned as it is");
    assert_eq!(error.status(), Some(500));
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn redirects_are_not_followed() {
    let server = CannedServer::start(vec![
        Canned::new(302, "").header("location", "/v1/elsewhere"),
        Canned::ok(fixture("api_list_users.json")),
    ]);
    let token = token();
    let error = client_for(&server.base_url())
        .acting_as(&token)
        .list_workspace_users()
        .expect_err("a redirect is an error");
    assert_eq!(error.status(), Some(302));
    assert_eq!(server.requests().len(), 1, "the redirect was followed");
}

#[test]
fn a_success_answer_of_the_wrong_shape_is_a_decode_error() {
    let server = CannedServer::start(vec![
        Canned::ok(r#"{"channel":{"id":"ch_1"}}"#),
        Canned::ok("not json"),
        Canned::ok(r#"[{"id":"u_1","role":17}]"#),
    ]);
    let token = token();
    let client = client_for(&server.base_url());
    let bot = client.acting_as(&token);
    let missing = bot.channel_details("ch_1").expect_err("fields are missing");
    assert!(
        matches!(&missing, ClientError::Decode(reason) if reason.starts_with("missing field `workspaceId`")),
        "got {missing:?}"
    );
    let garbage = bot.channel_details("ch_1").expect_err("not JSON");
    assert!(matches!(garbage, ClientError::Decode(_)), "got {garbage:?}");
    let wrong_type = bot
        .list_workspace_users()
        .expect_err("role is not a string");
    assert!(
        matches!(wrong_type, ClientError::Decode(_)),
        "got {wrong_type:?}"
    );
}

#[test]
fn an_empty_add_users_answer_counts_as_success() {
    let server = CannedServer::start(vec![Canned::ok("")]);
    let token = token();
    let added = client_for(&server.base_url())
        .acting_as(&token)
        .add_users_to_channel("ch_reports", &["u_dave"])
        .expect("an empty 200 is a success");
    assert!(added.added_user_ids.is_empty());
}

#[test]
fn a_refused_connection_is_a_transport_error() {
    let token = token();
    let error = client_for(&refused_base_url())
        .acting_as(&token)
        .list_workspace_users()
        .expect_err("nothing listens there");
    assert!(matches!(error, ClientError::Transport(_)), "got {error:?}");
}

#[test]
fn arguments_that_would_change_the_request_are_refused_before_sending() {
    // Nothing listens: any request actually sent would fail with Transport.
    let client = client_for(&refused_base_url());
    let token = token();
    let bot = client.acting_as(&token);
    let message = OutgoingMessage::text("hi");
    let refusals = [
        bot.channel_details("").map(drop),
        bot.get_message("ch_1", "").map(drop),
        bot.post_message("", &message).map(drop),
        bot.reply_in_thread("ch_1", "", &message).map(drop),
        bot.post_ephemeral("ch_1", &[], &message),
        bot.post_ephemeral_in_thread("ch_1", "msg_1", &[""], &message),
        bot.add_users_to_channel("ch_1", &[]).map(drop),
        bot.create_direct_channel(&[]).map(drop),
        bot.get_direct_channel("", &["u_bob"]).map(drop),
    ];
    for (index, refusal) in refusals.into_iter().enumerate() {
        assert!(
            matches!(refusal, Err(ClientError::InvalidArgument(_))),
            "call {index}: {refusal:?}"
        );
    }
}
