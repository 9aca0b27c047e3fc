use anon_store::{RateDecision, RateLimitPolicy, ResealReport, Store, StoreError};

use crate::support::*;

const STRICT: RateLimitPolicy = RateLimitPolicy {
    global_limit: 3,
    global_window_secs: 60,
    target_limit: 10,
    target_window_secs: 3600,
};

#[tokio::test]
async fn rotate_open_with_previous_then_reseal_and_retire_it() {
    let db = TestDb::new();
    let store = db.open(ring(KEY_A, None)).await;
    populate(&store).await; // Alice used 2 global units at t=1000
    store.close().await;

    // Rotation: B current, A previous. Everything still opens and matches.
    let rotating = db.open(ring(KEY_B, Some(KEY_A))).await;
    assert_populated_readable(&rotating).await;
    assert!(
        !rotating.opt_outs().set(WS, DAVE, 2_000).await.expect("set"),
        "A-hash found"
    );
    // Alice's earlier units (bucket under A) still count: 1 left of 3.
    let limits = rotating.rate_limits();
    assert_eq!(
        limits
            .check_and_consume(WS, ALICE, "T-1", 1_001, &STRICT)
            .await
            .expect("rate"),
        RateDecision::Allowed
    );
    assert!(matches!(
        limits
            .check_and_consume(WS, ALICE, "T-2", 1_002, &STRICT)
            .await
            .expect("rate"),
        RateDecision::DeniedGlobal { .. }
    ));

    // Reseal in small batches while writes under B have already happened.
    let report = rotating.reseal(2).await.expect("reseal");
    assert_eq!(
        report,
        ResealReport {
            messages: 4,
            audit_events: 4,
            bot_tokens: 1,
            user_tokens: 1,
            opt_outs: 1,
            // Alice's global bucket was re-keyed in passing by the send above;
            // her two target buckets remain, and the decoy of her second
            // send (which created only one bucket).
            rate_limit_buckets: 3,
            unreadable: 0,
        }
    );
    assert_eq!(
        rotating.reseal(2).await.expect("reseal again").total(),
        0,
        "idempotent"
    );
    rotating.close().await;

    // B alone: everything opens and every keyed-hash lookup still matches.
    let rotated = db.open(ring(KEY_B, None)).await;
    assert_populated_readable(&rotated).await;
    assert_eq!(rotated.rows_under_unknown_keys().await.expect("count"), 0);
    assert!(matches!(
        rotated
            .rate_limits()
            .check_and_consume(WS, ALICE, "T-3", 1_003, &STRICT)
            .await
            .expect("rate"),
        RateDecision::DeniedGlobal { .. }
    ));
    let per_target = RateLimitPolicy {
        global_limit: 100,
        target_limit: 1,
        ..STRICT
    };
    assert!(
        matches!(
            rotated
                .rate_limits()
                .check_and_consume(WS, ALICE, BOB, 1_004, &per_target)
                .await
                .expect("rate"),
            RateDecision::DeniedTarget { .. }
        ),
        "the resealed (Alice, Bob) bucket still holds its unit"
    );
    rotated.close().await;

    // A alone is refused at open, with a clean error naming the table: a
    // wrong key must not let opt-out lookups silently miss.
    let stale = Store::open(db.options(ring(KEY_A, None))).await;
    match stale {
        Err(StoreError::UnknownKey { table, key_id, .. }) => {
            assert_eq!(table, "messages");
            assert_eq!(key_id, ring(KEY_B, None).current_id());
        }
        other => panic!("expected UnknownKey, got {other:?}"),
    }
}

#[tokio::test]
async fn values_written_under_both_keys_merge_on_reseal() {
    let db = TestDb::new();
    let store = db.open(ring(KEY_A, None)).await;
    store
        .tokens()
        .save(
            &anon_store::TokenGrant {
                workspace_id: WS,
                bot: None,
                user: Some(anon_store::UserGrant {
                    user_id: ALICE,
                    token: "token-under-a",
                }),
            },
            1,
        )
        .await
        .expect("save");
    store.close().await;
    let rotating = db.open(ring(KEY_B, Some(KEY_A))).await;
    rotating
        .tokens()
        .save(
            &anon_store::TokenGrant {
                workspace_id: WS,
                bot: None,
                user: Some(anon_store::UserGrant {
                    user_id: ALICE,
                    token: "token-under-b",
                }),
            },
            2,
        )
        .await
        .expect("save replaces the A row");
    rotating.reseal(10).await.expect("reseal");
    let mut raw = db.raw().await;
    let (rows,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM user_tokens")
        .fetch_one(&mut raw)
        .await
        .expect("count");
    assert_eq!(rows, 1);
    use secrecy::ExposeSecret;
    assert_eq!(
        rotating
            .tokens()
            .user_token(WS, ALICE)
            .await
            .expect("get")
            .expect("token")
            .expose_secret(),
        "token-under-b"
    );
}

#[tokio::test]
async fn reseal_runs_inside_a_spawned_task() {
    let db = TestDb::new();
    let store = db.open(ring(KEY_A, None)).await;
    populate(&store).await;
    store.close().await;
    let rotating = db.open(ring(KEY_B, Some(KEY_A))).await;
    let handle = tokio::spawn(async move { rotating.reseal(100).await });
    let report = handle.await.expect("task").expect("reseal");
    assert_eq!(report.messages, 4);
}

/// Re-sealing buckets under the new key keeps them padded: after rotation
/// every bucket row still has the same length, whatever its count.
#[tokio::test]
async fn resealed_buckets_stay_padded_and_keep_counting() {
    let db = TestDb::new();
    let store = db.open(ring(KEY_A, None)).await;
    let policy = RateLimitPolicy::default();
    for (sender, target, at) in [
        (ALICE, CHANNEL, 5_000),
        (ALICE, CHANNEL, 5_001),
        (ALICE, BOB, 5_002),
        (BOB, CHANNEL, 5_003),
    ] {
        assert_eq!(
            store
                .rate_limits()
                .check_and_consume(WS, sender, target, at, &policy)
                .await
                .expect("rate"),
            RateDecision::Allowed
        );
    }
    store.close().await;

    let rotating = db.open(ring(KEY_B, Some(KEY_A))).await;
    let report = rotating.reseal(3).await.expect("reseal");
    assert_eq!(
        report.rate_limit_buckets, 8,
        "2 global + 3 target buckets + 3 decoys: two rows per send"
    );
    let mut raw = db.raw().await;
    let shapes: Vec<(i64, i64, Vec<u8>)> = sqlx::query_as(
        "SELECT DISTINCT length(subject_sealed), length(units_sealed), key_id \
         FROM rate_limit_buckets",
    )
    .fetch_all(&mut raw)
    .await
    .expect("shapes");
    assert_eq!(shapes.len(), 1, "one shape, one key: {shapes:?}");
    drop(raw);
    let two_per_target = RateLimitPolicy {
        target_limit: 2,
        ..policy
    };
    assert!(matches!(
        rotating
            .rate_limits()
            .check_and_consume(WS, ALICE, CHANNEL, 5_010, &two_per_target)
            .await
            .expect("rate"),
        RateDecision::DeniedTarget { .. }
    ));
    assert_eq!(
        rotating
            .rate_limits()
            .check_and_consume(WS, BOB, CHANNEL, 5_010, &two_per_target)
            .await
            .expect("rate"),
        RateDecision::Allowed
    );
}
