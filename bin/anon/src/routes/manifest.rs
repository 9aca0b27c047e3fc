//! `GET /manifest`: the deployable manifest, secrets never included
//! (pumble-protocol.md §7.2).
//!
//! The host is `PUBLIC_URL` when configured; otherwise, like the Node SDK,
//! `https://` plus the request's `Host` name with the port dropped. Proxy
//! headers are not trusted.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::manifest;
use crate::request_log::note;
use crate::state::AppState;

/// Serves the manifest for this server's public host.
pub async fn serve_manifest(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let base = match &state.public_url {
        Some(url) => url.clone(),
        None => {
            // The `Host` header itself (HTTP/2: the URI's authority), never
            // `Forwarded`/`X-Forwarded-Host`, which any client can set.
            let host = request
                .headers()
                .get(header::HOST)
                .and_then(|value| value.to_str().ok())
                .or_else(|| {
                    request
                        .uri()
                        .authority()
                        .map(|authority| authority.as_str())
                })
                .unwrap_or_default();
            match host_name(host) {
                Some(name) => format!("https://{name}"),
                None => {
                    note(&request, |n| n.outcome = Some("bad_host"));
                    return HttpResponse::BadRequest()
                        .json(serde_json::json!({"error": "bad_host"}));
                }
            }
        }
    };
    note(&request, |n| n.outcome = Some("ok"));
    HttpResponse::Ok().json(manifest::render(&base, Some(&state.app_id)))
}

/// The host name of a `Host` header value, without the port; `None` when it
/// holds anything but a plain DNS name or IP literal.
fn host_name(host: &str) -> Option<&str> {
    let name = if let Some(rest) = host.strip_prefix('[') {
        // IPv6 literal: keep the brackets.
        let end = rest.find(']')?;
        &host[..end + 2]
    } else {
        host.split(':').next()?
    };
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.[]:".contains(&b));
    valid.then_some(name)
}

#[cfg(test)]
mod tests {
    use super::host_name;

    #[test]
    fn host_name_drops_the_port_and_refuses_odd_hosts() {
        assert_eq!(
            host_name("anon.example.test:8443"),
            Some("anon.example.test")
        );
        assert_eq!(host_name("anon.example.test"), Some("anon.example.test"));
        assert_eq!(host_name("[::1]:3000"), Some("[::1]"));
        assert_eq!(host_name("evil.test/path"), None);
        assert_eq!(host_name(""), None);
    }
}
