use crate::support::*;

fn assert_no_secret_in_files(db: &TestDb, secrets: &Secrets, stage: &str) {
    let files = db.files();
    assert!(!files.is_empty());
    let hits: Vec<String> = secrets
        .all()
        .into_iter()
        .flat_map(|secret| find_in_files(&files, secret))
        .collect();
    assert!(hits.is_empty(), "{stage}: plaintext found: {hits:?}");
}

#[tokio::test]
async fn no_user_id_body_or_token_in_the_files_before_or_after_checkpoint() {
    let db = TestDb::new();
    let store = db.open_a().await;
    let secrets = populate(&store).await;
    assert_populated_readable(&store).await;

    // Without a checkpoint: the data sits in the -wal file.
    let wal = db
        .files()
        .into_iter()
        .find(|path| path.to_string_lossy().ends_with("-wal"));
    let wal_len = wal
        .and_then(|path| std::fs::metadata(path).ok())
        .map_or(0, |meta| meta.len());
    assert!(wal_len > 0, "the scenario is still in the WAL");
    assert_no_secret_in_files(&db, &secrets, "before checkpoint");

    store.checkpoint().await.expect("checkpoint");
    assert_no_secret_in_files(&db, &secrets, "after checkpoint");

    // The scan does find text that is stored plain (so it can find things).
    let files = db.files();
    assert!(
        !find_in_files(&files, WS).is_empty(),
        "workspace ids are plain"
    );
    assert!(
        !find_in_files(&files, "msg-dm-1").is_empty(),
        "message ids are plain"
    );

    // Deleting and purging leaves nothing behind either.
    store
        .tokens()
        .delete_for_workspace(WS)
        .await
        .expect("delete");
    store.purge_workspace(WS).await.expect("purge");
    store.close().await;
    assert_no_secret_in_files(&db, &secrets, "after purge and close");
}
