use anon_store::DEFAULT_STATE_MAX_AGE_SECS;
use secrecy::ExposeSecret;

use crate::support::*;

#[tokio::test]
async fn a_state_is_accepted_once_and_only_while_fresh() {
    let db = TestDb::new();
    let store = db.open_a().await;
    let states = store.oauth_states();
    let state = states.issue(1_000).await.expect("issue");
    let other = states.issue(1_000).await.expect("issue");
    assert_ne!(state.expose_secret(), other.expose_secret());
    assert_eq!(state.expose_secret().len(), 43);

    assert!(states
        .consume(state.expose_secret(), 1_010, DEFAULT_STATE_MAX_AGE_SECS)
        .await
        .expect("consume"));
    assert!(
        !states
            .consume(state.expose_secret(), 1_011, DEFAULT_STATE_MAX_AGE_SECS)
            .await
            .expect("consume"),
        "a state works once"
    );
    assert!(!states
        .consume("made-up", 1_011, DEFAULT_STATE_MAX_AGE_SECS)
        .await
        .expect("consume"));
    assert!(
        !states
            .consume(
                other.expose_secret(),
                1_000 + DEFAULT_STATE_MAX_AGE_SECS,
                DEFAULT_STATE_MAX_AGE_SECS
            )
            .await
            .expect("consume"),
        "expired after 24 h"
    );
}
