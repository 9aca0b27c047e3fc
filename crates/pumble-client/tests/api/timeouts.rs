//! A server that accepts the connection and never answers must cost a call
//! its configured timeout, not a stuck thread.

use std::time::{Duration, Instant};

use pumble_client::{AuthorizationCode, ClientConfig, ClientError, ClientSecret, OutgoingMessage};

use crate::canned::SilentServer;
use crate::{client_with, token};

const TIMEOUT: Duration = Duration::from_millis(200);

fn silent_client(server: &SilentServer) -> pumble_client::PumbleClient {
    client_with(
        ClientConfig::default()
            .with_base_url(server.base_url())
            .with_timeout(TIMEOUT),
    )
}

fn assert_timed_out<T: std::fmt::Debug>(result: Result<T, ClientError>, started: Instant) {
    let elapsed = started.elapsed();
    assert!(
        matches!(result, Err(ClientError::Timeout)),
        "expected a timeout, got {result:?}"
    );
    assert!(
        elapsed >= TIMEOUT - Duration::from_millis(20),
        "gave up before the timeout: {elapsed:?}"
    );
    assert!(elapsed < Duration::from_secs(1), "took {elapsed:?}");
}

#[test]
fn a_get_to_a_silent_server_times_out_well_under_a_second() {
    let server = SilentServer::start();
    let client = silent_client(&server);
    let token = token();
    let started = Instant::now();
    assert_timed_out(client.acting_as(&token).channel_details("ch_1"), started);
    assert_eq!(server.connections(), 1, "a timed-out GET is not retried");
}

#[test]
fn a_post_to_a_silent_server_times_out_and_is_not_retried() {
    let server = SilentServer::start();
    let client = silent_client(&server);
    let token = token();
    let started = Instant::now();
    let result = client
        .acting_as(&token)
        .post_message("ch_1", &OutgoingMessage::text("hello there"));
    assert_timed_out(result, started);
    assert_eq!(server.connections(), 1);
}

#[test]
fn the_oauth_exchange_is_bounded_too() {
    let server = SilentServer::start();
    let client = silent_client(&server);
    let started = Instant::now();
    let result = client.exchange_oauth_code(
        "app_1",
        &ClientSecret::new("xpcls-secret"),
        &AuthorizationCode::new("code-1"),
    );
    assert_timed_out(result, started);
}

#[test]
fn get_or_create_does_not_fall_back_to_creating_after_a_timeout() {
    let server = SilentServer::start();
    let client = silent_client(&server);
    let token = token();
    let started = Instant::now();
    let result = client
        .acting_as(&token)
        .get_or_create_direct_channel("u_bot", &["u_bob"]);
    assert_timed_out(result, started);
    assert_eq!(server.connections(), 1);
}
