//! Debug output never carries bodies, tokens, secrets or authors; the
//! simulator also runs inside a tokio runtime.

use pumble_sim::{standard, Seed, Simulator};
use serde_json::json;

use crate::http::Http;

#[test]
fn debug_output_redacts_bodies_tokens_secrets_and_authors() {
    let sim = Simulator::start(Seed::standard()).expect("simulator starts");
    let http = Http::new(&sim);
    let bot = sim.bot_token(standard::WORKSPACE).expect("installed");
    let secret_text = "the-secret-text-xyz";
    let posted = http
        .post(
            &format!("/v1/channels/{}/messages", standard::GENERAL),
            &bot,
            &json!({ "text": secret_text }),
        )
        .expect("request");
    let id = posted.json["id"].as_str().expect("id").to_owned();
    let app = sim.app();
    let message = sim.message(&id).expect("stored");
    let calls = sim.calls();
    let rendered = [
        format!("{message:?}"),
        format!("{calls:?}"),
        format!("{app:?}"),
        format!("{sim:?}"),
        format!("{:?}", sim.driver("http://127.0.0.1:9")),
        sim.with_state(|s| format!("{s:?}")),
    ]
    .join("\n");
    for forbidden in [
        secret_text,
        bot.as_str(),
        app.app_key.as_str(),
        app.client_secret.as_str(),
        app.signing_secret.as_str(),
        standard::BOT,
    ] {
        assert!(
            !rendered.contains(forbidden),
            "Debug output leaks {forbidden}"
        );
    }
}

#[tokio::test]
async fn works_from_inside_a_tokio_runtime() {
    let sim = Simulator::start(Seed::standard()).expect("simulator starts");
    let url = sim.base_url();
    let key = sim.app().app_key;
    let bot = sim.bot_token(standard::WORKSPACE).expect("installed");
    let status = tokio::task::spawn_blocking(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .proxy(None)
            .build()
            .into();
        agent
            .get(format!("{url}/v1/workspaceUsers"))
            .header("token", &bot)
            .header("x-app-token", &key)
            .call()
            .map(|r| r.status().as_u16())
    })
    .await
    .expect("task completes")
    .expect("request");
    assert_eq!(status, 200);
    drop(sim);
}
