//! Refusals: missing or unknown credentials, bad bodies, unknown ids.

use pumble_sim::{standard, Seed, Simulator, TokenKind, UserStatus};
use serde_json::json;

use crate::http::Http;

fn assert_error(reply: &crate::http::Reply, status: u16) {
    assert_eq!(reply.status, status, "{}", reply.json);
    assert!(
        reply.json["code"].is_string(),
        "JSON error body: {}",
        reply.json
    );
    assert!(
        reply.json["message"].is_string(),
        "JSON error body: {}",
        reply.json
    );
    assert_eq!(reply.content_type.as_deref(), Some("application/json"));
}

#[test]
fn missing_or_unknown_credentials_are_refused() {
    let sim = Simulator::start(Seed::standard()).expect("simulator starts");
    let http = Http::new(&sim);
    let bot = sim.bot_token(standard::WORKSPACE).expect("installed");
    let key = http.app_key.clone();

    let no_token = http
        .get_with("/v1/workspaceUsers", &[("x-app-token", &key)])
        .expect("request");
    assert_error(&no_token, 401);
    let no_key = http
        .get_with("/v1/workspaceUsers", &[("token", &bot)])
        .expect("request");
    assert_error(&no_key, 401);
    let wrong_key = http
        .get_with(
            "/v1/workspaceUsers",
            &[("token", &bot), ("x-app-token", "xpat-wrong")],
        )
        .expect("request");
    assert_error(&wrong_key, 401);
    let unknown = http
        .get("/v1/workspaceUsers", "tok_unknown")
        .expect("request");
    assert_error(&unknown, 401);
    // `Authorization: Bearer` is not how Pumble apps authenticate (§5.2).
    let bearer = http
        .get_with(
            "/v1/workspaceUsers",
            &[
                ("authorization", &format!("Bearer {bot}")),
                ("x-app-token", &key),
            ],
        )
        .expect("request");
    assert_error(&bearer, 401);

    let frank = sim.issue_user_token(standard::FRANK).expect("frank exists");
    assert_error(
        &http.get("/v1/workspaceUsers", &frank).expect("request"),
        401,
    );
    let grace = sim.issue_user_token(standard::GRACE).expect("grace exists");
    assert_eq!(
        http.get("/v1/workspaceUsers", &grace)
            .expect("request")
            .status,
        200
    );
    sim.set_status(standard::GRACE, UserStatus::Deactivated)
        .expect("grace exists");
    assert_error(
        &http.get("/v1/workspaceUsers", &grace).expect("request"),
        401,
    );

    let kinds: Vec<TokenKind> = sim.calls().iter().map(|c| c.token_kind).collect();
    assert_eq!(
        kinds,
        vec![
            TokenKind::None,
            TokenKind::Bot,
            TokenKind::Bot,
            TokenKind::Unknown,
            TokenKind::None,
            TokenKind::User,
            TokenKind::User,
            TokenKind::User
        ]
    );
    assert!(sim.calls().iter().all(|c| c.status.is_some()));
}

#[test]
fn bad_bodies_and_unknown_ids_are_refused() {
    let sim = Simulator::start(Seed::standard()).expect("simulator starts");
    let http = Http::new(&sim);
    let bot = sim.bot_token(standard::WORKSPACE).expect("installed");
    let path = format!("/v1/channels/{}/messages", standard::GENERAL);
    let auth = [("token", bot.as_str())];

    let malformed = http
        .post_raw(&path, &auth, "application/json", b"{\"text\":".to_vec())
        .expect("request");
    assert_error(&malformed, 400);
    let empty = http
        .post_raw(&path, &auth, "application/json", Vec::new())
        .expect("request");
    assert_error(&empty, 400);
    let not_object = http
        .post_raw(&path, &auth, "application/json", b"[1]".to_vec())
        .expect("request");
    assert_error(&not_object, 400);
    let wrong_type = http
        .post_raw(&path, &auth, "text/plain", b"{\"text\":\"x\"}".to_vec())
        .expect("request");
    assert_error(&wrong_type, 415);
    let no_text = http
        .post(&path, &bot, &json!({ "blocks": [] }))
        .expect("request");
    assert_error(&no_text, 400);
    let bad_blocks = http
        .post(&path, &bot, &json!({ "text": "x", "blocks": "nope" }))
        .expect("request");
    assert_error(&bad_blocks, 400);
    let too_long = http
        .post(&path, &bot, &json!({ "text": "x".repeat(100_001) }))
        .expect("request");
    assert_error(&too_long, 400);

    let unknown_channel = http
        .post(
            "/v1/channels/ch_missing/messages",
            &bot,
            &json!({ "text": "x" }),
        )
        .expect("request");
    assert_error(&unknown_channel, 404);
    assert_error(
        &http.get("/v1/channels/ch_missing", &bot).expect("request"),
        404,
    );
    assert_error(
        &http
            .get(
                &format!("/v1/channels/{}/messages/msg_missing", standard::GENERAL),
                &bot,
            )
            .expect("request"),
        404,
    );
    assert_error(&http.get("/v1/nothing/here", &bot).expect("request"), 404);
    assert!(sim.messages_in(standard::GENERAL).is_empty());
}

#[test]
fn uninstalling_revokes_tokens() {
    let sim = Simulator::start(Seed::standard()).expect("simulator starts");
    let http = Http::new(&sim);
    let bot = sim.bot_token(standard::WORKSPACE).expect("installed");
    let carol = sim.issue_user_token(standard::CAROL).expect("carol exists");
    sim.with_state(|s| s.uninstall_app(standard::WORKSPACE))
        .expect("installed");
    assert_eq!(
        http.get("/v1/workspaceUsers", &bot)
            .expect("request")
            .status,
        401
    );
    assert_eq!(
        http.get("/v1/workspaceUsers", &carol)
            .expect("request")
            .status,
        401
    );
    assert!(sim.bot_token(standard::WORKSPACE).is_none());
}
