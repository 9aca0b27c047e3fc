use crate::support::*;

#[tokio::test]
async fn set_clear_and_query_are_idempotent_and_report_changes() {
    let db = TestDb::new();
    let store = db.open_a().await;
    let opt_outs = store.opt_outs();
    assert!(!opt_outs.is_opted_out(WS, DAVE).await.expect("query"));
    assert!(
        opt_outs.set(WS, DAVE, 10).await.expect("set"),
        "first set changes"
    );
    assert!(
        !opt_outs.set(WS, DAVE, 11).await.expect("set"),
        "second set does not"
    );
    assert!(opt_outs.is_opted_out(WS, DAVE).await.expect("query"));
    assert!(
        !opt_outs.is_opted_out(OTHER_WS, DAVE).await.expect("query"),
        "per workspace"
    );
    assert!(!opt_outs.is_opted_out(WS, ALICE).await.expect("query"));
    assert!(
        opt_outs.clear(WS, DAVE).await.expect("clear"),
        "first clear changes"
    );
    assert!(
        !opt_outs.clear(WS, DAVE).await.expect("clear"),
        "second clear does not"
    );
    assert!(!opt_outs.is_opted_out(WS, DAVE).await.expect("query"));
}
