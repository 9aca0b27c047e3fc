//! Changing the world from tests, a second workspace, and call recording.

use pumble_sim::{roles, standard, ChannelType, Seed, SeedUser, SimError, Simulator};
use serde_json::json;

use crate::http::Http;

#[test]
fn simulator_and_driver_can_be_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Simulator>();
    assert_send_sync::<pumble_sim::Driver>();
}

#[test]
fn test_time_changes_show_through_the_api() {
    let sim = Simulator::start(Seed::standard()).expect("simulator starts");
    let http = Http::new(&sim);
    let bot = sim.bot_token(standard::WORKSPACE).expect("installed");

    sim.add_user(SeedUser::new(
        standard::WORKSPACE,
        "u_zoe",
        "Zoe",
        roles::USER,
    ))
    .expect("new id");
    assert!(matches!(
        sim.add_user(SeedUser::new(
            standard::WORKSPACE,
            "u_zoe",
            "Zoe",
            roles::USER
        )),
        Err(SimError::InvalidChange(_))
    ));
    sim.add_channel(
        standard::WORKSPACE,
        "ch_ops",
        "ops",
        ChannelType::Private,
        &[standard::ALICE, "u_zoe"],
    )
    .expect("members exist");
    assert!(sim
        .add_channel(
            standard::WORKSPACE,
            "ch_bad",
            "bad",
            ChannelType::Public,
            &["u_nobody"]
        )
        .is_err());

    // The bot cannot see the private channel until it is added.
    assert_eq!(
        http.get("/v1/channels/ch_ops", &bot)
            .expect("request")
            .status,
        403
    );
    assert!(sim.add_member("ch_ops", standard::BOT).expect("both exist"));
    assert!(!sim.add_member("ch_ops", standard::BOT).expect("both exist"));
    let info = http.get("/v1/channels/ch_ops", &bot).expect("request");
    assert_eq!(info.json["users"], json!(["u_alice", "u_zoe", "u_anonbot"]));
    assert_eq!(info.json["channel"]["isMember"], true);

    sim.set_role(standard::BOB, roles::ADMINISTRATOR)
        .expect("bob exists");
    let bob = http.get("/v1/workspaceUsers/u_bob", &bot).expect("request");
    assert_eq!(bob.json["role"], "ADMINISTRATOR");
    let users = http.get("/v1/workspaceUsers", &bot).expect("request");
    assert!(users
        .json
        .as_array()
        .expect("array")
        .iter()
        .any(|u| u["id"] == "u_zoe"));

    assert!(sim
        .remove_member("ch_ops", standard::BOT)
        .expect("channel exists"));
    let refused = http
        .post(
            "/v1/channels/ch_ops/messages",
            &bot,
            &json!({ "text": "hi" }),
        )
        .expect("request");
    assert_eq!(refused.status, 403);
}

#[test]
fn a_second_workspace_is_isolated() {
    let sim = Simulator::start(Seed::standard()).expect("simulator starts");
    let http = Http::new(&sim);
    sim.add_workspace("ws_2", "Other").expect("new workspace");
    sim.add_user(SeedUser::new("ws_2", "u_olga", "Olga", roles::OWNER))
        .expect("new user");
    let bot2 = sim
        .install_app("ws_2", "u_anonbot2", "u_olga")
        .expect("installs");
    assert_eq!(sim.bot_user_id("ws_2").as_deref(), Some("u_anonbot2"));
    sim.add_channel(
        "ws_2",
        "ch_w2",
        "w2-general",
        ChannelType::Public,
        &["u_olga", "u_anonbot2"],
    )
    .expect("members exist");
    // A cross-workspace member is refused.
    assert!(sim.add_member("ch_w2", standard::ALICE).is_err());

    let users = http.get("/v1/workspaceUsers", &bot2).expect("request");
    let ids: Vec<&str> = users
        .json
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|u| u["id"].as_str())
        .collect();
    assert_eq!(ids, vec!["u_anonbot2", "u_olga"]);
    assert_eq!(
        http.get(&format!("/v1/channels/{}", standard::GENERAL), &bot2)
            .expect("request")
            .status,
        404
    );
    let dm = http
        .post(
            "/v1/channels/direct",
            &bot2,
            &json!({ "participantIds": ["u_bob"] }),
        )
        .expect("request");
    assert_eq!(dm.status, 400, "u_bob is in another workspace");
    let code = sim.create_oauth_code("u_olga").expect("olga exists");
    let app = sim.app();
    let token = http
        .post_multipart(
            "/oauth2/access",
            &[
                ("client-id", app.app_id.as_str()),
                ("client-secret", app.client_secret.as_str()),
                ("code", code.as_str()),
            ],
        )
        .expect("request");
    assert_eq!(token.json["workspaceId"], "ws_2");
    assert_eq!(token.json["botId"], "u_anonbot2");
}

#[test]
fn call_recording_can_be_paused_and_cleared() {
    let sim = Simulator::start(Seed::standard()).expect("simulator starts");
    let http = Http::new(&sim);
    let bot = sim.bot_token(standard::WORKSPACE).expect("installed");
    http.get("/v1/workspaceUsers", &bot).expect("request");
    assert_eq!(sim.calls().len(), 1);
    sim.set_call_recording(false);
    http.get("/v1/workspaceUsers", &bot).expect("request");
    assert_eq!(sim.calls().len(), 1);
    sim.set_call_recording(true);
    sim.clear_calls();
    http.get("/v1/channels", &bot).expect("request");
    let calls = sim.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].path, "/v1/channels");
    assert_eq!(calls[0].acting_user.as_deref(), Some(standard::BOT));
}
