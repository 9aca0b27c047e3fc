//! The install flow (pumble-protocol.md §6): `GET /install` sends the browser
//! to Pumble's consent screen with a fresh `state`; Pumble sends it back to
//! `GET /redirect?code=…[&state=…]`, where the code is exchanged for tokens
//! (via `pumble-client`), the tokens are stored sealed, and the install is
//! audited.
//!
//! `state`: Pumble's own install-from-the-directory flow sends none, so a
//! redirect without one is accepted; one *with* a state must carry a value
//! issued by `/install`, unused and younger than [`STATE_MAX_AGE_SECS`].
//!
//! The code and tokens never reach a log line: the request log shows the
//! path without its query, and this module logs only outcomes.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use anon_core::flows::lifecycle::on_installed;
use anon_core::ids::{UserId, WorkspaceId};
use anon_store::{BotGrant, TokenGrant, UserGrant};
use pumble_client::{AuthorizationCode, ClientError};
use secrecy::ExposeSecret;

use crate::clock::unix_now;
use crate::effects::carry_out;
use crate::manifest::{self, REDIRECT_PATH};
use crate::pumble::exchange_gate::GateRefusal;
use crate::pumble::{CallError, ExchangeError};
use crate::request_log::{note, LoggedId};
use crate::state::AppState;

/// How long an issued install `state` stays valid.
pub const STATE_MAX_AGE_SECS: i64 = 30 * 60;

/// `GET /install`: redirects to Pumble's consent screen. Needs `PUBLIC_URL`
/// (the redirect URL must be absolute and registered in the manifest).
pub async fn install(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let Some(public_url) = &state.public_url else {
        note(&request, |n| n.outcome = Some("no_public_url"));
        return page(
            HttpResponse::NotFound(),
            "Install link not configured",
            "This server has no PUBLIC_URL, so it cannot build an install link. Install the app from Pumble instead.",
        );
    };
    let issued = match state.services.store.oauth_states().issue(unix_now()).await {
        Ok(issued) => issued,
        Err(error) => {
            log::error!("install: could not issue an OAuth state: {error}");
            note(&request, |n| n.outcome = Some("store_error"));
            return page(
                HttpResponse::ServiceUnavailable(),
                "Try again",
                "Anon could not start the installation. Please try again in a moment.",
            );
        }
    };
    let location = consent_url(
        &state.consent_url,
        &state.app_id,
        &format!("{public_url}{REDIRECT_PATH}"),
        issued.expose_secret(),
    );
    note(&request, |n| n.outcome = Some("redirected"));
    HttpResponse::Found()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

/// The consent screen URL (§6.1): `clientId`, `redirectUrl`, `scopes`
/// (bot scopes prefixed `bot:`, from the manifest template) and `state`.
pub fn consent_url(consent: &str, app_id: &str, redirect_url: &str, state: &str) -> String {
    let template = manifest::template();
    let scopes: Vec<String> = template["scopes"]["botScopes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|scope| scope.as_str())
        .map(|scope| format!("bot:{scope}"))
        .chain(
            template["scopes"]["userScopes"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|scope| scope.as_str().map(str::to_owned)),
        )
        .collect();
    format!(
        "{consent}?clientId={}&redirectUrl={}&scopes={}&state={}",
        percent_encode(app_id),
        percent_encode(redirect_url),
        percent_encode(&scopes.join(",")),
        percent_encode(state)
    )
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `GET /redirect`: finishes an install.
pub async fn redirect(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let Ok(query) =
        web::Query::<std::collections::HashMap<String, String>>::from_query(request.query_string())
    else {
        note(&request, |n| n.outcome = Some("bad_query"));
        return failed_page(HttpResponse::BadRequest());
    };
    // A malformed code is refused before anything else: no store lookup,
    // no call to Pumble.
    let code = query.get("code").filter(|code| !code.is_empty());
    if code.is_some_and(|code| !is_plausible_code(code)) {
        note(&request, |n| n.outcome = Some("bad_code"));
        return invalid_link_page();
    }
    let store = &state.services.store;
    if let Some(issued) = query.get("state") {
        match store
            .oauth_states()
            .consume(issued, unix_now(), STATE_MAX_AGE_SECS)
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                note(&request, |n| n.outcome = Some("bad_state"));
                return page(
                    HttpResponse::BadRequest(),
                    "Install link expired",
                    "This install link was already used or has expired. Please start the installation again.",
                );
            }
            Err(error) => {
                log::error!("install: could not check the OAuth state: {error}");
                note(&request, |n| n.outcome = Some("store_error"));
                return failed_page(HttpResponse::ServiceUnavailable());
            }
        }
    }
    let Some(code) = code else {
        note(&request, |n| n.outcome = Some("no_code"));
        return page(
            HttpResponse::BadRequest(),
            "Could not connect",
            "Pumble did not send an authorization code. Please start the installation again.",
        );
    };
    let tokens = match state
        .services
        .pumble
        .exchange_code(AuthorizationCode::new(code.as_str()))
        .await
    {
        Ok(tokens) => tokens,
        Err(error) => return exchange_failed(&request, &error),
    };
    // As logged: plain characters only, whatever the exchange answered.
    let workspace = LoggedId::new(&tokens.workspace_id);
    note(&request, |n| n.workspace = Some(workspace));
    let grant = TokenGrant {
        workspace_id: &tokens.workspace_id,
        bot: tokens.bot_token.as_ref().map(|token| BotGrant {
            token: token.expose_secret(),
            bot_user_id: tokens.bot_id.as_deref(),
        }),
        user: Some(UserGrant {
            user_id: &tokens.user_id,
            token: tokens.access_token.expose_secret(),
        }),
    };
    if let Err(error) = store.tokens().save(&grant, unix_now()).await {
        log::error!("install: storing tokens failed: {error}");
        note(&request, |n| n.outcome = Some("store_error"));
        return failed_page(HttpResponse::ServiceUnavailable());
    }
    if let Ok(workspace) = WorkspaceId::parse(&tokens.workspace_id) {
        let installer = UserId::parse(&tokens.user_id).ok();
        carry_out(&state.services, None, on_installed(workspace, installer)).await;
    }
    log::info!("install: workspace {workspace} connected");
    note(&request, |n| n.outcome = Some("installed"));
    page(
        HttpResponse::Ok(),
        "Anon is connected",
        "Anon is installed in your workspace. Type /anon in any channel to send an anonymous message. You can close this tab.",
    )
}

/// The longest code accepted; Pumble's codes are far shorter, and a longer
/// one is not worth a call.
pub const MAX_CODE_LEN: usize = 512;

/// Whether `code` could be an authorization code: at most [`MAX_CODE_LEN`]
/// bytes of URL-safe and base64 characters. Anything else is refused without
/// asking Pumble.
pub fn is_plausible_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= MAX_CODE_LEN
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/=".contains(&b))
}

/// The answer to a failed exchange. Pumble refusing the code (4xx) is the
/// link's fault; Pumble failing or not answering is Pumble's (502 / 503); a
/// full exchange budget is ours (429 / 503). The error never holds the code.
fn exchange_failed(request: &HttpRequest, error: &ExchangeError) -> HttpResponse {
    let (outcome, response) = match error {
        ExchangeError::Call(CallError::Client(ClientError::Http { status, .. }))
            if (400..500).contains(status) =>
        {
            ("code_refused", invalid_link_page())
        }
        ExchangeError::Refused(GateRefusal::WindowFull { retry_after }) => {
            let mut builder = HttpResponse::TooManyRequests();
            builder.insert_header((
                header::RETRY_AFTER,
                retry_after.as_secs().max(1).to_string(),
            ));
            ("exchange_limited", try_again_page(builder))
        }
        ExchangeError::Refused(GateRefusal::Busy) => {
            let mut builder = HttpResponse::ServiceUnavailable();
            builder.insert_header((header::RETRY_AFTER, "5"));
            ("exchange_busy", try_again_page(builder))
        }
        ExchangeError::Call(
            CallError::Client(ClientError::Timeout | ClientError::RateLimited { .. })
            | CallError::Aborted,
        ) => (
            "exchange_unavailable",
            try_again_page(HttpResponse::ServiceUnavailable()),
        ),
        ExchangeError::Call(CallError::Client(_)) => {
            ("exchange_failed", failed_page(HttpResponse::BadGateway()))
        }
    };
    // The client's errors never hold the code or a token.
    log::warn!("install: code exchange failed: {error}");
    note(request, |n| n.outcome = Some(outcome));
    response
}

fn invalid_link_page() -> HttpResponse {
    page(
        HttpResponse::BadRequest(),
        "Install link invalid",
        "This install link is invalid or has expired. Please start the installation again.",
    )
}

fn try_again_page(builder: actix_web::HttpResponseBuilder) -> HttpResponse {
    page(
        builder,
        "Try again",
        "Anon cannot finish installations right now. Please try again in a minute.",
    )
}

fn failed_page(builder: actix_web::HttpResponseBuilder) -> HttpResponse {
    page(
        builder,
        "Could not connect",
        "Something went wrong while connecting Anon to your workspace. Please try the installation again.",
    )
}

/// A small HTML page. `title` and `text` are fixed strings of this module,
/// never input.
fn page(mut builder: actix_web::HttpResponseBuilder, title: &str, text: &str) -> HttpResponse {
    builder
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
             <body style=\"font-family:sans-serif;max-width:32em;margin:4em auto\">\
             <h1>{title}</h1><p>{text}</p></body></html>"
        ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plausible_codes_are_sent_to_pumble() {
        assert!(is_plausible_code("code_3f9a0c"));
        assert!(is_plausible_code("aGVsbG8-_.~+/="));
        assert!(is_plausible_code(&"a".repeat(MAX_CODE_LEN)));
        assert!(!is_plausible_code(&"a".repeat(MAX_CODE_LEN + 1)));
        assert!(!is_plausible_code(""));
        assert!(!is_plausible_code("code with spaces"));
        assert!(!is_plausible_code("code<script>"));
        assert!(!is_plausible_code("c\u{e9}"));
    }

    #[test]
    fn consent_url_encodes_every_parameter_and_prefixes_bot_scopes() {
        let url = consent_url(
            "https://app.pumble.test/access-request",
            "app_1",
            "https://anon.example.test/redirect",
            "st/+=",
        );
        assert_eq!(
            url,
            "https://app.pumble.test/access-request?clientId=app_1\
             &redirectUrl=https%3A%2F%2Fanon.example.test%2Fredirect\
             &scopes=bot%3Amessages%3Awrite%2Cbot%3Achannels%3Aread%2Cbot%3Achannels%3Awrite%2Cbot%3Ausers%3Alist\
             &state=st%2F%2B%3D"
        );
    }
}
