//! Proxy variables in the environment are ignored: the client connects
//! directly unless a proxy is configured explicitly.
//!
//! This test binary holds a single test because it changes the process
//! environment, which must not race with other threads.

#[allow(dead_code)]
#[path = "api/canned.rs"]
mod canned;

use std::time::Duration;

use canned::{Canned, CannedServer};
use pumble_client::{AccessToken, AppKey, ClientConfig, ClientError, PumbleClient};

const USERS: &str = r#"[{"id":"u_1","role":"USER"}]"#;

#[test]
fn environment_proxies_are_ignored_and_explicit_proxies_are_used() {
    // A "proxy" that records what reaches it (and refuses to tunnel), named
    // by every proxy variable.
    let env_proxy = CannedServer::start(vec![Canned::new(502, ""), Canned::new(502, "")]);
    for var in [
        "ALL_PROXY",
        "all_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
    ] {
        std::env::set_var(var, env_proxy.base_url());
    }
    std::env::remove_var("NO_PROXY");
    std::env::remove_var("no_proxy");

    // Control: a ureq agent with default settings does go through it.
    let pumble = CannedServer::start(vec![Canned::ok(USERS)]);
    let url = format!("{}/v1/workspaceUsers", pumble.base_url());
    let default_agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .new_agent();
    default_agent
        .get(&url)
        .call()
        .expect_err("the environment proxy refuses to tunnel");
    let tunnel = env_proxy.single_request();
    assert_eq!(tunnel.method, "CONNECT");
    assert_eq!(
        tunnel.target,
        pumble.base_url().trim_start_matches("http://")
    );
    assert!(pumble.requests().is_empty());

    // The client ignores the variables and goes straight to Pumble.
    let client = PumbleClient::new(
        ClientConfig::default()
            .with_base_url(pumble.base_url())
            .with_timeout(Duration::from_secs(5)),
        AppKey::new("xpat-key"),
    )
    .expect("valid config");
    let token = AccessToken::new("tok");
    let users = client
        .acting_as(&token)
        .list_workspace_users()
        .expect("Pumble answers directly");
    assert_eq!(users.len(), 1);
    assert_eq!(pumble.single_request().target, "/v1/workspaceUsers");
    assert_eq!(
        env_proxy.requests().len(),
        1,
        "the client used the env proxy"
    );

    // An explicitly configured proxy is used, for a host that need not
    // resolve, and sees no credentials (they travel inside the tunnel).
    let explicit_proxy = CannedServer::start(vec![Canned::new(502, "")]);
    let proxied = PumbleClient::new(
        ClientConfig::default()
            .with_base_url("http://pumble.invalid")
            .with_proxy(explicit_proxy.base_url())
            .with_timeout(Duration::from_secs(5)),
        AppKey::new("xpat-key"),
    )
    .expect("valid config");
    let error = proxied
        .acting_as(&token)
        .list_workspace_users()
        .expect_err("the proxy refuses to tunnel");
    assert!(matches!(error, ClientError::Transport(_)), "got {error:?}");
    let tunnel = explicit_proxy.single_request();
    assert_eq!(tunnel.method, "CONNECT");
    assert_eq!(tunnel.target, "pumble.invalid:80");
    assert_eq!(tunnel.header("token"), None);
    assert_eq!(tunnel.header("x-app-token"), None);
}
