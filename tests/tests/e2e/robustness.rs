//! Bad requests over HTTP get clear 4xx answers at once, and the server
//! stays up.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anon_tests::{fixtures, TestApp};
use pumble_sim::standard::{ALICE, GENERAL};
use pumble_sim::{AppResponse, SIGNATURE_HEADER, TIMESTAMP_HEADER};

use crate::assert_acked;

/// No refusal may take long: each is decided before any work.
const QUICK: Duration = Duration::from_secs(1);

#[track_caller]
fn assert_refused_with(answer: &AppResponse, status: u16) {
    assert_eq!(answer.status, status, "{}", answer.text());
    assert!(answer.elapsed < QUICK, "took {:?}", answer.elapsed);
}

fn now_millis() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis()
}

#[track_caller]
fn assert_still_serving(app: &TestApp) {
    let health = ureq::get(format!("{}/health", app.base_url()))
        .call()
        .expect("health answers");
    assert_eq!(health.status().as_u16(), 200);
    assert_acked(
        &app.pumble
            .slash(ALICE, GENERAL, "/anon", "still here after abuse plum1")
            .expect("answered"),
    );
    app.wait_for_bot_posts(GENERAL, 1)
        .expect("still delivering");
}

#[test]
fn bad_signature_is_403() {
    let app = TestApp::spawn();
    let body = fixtures::bytes("slash_anon_channel.json").expect("fixture");
    let (timestamp, signature) = app.pumble.signature_headers(&body);
    let mut forged = signature.into_bytes();
    forged[0] = if forged[0] == b'0' { b'1' } else { b'0' };
    let forged = String::from_utf8(forged).expect("hex");
    let answer = app
        .pumble
        .send_with_headers(
            "/hook",
            &body,
            &[(TIMESTAMP_HEADER, &timestamp), (SIGNATURE_HEADER, &forged)],
        )
        .expect("answered");
    assert_refused_with(&answer, 403);
    // No signature at all.
    let answer = app
        .pumble
        .send_with_headers("/hook", &body, &[])
        .expect("answered");
    assert_refused_with(&answer, 403);
    assert!(app.bot_posts_in(GENERAL).is_empty(), "nothing was posted");
    assert_still_serving(&app);
}

#[test]
fn stale_timestamp_is_403() {
    let app = TestApp::spawn();
    let body = fixtures::bytes("slash_anon_channel.json").expect("fixture");
    let ten_minutes_ago = (now_millis() - 600_000).to_string();
    let answer = app
        .pumble
        .send_signed_at("/hook", &body, &ten_minutes_ago)
        .expect("answered");
    assert_refused_with(&answer, 403);
    let in_ten_minutes = (now_millis() + 600_000).to_string();
    let answer = app
        .pumble
        .send_signed_at("/hook", &body, &in_ten_minutes)
        .expect("answered");
    assert_refused_with(&answer, 403);
    assert_still_serving(&app);
}

#[test]
fn a_replayed_request_is_refused() {
    let app = TestApp::spawn();
    let body = fixtures::bytes("slash_anon_channel.json").expect("fixture");
    let timestamp = now_millis().to_string();
    let first = app
        .pumble
        .send_signed_at("/hook", &body, &timestamp)
        .expect("answered");
    assert!(first.is_success());
    let replay = app
        .pumble
        .send_signed_at("/hook", &body, &timestamp)
        .expect("answered");
    assert_refused_with(&replay, 403);
    app.wait_for_bot_posts(GENERAL, 1).expect("posted once");
    assert_eq!(app.bot_posts_in(GENERAL).len(), 1, "not twice");
}

#[test]
fn a_body_over_one_mebibyte_is_413() {
    let app = TestApp::spawn();
    let mut body = br#"{"messageType":"SLASH_COMMAND","text":""#.to_vec();
    body.resize(1024 * 1024 + 1 - 2, b'a');
    body.extend_from_slice(b"\"}");
    assert_eq!(body.len(), 1024 * 1024 + 1);
    let answer = app.pumble.send_signed("/hook", &body).expect("answered");
    assert_refused_with(&answer, 413);
    assert_still_serving(&app);
}

#[test]
fn a_signed_body_that_is_not_json_is_400() {
    let app = TestApp::spawn();
    for body in [
        &b"not json at all"[..],
        b"",
        b"{\"messageType\":",
        b"[1,2,3]",
    ] {
        let answer = app.pumble.send_signed("/hook", body).expect("answered");
        assert_refused_with(&answer, 400);
    }
    assert_still_serving(&app);
}

#[test]
fn an_unknown_message_type_is_400() {
    let app = TestApp::spawn();
    for body in [
        &br#"{"messageType":"SOMETHING_NEW","workspaceId":"ws_1"}"#[..],
        br#"{"workspaceId":"ws_1"}"#,
        br#"{"messageType":42}"#,
    ] {
        let answer = app.pumble.send_signed("/hook", body).expect("answered");
        assert_refused_with(&answer, 400);
    }
    assert_still_serving(&app);
}

#[test]
fn a_slash_command_written_with_json_escapes_is_carried_out() {
    // Pumble may escape any character; the routing fields here are written
    // entirely with \u escapes ("SLASH_COMMAND", "ws_1"), which cannot be
    // read in place and take the general parse.
    let app = TestApp::spawn();
    let body = format!(
        r#"{{"messageType":"\u0053LASH\u005FCOMMAND","slashCommand":"/anon","text":"escaped \u0022quince3\u0022","userId":"{ALICE}","channelId":"{GENERAL}","workspaceId":"\u0077s_1","triggerId":"trg_escaped"}}"#
    );
    let answer = app
        .pumble
        .send_signed("/hook", body.as_bytes())
        .expect("answered");
    assert_acked(&answer);
    let posts = app
        .wait_for_bot_posts(GENERAL, 1)
        .expect("the escaped command is posted");
    assert!(
        posts.iter().any(|post| post.text.contains("\"quince3\"")),
        "{posts:?}"
    );
}

#[test]
fn a_slash_command_missing_fields_is_400_not_a_hang() {
    let app = TestApp::spawn();
    let answer = app
        .pumble
        .send_signed(
            "/hook",
            br#"{"messageType":"SLASH_COMMAND","workspaceId":"ws_1"}"#,
        )
        .expect("answered");
    assert_refused_with(&answer, 400);
    assert_still_serving(&app);
}
