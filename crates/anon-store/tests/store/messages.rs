use anon_store::{MessageKind, StoreError};
use secrecy::ExposeSecret;

use crate::support::*;

#[tokio::test]
async fn records_and_reads_back_each_message_with_its_own_author() {
    let db = TestDb::new();
    let store = db.open_a().await;
    let messages = store.messages();
    messages
        .record(&message(
            "m-post",
            "conv-1",
            MessageKind::Channel,
            ALICE,
            None,
            CHANNEL_BODY,
        ))
        .await
        .expect("record post");
    messages
        .record(&NewThreadReply::of("m-reply", "conv-1", CAROL, THREAD_BODY))
        .await
        .expect("record reply");

    let post = messages
        .get(WS, "m-post")
        .await
        .expect("get")
        .expect("post");
    let reply = messages
        .get(WS, "m-reply")
        .await
        .expect("get")
        .expect("reply");
    assert_eq!(post.author_id.expose_secret(), ALICE);
    assert_eq!(
        reply.author_id.expose_secret(),
        CAROL,
        "a reply keeps its own author"
    );
    assert_eq!(reply.body.expose_secret(), THREAD_BODY);
    assert_eq!(reply.kind, MessageKind::Thread);
    assert_eq!(reply.thread_root_id.as_deref(), Some("P-root"));
    assert_eq!(post.channel_id.as_deref(), Some(CHANNEL));
    assert!(post.recipient_id.is_none());
    assert!(post.platform_message_id.is_none());

    let info = messages
        .conversation(WS, "conv-1")
        .await
        .expect("conv")
        .expect("present");
    assert_eq!(
        info.kind,
        MessageKind::Channel,
        "the first message decides the kind"
    );
    assert_eq!(info.message_count, 2);
    assert_eq!(info.channel_id.as_deref(), Some(CHANNEL));
    assert_eq!(info.created_at, 1_000);
}

/// Builds a thread reply in `WS` under Pumble thread root `P-root`.
struct NewThreadReply;

impl NewThreadReply {
    fn of<'a>(
        id: &'a str,
        conversation: &'a str,
        author: &'a str,
        body: &'a str,
    ) -> anon_store::NewMessage<'a> {
        anon_store::NewMessage {
            thread_root_id: Some("P-root"),
            created_at: 1_005,
            ..message(id, conversation, MessageKind::Thread, author, None, body)
        }
    }
}

#[tokio::test]
async fn dm_recipient_and_platform_id_and_thread_root_are_recorded() {
    let db = TestDb::new();
    let store = db.open_a().await;
    let messages = store.messages();
    messages
        .record(&message(
            "m-dm",
            "conv-dm",
            MessageKind::Dm,
            ALICE,
            Some(BOB),
            DM_BODY,
        ))
        .await
        .expect("record");
    assert!(messages
        .set_platform_message_id(WS, "m-dm", "P-123")
        .await
        .expect("set"));
    assert!(!messages
        .set_platform_message_id(OTHER_WS, "m-dm", "P-999")
        .await
        .expect("set"));
    assert!(!messages
        .set_platform_message_id(WS, "missing", "P-1")
        .await
        .expect("set"));
    assert!(messages
        .set_thread_root(WS, "conv-dm", "P-123")
        .await
        .expect("root"));
    assert!(!messages
        .set_thread_root(OTHER_WS, "conv-dm", "P-1")
        .await
        .expect("root"));

    let dm = messages.get(WS, "m-dm").await.expect("get").expect("dm");
    assert_eq!(dm.platform_message_id.as_deref(), Some("P-123"));
    assert_eq!(
        dm.recipient_id.as_ref().map(|r| r.expose_secret()),
        Some(BOB)
    );
    let info = messages
        .conversation(WS, "conv-dm")
        .await
        .expect("conv")
        .expect("present");
    assert_eq!(info.thread_root_id.as_deref(), Some("P-123"));
}

#[tokio::test]
async fn reads_are_scoped_to_the_workspace() {
    let db = TestDb::new();
    let store = db.open_a().await;
    let messages = store.messages();
    messages
        .record(&message(
            "m1",
            "c1",
            MessageKind::Dm,
            ALICE,
            Some(BOB),
            DM_BODY,
        ))
        .await
        .expect("record");
    assert!(messages.get(OTHER_WS, "m1").await.expect("get").is_none());
    assert!(messages
        .conversation(OTHER_WS, "c1")
        .await
        .expect("conv")
        .is_none());
    assert!(messages.get(WS, "nope").await.expect("get").is_none());
}

#[tokio::test]
async fn duplicate_ids_and_foreign_conversations_are_refused() {
    let db = TestDb::new();
    let store = db.open_a().await;
    let messages = store.messages();
    messages
        .record(&message(
            "m1",
            "c1",
            MessageKind::Dm,
            ALICE,
            Some(BOB),
            DM_BODY,
        ))
        .await
        .expect("record");
    let again = messages
        .record(&message(
            "m1",
            "c1",
            MessageKind::Dm,
            CAROL,
            Some(BOB),
            "other",
        ))
        .await;
    assert!(
        matches!(again, Err(StoreError::DuplicateMessage)),
        "{again:?}"
    );
    let foreign = anon_store::NewMessage {
        workspace_id: OTHER_WS,
        ..message("m2", "c1", MessageKind::Dm, ALICE, Some(BOB), DM_BODY)
    };
    let refused = messages.record(&foreign).await;
    assert!(
        matches!(refused, Err(StoreError::ConversationMismatch)),
        "{refused:?}"
    );
    // The original message is untouched and the refused one absent.
    let kept = messages.get(WS, "m1").await.expect("get").expect("kept");
    assert_eq!(kept.author_id.expose_secret(), ALICE);
    assert!(messages.get(OTHER_WS, "m2").await.expect("get").is_none());
}

#[tokio::test]
async fn debug_output_never_shows_authors_or_bodies() {
    let db = TestDb::new();
    let store = db.open_a().await;
    let new = message("m1", "c1", MessageKind::Dm, ALICE, Some(BOB), DM_BODY);
    let shown = format!("{new:?}");
    store.messages().record(&new).await.expect("record");
    let stored = store
        .messages()
        .get(WS, "m1")
        .await
        .expect("get")
        .expect("m1");
    let shown_stored = format!("{stored:?}");
    for text in [&shown, &shown_stored] {
        assert!(text.contains("m1"));
        for secret in [ALICE, BOB, DM_BODY] {
            assert!(!text.contains(secret), "{text}");
        }
    }
}

#[tokio::test]
async fn delete_removes_one_message_and_its_conversation_once_empty() {
    let db = TestDb::new();
    let store = db.open_a().await;
    let messages = store.messages();
    for (id, author) in [("d1", ALICE), ("d2", BOB)] {
        messages
            .record(&message(
                id,
                "conv-d",
                MessageKind::Dm,
                author,
                Some(CAROL),
                DM_BODY,
            ))
            .await
            .expect("record");
    }
    // Scoped to the workspace: another workspace cannot delete it.
    assert!(!messages.delete(OTHER_WS, "d1").await.expect("delete"));
    assert!(messages.get(WS, "d1").await.expect("get").is_some());

    assert!(messages.delete(WS, "d1").await.expect("delete"));
    assert!(messages.get(WS, "d1").await.expect("get").is_none());
    assert!(!messages.delete(WS, "d1").await.expect("delete twice"));
    // The conversation stays while a message is left in it…
    assert!(messages
        .conversation(WS, "conv-d")
        .await
        .expect("conversation")
        .is_some());
    assert!(messages.delete(WS, "d2").await.expect("delete"));
    // …and goes with its last message.
    assert!(messages
        .conversation(WS, "conv-d")
        .await
        .expect("conversation")
        .is_none());
}

#[tokio::test]
async fn dm_channels_are_sealed_and_never_stored_plain() {
    let db = TestDb::new();
    let store = db.open_a().await;
    let secrets = populate(&store).await;
    let mut raw = db.raw().await;
    let rows: Vec<(String, Option<String>, Option<Vec<u8>>)> =
        sqlx::query_as("SELECT id, channel_id, channel_sealed FROM messages ORDER BY id")
            .fetch_all(&mut raw)
            .await
            .expect("rows");
    for (id, plain, sealed) in &rows {
        if id.starts_with("msg-dm") {
            assert_eq!(plain, &None, "{id}: a DM channel points at a person");
            assert!(sealed.is_some(), "{id}: the DM channel is kept sealed");
        } else {
            assert_eq!(plain.as_deref(), Some(CHANNEL), "{id}");
            assert_eq!(sealed, &None, "{id}");
        }
    }
    let conversation_channels: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT kind, channel_id FROM conversations")
            .fetch_all(&mut raw)
            .await
            .expect("conversations");
    for (kind, channel) in &conversation_channels {
        if kind == "DM" {
            assert_eq!(channel, &None, "DM conversations keep no channel");
        }
    }
    let info = store
        .messages()
        .conversation(WS, "conv-dm")
        .await
        .expect("conversation")
        .expect("exists");
    assert_eq!(info.channel_id, None);
    // Debug of a DM, stored or new, does not show its channel either.
    let dm = store
        .messages()
        .get(WS, "msg-dm-2")
        .await
        .expect("get")
        .expect("dm");
    let shown = format!("{dm:?}");
    for secret in secrets.all() {
        assert!(!shown.contains(secret), "{shown} shows {secret}");
    }
    let new = anon_store::NewMessage {
        channel_id: Some(ALICE_DM_CHANNEL),
        ..message("m", "c", MessageKind::Dm, BOB, Some(ALICE), DM_BODY)
    };
    assert!(!format!("{new:?}").contains(ALICE_DM_CHANNEL));
    // The sealed channel is bound to its row like every sealed value.
    sqlx::query(
        "UPDATE messages SET channel_sealed = \
         (SELECT channel_sealed FROM messages WHERE id = 'msg-dm-1') WHERE id = 'msg-dm-2'",
    )
    .execute(&mut raw)
    .await
    .expect("swap");
    assert!(matches!(
        store.messages().get(WS, "msg-dm-2").await,
        Err(StoreError::SealBroken { .. })
    ));
}

/// A database written before DM channels were sealed: opening it runs
/// migration 2, which drops the plain DM channels; the messages still open.
#[tokio::test]
async fn migration_two_drops_plain_dm_channels_of_older_rows() {
    let db = TestDb::new();
    // Schema v1 only, then rows as version 1 wrote them (sealed values made
    // by the current code: their associated data did not change).
    let store = db.open_a().await;
    populate(&store).await;
    store.close().await;
    let mut raw = db.raw().await;
    for statement in [
        "DROP TABLE _sqlx_migrations",
        "UPDATE messages SET channel_id = 'D-OLD-PLAIN-DM', channel_sealed = NULL WHERE kind = 'DM'",
        "UPDATE conversations SET channel_id = 'D-OLD-PLAIN-DM' WHERE kind = 'DM'",
        "ALTER TABLE messages DROP COLUMN channel_sealed",
    ] {
        sqlx::query(statement)
            .execute(&mut raw)
            .await
            .expect("rewind to schema v1");
    }
    // Record version 1 as applied without re-running it.
    sqlx::query(
        "CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, \
         installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, success BOOLEAN NOT NULL, \
         checksum BLOB NOT NULL, execution_time BIGINT NOT NULL)",
    )
    .execute(&mut raw)
    .await
    .expect("migrations table");
    let first = anon_store::MIGRATOR
        .iter()
        .find(|migration| migration.version == 20261203000001)
        .expect("migration 1 is embedded");
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (?1, ?2, 1, ?3, 0)",
    )
    .bind(first.version)
    .bind(first.description.as_ref())
    .bind(first.checksum.as_ref())
    .execute(&mut raw)
    .await
    .expect("record migration 1");
    drop(raw);

    let store = db.open_a().await;
    store.health().await.expect("both migrations applied");
    let mut raw = db.raw().await;
    let (plain,): (i64,) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM messages WHERE channel_id = 'D-OLD-PLAIN-DM') \
              + (SELECT COUNT(*) FROM conversations WHERE channel_id = 'D-OLD-PLAIN-DM')",
    )
    .fetch_one(&mut raw)
    .await
    .expect("count");
    assert_eq!(plain, 0, "no plain DM channel is left");
    let dm = store
        .messages()
        .get(WS, "msg-dm-1")
        .await
        .expect("get")
        .expect("dm");
    assert_eq!(dm.author_id.expose_secret(), ALICE);
    assert_eq!(dm.channel_id, None);
    store.checkpoint().await.expect("checkpoint");
    store.close().await;
    assert!(find_in_files(&db.files(), "D-OLD-PLAIN-DM").is_empty());
}

/// Sealed lengths do not tell authors apart: every user id seals to the same
/// length, and a body's sealed length tells only its size in 256-byte blocks.
#[tokio::test]
async fn sealed_lengths_do_not_tell_authors_or_exact_body_sizes() {
    let db = TestDb::new();
    let store = db.open_a().await;
    let long_id = "U0123456789ABCDEF01234567";
    let long_body = "x".repeat(250);
    for (id, author, body) in [
        ("len-1", "U1", "hi"),
        ("len-2", ALICE, CHANNEL_BODY),
        ("len-3", long_id, long_body.as_str()),
    ] {
        store
            .messages()
            .record(&message(id, id, MessageKind::Dm, author, Some(BOB), body))
            .await
            .expect("record");
        store
            .audit()
            .record(&anon_store::AuditEntry {
                workspace_id: Some(WS),
                event: "SEND",
                outcome: "ok",
                actor_id: Some(author),
                target: None,
                conversation_id: None,
                message_id: Some(id),
                at: 1_000,
            })
            .await
            .expect("audit");
    }
    let mut raw = db.raw().await;
    let (authors, bodies): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(DISTINCT length(author_sealed)), COUNT(DISTINCT length(body_sealed)) \
         FROM messages",
    )
    .fetch_one(&mut raw)
    .await
    .expect("lengths");
    assert_eq!(authors, 1, "authors of 2, 15 and 25 bytes look alike");
    assert_eq!(bodies, 1, "bodies of 2, 35 and 250 bytes look alike");
    let (actors,): (i64,) =
        sqlx::query_as("SELECT COUNT(DISTINCT length(actor_sealed)) FROM audit_events")
            .fetch_one(&mut raw)
            .await
            .expect("actor lengths");
    assert_eq!(actors, 1);
    drop(raw);
    let stored = store
        .messages()
        .get(WS, "len-3")
        .await
        .expect("get")
        .expect("stored");
    assert_eq!(stored.author_id.expose_secret(), long_id);
    assert_eq!(stored.body.expose_secret(), long_body);
}
