mod common;

use anon_store::{MessageKind, NewMessage, RateDecision, RateLimitPolicy};
use common::TestDb;
use secrecy::ExposeSecret;

#[tokio::test]
async fn open_migrate_and_round_trip_a_message() {
    let db = TestDb::new();
    let store = db.open_a().await;
    store.health().await.expect("healthy");
    store
        .messages()
        .record(&NewMessage {
            id: "m1",
            conversation_id: "c1",
            workspace_id: "W1",
            kind: MessageKind::Dm,
            author_id: "U_AUTHOR",
            recipient_id: Some("U_RECIPIENT"),
            body: "hello there",
            channel_id: None,
            thread_root_id: None,
            created_at: 100,
        })
        .await
        .expect("record");
    let got = store
        .messages()
        .get("W1", "m1")
        .await
        .expect("get")
        .expect("present");
    assert_eq!(got.author_id.expose_secret(), "U_AUTHOR");
    assert_eq!(got.body.expose_secret(), "hello there");
    let decision = store
        .rate_limits()
        .check_and_consume(
            "W1",
            "U_AUTHOR",
            "U_RECIPIENT",
            100,
            &RateLimitPolicy::default(),
        )
        .await
        .expect("rate");
    assert_eq!(decision, RateDecision::Allowed);
}
