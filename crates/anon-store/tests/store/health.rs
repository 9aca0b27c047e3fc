use anon_store::{Store, StoreError, StoreOptions, MIGRATOR};

use crate::support::*;

#[tokio::test]
async fn healthy_after_open_and_unhealthy_when_migrations_differ() {
    let db = TestDb::new();
    let store = db.open_a().await;
    store.health().await.expect("fresh database is healthy");
    assert!(db.path.exists(), "file and parent folder created");

    let mut raw = db.raw().await;
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (99991231000000, 'from a newer build', 1, x'00', 0)",
    )
    .execute(&mut raw)
    .await
    .expect("plant a migration this build does not know");
    let embedded = MIGRATOR.iter().count();
    match store.health().await {
        Err(StoreError::MigrationsNotCurrent {
            applied,
            embedded: e,
        }) => {
            assert_eq!(applied, embedded + 1);
            assert_eq!(e, embedded);
        }
        other => panic!("expected MigrationsNotCurrent, got {other:?}"),
    }
}

#[tokio::test]
async fn in_memory_store_works_for_tests() {
    let store = Store::open(StoreOptions::in_memory(ring(KEY_A, None)))
        .await
        .expect("open in memory");
    store.health().await.expect("healthy");
    populate(&store).await;
    assert_populated_readable(&store).await;
    store.close().await;
}

#[tokio::test]
async fn pragmas_are_set_on_file_databases() {
    let db = TestDb::new();
    let options = db
        .options(ring(KEY_A, None))
        .max_connections(2)
        .busy_timeout(std::time::Duration::from_secs(1));
    assert_eq!(
        options.location(),
        &anon_store::StoreLocation::File(db.path.clone())
    );
    let store = Store::open(options).await.expect("open");
    store.health().await.expect("healthy");
    let mut raw = db.raw().await;
    let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode")
        .fetch_one(&mut raw)
        .await
        .expect("journal mode");
    assert_eq!(mode, "wal", "WAL is persistent in the file");
}

#[cfg(unix)]
#[tokio::test]
async fn a_new_database_folder_and_its_files_are_private_to_the_owner() {
    use std::os::unix::fs::PermissionsExt;

    let db = TestDb::new();
    let store = db.open_a().await;
    populate(&store).await;
    let mode = |path: &std::path::Path| {
        std::fs::metadata(path)
            .expect("file exists")
            .permissions()
            .mode()
            & 0o777
    };
    let folder = db.path.parent().expect("database has a folder");
    assert_eq!(mode(folder), 0o700, "database folder");
    let files = db.files();
    assert!(files.len() >= 2, "database and its -wal exist: {files:?}");
    for file in files {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
    store.close().await;
}

#[cfg(unix)]
#[tokio::test]
async fn an_existing_database_folder_keeps_the_mode_the_operator_gave_it() {
    use std::os::unix::fs::PermissionsExt;

    let dir = tempfile::tempdir().expect("temporary folder");
    let folder = dir.path().join("shared");
    std::fs::create_dir(&folder).expect("folder");
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o750)).expect("chmod");
    let store = Store::open(StoreOptions::file(
        folder.join("anon.db"),
        ring(KEY_A, None),
    ))
    .await
    .expect("open");
    let mode = std::fs::metadata(&folder)
        .expect("folder")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o750);
    store.close().await;
}
