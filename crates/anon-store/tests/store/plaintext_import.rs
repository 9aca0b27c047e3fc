use anon_store::{Store, StoreError, IMPORT_PLAINTEXT_COMMAND};
use secrecy::ExposeSecret;

use crate::support::*;

/// The TypeScript app's tables that matter here (its migrations 001–004),
/// filled with plaintext rows.
async fn write_typescript_database(db: &TestDb) {
    std::fs::create_dir_all(db.path.parent().expect("parent")).expect("folder");
    let mut raw = db.raw().await;
    for statement in [
        "CREATE TABLE schema_migrations (version TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)",
        "CREATE TABLE conversations (id TEXT PRIMARY KEY, workspace_id TEXT NOT NULL DEFAULT '', \
         sender_id TEXT NOT NULL, recipient_id TEXT NOT NULL, last_message TEXT, \
         message_type TEXT NOT NULL DEFAULT 'dm', channel_id TEXT, thread_root_id TEXT, \
         created_at INTEGER NOT NULL)",
        "CREATE INDEX idx_conversations_created_at ON conversations(created_at)",
        "CREATE TABLE blocked_users (workspace_id TEXT NOT NULL, user_id TEXT NOT NULL, \
         blocked_at INTEGER NOT NULL, PRIMARY KEY (workspace_id, user_id))",
        "CREATE TABLE tokens (workspace_id TEXT NOT NULL, workspace_user_id TEXT NOT NULL DEFAULT '', \
         token_kind TEXT NOT NULL CHECK (token_kind IN ('bot', 'user')), bot_user_id TEXT, \
         access_token TEXT NOT NULL, created_at INTEGER NOT NULL DEFAULT (unixepoch()), \
         updated_at INTEGER NOT NULL DEFAULT (unixepoch()), \
         PRIMARY KEY (workspace_id, workspace_user_id, token_kind))",
        "CREATE INDEX idx_tokens_workspace ON tokens(workspace_id)",
    ] {
        sqlx::query(statement).execute(&mut raw).await.expect("legacy schema");
    }
    sqlx::query("INSERT INTO schema_migrations VALUES ('004_tokens', 1)")
        .execute(&mut raw)
        .await
        .expect("insert");
    sqlx::query(
        "INSERT INTO conversations (id, workspace_id, sender_id, recipient_id, last_message, created_at) \
         VALUES ('11111111-2222', ?1, ?2, ?3, ?4, 1)",
    )
    .bind(WS)
    .bind(ALICE)
    .bind(BOB)
    .bind(DM_BODY)
    .execute(&mut raw)
    .await
    .expect("insert");
    sqlx::query("INSERT INTO blocked_users VALUES (?1, ?2, 1)")
        .bind(WS)
        .bind(DAVE)
        .execute(&mut raw)
        .await
        .expect("insert");
    for (user, kind, bot_id, token) in [
        ("", "bot", Some(BOT_USER), BOT_TOKEN),
        (ALICE, "user", None, USER_TOKEN),
    ] {
        sqlx::query(
            "INSERT INTO tokens (workspace_id, workspace_user_id, token_kind, bot_user_id, access_token) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .bind(WS)
        .bind(user)
        .bind(kind)
        .bind(bot_id)
        .bind(token)
        .execute(&mut raw)
        .await
        .expect("insert");
    }
}

#[tokio::test]
async fn plaintext_database_is_refused_with_the_import_command() {
    let db = TestDb::new();
    write_typescript_database(&db).await;
    let error = Store::open(db.options(ring(KEY_A, None)))
        .await
        .expect_err("a plaintext database must be refused");
    assert!(
        matches!(error, StoreError::PlaintextData { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.contains(IMPORT_PLAINTEXT_COMMAND), "{message}");
    assert!(message.contains("tokens"), "{message}");
    for secret in [BOT_TOKEN, USER_TOKEN, ALICE, DM_BODY] {
        assert!(!message.contains(secret));
    }
    // Refusing changed nothing: no migration ran.
    let mut raw = db.raw().await;
    let (ours,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM sqlite_master WHERE name = '_sqlx_migrations'")
            .fetch_one(&mut raw)
            .await
            .expect("count");
    assert_eq!(ours, 0);
}

#[tokio::test]
async fn import_seals_tokens_and_opt_outs_and_removes_all_plaintext() {
    let db = TestDb::new();
    write_typescript_database(&db).await;
    let (store, report) = Store::import_plaintext(db.options(ring(KEY_A, None)), 5_000)
        .await
        .expect("import");
    assert_eq!(report.bot_tokens, 1);
    assert_eq!(report.user_tokens, 1);
    assert_eq!(report.opt_outs, 1);
    let mut dropped = report.dropped_tables.clone();
    dropped.sort();
    assert_eq!(
        dropped,
        [
            "blocked_users",
            "conversations",
            "schema_migrations",
            "tokens"
        ]
    );

    let tokens = store.tokens();
    assert_eq!(
        tokens
            .bot_token(WS)
            .await
            .expect("get")
            .expect("bot")
            .expose_secret(),
        BOT_TOKEN
    );
    assert_eq!(
        tokens.bot_user_id(WS).await.expect("get").as_deref(),
        Some(BOT_USER)
    );
    assert_eq!(
        tokens
            .user_token(WS, ALICE)
            .await
            .expect("get")
            .expect("user")
            .expose_secret(),
        USER_TOKEN
    );
    assert!(store
        .opt_outs()
        .is_opted_out(WS, DAVE)
        .await
        .expect("opt-out"));
    assert!(store
        .messages()
        .conversation(WS, "11111111-2222")
        .await
        .expect("conv")
        .is_none());
    store.health().await.expect("healthy");
    store.close().await;

    for secret in [BOT_TOKEN, USER_TOKEN, BOT_USER, ALICE, BOB, DAVE, DM_BODY] {
        assert!(
            find_in_files(&db.files(), secret).is_empty(),
            "{secret} left in the files"
        );
    }
    // Now a normal open works, and importing again is a no-op.
    let reopened = db.open_a().await;
    reopened.close().await;
    let (again, report) = Store::import_plaintext(db.options(ring(KEY_A, None)), 6_000)
        .await
        .expect("import again");
    assert_eq!(report, anon_store::ImportReport::default());
    again.close().await;
}

#[tokio::test]
async fn an_interrupted_import_is_still_refused_and_can_be_resumed() {
    let db = TestDb::new();
    write_typescript_database(&db).await;
    // Simulate a crash right after step 1 (tables renamed, nothing sealed).
    {
        let mut raw = db.raw().await;
        for table in [
            "tokens",
            "blocked_users",
            "conversations",
            "schema_migrations",
        ] {
            sqlx::query(&format!("ALTER TABLE {table} RENAME TO legacy_{table}"))
                .execute(&mut raw)
                .await
                .expect("rename");
        }
    }
    let error = Store::open(db.options(ring(KEY_A, None)))
        .await
        .expect_err("refused");
    assert!(error.to_string().contains(IMPORT_PLAINTEXT_COMMAND));
    let (store, report) = Store::import_plaintext(db.options(ring(KEY_A, None)), 1)
        .await
        .expect("resume");
    assert_eq!(
        (report.bot_tokens, report.user_tokens, report.opt_outs),
        (1, 1, 1)
    );
    assert!(store.tokens().bot_token(WS).await.expect("get").is_some());
}
