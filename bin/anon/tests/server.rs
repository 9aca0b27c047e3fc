//! The real `Application` on a loopback port: probes, manifest, and every
//! way `/hook` refuses a request before any flow runs.

use std::time::{SystemTime, UNIX_EPOCH};

use anon::{LoopbackApp, ServerThread, Settings};

const SIGNING_SECRET: &str = "xpss-0123456789abcdef0123456789abcdef";

struct TestServer {
    server: ServerThread,
    agent: ureq::Agent,
    _dir: tempfile::TempDir,
}

fn start() -> TestServer {
    let dir = tempfile::tempdir().expect("temp dir");
    let app = LoopbackApp {
        app_id: "app_test",
        app_key: "xpat-test",
        client_secret: "xpcls-test",
        signing_secret: SIGNING_SECRET,
    };
    // Nothing listens on the discard port: these tests never reach Pumble.
    let settings = Settings::loopback(&app, "http://127.0.0.1:9", &dir.path().join("anon.db"))
        .expect("valid loopback settings");
    let server = ServerThread::start(settings).expect("server starts");
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    TestServer {
        server,
        agent,
        _dir: dir,
    }
}

struct Answer {
    status: u16,
    body: String,
}

impl TestServer {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url())
    }

    fn get(&self, path: &str) -> Answer {
        let mut response = self
            .agent
            .get(&self.url(path))
            .call()
            .expect("GET answered");
        Answer {
            status: response.status().as_u16(),
            body: response.body_mut().read_to_string().expect("body"),
        }
    }

    fn post(&self, headers: &[(&str, &str)], body: &[u8]) -> Answer {
        let mut request = self.agent.post(&self.url("/hook"));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let mut response = request.send(body).expect("POST answered");
        Answer {
            status: response.status().as_u16(),
            body: response
                .body_mut()
                .with_config()
                .limit(1024 * 1024)
                .read_to_string()
                .expect("body"),
        }
    }

    fn post_signed(&self, body: &[u8]) -> Answer {
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock after 1970")
            .as_millis()
            .to_string();
        let signature = pumble_verify::sign(SIGNING_SECRET, &timestamp, body);
        self.post(
            &[
                ("x-pumble-request-timestamp", &timestamp),
                ("x-pumble-request-signature", &signature),
                ("content-type", "application/json"),
            ],
            body,
        )
    }
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).expect("answer is JSON")
}

#[test]
fn health_and_ready_answer() {
    let server = start();
    let health = server.get("/health");
    assert_eq!(health.status, 200);
    assert_eq!(json(&health.body)["status"], "ok");
    let ready = server.get("/ready");
    assert_eq!(ready.status, 200, "{}", ready.body);
    assert_eq!(json(&ready.body)["database"], "ok");
    server.server.stop().expect("clean stop");
}

#[test]
fn manifest_uses_the_request_host_and_holds_no_secret() {
    let server = start();
    let answer = server.get("/manifest");
    assert_eq!(answer.status, 200);
    let manifest = json(&answer.body);
    assert_eq!(manifest["id"], "app_test");
    assert_eq!(
        manifest["blockInteraction"]["url"],
        "https://127.0.0.1/hook"
    );
    assert_eq!(manifest["redirectUrls"][0], "https://127.0.0.1/redirect");
    for secret in ["xpat-test", "xpcls-test", SIGNING_SECRET] {
        assert!(!answer.body.contains(secret));
    }
}

#[test]
fn manifest_ignores_forwarded_host_headers() {
    let server = start();
    for (name, value) in [
        ("x-forwarded-host", "evil.example.test"),
        ("forwarded", "host=evil.example.test;proto=https"),
    ] {
        let mut response = server
            .agent
            .get(&server.url("/manifest"))
            .header("host", "anon.example.test:8443")
            .header(name, value)
            .call()
            .expect("answered");
        assert_eq!(response.status().as_u16(), 200);
        let manifest = json(&response.body_mut().read_to_string().expect("body"));
        assert_eq!(
            manifest["blockInteraction"]["url"], "https://anon.example.test/hook",
            "{name}"
        );
    }
}

#[test]
fn unsigned_and_badly_signed_requests_are_refused_with_403() {
    let server = start();
    let body = br#"{"messageType":"SLASH_COMMAND"}"#;
    let unsigned = server.post(&[], body);
    assert_eq!(unsigned.status, 403);
    assert_eq!(json(&unsigned.body)["error"], "missing_timestamp");

    let timestamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
        .to_string();
    let wrong = pumble_verify::sign("xpss-some-other-secret", &timestamp, body);
    let forged = server.post(
        &[
            ("x-pumble-request-timestamp", &timestamp),
            ("x-pumble-request-signature", &wrong),
        ],
        body,
    );
    assert_eq!(forged.status, 403);
    assert_eq!(json(&forged.body)["error"], "signature_mismatch");
    assert!(!forged.body.contains(&wrong));

    let stale = "1000000000";
    let signature = pumble_verify::sign(SIGNING_SECRET, stale, body);
    let replayed = server.post(
        &[
            ("x-pumble-request-timestamp", stale),
            ("x-pumble-request-signature", &signature),
        ],
        body,
    );
    assert_eq!(replayed.status, 403);
    assert_eq!(json(&replayed.body)["error"], "stale_timestamp");
}

#[test]
fn a_replayed_request_is_refused() {
    let server = start();
    let body = br#"{"messageType":"NOTHING_WE_KNOW"}"#;
    let timestamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
        .to_string();
    let signature = pumble_verify::sign(SIGNING_SECRET, &timestamp, body);
    let headers = [
        ("x-pumble-request-timestamp", timestamp.as_str()),
        ("x-pumble-request-signature", signature.as_str()),
    ];
    assert_eq!(server.post(&headers, body).status, 400);
    let again = server.post(&headers, body);
    assert_eq!(again.status, 403);
    assert_eq!(json(&again.body)["error"], "replayed_request");
}

#[test]
fn an_oversized_body_is_refused_with_413() {
    let server = start();
    let body = vec![b' '; 1024 * 1024 + 1];
    let answer = server.post(&[], &body);
    assert_eq!(answer.status, 413);
    assert_eq!(json(&answer.body)["error"], "body_too_large");
}

#[test]
fn signed_garbage_is_refused_with_400() {
    let server = start();
    let answer = server.post_signed(b"not json at all");
    assert_eq!(answer.status, 400);
    assert_eq!(json(&answer.body)["error"], "invalid_json");
}

#[test]
fn signed_bytes_that_are_not_utf8_are_refused_as_invalid_json() {
    let server = start();
    // A JSON-shaped body with a byte that is not UTF-8 inside a string.
    let answer = server.post_signed(b"{\"messageType\":\"SLASH_COMMAND\",\"text\":\"\xff\"}");
    assert_eq!(answer.status, 400);
    assert_eq!(json(&answer.body)["error"], "invalid_json");
}

#[test]
fn an_unknown_message_type_gets_a_clear_400() {
    let server = start();
    for body in [
        &br#"{"messageType":"DYNAMIC_MENU","workspaceId":"ws_1"}"#[..],
        &br#"{"workspaceId":"ws_1"}"#[..],
        &br#"[1,2,3]"#[..],
        // An array is not read field by field as if it were an object.
        &br#"["SLASH_COMMAND","ws_1"]"#[..],
        &br#" ["SLASH_COMMAND","/anon-block","","u_bob","ch_dm_bot_bob","ws_1","trg_9"]"#[..],
    ] {
        let answer = server.post_signed(body);
        assert_eq!(answer.status, 400);
        assert_eq!(json(&answer.body)["error"], "unsupported_message_type");
    }
}

#[test]
fn a_known_type_with_missing_fields_is_malformed() {
    let server = start();
    let answer = server.post_signed(br#"{"messageType":"SLASH_COMMAND","slashCommand":"/anon"}"#);
    assert_eq!(answer.status, 400);
    assert_eq!(json(&answer.body)["error"], "malformed_payload");
}

#[test]
fn a_key_given_twice_gets_the_same_answer_however_it_is_written() {
    let server = start();
    // As for every other message type, the last value of a repeated key
    // wins, whether the repeat is plain, escaped or a routing field: the
    // first values here would be refused at once (an empty sender, an
    // unknown message type), the last ones make a valid /anon-block.
    let rest = r#""slashCommand":"/anon-block","text":"","channelId":"ch_dm_bot_bob","workspaceId":"ws_1""#;
    for (n, repeated) in [
        r#""messageType":"SLASH_COMMAND","userId":"","userId":"u_bob""#,
        r#""messageType":"SLASH_COMMAND","userId":"","user\u0049d":"u_bob""#,
        r#""messageType":"DYNAMIC_MENU","userId":"u_bob","messageType":"SLASH_COMMAND""#,
    ]
    .into_iter()
    .enumerate()
    {
        let body = format!(r#"{{{repeated},{rest},"triggerId":"trg_dup_{n}"}}"#);
        let answer = server.post_signed(body.as_bytes());
        assert_eq!(answer.status, 200, "{body}: {}", answer.body);
    }
    // The first values alone are refused, so the 200s above came from the
    // last ones.
    for first in [
        r#""messageType":"SLASH_COMMAND","userId":"""#,
        r#""messageType":"DYNAMIC_MENU","userId":"u_bob""#,
    ] {
        let body = format!(r#"{{{first},{rest},"triggerId":"trg_dup_first"}}"#);
        assert_eq!(server.post_signed(body.as_bytes()).status, 400, "{body}");
    }
}

#[test]
fn a_slash_command_is_acknowledged_at_once() {
    let server = start();
    // The shape of the shared fixture `slash_anon_block.json`.
    let body = br#"{"messageType":"SLASH_COMMAND","slashCommand":"/anon-block","text":"","userId":"u_bob","channelId":"ch_dm_bot_bob","workspaceId":"ws_1","triggerId":"trg_slash_block_1"}"#;
    let started = std::time::Instant::now();
    let answer = server.post_signed(body);
    assert_eq!(answer.status, 200);
    assert_eq!(json(&answer.body), serde_json::json!({}));
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
}

#[test]
fn the_install_link_issues_a_state_that_the_redirect_checks_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let app = LoopbackApp {
        app_id: "app_test",
        app_key: "xpat-test",
        client_secret: "xpcls-test",
        signing_secret: SIGNING_SECRET,
    };
    let mut settings = Settings::loopback(&app, "http://127.0.0.1:9", &dir.path().join("anon.db"))
        .expect("valid loopback settings");
    settings.public_url = Some("https://anon.example.test".to_owned());
    settings.pumble_consent_url = "https://pumble.example.test/access-request".to_owned();
    let server = ServerThread::start(settings).expect("server starts");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let base = server.base_url();

    let response = agent
        .get(&format!("{base}/install"))
        .call()
        .expect("answered");
    assert_eq!(response.status().as_u16(), 302);
    let location = response
        .headers()
        .get("location")
        .and_then(|value| value.to_str().ok())
        .expect("a Location header")
        .to_owned();
    assert!(location.starts_with("https://pumble.example.test/access-request?clientId=app_test"));
    assert!(location.contains("redirectUrl=https%3A%2F%2Fanon.example.test%2Fredirect"));
    let state = location
        .split("&state=")
        .nth(1)
        .expect("a state parameter")
        .to_owned();

    let status = |query: &str| {
        agent
            .get(&format!("{base}/redirect?{query}"))
            .call()
            .expect("answered")
            .status()
            .as_u16()
    };
    // An unknown state is refused before any code is exchanged.
    assert_eq!(status("code=code_1&state=not-issued"), 400);
    // The issued state passes (the missing code is then refused), once.
    assert_eq!(status(&format!("state={state}")), 400);
    let mut reused = agent
        .get(&format!("{base}/redirect?code=code_1&state={state}"))
        .call()
        .expect("answered");
    assert_eq!(reused.status().as_u16(), 400);
    let page = reused.body_mut().read_to_string().expect("page");
    assert!(page.contains("expired"), "{page}");
    assert!(!page.contains("code_1"));
}

#[test]
fn a_refused_or_malformed_install_code_is_an_invalid_link_not_a_gateway_error() {
    let simulator = pumble_sim::Simulator::start(pumble_sim::Seed::standard()).expect("simulator");
    let credentials = simulator.app();
    let dir = tempfile::tempdir().expect("temp dir");
    let app = LoopbackApp {
        app_id: &credentials.app_id,
        app_key: &credentials.app_key,
        client_secret: &credentials.client_secret,
        signing_secret: &credentials.signing_secret,
    };
    let settings = Settings::loopback(&app, &simulator.base_url(), &dir.path().join("anon.db"))
        .expect("valid loopback settings");
    let server = ServerThread::start(settings).expect("server starts");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let get = |query: &str| {
        let mut response = agent
            .get(&format!("{}/redirect?{query}", server.base_url()))
            .call()
            .expect("answered");
        let status = response.status().as_u16();
        (status, response.body_mut().read_to_string().expect("page"))
    };
    simulator.clear_calls();

    // Pumble answers 400 INVALID_GRANT: the link is at fault, not Pumble.
    let (status, page) = get("code=code_never_issued");
    assert_eq!(status, 400);
    assert!(page.contains("invalid or has expired"), "{page}");
    assert!(!page.contains("code_never_issued"));
    assert_eq!(simulator.calls().len(), 1);

    // Oversized or odd codes are refused without asking Pumble.
    let oversized = format!("code={}", "a".repeat(10_000));
    assert_eq!(get(&oversized).0, 400);
    assert_eq!(get("code=%3Cscript%3E").0, 400);
    assert_eq!(simulator.calls().len(), 1, "no further exchange was sent");

    // A real code still installs.
    let code = simulator.create_oauth_code("u_alice").expect("code");
    let (status, page) = get(&format!("code={code}"));
    assert_eq!(status, 200, "{page}");
}

/// Sends `parts` on a raw connection and returns the server's first complete
/// answer (or whatever it sent before closing the connection), and how long
/// that took.
fn raw_exchange(address: &str, parts: &[&[u8]]) -> (String, std::time::Duration) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(4)))
        .expect("read timeout");
    let started = std::time::Instant::now();
    for part in parts {
        stream.write_all(part).expect("send");
    }
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&received).into_owned();
        if let Some(head_end) = text.find("\r\n\r\n") {
            let length = text[..head_end]
                .lines()
                .find_map(|line| {
                    line.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().to_owned())
                })
                .and_then(|value| value.parse::<usize>().ok())
                .unwrap_or(0);
            if received.len() >= head_end + 4 + length {
                return (text, started.elapsed());
            }
        }
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => received.extend_from_slice(&buffer[..read]),
            Err(error) if error.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(error) => panic!("the server kept the connection open: {error}"),
        }
    }
    (
        String::from_utf8_lossy(&received).into_owned(),
        started.elapsed(),
    )
}

#[test]
fn slow_senders_are_cut_off_and_unsigned_bodies_are_never_waited_for() {
    let dir = tempfile::tempdir().expect("temp dir");
    let app = LoopbackApp {
        app_id: "app_test",
        app_key: "xpat-test",
        client_secret: "xpcls-test",
        signing_secret: SIGNING_SECRET,
    };
    let mut settings = Settings::loopback(&app, "http://127.0.0.1:9", &dir.path().join("anon.db"))
        .expect("valid loopback settings");
    assert_eq!(
        settings.request_read_timeout,
        anon::settings::DEFAULT_REQUEST_READ_TIMEOUT
    );
    settings.request_read_timeout = std::time::Duration::from_millis(300);
    let server = ServerThread::start(settings).expect("server starts");
    let address = server.base_url().trim_start_matches("http://").to_owned();
    let limit = std::time::Duration::from_secs(2);

    // Unsigned, announcing a large body and sending 5 bytes of it: refused
    // on the headers alone.
    let (answer, took) = raw_exchange(
        &address,
        &[b"POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n{\"a\":"],
    );
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    assert!(
        answer.contains(r#"{"error":"missing_timestamp"}"#),
        "{answer}"
    );
    assert!(took < limit, "{took:?}");

    // Plausible headers, then a body that stalls: 408 after the timeout.
    let timestamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis();
    let head = format!(
        "POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\
         x-pumble-request-timestamp: {timestamp}\r\nx-pumble-request-signature: {}\r\n\r\n{{\"a\":",
        "ab".repeat(32)
    );
    let (answer, took) = raw_exchange(&address, &[head.as_bytes()]);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains(r#"{"error":"body_timeout"}"#), "{answer}");
    assert!(took < limit, "{took:?}");

    // Headers that never end: the connection is closed after the timeout.
    let (_, took) = raw_exchange(&address, &[b"POST /hook HTTP/1.1\r\nHost: x\r\n"]);

    assert!(took < limit, "{took:?}");

    let started = std::time::Instant::now();
    server.stop().expect("stops");
    assert!(started.elapsed() < limit);
}
