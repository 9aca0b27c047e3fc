use anon_store::{MessageKind, RateDecision, RateLimitPolicy, RetentionPolicy, RetentionReport};
use secrecy::ExposeSecret;
use sqlx::Row;

use crate::support::*;

#[tokio::test]
async fn data_survives_closing_and_reopening_the_file() {
    let db = TestDb::new();
    let store = db.open_a().await;
    populate(&store).await;
    store.close().await;
    let reopened = db.open_a().await;
    assert_populated_readable(&reopened).await;
    let dm = reopened
        .messages()
        .get(WS, "msg-dm-1")
        .await
        .expect("get")
        .expect("dm");
    assert_eq!(dm.platform_message_id.as_deref(), Some("P-msg-dm-1"));
}

/// Counts rows mentioning `workspace` in every table that has a
/// `workspace_id` column.
async fn rows_per_table(db: &TestDb, workspace: &str) -> Vec<(String, i64)> {
    let mut raw = db.raw().await;
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT m.name FROM sqlite_master m WHERE m.type = 'table' AND EXISTS \
         (SELECT 1 FROM pragma_table_info(m.name) p WHERE p.name = 'workspace_id') ORDER BY m.name",
    )
    .fetch_all(&mut raw)
    .await
    .expect("tables");
    let mut counts = Vec::new();
    for (table,) in tables {
        let row = sqlx::query(&format!(
            "SELECT COUNT(*) FROM {table} WHERE workspace_id = ?1"
        ))
        .bind(workspace)
        .fetch_one(&mut raw)
        .await
        .expect("count");
        counts.push((table, row.get::<i64, _>(0)));
    }
    counts
}

/// Tables with no `workspace_id` column, and why a workspace purge need not
/// visit them. A table added later without a `workspace_id` column fails
/// [`every_table_is_scoped_to_a_workspace_or_classified`] until it is listed
/// here with its reason, so a purge cannot silently forget it.
const TABLES_WITHOUT_WORKSPACE: &[(&str, &str)] = &[
    (
        "oauth_states",
        "random nonces issued before any workspace exists; expire after 24 h",
    ),
    ("_sqlx_migrations", "schema bookkeeping"),
];

#[tokio::test]
async fn every_table_is_scoped_to_a_workspace_or_classified() {
    let db = TestDb::new();
    let store = db.open_a().await;
    let mut raw = db.raw().await;
    let tables: Vec<(String, i64)> = sqlx::query_as(
        "SELECT m.name, EXISTS (SELECT 1 FROM pragma_table_info(m.name) p \
                                WHERE p.name = 'workspace_id') \
         FROM sqlite_master m WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
         ORDER BY m.name",
    )
    .fetch_all(&mut raw)
    .await
    .expect("tables");
    assert!(tables.len() >= 9, "schema listed: {tables:?}");
    for (table, has_workspace) in &tables {
        let classified = TABLES_WITHOUT_WORKSPACE
            .iter()
            .any(|(name, _)| name == table);
        assert!(
            *has_workspace == 1 || classified,
            "table {table} has no workspace_id column and is not classified: \
             a workspace purge would not reach it"
        );
    }
    store.close().await;
}

#[tokio::test]
async fn workspace_purge_leaves_only_opt_outs() {
    let db = TestDb::new();
    let store = db.open_a().await;
    populate(&store).await;
    // A second workspace that must be untouched.
    store
        .messages()
        .record(&anon_store::NewMessage {
            workspace_id: OTHER_WS,
            ..message(
                "other-1",
                "other-conv",
                MessageKind::Dm,
                ALICE,
                Some(BOB),
                DM_BODY,
            )
        })
        .await
        .expect("record");
    let claim = store
        .report_channels()
        .claim(WS, 1_000, 60)
        .await
        .expect("claim");
    if let anon_store::ReportChannelClaim::Claimed(claim) = claim {
        assert!(store
            .report_channels()
            .complete(WS, &claim, "C-REP", 1_000)
            .await
            .expect("complete"));
    }

    let before = rows_per_table(&db, WS).await;
    assert!(
        before.iter().all(|(_, n)| *n > 0),
        "every table has rows first: {before:?}"
    );

    let report = store.purge_workspace(WS).await.expect("purge");
    assert_eq!(report.messages, 4);
    assert_eq!(report.conversations, 2);
    assert_eq!(report.audit_events, 4);
    assert_eq!(
        report.rate_limit_buckets, 4,
        "one global + two targets + the decoy of the send that created one bucket"
    );
    assert_eq!(report.report_channels, 1);
    assert_eq!(report.bot_tokens, 1);
    assert_eq!(report.user_tokens, 1);

    let after = rows_per_table(&db, WS).await;
    for (table, count) in &after {
        if table == "opt_outs" {
            assert_eq!(*count, 1, "the opt-out survives");
        } else {
            assert_eq!(*count, 0, "{table} still refers to the purged workspace");
        }
    }
    assert!(store
        .opt_outs()
        .is_opted_out(WS, DAVE)
        .await
        .expect("opt-out kept"));
    assert!(store
        .messages()
        .get(OTHER_WS, "other-1")
        .await
        .expect("get")
        .is_some());
    assert!(store.tokens().bot_token(WS).await.expect("get").is_none());
}

#[tokio::test]
async fn retention_purges_only_expired_rows_in_batches() {
    let db = TestDb::new();
    let store = db.open_a().await;
    let day = 24 * 60 * 60;
    let now = 200 * day;
    let old = now - 91 * day;
    let recent = now - 10 * day;
    // 7 old DMs in 7 conversations, and one old conversation with a recent reply.
    for i in 0..7 {
        let id = format!("old-{i}");
        let conv = format!("conv-old-{i}");
        store
            .messages()
            .record(&anon_store::NewMessage {
                created_at: old,
                ..message(&id, &conv, MessageKind::Dm, ALICE, Some(BOB), DM_BODY)
            })
            .await
            .expect("record");
    }
    for (id, at) in [("mixed-first", old), ("mixed-reply", recent)] {
        store
            .messages()
            .record(&anon_store::NewMessage {
                created_at: at,
                ..message(
                    id,
                    "conv-mixed",
                    MessageKind::Channel,
                    ALICE,
                    None,
                    CHANNEL_BODY,
                )
            })
            .await
            .expect("record");
    }
    for at in [old, recent] {
        store
            .audit()
            .record(&anon_store::AuditEntry {
                workspace_id: Some(WS),
                event: "SEND",
                outcome: "ok",
                actor_id: Some(ALICE),
                target: None,
                conversation_id: None,
                message_id: None,
                at,
            })
            .await
            .expect("audit");
    }
    store
        .oauth_states()
        .issue(now - day - 1)
        .await
        .expect("old state");
    let fresh_state = store
        .oauth_states()
        .issue(now - 60)
        .await
        .expect("fresh state");
    let policy = RateLimitPolicy::default();
    assert_eq!(
        store
            .rate_limits()
            .check_and_consume(WS, ALICE, BOB, now - day - 4_000, &policy)
            .await
            .expect("rate"),
        RateDecision::Allowed
    );
    assert_eq!(
        store
            .rate_limits()
            .check_and_consume(WS, CAROL, BOB, now - 30, &policy)
            .await
            .expect("rate"),
        RateDecision::Allowed
    );
    let _abandoned = store
        .report_channels()
        .claim(WS, now - 2 * 3_600, 60)
        .await
        .expect("claim");

    let report = store
        .purge_expired(
            now,
            &RetentionPolicy {
                batch_size: 3,
                ..RetentionPolicy::default()
            },
        )
        .await
        .expect("purge");
    assert_eq!(
        report,
        RetentionReport {
            messages: 8,
            conversations: 7,
            audit_events: 1,
            oauth_states: 1,
            // Both of Alice's buckets (yesterday's day before, expiring at
            // the start of today) have expired; Carol's (30 s old, expiring
            // the day after tomorrow) have not.
            rate_limit_buckets: 2,
            report_claims: 1,
        }
    );
    let mixed = store
        .messages()
        .conversation(WS, "conv-mixed")
        .await
        .expect("conv")
        .expect("kept");
    assert_eq!(
        mixed.message_count, 1,
        "the recent reply keeps its conversation"
    );
    let reply = store
        .messages()
        .get(WS, "mixed-reply")
        .await
        .expect("get")
        .expect("reply");
    assert_eq!(reply.body.expose_secret(), CHANNEL_BODY);
    assert_eq!(store.audit().list(None, 10).await.expect("list").len(), 1);
    assert!(store
        .oauth_states()
        .consume(fresh_state.expose_secret(), now, day)
        .await
        .expect("consume"));
    // Carol's budget is still counted.
    let strict = RateLimitPolicy {
        global_limit: 1,
        ..policy
    };
    assert!(matches!(
        store
            .rate_limits()
            .check_and_consume(WS, CAROL, "C-ELSEWHERE", now, &strict)
            .await
            .expect("rate"),
        RateDecision::DeniedGlobal { .. }
    ));
    // A second run finds nothing.
    let again = store
        .purge_expired(now, &RetentionPolicy::default())
        .await
        .expect("purge");
    assert_eq!(again, RetentionReport::default());
}

#[test]
fn reports_display_every_count() {
    let report = RetentionReport {
        messages: 1,
        conversations: 2,
        audit_events: 3,
        oauth_states: 4,
        rate_limit_buckets: 5,
        report_claims: 6,
    };
    assert_eq!(
        report.to_string(),
        "messages=1 conversations=2 audit_events=3 oauth_states=4 rate_limit_buckets=5 report_claims=6"
    );
    let purge = anon_store::WorkspacePurgeReport {
        messages: 1,
        conversations: 2,
        audit_events: 3,
        rate_limit_buckets: 4,
        report_channels: 1,
        bot_tokens: 1,
        user_tokens: 7,
    };
    assert_eq!(
        purge.to_string(),
        "messages=1 conversations=2 audit_events=3 rate_limit_buckets=4 report_channels=1 bot_tokens=1 user_tokens=7"
    );
}
