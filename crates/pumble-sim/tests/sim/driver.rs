//! The driver's signed requests: they verify with pumble-verify, carry the
//! fixtures' field names, and the app's answers are applied.

use std::collections::BTreeSet;
use std::time::Duration;

use pumble_sim::{
    standard, EphemeralOrigin, EventEnvelope, ResponseEffect, Seed, SimError, Simulator,
    TimestampUnit, SIGNATURE_HEADER, TIMESTAMP_HEADER,
};
use pumble_verify::Verifier;
use serde_json::{json, Value};

use crate::app::{Answer, Received, TestApp};
use crate::http::{assert_same_shape, fixture, Http};

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().expect("an object").keys().cloned().collect()
}

fn assert_verifies(secret: &str, request: &Received) {
    let verifier = Verifier::new(secret).expect("valid secret");
    verifier
        .verify(
            request.header(TIMESTAMP_HEADER),
            request.header(SIGNATURE_HEADER),
            &request.body[..],
        )
        .expect("the driver's signature verifies");
}

/// The reply modal from the fixtures, as the app would open it.
fn reply_modal() -> Value {
    let mut view = fixture("view_submit_reply.json")["view"].clone();
    let obj = view.as_object_mut().expect("view object");
    obj.remove("id");
    obj.remove("state");
    view
}

/// A mini app: `/dm <<@user>> text` DMs the user with the fixture message's
/// blocks through the simulator's REST API; `reply_anon` opens the reply
/// modal; a submit posts the reply in the DM's thread; `/ack`, `/nack`,
/// `/slow`, `/wrongtrigger` answer accordingly.
fn mini_app(sim: &Simulator) -> TestApp {
    let http = Http::new(sim);
    let bot = sim.bot_token(standard::WORKSPACE).expect("installed");
    TestApp::start(move |req| {
        if req.method == "GET" {
            return Answer::text(200, "Successfully connected!");
        }
        let body = req.json();
        let trigger = body["triggerId"].clone();
        match body["messageType"].as_str().unwrap_or("") {
            "SLASH_COMMAND" => match body["slashCommand"].as_str().unwrap_or("") {
                "/dm" => {
                    let text = body["text"].as_str().unwrap_or("");
                    let target = text
                        .strip_prefix("<<@")
                        .and_then(|t| t.split_once(">>"))
                        .map(|(id, _)| id.to_owned())
                        .unwrap_or_default();
                    let dm = http
                        .post(
                            "/v1/channels/direct",
                            &bot,
                            &json!({ "participantIds": [target] }),
                        )
                        .expect("sim answers");
                    let channel = dm.json["channel"]["id"].as_str().unwrap_or("").to_owned();
                    let sample = fixture("api_post_message.json");
                    http.post(
                        &format!("/v1/channels/{channel}/messages"),
                        &bot,
                        &json!({ "text": sample["text"], "blocks": sample["blocks"], "files": [] }),
                    )
                    .expect("sim answers");
                    Answer::json(200, json!({}))
                }
                "/ack" => Answer::json(200, json!({ "message": "done" })),
                "/nack" => Answer::json(400, json!({ "message": "nope" })),
                "/slow" => {
                    std::thread::sleep(Duration::from_millis(400));
                    Answer::json(200, json!({}))
                }
                "/wrongtrigger" => Answer::json(
                    200,
                    json!({ "triggerId": "trg_other", "viewType": "NATIVE", "action": "OPEN", "view": reply_modal() }),
                ),
                _ => Answer::json(200, json!({})),
            },
            "BLOCK_INTERACTION" => Answer::json(
                200,
                json!({ "triggerId": trigger, "viewType": "NATIVE", "action": "OPEN", "view": reply_modal() }),
            ),
            "VIEW_ACTION" => {
                if body["viewActionType"] == "SUBMIT" {
                    let text = body["view"]["state"]["values"]["reply_block"]["reply_text"]
                        ["value"]
                        .as_str()
                        .unwrap_or("")
                        .to_owned();
                    let channel = body["channelId"].as_str().unwrap_or("").to_owned();
                    http.post(
                        &format!("/v1/channels/{channel}/messages"),
                        &bot,
                        &json!({ "text": format!("Anonymous reply: {text}") }),
                    )
                    .expect("sim answers");
                }
                Answer::json(200, json!({}))
            }
            _ => Answer::text(200, "ok"),
        }
    })
}

#[test]
fn slash_commands_are_signed_and_shaped_like_the_fixtures() {
    let sim = Simulator::start(Seed::standard()).expect("simulator starts");
    let app = mini_app(&sim);
    let secret = sim.app().signing_secret;
    let driver = sim.driver(&app.url);

    let r = driver
        .slash(
            standard::ALICE,
            standard::GENERAL,
            "/anon",
            "could we try Thursdays?",
        )
        .expect("app answers");
    assert_eq!(r.status, 200);
    assert_eq!(r.effect, ResponseEffect::None);
    let sent = app.last();
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.target, "/hook");
    assert_eq!(sent.header("content-type"), Some("application/json"));
    assert_verifies(&secret, &sent);
    let ts: u64 = sent
        .header(TIMESTAMP_HEADER)
        .and_then(|t| t.parse().ok())
        .expect("digits");
    assert!(ts > 1_000_000_000_000, "milliseconds by default");
    let body = sent.json();
    assert_eq!(keys(&body), keys(&fixture("slash_anon_channel.json")));
    assert_eq!(body["slashCommand"], "/anon");
    assert_eq!(body["text"], "could we try Thursdays?");
    assert_eq!(body["userId"], "u_alice");
    assert_eq!(body["channelId"], "ch_general");
    assert_eq!(body["workspaceId"], "ws_1");

    let root = sim
        .post_as(standard::ALICE, standard::GENERAL, "staging is down", None)
        .expect("alice is in general");
    let seconds = sim
        .driver(&app.url)
        .with_timestamp_unit(TimestampUnit::Seconds);
    seconds
        .slash_in_thread(
            standard::ALICE,
            standard::GENERAL,
            &root.id,
            "/anon",
            "same here",
        )
        .expect("app answers");
    let sent = app.last();
    assert_verifies(&secret, &sent);
    let ts: u64 = sent
        .header(TIMESTAMP_HEADER)
        .and_then(|t| t.parse().ok())
        .expect("digits");
    assert!(ts < 100_000_000_000, "seconds when asked");
    let body = sent.json();
    assert_eq!(keys(&body), keys(&fixture("slash_anon_thread.json")));
    assert_eq!(body["threadRootId"], root.id.as_str());

    // A user cannot type where they are not a member, nor under a non-root.
    assert!(matches!(
        driver.slash(standard::CAROL, standard::RANDOM, "/anon", "x"),
        Err(SimError::NotFound(_))
    ));
    assert!(driver
        .slash_in_thread(
            standard::ALICE,
            standard::GENERAL,
            "msg_missing",
            "/anon",
            "x"
        )
        .is_err());
}

#[test]
fn click_open_modal_submit_round_trip() {
    let sim = Simulator::start(Seed::standard()).expect("simulator starts");
    let app = mini_app(&sim);
    let secret = sim.app().signing_secret;
    let driver = sim.driver(&app.url);

    driver
        .slash(
            standard::ALICE,
            standard::GENERAL,
            "/dm",
            "<<@u_bob>> thanks",
        )
        .expect("app answers");
    let dm = sim
        .find_dm(standard::WORKSPACE, &[standard::BOT, standard::BOB])
        .expect("the app created the DM");
    let posted = sim.messages_in(&dm.id);
    assert_eq!(posted.len(), 1);

    // Alice cannot click in a DM she is not part of.
    assert!(matches!(
        driver.click(standard::ALICE, &posted[0].id, "reply_anon"),
        Err(SimError::NotFound(_))
    ));
    assert!(driver
        .click(standard::BOB, &posted[0].id, "no_such_button")
        .is_err());

    let r = driver
        .click_latest(standard::BOB, "reply_anon")
        .expect("app answers");
    let view_id = match &r.effect {
        ResponseEffect::ModalOpened(id) => id.clone(),
        other => panic!("expected a modal, got {other:?}"),
    };
    let click = app.last();
    assert_verifies(&secret, &click);
    let body = click.json();
    let expected = fixture("block_reply_click.json");
    assert_eq!(keys(&body), keys(&expected));
    assert_eq!(body["sourceType"], "MESSAGE");
    assert_eq!(body["sourceId"], posted[0].id.as_str());
    assert_eq!(body["channelId"], dm.id.as_str());
    assert_eq!(body["userId"], "u_bob");
    assert_eq!(body["onAction"], "reply_anon");
    let payload: Value =
        serde_json::from_str(body["payload"].as_str().expect("payload is a string")).expect("JSON");
    let real_value = &posted[0].blocks[1]["elements"][0]["value"];
    assert_eq!(payload, json!({ "value": real_value }));
    assert_eq!(body["loadingTimeout"], 0);

    let modals = sim.open_modals(standard::BOB);
    assert_eq!(modals.len(), 1);
    assert_eq!(modals[0].view_id, view_id);
    assert_eq!(modals[0].callback_id(), Some("anon_reply_modal"));
    assert!(sim.open_modals(standard::ALICE).is_empty());

    assert!(driver
        .submit_modal(standard::BOB, &[("no_such_input", "x")])
        .is_err());
    let r = driver
        .submit_modal(standard::BOB, &[("reply_text", "Glad it helped")])
        .expect("app answers");
    assert_eq!(r.effect, ResponseEffect::ModalClosed(view_id.clone()));
    let submit = app.last();
    assert_verifies(&secret, &submit);
    let body = submit.json();
    let expected = fixture("view_submit_reply.json");
    assert_eq!(keys(&body), keys(&expected));
    assert_same_shape(&expected, &body, "VIEW_ACTION");
    assert_eq!(keys(&body["view"]), keys(&expected["view"]));
    assert_eq!(body["viewActionType"], "SUBMIT");
    assert_eq!(body["view"]["id"], view_id.as_str());
    assert_eq!(body["view"]["callbackId"], "anon_reply_modal");
    assert_eq!(
        body["view"]["state"]["values"],
        json!({ "reply_block": { "reply_text": { "type": "plain_text_input", "value": "Glad it helped" } } })
    );
    assert!(sim.open_modals(standard::BOB).is_empty());
    let texts: Vec<String> = sim
        .messages_in(&dm.id)
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert_eq!(
        texts.last().map(String::as_str),
        Some("Anonymous reply: Glad it helped")
    );
}

#[test]
fn closing_notifies_only_when_asked() {
    let sim = Simulator::start(Seed::standard()).expect("simulator starts");
    let app = mini_app(&sim);
    let driver = sim.driver(&app.url);
    driver
        .slash(standard::ALICE, standard::GENERAL, "/dm", "<<@u_bob>> hi")
        .expect("app answers");
    driver
        .click_latest(standard::BOB, "reply_anon")
        .expect("app answers");
    let before = app.received().len();
    let closed = driver.close_modal(standard::BOB).expect("modal open");
    let closed = closed.expect("notifyOnClose is true, so the app is told");
    assert_eq!(closed.status, 200);
    assert_eq!(app.received().len(), before + 1);
    let body = app.last().json();
    let expected = fixture("view_close_reply.json");
    assert_eq!(keys(&body), keys(&expected));
    assert_eq!(body["viewActionType"], "CLOSE");
    assert_eq!(body["view"]["state"], json!({ "values": {} }));
    assert!(sim.open_modals(standard::BOB).is_empty());
    assert!(
        driver.close_modal(standard::BOB).is_err(),
        "nothing left to close"
    );
}

#[test]
fn ack_and_nack_messages_late_answers_and_foreign_triggers() {
    let sim = Simulator::start(Seed::standard()).expect("simulator starts");
    let app = mini_app(&sim);
    let driver = sim
        .driver(&app.url)
        .with_trigger_deadline(Duration::from_millis(200));

    let ack = driver
        .slash(standard::ALICE, standard::GENERAL, "/ack", "")
        .expect("app answers");
    let ResponseEffect::Notice(id) = &ack.effect else {
        panic!("expected a notice, got {:?}", ack.effect)
    };
    let shown = sim.ephemerals_for(standard::ALICE);
    assert_eq!(shown.len(), 1);
    assert_eq!(&shown[0].id, id);
    assert_eq!(shown[0].text, "done");
    assert_eq!(shown[0].origin, EphemeralOrigin::TriggerAnswer);
    assert_eq!(shown[0].author, standard::BOT);

    let nack = driver
        .slash(standard::ALICE, standard::GENERAL, "/nack", "")
        .expect("app answers");
    assert_eq!(nack.status, 400);
    assert!(matches!(nack.effect, ResponseEffect::Notice(_)));
    assert_eq!(sim.ephemerals_for(standard::ALICE)[1].text, "nope");

    let slow = driver
        .slash(standard::ALICE, standard::GENERAL, "/slow", "")
        .expect("app answers");
    assert!(slow.elapsed >= Duration::from_millis(400));
    assert!(matches!(slow.effect, ResponseEffect::TooLate(Some(_))));
    assert_eq!(
        sim.ephemerals_for(standard::ALICE)[2].origin,
        EphemeralOrigin::AppUnavailable
    );

    let foreign = driver
        .slash(standard::ALICE, standard::GENERAL, "/wrongtrigger", "")
        .expect("app answers");
    assert!(matches!(foreign.effect, ResponseEffect::Rejected(_)));
    assert!(sim.open_modals(standard::ALICE).is_empty());
    assert!(sim.ephemerals_for(standard::BOB).is_empty());
}

#[test]
fn lifecycle_events_match_the_fixtures_and_revoke_tokens() {
    let sim = Simulator::start(Seed::standard()).expect("simulator starts");
    let app = mini_app(&sim);
    let secret = sim.app().signing_secret;
    let http = Http::new(&sim);
    let bob = sim.issue_user_token(standard::BOB).expect("bob exists");

    let driver = sim.driver(&app.url);
    let r = driver.app_unauthorized(standard::BOB).expect("app answers");
    assert_eq!(r.text(), "ok");
    let sent = app.last();
    assert_verifies(&secret, &sent);
    let body = sent.json();
    let expected = fixture("event_app_unauthorized.json");
    assert_eq!(keys(&body), keys(&expected));
    assert_eq!(body["messageType"], "APP_EVENT");
    assert_eq!(body["workspaceUserIds"], json!(["u_bob"]));
    let inner: Value =
        serde_json::from_str(body["body"].as_str().expect("a string")).expect("JSON");
    let expected_inner: Value =
        serde_json::from_str(expected["body"].as_str().expect("a string")).expect("JSON");
    assert_eq!(keys(&inner), keys(&expected_inner));
    assert_eq!(inner["workspaceUser"], "u_bob");
    assert_eq!(
        http.get("/v1/workspaceUsers", &bob)
            .expect("request")
            .status,
        401
    );

    let bot = sim.bot_token(standard::WORKSPACE).expect("installed");
    let pumble_events = sim
        .driver(&app.url)
        .with_event_envelope(EventEnvelope::PumbleEvent);
    pumble_events
        .app_uninstalled(standard::WORKSPACE)
        .expect("app answers");
    let body = app.last().json();
    let expected = fixture("event_app_uninstalled.json");
    assert_eq!(keys(&body), keys(&expected));
    assert_eq!(body["messageType"], "PUMBLE_EVENT");
    assert_eq!(body["eventType"], "APP_UNINSTALLED");
    let inner: Value =
        serde_json::from_str(body["body"].as_str().expect("a string")).expect("JSON");
    let expected_inner: Value =
        serde_json::from_str(expected["body"].as_str().expect("a string")).expect("JSON");
    assert_eq!(keys(&inner), keys(&expected_inner));
    assert_eq!(inner["botUser"], "u_anonbot");
    assert_eq!(inner["installedBy"], "u_carol");
    assert_eq!(
        http.get("/v1/workspaceUsers", &bot)
            .expect("request")
            .status,
        401
    );
}

#[test]
fn oauth_redirect_carries_a_redeemable_code_and_state() {
    let sim = Simulator::start(Seed::standard()).expect("simulator starts");
    let app = mini_app(&sim);
    let driver = sim.driver(&app.url);
    let r = driver
        .oauth_install(standard::DAVE, Some("st/1 x"))
        .expect("app answers");
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "Successfully connected!");
    let sent = app.last();
    assert_eq!(sent.method, "GET");
    let (path, query) = sent.target.split_once('?').expect("a query");
    assert_eq!(path, "/redirect");
    let param = |name: &str| {
        query
            .split('&')
            .find_map(|p| p.strip_prefix(&format!("{name}=")).map(str::to_owned))
    };
    assert_eq!(param("state").as_deref(), Some("st%2F1%20x"));
    let code = param("code").expect("a code");
    let creds = sim.app();
    let exchanged = Http::new(&sim)
        .post_multipart(
            "/oauth2/access",
            &[
                ("client-id", creds.app_id.as_str()),
                ("client-secret", creds.client_secret.as_str()),
                ("code", code.as_str()),
            ],
        )
        .expect("request");
    assert_eq!(exchanged.status, 200);
    assert_eq!(exchanged.json["userId"], "u_dave");

    driver.oauth_redirect("").expect("app answers");
    assert_eq!(app.last().target, "/redirect");
}

#[test]
fn raw_sends_resign_fixtures_and_can_send_stale_or_unsigned_requests() {
    let sim = Simulator::start(Seed::standard()).expect("simulator starts");
    let app = mini_app(&sim);
    let secret = sim.app().signing_secret;
    let driver = sim.driver(&app.url);
    let path = format!(
        "{}/tests/fixtures/slash_anon_block.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(path).expect("fixture exists");
    driver.send_signed("/hook", &bytes).expect("app answers");
    let sent = app.last();
    assert_eq!(sent.body, bytes, "exact bytes, trailing newline included");
    assert_verifies(&secret, &sent);

    driver
        .send_signed_at("/hook", &bytes, "1717000000000")
        .expect("app answers");
    let stale = app.last();
    let verifier = Verifier::new(&secret).expect("valid secret");
    assert!(verifier
        .verify(
            stale.header(TIMESTAMP_HEADER),
            stale.header(SIGNATURE_HEADER),
            &stale.body[..]
        )
        .is_err());
    assert_eq!(
        stale.header(SIGNATURE_HEADER).map(str::to_owned),
        Some(pumble_verify::sign(&secret, "1717000000000", &bytes))
    );

    driver
        .send_with_headers("/hook", &bytes, &[])
        .expect("app answers");
    assert_eq!(app.last().header(SIGNATURE_HEADER), None);
    let (ts, sig) = driver.signature_headers(b"{}");
    assert_eq!(sig, pumble_verify::sign(&secret, &ts, b"{}"));
}

#[test]
fn buttons_inside_modals_update_and_push_views() {
    let sim = Simulator::start(Seed::standard()).expect("simulator starts");
    let app = TestApp::start(|req| {
        let body = req.json();
        let view = |title: &str| {
            json!({
                "type": "MODAL", "callbackId": "wizard", "notifyOnClose": false,
                "title": { "type": "plain_text", "text": title },
                "blocks": [
                    { "type": "input", "blockId": "b1", "label": { "type": "plain_text", "text": "Name" },
                      "element": { "type": "plain_text_input", "onAction": "name", "initial_value": "Ann" } },
                    { "type": "actions", "elements": [
                        { "type": "button", "onAction": "next", "value": "step", "text": { "type": "plain_text", "text": "Next" } },
                        { "type": "button", "onAction": "deeper", "text": { "type": "plain_text", "text": "Deeper" } } ] }
                ]
            })
        };
        let (action, title) = match (body["messageType"].as_str(), body["onAction"].as_str()) {
            (Some("SLASH_COMMAND"), _) => ("OPEN", "Step 1"),
            (_, Some("next")) => ("UPDATE", "Step 2"),
            _ => ("PUSH", "Child"),
        };
        Answer::json(
            200,
            json!({ "triggerId": body["triggerId"], "viewType": "NATIVE", "action": action, "view": view(title) }),
        )
    });
    let driver = sim.driver(&app.url);
    let opened = driver
        .slash(standard::BOB, standard::GENERAL, "/wizard", "")
        .expect("app answers");
    let ResponseEffect::ModalOpened(first) = opened.effect else {
        panic!("expected a modal, got {:?}", opened.effect)
    };
    let updated = driver
        .click_in_modal(standard::BOB, "next")
        .expect("app answers");
    assert_eq!(updated.effect, ResponseEffect::ModalUpdated(first.clone()));
    let click = app.last().json();
    assert_eq!(click["sourceType"], "VIEW");
    assert_eq!(click["sourceId"], first.as_str());
    assert_eq!(click["view"]["id"], first.as_str());
    assert_eq!(click["payload"], "{\"value\":\"step\"}");
    assert_eq!(
        click["view"]["state"]["values"]["b1"]["name"],
        json!({ "type": "plain_text_input", "value": "Ann" })
    );
    let modals = sim.open_modals(standard::BOB);
    assert_eq!(modals.len(), 1);
    assert_eq!(modals[0].title(), Some("Step 2"));

    let pushed = driver
        .click_in_modal(standard::BOB, "deeper")
        .expect("app answers");
    let ResponseEffect::ModalPushed(child) = pushed.effect else {
        panic!("expected a pushed modal, got {:?}", pushed.effect)
    };
    assert_eq!(app.last().json()["payload"], "{}", "a button without value");
    let modals = sim.open_modals(standard::BOB);
    assert_eq!(modals.len(), 2);
    assert_eq!(modals[1].view_id, child);
    assert_eq!(modals[1].view["parentViewId"], first.as_str());
    assert!(driver.click_in_modal(standard::BOB, "missing").is_err());
    // Closing without notifyOnClose tells the app nothing.
    let before = app.received().len();
    assert!(driver.close_modal(standard::BOB).expect("open").is_none());
    assert_eq!(app.received().len(), before);
    assert_eq!(sim.open_modals(standard::BOB).len(), 1);
}

#[test]
fn unreachable_or_silent_apps_are_reported_as_errors() {
    let sim = Simulator::start(Seed::standard()).expect("simulator starts");
    let silent = TestApp::start(|_| {
        std::thread::sleep(Duration::from_millis(800));
        Answer::json(200, json!({}))
    });
    let driver = sim
        .driver(&silent.url)
        .with_timeout(Duration::from_millis(200));
    assert!(matches!(
        driver.slash(standard::ALICE, standard::GENERAL, "/anon", "x"),
        Err(SimError::Timeout)
    ));
    assert!(sim.open_modals(standard::ALICE).is_empty());

    // A port nothing listens on (bound, then released).
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", closed.local_addr().expect("bound"));
    drop(closed);
    let err = sim
        .driver(&url)
        .app_uninstalled(standard::WORKSPACE)
        .expect_err("nothing listens");
    assert!(matches!(err, SimError::Transport(_)), "{err:?}");
}

#[test]
fn deactivated_users_cannot_act() {
    let sim = Simulator::start(Seed::standard()).expect("simulator starts");
    let app = mini_app(&sim);
    let driver = sim.driver(&app.url);
    assert!(matches!(
        driver.slash(standard::FRANK, standard::GENERAL, "/anon", "x"),
        Err(SimError::InactiveUser(_))
    ));
    assert!(matches!(
        driver.slash("u_nobody", standard::GENERAL, "/anon", "x"),
        Err(SimError::UnknownUser(_))
    ));
    assert!(app.received().is_empty(), "nothing was sent");
}
