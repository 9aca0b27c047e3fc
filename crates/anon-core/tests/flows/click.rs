//! Reply and Report clicks: who may press which button where.

use crate::harness::*;
use anon_core::flows::click::{lookup_failed, on_click};
use anon_core::flows::ClickStep;
use anon_core::{AuditEvent, NoticePlace, Outcome, StoredMessage};

#[derive(Debug, PartialEq, Eq)]
enum Expect {
    Modal,
    Report,
    Refused(AuditEvent, Outcome),
}

fn outcome(step: &ClickStep) -> Expect {
    match step {
        ClickStep::OpenModal(_) => Expect::Modal,
        ClickStep::Report(_) => Expect::Report,
        ClickStep::Done(effects) => {
            let (event, outcome) = verdict(effects);
            Expect::Refused(event, outcome)
        }
    }
}

#[test]
fn click_authorization_table() {
    use AuditEvent::{Reply, Report};
    let dm = stored_dm(1, "u_alice", "u_bob", "thank you");
    let post = stored_post(2, "u_alice", "ch_general", "an idea");
    let thread = stored_thread(3, "u_carol", "ch_general", "msg_root_9", 50, "me too");
    let dm_channel = "ch_dm_bot_bob";
    // (case, onAction, clicker, click channel, message, expected)
    type Row<'a> = (
        &'a str,
        &'a str,
        &'a str,
        Option<&'a str>,
        &'a StoredMessage,
        Expect,
    );
    let cases: Vec<Row> = vec![
        (
            "recipient replies to DM",
            "anon_reply",
            "u_bob",
            Some(dm_channel),
            &dm,
            Expect::Modal,
        ),
        (
            "recipient reports DM",
            "anon_report",
            "u_bob",
            Some(dm_channel),
            &dm,
            Expect::Report,
        ),
        (
            "recipient, no channel sent",
            "anon_reply",
            "u_bob",
            None,
            &dm,
            Expect::Modal,
        ),
        (
            "stranger on DM",
            "anon_reply",
            "u_carol",
            Some(dm_channel),
            &dm,
            Expect::Refused(Reply, Outcome::NotRecipient),
        ),
        (
            "stranger reports DM",
            "anon_report",
            "u_carol",
            Some(dm_channel),
            &dm,
            Expect::Refused(Report, Outcome::NotRecipient),
        ),
        (
            "DM copy elsewhere",
            "anon_reply",
            "u_bob",
            Some("ch_general"),
            &dm,
            Expect::Refused(Reply, Outcome::WrongChannel),
        ),
        (
            "DM author is not its recipient",
            "anon_report",
            "u_alice",
            Some(dm_channel),
            &dm,
            Expect::Refused(Report, Outcome::NotRecipient),
        ),
        (
            "member replies to post",
            "anon_reply",
            "u_bob",
            Some("ch_general"),
            &post,
            Expect::Modal,
        ),
        (
            "member reports post",
            "anon_report",
            "u_bob",
            Some("ch_general"),
            &post,
            Expect::Report,
        ),
        (
            "post from other channel",
            "anon_reply",
            "u_bob",
            Some("ch_other"),
            &post,
            Expect::Refused(Reply, Outcome::WrongChannel),
        ),
        (
            "post, no channel sent",
            "anon_report",
            "u_bob",
            None,
            &post,
            Expect::Refused(Report, Outcome::WrongChannel),
        ),
        (
            "self-reply to post",
            "anon_reply",
            "u_alice",
            Some("ch_general"),
            &post,
            Expect::Refused(Reply, Outcome::SelfReply),
        ),
        (
            "self-report of post",
            "anon_report",
            "u_alice",
            Some("ch_general"),
            &post,
            Expect::Refused(Report, Outcome::SelfReport),
        ),
        (
            "reply to thread reply",
            "anon_reply",
            "u_bob",
            Some("ch_general"),
            &thread,
            Expect::Modal,
        ),
        (
            "self-report of thread reply",
            "anon_report",
            "u_carol",
            Some("ch_general"),
            &thread,
            Expect::Refused(Report, Outcome::SelfReport),
        ),
    ];
    for (name, action, by, in_channel, message, expect) in cases {
        let click = click(action, by, in_channel, message.id.as_str());
        assert_eq!(outcome(&on_click(&click, Some(message))), expect, "{name}");
    }
}

#[test]
fn unknown_expired_and_legacy_buttons_get_a_clear_answer() {
    let dm = stored_dm(1, "u_alice", "u_bob", "thank you");
    let legacy = click(
        "anon_reply",
        "u_bob",
        Some("ch_dm_bot_bob"),
        "c0a80101-0000-4000-8000-00000000d001:recipient",
    );
    let step = on_click(&legacy, None);
    assert_eq!(
        outcome(&step),
        Expect::Refused(AuditEvent::Reply, Outcome::LegacyOrUnknownAction)
    );

    let old_action = click("reply_anon", "u_bob", Some("ch_dm_bot_bob"), dm.id.as_str());
    assert_eq!(
        outcome(&on_click(&old_action, Some(&dm))),
        Expect::Refused(AuditEvent::InputRejected, Outcome::LegacyOrUnknownAction)
    );

    let expired = click(
        "anon_report",
        "u_bob",
        Some("ch_dm_bot_bob"),
        dm.id.as_str(),
    );
    assert_eq!(
        outcome(&on_click(&expired, None)),
        Expect::Refused(AuditEvent::Report, Outcome::UnknownMessage)
    );

    // A record for a different id than the button's is not trusted.
    let other = stored_dm(9, "u_alice", "u_bob", "other");
    assert_eq!(
        outcome(&on_click(&expired, Some(&other))),
        Expect::Refused(AuditEvent::Report, Outcome::UnknownMessage)
    );

    let effects = lookup_failed(&expired);
    assert_eq!(
        verdict(&effects),
        (AuditEvent::Report, Outcome::Unavailable)
    );
}

#[test]
fn reply_to_a_post_without_known_thread_root_is_refused_but_report_works() {
    let mut post = stored_post(2, "u_alice", "ch_general", "an idea");
    if let Some(delivery) = post.delivery.as_mut() {
        delivery.platform_message = None;
    }
    let reply = click("anon_reply", "u_bob", Some("ch_general"), post.id.as_str());
    assert_eq!(
        outcome(&on_click(&reply, Some(&post))),
        Expect::Refused(AuditEvent::Reply, Outcome::NoThreadRoot)
    );
    let report = click("anon_report", "u_bob", Some("ch_general"), post.id.as_str());
    assert_eq!(outcome(&on_click(&report, Some(&post))), Expect::Report);
}

#[test]
fn refusals_are_told_in_the_clicked_place_and_never_name_the_author() {
    let thread = stored_thread(3, "u_carol", "ch_general", "msg_root_9", 50, "me too");
    let click = click(
        "anon_report",
        "u_carol",
        Some("ch_general"),
        thread.id.as_str(),
    );
    let ClickStep::Done(effects) = on_click(&click, Some(&thread)) else {
        panic!("self-report must be refused");
    };
    let notice = only_notice(&effects);
    assert_eq!(
        notice.place,
        NoticePlace::Channel {
            channel: channel("ch_general"),
            thread_root: Some(platform("msg_root_9"))
        }
    );
    let audit = only_audit(&effects);
    assert_eq!(audit.subject, None);
    assert_eq!(audit.message, Some(thread.id.clone()));
}

#[test]
fn reply_click_opens_the_modal_for_that_message() {
    let dm = stored_dm(1, "u_alice", "u_bob", "thank you");
    let click = click("anon_reply", "u_bob", Some("ch_dm_bot_bob"), dm.id.as_str());
    let ClickStep::OpenModal(modal) = on_click(&click, Some(&dm)) else {
        panic!("the recipient may reply");
    };
    let json = modal.to_json();
    assert_eq!(json["triggerId"], "trg_click");
    assert_eq!(json["viewType"], "NATIVE");
    assert_eq!(json["action"], "OPEN");
    assert_eq!(json["view"]["type"], "MODAL");
    assert_eq!(
        json["view"]["callbackId"],
        format!("anon_reply:{}", dm.id.as_str())
    );
    let input = &json["view"]["blocks"][1];
    assert_eq!(input["type"], "input");
    assert_eq!(input["blockId"], "anon_reply_block");
    assert_eq!(input["element"]["onAction"], "anon_reply_text");
    assert_eq!(input["element"]["max_length"], 2000);
    assert_eq!(input["element"]["line_mode"], "multiline");
    assert!(
        !json.to_string().contains("u_alice"),
        "the modal never names the author"
    );
}
