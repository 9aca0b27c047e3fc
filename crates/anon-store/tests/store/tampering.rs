//! Someone with write access to the database file moves, swaps or cuts
//! sealed values in raw SQL. Every such value must fail to open with a clean
//! `SealBroken` naming only its table and column: never a panic, never the
//! wrong plaintext (a report accusing the recipient instead of the author).

use anon_store::{BotGrant, StoreError, TokenGrant};

use crate::support::*;

/// Runs one raw statement against the test database.
async fn tamper(db: &TestDb, statement: &str) {
    let mut raw = db.raw().await;
    let done = sqlx::query(statement)
        .execute(&mut raw)
        .await
        .expect("raw statement");
    assert!(done.rows_affected() > 0, "nothing tampered: {statement}");
}

fn assert_broken<T: std::fmt::Debug>(
    result: Result<T, StoreError>,
    want_table: &str,
    secrets: &Secrets,
) {
    match result {
        Err(error @ StoreError::SealBroken { table, .. }) => {
            assert_eq!(table, want_table);
            let shown = format!("{error} {error:?}");
            for secret in secrets.all() {
                assert!(!shown.contains(secret), "{shown} leaks {secret}");
            }
        }
        other => panic!("expected SealBroken in {want_table}, got {other:?}"),
    }
}

#[tokio::test]
async fn author_and_recipient_swapped_within_a_dm_do_not_open() {
    let db = TestDb::new();
    let store = db.open_a().await;
    let secrets = populate(&store).await;
    // The worst swap: a report would then accuse the recipient.
    tamper(
        &db,
        "UPDATE messages SET author_sealed = recipient_sealed, recipient_sealed = author_sealed \
         WHERE id = 'msg-dm-1'",
    )
    .await;
    assert_broken(
        store.messages().get(WS, "msg-dm-1").await,
        "messages",
        &secrets,
    );
    // The untouched reply in the same conversation still opens.
    assert!(store.messages().get(WS, "msg-dm-2").await.is_ok());
}

#[tokio::test]
async fn values_moved_between_rows_or_columns_do_not_open() {
    let db = TestDb::new();
    let store = db.open_a().await;
    let secrets = populate(&store).await;
    // Alice's author blob planted on Carol's thread reply: same column, same
    // workspace, another row.
    tamper(
        &db,
        "UPDATE messages SET author_sealed = \
         (SELECT author_sealed FROM messages WHERE id = 'msg-ch-1') WHERE id = 'msg-th-1'",
    )
    .await;
    assert_broken(
        store.messages().get(WS, "msg-th-1").await,
        "messages",
        &secrets,
    );
    // An author blob put in the body column of its own row.
    tamper(
        &db,
        "UPDATE messages SET body_sealed = author_sealed WHERE id = 'msg-ch-1'",
    )
    .await;
    assert_broken(
        store.messages().get(WS, "msg-ch-1").await,
        "messages",
        &secrets,
    );
    // Audit actors swapped between two rows.
    tamper(
        &db,
        "UPDATE audit_events SET actor_sealed = \
         (SELECT actor_sealed FROM audit_events WHERE event = 'BLOCK') WHERE event = 'SEND'",
    )
    .await;
    assert_broken(
        store.audit().list(Some(WS), 10).await,
        "audit_events",
        &secrets,
    );
}

#[tokio::test]
async fn values_moved_to_another_workspace_do_not_open() {
    let db = TestDb::new();
    let store = db.open_a().await;
    let secrets = populate(&store).await;
    store
        .tokens()
        .save(
            &TokenGrant {
                workspace_id: OTHER_WS,
                bot: Some(BotGrant {
                    token: "xpat-other-workspace-token-77",
                    bot_user_id: None,
                }),
                user: None,
            },
            1_000,
        )
        .await
        .expect("save");
    // The other workspace's bot token planted in ours.
    tamper(
        &db,
        "UPDATE bot_tokens SET token_sealed = \
         (SELECT token_sealed FROM bot_tokens WHERE workspace_id = 'W-OTHER') \
         WHERE workspace_id = 'W-ACME'",
    )
    .await;
    assert_broken(store.tokens().bot_token(WS).await, "bot_tokens", &secrets);
    // A whole message row relabelled as another workspace's.
    tamper(
        &db,
        "UPDATE messages SET workspace_id = 'W-OTHER' WHERE id = 'msg-dm-2'",
    )
    .await;
    assert_broken(
        store.messages().get(OTHER_WS, "msg-dm-2").await,
        "messages",
        &secrets,
    );
}

#[tokio::test]
async fn truncated_empty_or_reformatted_blobs_do_not_open() {
    let db = TestDb::new();
    let store = db.open_a().await;
    let secrets = populate(&store).await;
    for statement in [
        // Cut inside the header, inside the ciphertext, and just the tag.
        "UPDATE messages SET body_sealed = substr(body_sealed, 1, 5) WHERE id = 'msg-dm-1'",
        "UPDATE messages SET body_sealed = substr(body_sealed, 1, 30) WHERE id = 'msg-dm-1'",
        "UPDATE messages SET body_sealed = substr(body_sealed, 1, length(body_sealed) - 1) \
         WHERE id = 'msg-dm-1'",
        "UPDATE messages SET body_sealed = X'' WHERE id = 'msg-dm-1'",
        // An unknown format byte in front of an otherwise valid value.
        "UPDATE messages SET body_sealed = CAST(X'07' || substr(body_sealed, 2) AS BLOB) WHERE id = 'msg-dm-1'",
        // A padded value relabelled as unpadded (it would open with its
        // padding if the format were not bound to the ciphertext).
        "UPDATE messages SET body_sealed = CAST(X'01' || substr(body_sealed, 2) AS BLOB) WHERE id = 'msg-dm-1'",
    ] {
        // Each statement starts from a freshly sealed value.
        store
            .messages()
            .delete(WS, "msg-dm-1")
            .await
            .expect("delete");
        store
            .messages()
            .record(&message(
                "msg-dm-1",
                "conv-dm",
                anon_store::MessageKind::Dm,
                ALICE,
                Some(BOB),
                DM_BODY,
            ))
            .await
            .expect("record again");
        tamper(&db, statement).await;
        assert_broken(store.messages().get(WS, "msg-dm-1").await, "messages", &secrets);
    }
}
