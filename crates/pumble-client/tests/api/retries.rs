//! GETs are retried on 429/503 within the budget, honouring `Retry-After`;
//! posts never are.

use std::time::{Duration, Instant};

use pumble_client::{ClientConfig, ClientError, OutgoingMessage, RetryPolicy};

use crate::canned::{Canned, CannedServer};
use crate::{client_with, fixture, quick_retries, token};

fn client(server: &CannedServer, retry: RetryPolicy) -> pumble_client::PumbleClient {
    client_with(
        ClientConfig::default()
            .with_base_url(server.base_url())
            .with_timeout(Duration::from_secs(5))
            .with_retry_policy(retry),
    )
}

fn rate_limited(retry_after: &str) -> Canned {
    Canned::new(429, r#"{"code":"TOO_MANY_REQUESTS","message":"slow down"}"#)
        .header("retry-after", retry_after)
}

#[test]
fn a_get_is_retried_after_429_and_then_succeeds() {
    let server = CannedServer::start(vec![
        rate_limited("0"),
        rate_limited("0"),
        Canned::ok(fixture("api_dm_channel.json")),
    ]);
    let token = token();
    let info = client(&server, quick_retries())
        .acting_as(&token)
        .channel_details("ch_dm_bot_bob")
        .expect("the third attempt succeeds");
    assert_eq!(info.channel.id, "ch_dm_bot_bob");
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests
        .iter()
        .all(|request| request.target == "/v1/channels/ch_dm_bot_bob"));
}

#[test]
fn retry_after_is_honoured() {
    let server = CannedServer::start(vec![
        rate_limited("1"),
        Canned::ok(fixture("api_list_users.json")),
    ]);
    let token = token();
    let started = Instant::now();
    let users = client(&server, RetryPolicy::default())
        .acting_as(&token)
        .list_workspace_users()
        .expect("the retry succeeds");
    let elapsed = started.elapsed();
    assert_eq!(users.len(), 7);
    assert!(elapsed >= Duration::from_secs(1), "waited only {elapsed:?}");
    assert!(elapsed < Duration::from_secs(2), "waited {elapsed:?}");
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn a_get_gives_up_when_retries_are_used_up() {
    let server = CannedServer::start(vec![
        rate_limited("0"),
        rate_limited("0"),
        rate_limited("0"),
        Canned::ok(fixture("api_list_users.json")),
    ]);
    let token = token();
    let result = client(&server, quick_retries())
        .acting_as(&token)
        .list_workspace_users();
    assert!(
        matches!(
            result,
            Err(ClientError::RateLimited {
                retry_after: Some(after)
            }) if after == Duration::ZERO
        ),
        "got {result:?}"
    );
    assert_eq!(server.requests().len(), 3, "one attempt and two retries");
}

#[test]
fn a_retry_after_beyond_the_budget_is_reported_at_once() {
    let server = CannedServer::start(vec![
        rate_limited("30"),
        Canned::ok(fixture("api_list_users.json")),
    ]);
    let token = token();
    let started = Instant::now();
    let result = client(&server, RetryPolicy::default())
        .acting_as(&token)
        .list_workspace_users();
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(
        matches!(
            result,
            Err(ClientError::RateLimited { retry_after: Some(after) })
                if after == Duration::from_secs(30)
        ),
        "got {result:?}"
    );
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_503_without_retry_after_is_retried_with_the_fallback_delay() {
    let server = CannedServer::start(vec![
        Canned::new(503, "down for maintenance"),
        Canned::ok(fixture("api_list_channels.json")),
    ]);
    let token = token();
    let channels = client(&server, quick_retries())
        .acting_as(&token)
        .list_channels(&[])
        .expect("the retry succeeds");
    assert_eq!(channels.len(), 3);
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn a_429_without_retry_after_reports_none() {
    let server = CannedServer::start(vec![Canned::new(429, "")]);
    let token = token();
    let result = client(&server, RetryPolicy::none())
        .acting_as(&token)
        .list_workspace_users();
    assert!(
        matches!(result, Err(ClientError::RateLimited { retry_after: None })),
        "got {result:?}"
    );
}

#[test]
fn other_statuses_are_not_retried() {
    for status in [500, 502, 504, 400, 401] {
        let server = CannedServer::start(vec![
            Canned::new(status, r#"{"code":"X","message":"no"}"#),
            Canned::ok(fixture("api_list_users.json")),
        ]);
        let token = token();
        let result = client(&server, quick_retries())
            .acting_as(&token)
            .list_workspace_users();
        assert_eq!(result.err().and_then(|error| error.status()), Some(status));
        assert_eq!(server.requests().len(), 1, "status {status} was retried");
    }
}

#[test]
fn a_post_answered_429_is_not_retried() {
    let server = CannedServer::start(vec![
        rate_limited("0"),
        Canned::ok(fixture("api_post_message.json")),
    ]);
    let token = token();
    let result = client(&server, quick_retries())
        .acting_as(&token)
        .post_message("ch_dm_bot_bob", &OutgoingMessage::text("hello"));
    assert!(
        matches!(
            result,
            Err(ClientError::RateLimited {
                retry_after: Some(_)
            })
        ),
        "got {result:?}"
    );
    assert_eq!(server.requests().len(), 1, "a post must never be repeated");
}

/// One of the posting calls, with its answer dropped.
type PostCall = fn(&pumble_client::ActingClient<'_>, &OutgoingMessage) -> Result<(), ClientError>;

#[test]
fn posts_answered_503_are_not_retried() {
    let token = token();
    let message = OutgoingMessage::text("hello");
    let calls: [(&str, PostCall); 3] = [
        ("post", |bot, message| {
            bot.post_message("ch_1", message).map(drop)
        }),
        ("reply", |bot, message| {
            bot.reply_in_thread("ch_1", "msg_1", message).map(drop)
        }),
        ("ephemeral", |bot, message| {
            bot.post_ephemeral("ch_1", &["u_bob"], message)
        }),
    ];
    for (name, call) in calls {
        let server = CannedServer::start(vec![
            Canned::new(503, "").header("retry-after", "0"),
            Canned::ok(fixture("api_post_message.json")),
        ]);
        let client = client(&server, quick_retries());
        let result = call(&client.acting_as(&token), &message);
        assert_eq!(result.err().and_then(|error| error.status()), Some(503));
        assert_eq!(server.requests().len(), 1, "{name} was retried");
    }
}
