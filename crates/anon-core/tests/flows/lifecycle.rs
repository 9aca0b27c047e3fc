//! Install, uninstall, unauthorize.

use crate::harness::*;
use anon_core::flows::lifecycle::{on_event, on_installed, on_unauthorized, on_uninstalled};
use anon_core::inbound::{AppEvent, EventPayload};
use anon_core::{AuditEvent, Effect, Outcome};

#[test]
fn install_is_audited() {
    let effects = on_installed(ws(), Some(user("u_carol")));
    assert_eq!(verdict(&effects), (AuditEvent::Install, Outcome::Ok));
    assert_eq!(only_audit(&effects).actor, Some(who("u_carol")));
}

#[test]
fn uninstall_audits_then_purges_so_no_row_of_the_workspace_is_left() {
    let effects = on_uninstalled(ws());
    assert_eq!(verdict(&effects), (AuditEvent::AppUninstalled, Outcome::Ok));
    assert!(matches!(effects[0], Effect::RecordAudit(_)));
    assert_eq!(
        effects.last(),
        Some(&Effect::PurgeWorkspace { workspace: ws() }),
        "the purge runs last, after every row of the workspace was written"
    );
}

#[test]
fn unauthorize_purges_each_user_once() {
    let effects = on_unauthorized(ws(), vec![user("u_bob"), user("u_bob"), user("u_erin")]);
    assert_eq!(
        effects[0],
        Effect::PurgeUserTokens {
            workspace: ws(),
            users: vec![user("u_bob"), user("u_erin")]
        }
    );
    let audits = audits(&effects);
    assert_eq!(audits.len(), 2);
    assert!(audits
        .iter()
        .all(|a| a.event == AuditEvent::AppUnauthorized));
}

fn event(json: &str) -> AppEvent {
    let payload: EventPayload = serde_json::from_str(json).expect("event deserialises");
    AppEvent::try_from(payload).expect("event converts")
}

#[test]
fn fixture_events_parse_and_flow() {
    let uninstalled = event(include_str!("../fixtures/event_app_uninstalled.json"));
    assert_eq!(uninstalled, AppEvent::Uninstalled { workspace: ws() });
    assert_eq!(
        verdict(&on_event(uninstalled)),
        (AuditEvent::AppUninstalled, Outcome::Ok)
    );

    let unauthorized = event(include_str!("../fixtures/event_app_unauthorized.json"));
    assert_eq!(
        unauthorized,
        AppEvent::Unauthorized {
            workspace: ws(),
            users: vec![user("u_bob")]
        }
    );
    let effects = on_event(unauthorized);
    assert_eq!(
        effects[0],
        Effect::PurgeUserTokens {
            workspace: ws(),
            users: vec![user("u_bob")]
        }
    );
}

#[test]
fn events_are_tolerant() {
    // PUMBLE_EVENT, body as an object, user only in the body.
    let parsed = event(
        r#"{"messageType":"PUMBLE_EVENT","eventType":"APP_UNAUTHORIZED","workspaceId":"ws_1","body":{"workspaceUser":"u_erin"}}"#,
    );
    assert_eq!(
        parsed,
        AppEvent::Unauthorized {
            workspace: ws(),
            users: vec![user("u_erin")]
        }
    );
    // No usable user id: still audited.
    let parsed = event(
        r#"{"eventType":"APP_UNAUTHORIZED","workspaceId":"ws_1","body":"not json","workspaceUserIds":["bad id"]}"#,
    );
    let effects = on_event(parsed);
    assert_eq!(
        verdict(&effects),
        (AuditEvent::AppUnauthorized, Outcome::Ok)
    );
    let other = event(r#"{"eventType":"NEW_MESSAGE","workspaceId":"ws_1"}"#);
    assert!(on_event(other).is_empty());
}
