use std::sync::Arc;

use anon_store::{
    RateDecision, RateLimitPolicy, RetentionPolicy, Store, StoreError, RATE_LIMIT_EPOCH_SECS,
};

use crate::support::*;

const POLICY: RateLimitPolicy = RateLimitPolicy {
    global_limit: 20,
    global_window_secs: 60,
    target_limit: 10,
    target_window_secs: 3600,
};

async fn send(store: &Store, sender: &str, target: &str, now: i64) -> RateDecision {
    store
        .rate_limits()
        .check_and_consume(WS, sender, target, now, &POLICY)
        .await
        .expect("check")
}

#[tokio::test]
async fn per_target_limit_denies_the_eleventh_send_to_one_target() {
    let db = TestDb::new();
    let store = db.open_a().await;
    for i in 0..10 {
        assert_eq!(
            send(&store, ALICE, BOB, 1_000 + i).await,
            RateDecision::Allowed,
            "send {i}"
        );
    }
    assert_eq!(
        send(&store, ALICE, BOB, 1_010).await,
        RateDecision::DeniedTarget {
            retry_after_secs: 3_590
        },
        "the first unit (t=1000) leaves the hour window at t=4600"
    );
    // Other targets and other senders are unaffected.
    assert_eq!(
        send(&store, ALICE, CAROL, 1_010).await,
        RateDecision::Allowed
    );
    assert_eq!(send(&store, BOB, ALICE, 1_010).await, RateDecision::Allowed);
    // One hour after the first send, one unit is free again.
    assert_eq!(send(&store, ALICE, BOB, 4_600).await, RateDecision::Allowed);
    assert!(matches!(
        send(&store, ALICE, BOB, 4_600).await,
        RateDecision::DeniedTarget { .. }
    ));
}

#[tokio::test]
async fn global_limit_slides_and_a_denial_consumes_nothing() {
    let db = TestDb::new();
    let store = db.open_a().await;
    // 20 sends to distinct targets between t=1000 and t=1019.
    for i in 0..20 {
        let target = format!("T{i}");
        assert_eq!(
            send(&store, ALICE, &target, 1_000 + i).await,
            RateDecision::Allowed
        );
    }
    assert_eq!(
        send(&store, ALICE, "T-new", 1_030).await,
        RateDecision::DeniedGlobal {
            retry_after_secs: 30
        }
    );
    // Denials consumed nothing: the target budget of T-new is untouched, and
    // at t=1060 exactly one unit (t=1000) has left the window.
    assert_eq!(
        send(&store, ALICE, "T-new", 1_060).await,
        RateDecision::Allowed
    );
    assert!(matches!(
        send(&store, ALICE, "T-new", 1_060).await,
        RateDecision::DeniedGlobal { .. }
    ));
    assert_eq!(
        send(&store, ALICE, "T-new", 1_061).await,
        RateDecision::Allowed
    );
}

#[tokio::test]
async fn a_target_denial_does_not_consume_the_global_budget() {
    let db = TestDb::new();
    let store = db.open_a().await;
    for _ in 0..10 {
        assert_eq!(send(&store, ALICE, BOB, 1_000).await, RateDecision::Allowed);
    }
    for _ in 0..30 {
        assert!(matches!(
            send(&store, ALICE, BOB, 1_001).await,
            RateDecision::DeniedTarget { .. }
        ));
    }
    // 10 global units used; 10 remain despite 30 target denials.
    for i in 0..10 {
        assert_eq!(
            send(&store, ALICE, &format!("T{i}"), 1_002).await,
            RateDecision::Allowed
        );
    }
    assert!(matches!(
        send(&store, ALICE, "T-x", 1_002).await,
        RateDecision::DeniedGlobal { .. }
    ));
}

#[tokio::test]
async fn invalid_policies_are_refused() {
    let db = TestDb::new();
    let store = db.open_a().await;
    let zero = RateLimitPolicy {
        global_limit: 0,
        ..POLICY
    };
    let result = store
        .rate_limits()
        .check_and_consume(WS, ALICE, BOB, 1, &zero)
        .await;
    assert!(matches!(result, Err(StoreError::InvalidArgument(_))));
    let negative = RateLimitPolicy {
        target_window_secs: -1,
        ..POLICY
    };
    let result = store
        .rate_limits()
        .check_and_consume(WS, ALICE, BOB, 1, &negative)
        .await;
    assert!(matches!(result, Err(StoreError::InvalidArgument(_))));
    let longer_than_a_day = RateLimitPolicy {
        target_window_secs: RATE_LIMIT_EPOCH_SECS + 1,
        ..POLICY
    };
    let result = store
        .rate_limits()
        .check_and_consume(WS, ALICE, BOB, 1, &longer_than_a_day)
        .await;
    assert!(matches!(result, Err(StoreError::InvalidArgument(_))));
}

/// Every bucket row as (hash, sealed units), in hash order.
async fn bucket_rows(db: &TestDb) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut raw = db.raw().await;
    sqlx::query_as("SELECT bucket_hash, units_sealed FROM rate_limit_buckets ORDER BY bucket_hash")
        .fetch_all(&mut raw)
        .await
        .expect("rows")
}

async fn bucket_hashes(db: &TestDb) -> Vec<Vec<u8>> {
    let mut raw = db.raw().await;
    let rows: Vec<(Vec<u8>,)> = sqlx::query_as("SELECT bucket_hash FROM rate_limit_buckets")
        .fetch_all(&mut raw)
        .await
        .expect("rows");
    rows.into_iter().map(|(hash,)| hash).collect()
}

/// Units keep counting across midnight: the day's first send copies them to
/// a row under a new keyed hash, and yesterday's rows stay untouched (no
/// trace of who sent again) until they expire with the rest of their day.
#[tokio::test]
async fn limits_hold_across_the_day_boundary_under_new_hashes() {
    let db = TestDb::new();
    let store = db.open_a().await;
    let strict = RateLimitPolicy {
        global_limit: 3,
        ..POLICY
    };
    let midnight = 20_000 * RATE_LIMIT_EPOCH_SECS;
    let limits = store.rate_limits();
    for at in [midnight - 20, midnight - 10, midnight - 5] {
        assert_eq!(
            limits
                .check_and_consume(WS, ALICE, BOB, at, &strict)
                .await
                .expect("rate"),
            RateDecision::Allowed
        );
    }
    let yesterday = bucket_rows(&db).await;
    assert_eq!(
        yesterday.len(),
        6,
        "one global and one target bucket, two decoys for each repeat send"
    );
    // Just after midnight yesterday's three units still fill the window.
    assert!(matches!(
        limits
            .check_and_consume(WS, ALICE, BOB, midnight + 5, &strict)
            .await
            .expect("rate"),
        RateDecision::DeniedGlobal { .. }
    ));
    assert_eq!(
        bucket_rows(&db).await,
        yesterday,
        "a denial changes nothing"
    );
    // Once the first unit has left the window, a send goes through into two
    // new rows under today's hashes; yesterday's rows are unchanged.
    assert_eq!(
        limits
            .check_and_consume(WS, ALICE, BOB, midnight + 41, &strict)
            .await
            .expect("rate"),
        RateDecision::Allowed
    );
    let now_rows = bucket_rows(&db).await;
    assert_eq!(now_rows.len(), 8);
    for row in &yesterday {
        assert!(now_rows.contains(row), "yesterday's row was changed");
    }
    // Yesterday's rows expire at the end of today: purging then removes
    // exactly them, and the carried units keep counting from today's rows.
    let report = store
        .purge_expired(
            midnight + RATE_LIMIT_EPOCH_SECS,
            &RetentionPolicy::default(),
        )
        .await
        .expect("purge");
    assert_eq!(report.rate_limit_buckets, 6);
    let today = bucket_rows(&db).await;
    assert_eq!(today.len(), 2);
    assert!(today.iter().all(|row| !yesterday.contains(row)));
    // The per-target count carried over too: 4 of 10 used.
    let per_target = RateLimitPolicy {
        global_limit: 100,
        target_limit: 4,
        ..POLICY
    };
    assert!(matches!(
        limits
            .check_and_consume(WS, ALICE, BOB, midnight + 50, &per_target)
            .await
            .expect("rate"),
        RateDecision::DeniedTarget { .. }
    ));
}

/// Copies of the database taken on different days show unrelated bucket
/// rows for the same sender and target.
#[tokio::test]
async fn the_same_sender_gets_unrelated_bucket_hashes_on_different_days() {
    let db = TestDb::new();
    let store = db.open_a().await;
    let day = 20_000 * RATE_LIMIT_EPOCH_SECS;
    assert_eq!(
        send(&store, ALICE, BOB, day + 100).await,
        RateDecision::Allowed
    );
    let first = bucket_hashes(&db).await;
    assert_eq!(
        send(&store, ALICE, BOB, day + 3 * RATE_LIMIT_EPOCH_SECS).await,
        RateDecision::Allowed
    );
    let later: Vec<Vec<u8>> = bucket_hashes(&db)
        .await
        .into_iter()
        .filter(|hash| !first.contains(hash))
        .collect();
    assert_eq!(later.len(), 2, "two new rows, none reused");
}

/// 200 concurrent sends of one sender through two independent pools on the
/// same file (as two processes would) → exactly 20 allowed.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_concurrent_sends_allow_exactly_twenty() {
    let db = TestDb::new();
    let first = Arc::new(db.open_a().await);
    let second = Arc::new(db.open_a().await);
    let barrier = Arc::new(tokio::sync::Barrier::new(200));
    let mut tasks = Vec::new();
    for i in 0..200 {
        let store = if i % 2 == 0 {
            first.clone()
        } else {
            second.clone()
        };
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let target = format!("T{}", i % 50);
            store
                .rate_limits()
                .check_and_consume(WS, ALICE, &target, 5_000, &RateLimitPolicy::default())
                .await
        }));
    }
    let mut allowed = 0;
    let mut denied_global = 0;
    for task in tasks {
        match task
            .await
            .expect("task")
            .expect("no database error under contention")
        {
            RateDecision::Allowed => allowed += 1,
            RateDecision::DeniedGlobal { .. } => denied_global += 1,
            RateDecision::DeniedTarget { .. } => panic!("targets have spare budget"),
        }
    }
    assert_eq!(allowed, 20);
    assert_eq!(denied_global, 180);
}

/// The bucket table holds no exact send time that could be matched against
/// message or audit times: unit times are sealed, the expiry is coarse.
#[tokio::test]
async fn bucket_rows_show_no_send_times() {
    let db = TestDb::new();
    let store = db.open_a().await;
    for (i, at) in [5_123_457_i64, 5_123_999, 5_124_321]
        .into_iter()
        .enumerate()
    {
        assert_eq!(
            send(&store, ALICE, &format!("T{i}"), at).await,
            RateDecision::Allowed
        );
    }
    let mut raw = db.raw().await;
    let rows: Vec<(i64, Vec<u8>, Vec<u8>)> =
        sqlx::query_as("SELECT expires_at, subject_sealed, units_sealed FROM rate_limit_buckets")
            .fetch_all(&mut raw)
            .await
            .expect("rows");
    assert_eq!(
        rows.len(),
        6,
        "one global and three target buckets, and two decoys: two rows per send"
    );
    for (expires_at, subject, units) in rows {
        assert_eq!(expires_at % 3_600, 0, "expiry is rounded to the hour");
        for at in [5_123_457_i64, 5_123_999, 5_124_321] {
            let be = at.to_be_bytes();
            let le = at.to_le_bytes();
            for blob in [&subject, &units] {
                assert!(
                    !blob.windows(8).any(|w| w == be || w == le),
                    "a send time is readable"
                );
            }
        }
    }
}

/// The linkage attack on the bucket table, replayed: several senders post
/// interleaved in one channel, then one of them sends a DM. Someone holding
/// only the database file must not be able to tell which sends share a
/// sender — not from blob lengths (which used to give each bucket's send
/// count), not from ids or row order (which used to follow insertion, so the
/// rows a send created could be matched to the message it preceded), not
/// from the plain expiry.
#[tokio::test]
async fn bucket_rows_do_not_group_sends_by_sender() {
    let db = TestDb::new();
    let store = db.open_a().await;
    let start = 50_000 * RATE_LIMIT_EPOCH_SECS + 9 * 3_600;
    let sends = [
        (ALICE, CHANNEL),
        (BOB, CHANNEL),
        (ALICE, CHANNEL),
        (CAROL, CHANNEL),
        (ALICE, CHANNEL),
        (BOB, DAVE),
        (CAROL, "C-RANDOM"),
        (ALICE, CHANNEL),
        (DAVE, CHANNEL),
        (ALICE, BOB),
    ];
    let mut inserted: Vec<Vec<u8>> = Vec::new();
    for (i, (sender, target)) in sends.into_iter().enumerate() {
        let at = start + 7 * i64::try_from(i).expect("few sends");
        assert_eq!(
            send(&store, sender, target, at).await,
            RateDecision::Allowed
        );
        let before = inserted.len();
        for hash in bucket_hashes(&db).await {
            if !inserted.contains(&hash) {
                inserted.push(hash);
            }
        }
        // A first send of the day, a send to a new target and a repeat
        // send all add the same number of rows (decoys fill in).
        assert_eq!(
            inserted.len() - before,
            2,
            "send {i} added other than 2 rows"
        );
    }
    assert_eq!(bucket_hashes(&db).await.len(), 20, "no row was deleted");

    let mut raw = db.raw().await;
    // Every row has the same shape: 5 sends or 1, global or per-target.
    let shapes: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT DISTINCT length(subject_sealed), length(units_sealed), expires_at \
         FROM rate_limit_buckets",
    )
    .fetch_all(&mut raw)
    .await
    .expect("shapes");
    assert_eq!(shapes.len(), 1, "rows differ in shape: {shapes:?}");
    let (_, units_len, expires_at) = shapes[0];
    // Sealed header 21 + frame prefix 4 + 20 slots of 8 bytes + tag 16.
    assert_eq!(units_len, 21 + 4 + 20 * 8 + 16);
    assert_eq!(
        expires_at % RATE_LIMIT_EPOCH_SECS,
        0,
        "the expiry is a day boundary, not a send hour"
    );

    // No id column, no rowid: nothing counts insertions.
    let columns: Vec<(String,)> =
        sqlx::query_as("SELECT name FROM pragma_table_info('rate_limit_buckets') ORDER BY name")
            .fetch_all(&mut raw)
            .await
            .expect("columns");
    let columns: Vec<&str> = columns.iter().map(|(name,)| name.as_str()).collect();
    assert_eq!(
        columns,
        [
            "bucket_hash",
            "expires_at",
            "key_id",
            "subject_sealed",
            "units_sealed",
            "workspace_id"
        ]
    );
    assert!(
        sqlx::query("SELECT rowid FROM rate_limit_buckets")
            .fetch_all(&mut raw)
            .await
            .is_err(),
        "the table has no rowid"
    );

    // A full scan of the table itself (no index) returns hash order, not
    // the order the rows were created in.
    let scanned: Vec<(Vec<u8>,)> =
        sqlx::query_as("SELECT bucket_hash FROM rate_limit_buckets NOT INDEXED")
            .fetch_all(&mut raw)
            .await
            .expect("scan");
    let scanned: Vec<Vec<u8>> = scanned.into_iter().map(|(hash,)| hash).collect();
    let mut sorted = inserted.clone();
    sorted.sort();
    assert_eq!(scanned, sorted, "rows are stored in hash order");
    assert_ne!(
        scanned, inserted,
        "this scenario's creation order differs from hash order, so the scan proves something"
    );
    drop(raw);

    // The limits still hold on the padded rows: Alice has 4 units in the
    // channel bucket, Bob 1.
    let tight = RateLimitPolicy {
        target_limit: 4,
        ..POLICY
    };
    assert!(matches!(
        store
            .rate_limits()
            .check_and_consume(WS, ALICE, CHANNEL, start + 100, &tight)
            .await
            .expect("rate"),
        RateDecision::DeniedTarget { .. }
    ));
    assert_eq!(
        store
            .rate_limits()
            .check_and_consume(WS, BOB, CHANNEL, start + 100, &tight)
            .await
            .expect("rate"),
        RateDecision::Allowed
    );
}
