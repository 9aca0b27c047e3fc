//! No secret ever reaches a `Debug`, `Display`, error or log line, even when
//! the server echoes them back.

use std::sync::{Mutex, Once};
use std::time::Duration;

use pumble_client::{
    AccessToken, AppKey, AuthorizationCode, ClientConfig, ClientError, ClientSecret,
    OutgoingMessage, PumbleClient,
};

use crate::canned::{refused_base_url, Canned, CannedServer, SilentServer};
use crate::{client_for, fixture, APP_KEY, TOKEN};

const CLIENT_SECRET: &str = "xpcls-clientsecret-00112233445566778899";
const OAUTH_CODE: &str = "oauth-code-aabbccddeeff00112233";
const PROXY_PASSWORD: &str = "proxy-password-5566778899";
const MESSAGE_TEXT: &str = "the anonymous words nobody may log";
const SECRETS: [&str; 5] = [APP_KEY, TOKEN, CLIENT_SECRET, OAUTH_CODE, PROXY_PASSWORD];

/// Records every log line (up to debug level, where `ureq` redacts headers;
/// its trace level dumps the wire and must stay off).
struct CapturingLogger;

static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

impl log::Log for CapturingLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Debug
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            let line = format!("{} {} {}", record.level(), record.target(), record.args());
            LINES
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .push(line);
        }
    }

    fn flush(&self) {}
}

fn capture_logs() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        static LOGGER: CapturingLogger = CapturingLogger;
        if log::set_logger(&LOGGER).is_ok() {
            log::set_max_level(log::LevelFilter::Debug);
        }
    });
}

/// Everything a log line could be made of for this error.
fn renderings(error: &ClientError) -> Vec<String> {
    let mut shown = vec![
        error.to_string(),
        format!("{error:?}"),
        format!("{error:#?}"),
    ];
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        shown.push(cause.to_string());
        source = cause.source();
    }
    shown
}

/// An error body echoing what the request carried, as a careless server might.
fn echoing_body(echoed: &[&str]) -> String {
    let first = echoed.first().copied().unwrap_or_default();
    format!(
        r#"{{"code":"BAD_{first}","message":"you sent: {}"}}"#,
        echoed.join(" and ")
    )
}

fn assert_no_secrets(shown: &[String]) {
    for text in shown {
        for secret in SECRETS {
            assert!(!text.contains(secret), "secret leaked into: {text}");
        }
    }
}

#[test]
fn no_debug_display_error_or_log_line_contains_a_secret() {
    capture_logs();
    let mut shown: Vec<String> = Vec::new();
    let token = AccessToken::new(TOKEN);
    let secret = ClientSecret::new(CLIENT_SECRET);
    let code = AuthorizationCode::new(OAUTH_CODE);

    // Credentials, configuration and the client itself.
    let config =
        ClientConfig::default().with_proxy(format!("http://user:{PROXY_PASSWORD}@127.0.0.1:3128"));
    let proxied =
        PumbleClient::new(config.clone(), AppKey::new(APP_KEY)).expect("proxy URL is valid");
    shown.push(format!("{config:?}"));
    shown.push(format!("{proxied:?} {proxied:#?}"));
    shown.push(format!("{:?}", proxied.acting_as(&token)));
    shown.push(format!(
        "{:?} {token:?} {secret:?} {code:?}",
        AppKey::new(APP_KEY)
    ));

    // Error answers echoing every secret, for a GET, a post and the exchange.
    let api_call = [TOKEN, APP_KEY, MESSAGE_TEXT];
    let exchange = [CLIENT_SECRET, OAUTH_CODE];
    let server = CannedServer::start(vec![
        Canned::new(400, echoing_body(&api_call[..2])),
        Canned::new(422, echoing_body(&api_call)),
        Canned::new(401, echoing_body(&exchange)),
        Canned::new(500, echoing_body(&api_call).replace('"', "")),
        Canned::new(429, echoing_body(&api_call)),
    ]);
    let client = client_for(&server.base_url());
    let bot = client.acting_as(&token);
    let message = OutgoingMessage::text(MESSAGE_TEXT);
    let errors = vec![
        bot.channel_details("ch_1").expect_err("400"),
        bot.post_message("ch_1", &message).expect_err("422"),
        client
            .exchange_oauth_code("app_1", &secret, &code)
            .expect_err("401"),
        bot.post_ephemeral("ch_1", &["u_bob"], &message)
            .expect_err("500 with a plain-text body"),
        bot.reply_in_thread("ch_1", "msg_1", &message)
            .expect_err("429"),
    ];
    assert_eq!(server.requests().len(), 5);
    for error in &errors {
        let rendered = renderings(error);
        for text in &rendered {
            assert!(!text.contains(MESSAGE_TEXT), "message text leaked: {text}");
        }
        shown.extend(rendered);
    }
    assert!(
        matches!(&errors[0], ClientError::Http { message: Some(m), .. } if m.contains("[REDACTED]")),
        "the echo is kept, redacted: {:?}",
        errors[0]
    );

    // A success answer whose wrong-typed value is a secret: decode errors
    // must not quote it.
    let server = CannedServer::start(vec![
        Canned::ok(format!(
            r#"{{"accessToken":7,"userId":"{TOKEN}","workspaceId":1}}"#
        )),
        Canned::ok(format!(
            r#"[{{"id":"u_1","role":"USER","isAddonBot":"{TOKEN}"}}]"#
        )),
    ]);
    let client = client_for(&server.base_url());
    let decode_errors = [
        client
            .exchange_oauth_code("app_1", &secret, &code)
            .expect_err("wrong types"),
        client
            .acting_as(&token)
            .list_workspace_users()
            .expect_err("wrong types"),
    ];
    for error in &decode_errors {
        assert!(matches!(error, ClientError::Decode(_)), "got {error:?}");
        shown.extend(renderings(error));
    }

    // A decoded token response.
    let server = CannedServer::start(vec![Canned::ok(fixture("oauth_token_response.json"))]);
    let tokens = client_for(&server.base_url())
        .exchange_oauth_code("app_1", &secret, &code)
        .expect("fixture decodes");
    let debug_tokens = format!("{tokens:?}");
    assert!(!debug_tokens.contains("tok_user_carol_fake_0001"));
    assert!(!debug_tokens.contains("tok_bot_ws1_fake_0001"));
    shown.push(debug_tokens);

    // Timeouts and refused connections.
    let silent = SilentServer::start();
    let quick = PumbleClient::new(
        ClientConfig::default()
            .with_base_url(silent.base_url())
            .with_timeout(Duration::from_millis(100)),
        AppKey::new(APP_KEY),
    )
    .expect("valid config");
    shown.extend(renderings(
        &quick
            .exchange_oauth_code("app_1", &secret, &code)
            .expect_err("times out"),
    ));
    shown.extend(renderings(
        &client_for(&refused_base_url())
            .acting_as(&token)
            .list_workspace_users()
            .expect_err("refused"),
    ));

    assert_no_secrets(&shown);
    let logged = LINES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone();
    assert!(
        logged
            .iter()
            .any(|line| line.contains("pumble post_message answered 422")),
        "the client logs endpoint and status"
    );
    assert_no_secrets(&logged);
    for line in &logged {
        assert!(!line.contains(MESSAGE_TEXT), "message text logged: {line}");
    }
}
