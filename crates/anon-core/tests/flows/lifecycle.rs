//! Install, uninstall, unauthorize.

use crate::harness::*;
use anon_core::flows::lifecycle::{on_installed, on_unauthorized, on_uninstalled};
use anon_core::{AuditEvent, Effect, Outcome};

#[test]
fn install_is_audited() {
    let effects = on_installed(ws(), Some(user("u_carol")));
    assert_eq!(verdict(&effects), (AuditEvent::Install, Outcome::Ok));
    assert_eq!(only_audit(&effects).actor, Some(who("u_carol")));
}

#[test]
fn uninstall_purges_then_audits() {
    let effects = on_uninstalled(ws());
    assert_eq!(effects[0], Effect::PurgeWorkspace { workspace: ws() });
    assert_eq!(verdict(&effects), (AuditEvent::AppUninstalled, Outcome::Ok));
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
