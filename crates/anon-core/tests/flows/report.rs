//! Reports: what they reveal, how they end, who the reports channel invites.

use crate::harness::*;
use anon_core::flows::click::on_click;
use anon_core::flows::reports_channel::{
    admins_to_invite, channel_created, channel_setup_failed, channel_spec, intro_message,
};
use anon_core::flows::{ClickStep, ReportCase, ReportOutcome};
use anon_core::workspace_member::WorkspaceMember;
use anon_core::{AuditEvent, Outcome, StoredMessage};
use serde_json::json;

pub fn report_case(message: &StoredMessage, reporter: &str, in_channel: &str) -> ReportCase {
    let click = click(
        "anon_report",
        reporter,
        Some(in_channel),
        message.id.as_str(),
    );
    match on_click(&click, Some(message)) {
        ClickStep::Report(case) => *case,
        other => panic!("report expected, got {other:?}"),
    }
}

pub fn user_elements(value: &serde_json::Value) -> Vec<String> {
    let mut found = Vec::new();
    collect_users(value, &mut found);
    found
}

fn collect_users(value: &serde_json::Value, found: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            if map.get("type") == Some(&json!("user")) {
                if let Some(id) = map.get("user_id").and_then(|v| v.as_str()) {
                    found.push(id.to_owned());
                }
            }
            map.values().for_each(|v| collect_users(v, found));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_users(v, found)),
        _ => {}
    }
}

#[test]
fn report_post_names_author_and_reporter_and_quotes_that_message() {
    let post = stored_post(2, "u_alice", "ch_general", "an idea about <<@u_dave>>");
    let case = report_case(&post, "u_bob", "ch_general");
    let message = case.message();
    assert_eq!(
        user_elements(message.blocks()),
        vec!["u_alice".to_owned(), "u_bob".to_owned()]
    );
    let json = message.to_json().to_string();
    assert!(json.contains(post.conversation.as_str()));
    assert!(json.contains(post.id.as_str()));
    assert!(json.contains("an idea about"));
    assert!(
        json.contains(r#"{"channel_id":"ch_general","type":"channel"}"#)
            || json.contains(r#"{"type":"channel","channel_id":"ch_general"}"#)
    );
    assert!(
        !json.contains("<<@u_dave"),
        "typed mentions stay neutralised in reports"
    );
    assert!(message.text().contains("u_alice") && message.text().contains("u_bob"));
    assert!(
        !message.text().contains("<<@"),
        "fallback text uses no mention syntax"
    );
}

#[test]
fn report_outcomes_are_audited_and_told_to_the_reporter() {
    let dm = stored_dm(1, "u_alice", "u_bob", "thank you");
    let cases = [
        (ReportOutcome::Posted, Outcome::Ok),
        (ReportOutcome::NoReportsChannel, Outcome::NoReportsChannel),
        (ReportOutcome::PostFailed, Outcome::SendFailed),
    ];
    for (result, outcome) in cases {
        let effects = report_case(&dm, "u_bob", "ch_dm_bot_bob").finish(result);
        let audit = only_audit(&effects);
        assert_eq!((audit.event, audit.outcome), (AuditEvent::Report, outcome));
        assert_eq!(audit.actor, Some(who("u_bob")));
        assert_eq!(audit.subject, Some(who("u_alice")));
        assert_eq!(audit.message, Some(dm.id.clone()));
        assert_eq!(audit.conversation, Some(dm.conversation.clone()));
        let notice = only_notice(&effects);
        assert_eq!(notice.to, who("u_bob"));
        assert!(
            !notice.text.contains("u_alice"),
            "the reporter is not told who wrote it"
        );
    }
}

fn fixture_users() -> Vec<WorkspaceMember> {
    // The cast of the shared api_list_users.json fixture.
    [
        ("u_carol", "OWNER", "ACTIVATED", false),
        ("u_dave", "ADMINISTRATOR", "ACTIVATED", false),
        ("u_alice", "USER", "ACTIVATED", false),
        ("u_bob", "USER", "ACTIVATED", false),
        ("u_erin", "GUEST_SINGLE_CHANNEL", "ACTIVATED", false),
        ("u_frank", "USER", "DEACTIVATED", false),
        ("u_anonbot", "USER", "ACTIVATED", true),
        ("u_gone", "ADMINISTRATOR", "DEACTIVATED", false),
        ("u_adminbot", "ADMINISTRATOR", "ACTIVATED", true),
    ]
    .into_iter()
    .map(|(id, role, status, bot)| {
        WorkspaceMember::from_pumble(id, role, status, false, bot).expect("valid id")
    })
    .collect()
}

#[test]
fn every_active_owner_and_administrator_is_invited_also_later_ones() {
    let users = fixture_users();
    assert_eq!(
        admins_to_invite(&users, &[user("u_anonbot")]),
        vec![user("u_carol"), user("u_dave")]
    );
    // Dave became an admin after the channel was created with Carol.
    assert_eq!(
        admins_to_invite(&users, &[user("u_anonbot"), user("u_carol")]),
        vec![user("u_dave")]
    );
    assert!(admins_to_invite(&users, &[user("u_carol"), user("u_dave")]).is_empty());
}

#[test]
fn reports_channel_setup_is_audited_and_introduced() {
    assert_eq!(channel_spec(0).name, "anon-reports");
    let created = channel_created(ws(), channel("ch_reports"));
    assert_eq!(
        verdict(&created),
        (AuditEvent::ReportsChannel, Outcome::Created)
    );
    let failed = channel_setup_failed(ws());
    assert_eq!(
        verdict(&failed),
        (AuditEvent::ReportsChannel, Outcome::SetupFailed)
    );
    let intro = intro_message();
    assert!(intro.text().contains("reveals"));
    assert!(user_elements(intro.blocks()).is_empty());
}
