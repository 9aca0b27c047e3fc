use anon_store::{AuditEntry, AuditTarget, StoreError};
use secrecy::ExposeSecret;

use crate::support::*;

fn entry<'a>(event: &'a str, outcome: &'a str, at: i64) -> AuditEntry<'a> {
    AuditEntry {
        workspace_id: Some(WS),
        event,
        outcome,
        actor_id: Some(ALICE),
        target: Some(AuditTarget {
            kind: "user",
            id: BOB,
        }),
        conversation_id: Some("conv-1"),
        message_id: Some("msg-1"),
        at,
    }
}

#[tokio::test]
async fn records_and_lists_newest_first_with_identities_opened() {
    let db = TestDb::new();
    let store = db.open_a().await;
    let audit = store.audit();
    audit
        .record(&entry("SEND", "ok", 10))
        .await
        .expect("record");
    audit
        .record(&AuditEntry {
            workspace_id: None,
            event: "STARTUP",
            outcome: "ok",
            actor_id: None,
            target: None,
            conversation_id: None,
            message_id: None,
            at: 11,
        })
        .await
        .expect("record");
    audit
        .record(&entry("SEND", "rate-limited-global", 12))
        .await
        .expect("record");

    let rows = audit.list(Some(WS), 10).await.expect("list");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].outcome, "rate-limited-global");
    assert_eq!(rows[1].outcome, "ok");
    let row = &rows[0];
    assert_eq!(row.event, "SEND");
    assert_eq!(
        row.actor_id.as_ref().map(|a| a.expose_secret()),
        Some(ALICE)
    );
    assert_eq!(row.target_kind.as_deref(), Some("user"));
    assert_eq!(row.target_id.as_ref().map(|t| t.expose_secret()), Some(BOB));
    assert_eq!(row.conversation_id.as_deref(), Some("conv-1"));
    assert_eq!(row.message_id.as_deref(), Some("msg-1"));
    assert_eq!(row.at, 12);

    let all = audit.list(None, 10).await.expect("list");
    assert_eq!(all.len(), 3);
    assert_eq!(all[1].event, "STARTUP");
    assert!(all[1].actor_id.is_none());
    assert_eq!(audit.list(None, 1).await.expect("list").len(), 1);
    assert!(audit
        .list(Some(OTHER_WS), 10)
        .await
        .expect("list")
        .is_empty());
}

#[tokio::test]
async fn codes_that_could_carry_text_are_refused() {
    let db = TestDb::new();
    let store = db.open_a().await;
    let audit = store.audit();
    for (event, outcome) in [
        ("SEND", "meet me at noon"),
        ("", "ok"),
        ("SEND\n", "ok"),
        ("SEND", &"x".repeat(65)),
    ] {
        let result = audit.record(&entry(event, outcome, 1)).await;
        assert!(
            matches!(result, Err(StoreError::InvalidCode { .. })),
            "{event:?}/{outcome:?}"
        );
    }
    let bad_kind = AuditEntry {
        target: Some(AuditTarget {
            kind: "a user",
            id: BOB,
        }),
        ..entry("SEND", "ok", 1)
    };
    assert!(matches!(
        audit.record(&bad_kind).await,
        Err(StoreError::InvalidCode { .. })
    ));
    assert!(audit.list(None, 10).await.expect("list").is_empty());
    let error = StoreError::InvalidCode {
        what: "audit outcome",
    }
    .to_string();
    assert!(!error.contains("noon"));
}

#[tokio::test]
async fn entries_debug_redacts_actor_and_target() {
    let shown = format!("{:?}", entry("SEND", "ok", 1));
    assert!(shown.contains("SEND") && shown.contains("msg-1"));
    assert!(!shown.contains(ALICE) && !shown.contains(BOB), "{shown}");
}
