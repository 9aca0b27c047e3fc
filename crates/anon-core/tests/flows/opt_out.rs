//! `/anon-block` and `/anon-unblock`: idempotent, answered either way.

use crate::harness::*;
use anon_core::flows::slash;
use anon_core::{AuditEvent, Outcome};

#[test]
fn opt_out_table() {
    let cases = [
        (
            "/anon-block",
            true,
            true,
            AuditEvent::Block,
            Outcome::Ok,
            "no longer receive",
        ),
        (
            "/anon-block",
            true,
            false,
            AuditEvent::Block,
            Outcome::Unchanged,
            "already opted out",
        ),
        (
            "/anon-unblock",
            false,
            true,
            AuditEvent::Unblock,
            Outcome::Ok,
            "can receive",
        ),
        (
            "/anon-unblock",
            false,
            false,
            AuditEvent::Unblock,
            Outcome::Unchanged,
            "already receive",
        ),
    ];
    for (command, opts_out, changed, event, outcome, wording) in cases {
        let world = World {
            opt_out_changed: changed,
            ..World::default()
        };
        let trace = drive(
            slash::start(
                slash(command, "u_bob", "ignored text", "ch_dm_bot_bob", None),
                &bot(),
                fresh(1),
            ),
            &world,
        );
        assert_eq!(
            trace.asked,
            vec![Asked::ChangeOptOut],
            "{command} {changed}"
        );
        assert_eq!(trace.opt_out_requested, Some(opts_out));
        assert_eq!(
            verdict(&trace.effects),
            (event, outcome),
            "{command} {changed}"
        );
        assert_eq!(trace.audit().actor, Some(who("u_bob")));
        assert!(
            trace.notice().text.contains(wording),
            "{command} {changed}: {}",
            trace.notice().text
        );
    }
}

#[test]
fn opt_out_store_failure_is_told() {
    let world = World {
        unavailable_at: Some(Asked::ChangeOptOut),
        ..World::default()
    };
    let trace = drive(
        slash::start(
            slash("/anon-block", "u_bob", "", "ch_x", None),
            &bot(),
            fresh(1),
        ),
        &world,
    );
    assert_eq!(
        verdict(&trace.effects),
        (AuditEvent::Block, Outcome::Unavailable)
    );
    assert!(trace.notice().text.contains("not changed"));
}
