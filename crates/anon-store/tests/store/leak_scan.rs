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

/// Whether the raw bytes of any file contain `needle`.
fn bytes_in_files(files: &[std::path::PathBuf], needle: &[u8]) -> bool {
    files.iter().any(|path| {
        std::fs::read(path)
            .map(|bytes| bytes.windows(needle.len()).any(|window| window == needle))
            .unwrap_or(false)
    })
}

#[tokio::test]
async fn no_plaintext_or_key_material_through_rotation_and_reseal() {
    let db = TestDb::new();
    let store = db.open(ring(KEY_A, None)).await;
    let secrets = populate(&store).await;
    store.close().await;

    // Rotation: B current, A previous. New writes under B, old values opened
    // under A and rewritten by reseal; every path seals or hashes again.
    let rotating = db.open(ring(KEY_B, Some(KEY_A))).await;
    assert_populated_readable(&rotating).await;
    rotating
        .messages()
        .record(&message(
            "msg-dm-3",
            "conv-dm",
            anon_store::MessageKind::Dm,
            CAROL,
            Some(DAVE),
            DM_BODY,
        ))
        .await
        .expect("record under B");
    rotating
        .opt_outs()
        .set(WS, CAROL, 2_000)
        .await
        .expect("opt out under B");
    assert_no_secret_in_files(&db, &secrets, "during rotation, before reseal");
    let report = rotating.reseal(3).await.expect("reseal");
    assert!(report.total() > 0);
    assert_eq!(report.unreadable, 0);
    assert_no_secret_in_files(&db, &secrets, "after reseal, before checkpoint");
    rotating.checkpoint().await.expect("checkpoint");
    assert_no_secret_in_files(&db, &secrets, "after reseal and checkpoint");

    // Neither key, raw or in base64, is ever written.
    let files = db.files();
    for key in [KEY_A, KEY_B] {
        assert!(!bytes_in_files(&files, &key), "raw key bytes in the files");
        let text = anon_store::EncryptionKey::from_bytes(key).to_base64();
        assert!(
            find_in_files(&files, secrecy::ExposeSecret::expose_secret(&text)).is_empty(),
            "base64 key in the files"
        );
    }
    rotating.close().await;

    let rotated = db.open(ring(KEY_B, None)).await;
    assert_populated_readable(&rotated).await;
    rotated.close().await;
    assert_no_secret_in_files(&db, &secrets, "after close");
}
