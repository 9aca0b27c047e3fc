use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anon_store::{ReportChannelClaim, Store};

use crate::support::*;

const STALE: i64 = 120;

#[tokio::test]
async fn claim_complete_and_get() {
    let db = TestDb::new();
    let store = db.open_a().await;
    let channels = store.report_channels();
    assert!(channels.get(WS).await.expect("get").is_none());
    let ReportChannelClaim::Claimed(claim) = channels.claim(WS, 100, STALE).await.expect("claim")
    else {
        panic!("the first claim wins");
    };
    assert_eq!(
        channels.claim(WS, 101, STALE).await.expect("claim"),
        ReportChannelClaim::Busy
    );
    assert!(channels
        .complete(WS, &claim, "C-REPORTS", 102)
        .await
        .expect("complete"));
    assert_eq!(
        channels.get(WS).await.expect("get").as_deref(),
        Some("C-REPORTS")
    );
    assert_eq!(
        channels.claim(WS, 103, STALE).await.expect("claim"),
        ReportChannelClaim::Existing("C-REPORTS".to_owned())
    );
    assert!(!channels
        .complete(WS, &claim, "C-OTHER", 104)
        .await
        .expect("complete twice"));
    assert!(channels.get(OTHER_WS).await.expect("get").is_none());
}

#[tokio::test]
async fn released_and_stale_claims_can_be_taken_again() {
    let db = TestDb::new();
    let store = db.open_a().await;
    let channels = store.report_channels();
    let ReportChannelClaim::Claimed(first) = channels.claim(WS, 100, STALE).await.expect("claim")
    else {
        panic!("first claim");
    };
    assert!(channels.release(WS, &first).await.expect("release"));
    assert!(!channels.release(WS, &first).await.expect("release twice"));
    let ReportChannelClaim::Claimed(second) = channels.claim(WS, 101, STALE).await.expect("claim")
    else {
        panic!("a released claim can be taken");
    };
    // The holder of `second` crashes; after STALE seconds a new claim wins.
    assert_eq!(
        channels
            .claim(WS, 101 + STALE - 1, STALE)
            .await
            .expect("claim"),
        ReportChannelClaim::Busy
    );
    let ReportChannelClaim::Claimed(third) =
        channels.claim(WS, 101 + STALE, STALE).await.expect("claim")
    else {
        panic!("a stale claim can be taken over");
    };
    assert!(
        !channels
            .complete(WS, &second, "C-LATE", 300)
            .await
            .expect("complete"),
        "lost claim"
    );
    assert!(channels
        .complete(WS, &third, "C-REPORTS", 300)
        .await
        .expect("complete"));
    assert_eq!(
        channels.get(WS).await.expect("get").as_deref(),
        Some("C-REPORTS")
    );
}

#[tokio::test]
async fn forget_lets_the_next_report_create_a_new_channel() {
    let db = TestDb::new();
    let store = db.open_a().await;
    let channels = store.report_channels();
    let ReportChannelClaim::Claimed(claim) = channels.claim(WS, 1, STALE).await.expect("claim")
    else {
        panic!("claim");
    };
    assert!(channels
        .complete(WS, &claim, "C-OLD", 2)
        .await
        .expect("complete"));
    assert!(channels.forget(WS).await.expect("forget"));
    assert!(!channels.forget(WS).await.expect("forget twice"));
    assert!(channels.get(WS).await.expect("get").is_none());
    assert!(matches!(
        channels.claim(WS, 3, STALE).await.expect("claim"),
        ReportChannelClaim::Claimed(_)
    ));
}

#[tokio::test]
async fn waiting_ends_with_the_channel_or_when_the_claim_is_released() {
    let db = TestDb::new();
    let store = db.open_a().await;
    let channels = store.report_channels();
    // No claim at all: nothing to wait for.
    let none = channels
        .wait_for_channel(WS, Duration::from_millis(5), Duration::from_millis(50))
        .await
        .expect("wait");
    assert!(none.is_none());
    let ReportChannelClaim::Claimed(claim) = channels.claim(WS, 1, STALE).await.expect("claim")
    else {
        panic!("claim");
    };
    // Held but never completed: gives up after the deadline.
    let started = std::time::Instant::now();
    let none = channels
        .wait_for_channel(WS, Duration::from_millis(5), Duration::from_millis(60))
        .await
        .expect("wait");
    assert!(none.is_none());
    assert!(started.elapsed() >= Duration::from_millis(60));
    assert!(channels
        .complete(WS, &claim, "C-REPORTS", 2)
        .await
        .expect("complete"));
    let found = channels
        .wait_for_channel(WS, Duration::from_millis(5), Duration::from_millis(50))
        .await
        .expect("wait");
    assert_eq!(found.as_deref(), Some("C-REPORTS"));
}

/// One "first report" flow: claim; the winner creates the channel (counted)
/// and records it; the others wait for it.
async fn first_report_flow(store: &Store, creations: &AtomicUsize) -> String {
    let channels = store.report_channels();
    loop {
        match channels.claim(WS, 1_000, STALE).await.expect("claim") {
            ReportChannelClaim::Existing(channel) => return channel,
            ReportChannelClaim::Claimed(claim) => {
                let n = creations.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(30)).await; // the API calls
                let channel = format!("C-REPORTS-{n}");
                assert!(channels
                    .complete(WS, &claim, &channel, 1_001)
                    .await
                    .expect("complete"));
                return channel;
            }
            ReportChannelClaim::Busy => {
                let waited = channels
                    .wait_for_channel(WS, Duration::from_millis(5), Duration::from_secs(2))
                    .await
                    .expect("wait");
                if let Some(channel) = waited {
                    return channel;
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_first_reports_create_exactly_one_channel() {
    let db = TestDb::new();
    let stores = [Arc::new(db.open_a().await), Arc::new(db.open_a().await)];
    let creations = Arc::new(AtomicUsize::new(0));
    let barrier = Arc::new(tokio::sync::Barrier::new(8));
    let mut flows = Vec::new();
    for i in 0..8 {
        let store = stores[i % 2].clone();
        let creations = creations.clone();
        let barrier = barrier.clone();
        flows.push(tokio::spawn(async move {
            barrier.wait().await;
            first_report_flow(&store, &creations).await
        }));
    }
    let mut seen = Vec::new();
    for flow in flows {
        seen.push(flow.await.expect("flow"));
    }
    assert_eq!(creations.load(Ordering::SeqCst), 1);
    assert!(
        seen.iter().all(|channel| channel == "C-REPORTS-0"),
        "{seen:?}"
    );
}
