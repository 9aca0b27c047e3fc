//! Upgrading a database written before padding (schema version 2): its
//! rate-limit buckets had sequential ids and unpadded sealed values — they
//! keep counting, lose their ids and are re-sealed padded at open — and its
//! messages and audit events were sealed unpadded — `reseal` pads them.

use std::borrow::Cow;

use sqlx::migrate::Migrator;

use secrecy::ExposeSecret;

use crate::audit::actor_place;
use crate::keys::{EncryptionKey, KeyRing, SubKey, KEY_LEN};
use crate::messages::{author_place, body_place};
use crate::rate_limits::{
    encode_units, subject_for, subject_place, units_block, units_place, GLOBAL_SCOPE,
    RATE_LIMIT_EPOCH_SECS, TARGET_SCOPE,
};
use crate::sealing::{padded_len, HashPurpose};
use crate::{
    AuditEntry, MessageKind, NewMessage, RateDecision, RateLimitPolicy, Store, StoreOptions,
    MIGRATOR,
};

const WS: &str = "W-UPGRADE";
const ALICE: &str = "U0ALICEUPGRADE01";
const BOB: &str = "U0BOBUPGRADE0002";
const CHANNEL: &str = "C-GENERAL";
/// The version that made buckets unlinkable.
const BUCKETS_BY_HASH: i64 = 20261203000003;

fn keys() -> KeyRing {
    KeyRing::new(EncryptionKey::from_bytes([0x5A; KEY_LEN]), None).expect("one key")
}

/// A bucket row exactly as schema version 2 wrote it.
async fn insert_old_bucket(
    store: &Store,
    id: i64,
    purpose: HashPurpose,
    parts: &[&str],
    now: i64,
    units: &[i64],
    expires_at: i64,
) {
    let keys = &store.keys;
    let subject = subject_for(parts, now.div_euclid(RATE_LIMIT_EPOCH_SECS));
    let hash = keys.current_hash(purpose, WS, &subject);
    let subject_sealed = keys
        .seal_unpadded(SubKey::Identity, subject_place(WS, &hash), &subject)
        .expect("seal subject");
    let units_sealed = keys
        .seal_unpadded(
            SubKey::Identity,
            units_place(WS, &hash),
            &encode_units(units),
        )
        .expect("seal units");
    sqlx::query(
        "INSERT INTO rate_limit_buckets \
         (id, workspace_id, bucket_hash, key_id, subject_sealed, units_sealed, expires_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .bind(id)
    .bind(WS)
    .bind(&hash)
    .bind(keys.current_id().as_bytes().as_slice())
    .bind(subject_sealed)
    .bind(units_sealed)
    .bind(expires_at)
    .execute(&store.pool)
    .await
    .expect("insert old bucket");
}

#[tokio::test]
async fn buckets_of_schema_two_are_rekeyed_and_padded_and_keep_counting() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("anon.db");
    let day = 30_000 * RATE_LIMIT_EPOCH_SECS;
    let now = day + 10 * 3_600;

    // Schema version 2, with buckets as it wrote them: Alice has used her
    // whole global budget, Bob his budget towards the channel.
    let old = Store::connect(StoreOptions::file(&path, keys()))
        .await
        .expect("connect");
    let schema_two = Migrator {
        migrations: Cow::Owned(
            MIGRATOR
                .iter()
                .filter(|migration| migration.version < BUCKETS_BY_HASH)
                .cloned()
                .collect(),
        ),
        ..Migrator::DEFAULT
    };
    assert_eq!(schema_two.iter().count(), 2);
    schema_two.run(&old.pool).await.expect("schema two");
    let alice_units: Vec<i64> = (0..20).map(|i| now - 50 + i).collect();
    let bob_units: Vec<i64> = (0..10).map(|i| now - 3_000 + i).collect();
    let hour = |t: i64| (t.div_euclid(3_600) + 1) * 3_600;
    insert_old_bucket(
        &old,
        1,
        HashPurpose::RateGlobal,
        &[GLOBAL_SCOPE, ALICE],
        now,
        &alice_units,
        hour(now - 31 + 60),
    )
    .await;
    insert_old_bucket(
        &old,
        2,
        HashPurpose::RateTarget,
        &[TARGET_SCOPE, ALICE, CHANNEL],
        now,
        &alice_units[..3],
        hour(now - 48 + 3_600),
    )
    .await;
    insert_old_bucket(
        &old,
        3,
        HashPurpose::RateGlobal,
        &[GLOBAL_SCOPE, BOB],
        now,
        &bob_units,
        hour(now - 2_991 + 60),
    )
    .await;
    insert_old_bucket(
        &old,
        4,
        HashPurpose::RateTarget,
        &[TARGET_SCOPE, BOB, CHANNEL],
        now,
        &bob_units,
        hour(now - 2_991 + 3_600),
    )
    .await;
    let lengths: Vec<(i64,)> =
        sqlx::query_as("SELECT DISTINCT length(units_sealed) FROM rate_limit_buckets")
            .fetch_all(&old.pool)
            .await
            .expect("old lengths");
    assert!(lengths.len() > 1, "schema two's lengths told the counts");
    old.close().await;

    let store = Store::open(StoreOptions::file(&path, keys()))
        .await
        .expect("open runs migration 3");
    store.health().await.expect("all migrations applied");

    let (schema,): (String,) = sqlx::query_as(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'rate_limit_buckets'",
    )
    .fetch_one(&store.pool)
    .await
    .expect("schema");
    assert!(schema.contains("WITHOUT ROWID"), "{schema}");
    assert!(!schema.contains(" id "), "{schema}");
    let rows: Vec<(Vec<u8>, Vec<u8>, i64)> =
        sqlx::query_as("SELECT subject_sealed, units_sealed, expires_at FROM rate_limit_buckets")
            .fetch_all(&store.pool)
            .await
            .expect("rows");
    assert_eq!(rows.len(), 4, "every bucket is carried over");
    let slots = RateLimitPolicy::default().unit_slots();
    for (subject, units, expires_at) in &rows {
        assert_eq!(padded_len(units), Some(units_block(slots)), "units padded");
        assert_eq!(
            padded_len(subject),
            padded_len(&rows[0].0),
            "subjects alike"
        );
        assert!(padded_len(subject).is_some(), "subject padded");
        assert_eq!(expires_at % RATE_LIMIT_EPOCH_SECS, 0, "expiry at midnight");
        assert_eq!(*expires_at, day + RATE_LIMIT_EPOCH_SECS);
    }

    // The carried-over units still count.
    let policy = RateLimitPolicy::default();
    let limits = store.rate_limits();
    assert!(matches!(
        limits
            .check_and_consume(WS, ALICE, "C-ELSEWHERE", now, &policy)
            .await
            .expect("rate"),
        RateDecision::DeniedGlobal { .. }
    ));
    assert!(matches!(
        limits
            .check_and_consume(WS, BOB, CHANNEL, now, &policy)
            .await
            .expect("rate"),
        RateDecision::DeniedTarget { .. }
    ));
    assert_eq!(
        limits
            .check_and_consume(WS, BOB, "C-ELSEWHERE", now, &policy)
            .await
            .expect("rate"),
        RateDecision::Allowed
    );
    let lengths: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT DISTINCT length(subject_sealed), length(units_sealed) FROM rate_limit_buckets",
    )
    .fetch_all(&store.pool)
    .await
    .expect("lengths");
    assert_eq!(lengths.len(), 1, "old and new rows look alike: {lengths:?}");
    store.close().await;
}

#[tokio::test]
async fn messages_and_audit_events_sealed_before_padding_are_padded_by_reseal() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let store = Store::open(StoreOptions::file(dir.path().join("anon.db"), keys()))
        .await
        .expect("open");
    let bodies = ["short", "a somewhat longer body of text"];
    for (id, body) in ["m-1", "m-2"].into_iter().zip(bodies) {
        store
            .messages()
            .record(&NewMessage {
                id,
                conversation_id: id,
                workspace_id: WS,
                kind: MessageKind::Channel,
                author_id: if id == "m-1" { ALICE } else { "U2" },
                recipient_id: None,
                body,
                channel_id: Some(CHANNEL),
                thread_root_id: None,
                created_at: 1_000,
            })
            .await
            .expect("record");
    }
    store
        .audit()
        .record(&AuditEntry {
            workspace_id: Some(WS),
            event: "SEND",
            outcome: "ok",
            actor_id: Some(ALICE),
            target: None,
            conversation_id: None,
            message_id: Some("m-1"),
            at: 1_000,
        })
        .await
        .expect("audit");
    // Rewrite them as the unpadded format wrote them.
    let keys = &store.keys;
    for (id, author, body) in [("m-1", ALICE, bodies[0]), ("m-2", "U2", bodies[1])] {
        sqlx::query("UPDATE messages SET author_sealed = ?1, body_sealed = ?2 WHERE id = ?3")
            .bind(
                keys.seal_unpadded(SubKey::Identity, author_place(WS, id), author.as_bytes())
                    .expect("seal"),
            )
            .bind(
                keys.seal_unpadded(SubKey::Body, body_place(WS, id), body.as_bytes())
                    .expect("seal"),
            )
            .bind(id)
            .execute(&store.pool)
            .await
            .expect("unpad message");
    }
    let (row_key,): (String,) = sqlx::query_as("SELECT row_key FROM audit_events")
        .fetch_one(&store.pool)
        .await
        .expect("row key");
    sqlx::query("UPDATE audit_events SET actor_sealed = ?1")
        .bind(
            keys.seal_unpadded(
                SubKey::Identity,
                actor_place(WS, &row_key),
                ALICE.as_bytes(),
            )
            .expect("seal"),
        )
        .execute(&store.pool)
        .await
        .expect("unpad audit");
    let distinct = |column: &'static str, table: &'static str| {
        let pool = store.pool.clone();
        async move {
            let (n,): (i64,) = sqlx::query_as(&format!(
                "SELECT COUNT(DISTINCT length({column})) FROM {table}"
            ))
            .fetch_one(&pool)
            .await
            .expect("lengths");
            n
        }
    };
    assert_eq!(distinct("author_sealed", "messages").await, 2, "unpadded");
    assert_eq!(distinct("body_sealed", "messages").await, 2, "unpadded");

    let report = store.reseal(1).await.expect("reseal");
    assert_eq!((report.messages, report.audit_events), (2, 1));
    assert_eq!(report.total(), 3);
    assert_eq!(distinct("author_sealed", "messages").await, 1);
    assert_eq!(distinct("body_sealed", "messages").await, 1);
    let (actor,): (Vec<u8>,) = sqlx::query_as("SELECT actor_sealed FROM audit_events")
        .fetch_one(&store.pool)
        .await
        .expect("actor");
    assert!(padded_len(&actor).is_some(), "actor padded");
    let m2 = store
        .messages()
        .get(WS, "m-2")
        .await
        .expect("get")
        .expect("m-2");
    assert_eq!(m2.author_id.expose_secret(), "U2");
    assert_eq!(m2.body.expose_secret(), bodies[1]);
    let listed = store.audit().list(None, 5).await.expect("list");
    assert_eq!(
        listed[0]
            .actor_id
            .as_ref()
            .map(|a| a.expose_secret().to_owned()),
        Some(ALICE.to_owned())
    );
    assert_eq!(store.reseal(1).await.expect("again").total(), 0);
    store.close().await;
}
