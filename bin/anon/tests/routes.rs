//! How the server answers methods and paths it does not serve, and what the
//! request log keeps of an absurdly long path. Its own test binary: it
//! installs the process logger.

use std::time::{Duration, Instant};

use anon::logging::LogCapture;
use anon::settings::LogFormat;
use anon::{LoopbackApp, ServerThread, Settings};

fn start(dir: &tempfile::TempDir) -> ServerThread {
    let app = LoopbackApp {
        app_id: "app_test",
        app_key: "xpat-test",
        client_secret: "xpcls-test",
        signing_secret: "xpss-0123456789abcdef0123456789abcdef",
    };
    // Nothing listens on the discard port: these tests never reach Pumble.
    let settings = Settings::loopback(&app, "http://127.0.0.1:9", &dir.path().join("anon.db"))
        .expect("valid loopback settings");
    ServerThread::start(settings).expect("server starts")
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

#[test]
fn methods_and_paths_not_served_get_clear_answers_and_long_paths_short_log_lines() {
    let capture = LogCapture::install(log::LevelFilter::Info, LogFormat::Text, false)
        .expect("no other logger in this test binary");
    let dir = tempfile::tempdir().expect("temp dir");
    let server = start(&dir);
    let base = server.base_url();
    let agent = agent();

    // HEAD /health answers like GET, without a body.
    let response = agent
        .head(&format!("{base}/health"))
        .call()
        .expect("answered");
    assert_eq!(response.status().as_u16(), 200);

    // GET /hook: the path exists, the method does not.
    let response = agent.get(&format!("{base}/hook")).call().expect("answered");
    assert_eq!(response.status().as_u16(), 405);
    let allow = response
        .headers()
        .get("allow")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(allow, "POST");

    // An unknown path: a small JSON 404.
    let mut response = agent
        .get(&format!("{base}/wp-login.php"))
        .call()
        .expect("answered");
    assert_eq!(response.status().as_u16(), 404);
    let body = response.body_mut().read_to_string().expect("body");
    assert_eq!(body, r#"{"error":"not_found"}"#);

    // A 20 000-character path is logged cut to 200 characters.
    let mark = capture.mark();
    let long = format!("/{}", "a".repeat(20_000));
    let response = agent
        .get(&format!("{base}{long}"))
        .call()
        .expect("answered");
    assert_eq!(response.status().as_u16(), 404);
    let deadline = Instant::now() + Duration::from_secs(2);
    let line = loop {
        let found = capture
            .lines_since(mark)
            .into_iter()
            .find(|line| line.contains("GET /aaaa"));
        if let Some(line) = found {
            break line;
        }
        assert!(Instant::now() < deadline, "no request line was logged");
        std::thread::sleep(Duration::from_millis(10));
    };
    assert!(line.len() < 600, "a {}-byte log line", line.len());
    assert!(line.contains(&format!("/{}…", "a".repeat(199))), "{line}");
    assert!(line.contains("status=404"), "{line}");
    server.stop().expect("stops");
}
