//! One test per defect of the reference app (anon-behavior.md §14) that
//! anon-core is responsible for, proving it is absent here.

use crate::harness::*;
use crate::report::{report_case, user_elements};
use anon_core::flows::click::on_click;
use anon_core::flows::lifecycle::on_uninstalled;
use anon_core::flows::reply::on_view_action;
use anon_core::flows::{slash, ClickStep, ReportOutcome};
use anon_core::quota::{QuotaRequest, QuotaTarget, GLOBAL, PER_TARGET};
use anon_core::{AuditEvent, Delivery, Effect, NewMessage, Outcome, QuotaDenied, StoredMessage};

/// Drives a successful reply submit and returns the stored reply.
fn deliver_reply(
    by: &str,
    in_channel: Option<&str>,
    answering: &StoredMessage,
    text: &str,
    seed: u8,
) -> StoredMessage {
    let trace = drive(
        on_view_action(
            submit(by, in_channel, &answering.id, text),
            Some(answering),
            fresh(seed),
        ),
        &World::default(),
    );
    assert_eq!(verdict(&trace.effects), (AuditEvent::Reply, Outcome::Ok));
    let record: NewMessage = trace.record.expect("reply recorded");
    let delivery = trace.effects.iter().find_map(|e| match e {
        Effect::RecordDelivery { delivery, .. } => Some(delivery.clone()),
        _ => None,
    });
    StoredMessage::delivered(record, delivery)
}

fn revealed(report: &anon_core::flows::ReportCase) -> (String, String) {
    let blocks = report.message().blocks().to_string();
    let text = report.message().text().to_owned();
    (blocks, text)
}

#[test]
fn d1_report_on_a_thread_reply_reveals_that_replys_author() {
    // X's ordinary thread; Y posts anonymously in it; Z answers Y with the
    // Reply button; Dave reports Z's reply.
    let y_post = stored_thread(1, "u_yara", "ch_general", "msg_x_root", 60, "Y's words");
    let z_reply = deliver_reply("u_zed", Some("ch_general"), &y_post, "Z's words", 2);
    assert_eq!(z_reply.author, who("u_zed"));
    assert_ne!(z_reply.id, y_post.id, "the reply has its own id");
    assert_eq!(z_reply.conversation, y_post.conversation);

    let report = report_case(&z_reply, "u_dave", "ch_general");
    let (blocks, _) = revealed(&report);
    assert!(blocks.contains(r#""user_id":"u_zed""#));
    assert!(
        !blocks.contains("u_yara"),
        "Y must not be accused of Z's reply"
    );

    // Y reporting Z's reply is not a self-report, and reveals Z.
    let report = report_case(&z_reply, "u_yara", "ch_general");
    let effects = report.finish(ReportOutcome::Posted);
    assert_eq!(only_audit(&effects).subject, Some(who("u_zed")));
}

#[test]
fn d2_report_preview_is_the_reported_message() {
    let first = stored_dm(1, "u_alice", "u_bob", "first message text");
    let bob_reply = deliver_reply(
        "u_bob",
        Some("ch_dm_bot_bob"),
        &first,
        "reply text by bob",
        3,
    );
    // Alice received Bob's reply and reports it.
    let click = click("anon_report", "u_alice", None, bob_reply.id.as_str());
    let ClickStep::Report(report) = on_click(&click, Some(&bob_reply)) else {
        panic!("Alice may report the reply she received");
    };
    let (blocks, text) = revealed(&report);
    for shown in [&blocks, &text] {
        assert!(shown.contains("reply text by bob"));
        assert!(!shown.contains("first message text"));
    }
    // Author of the reply first, then the reporter.
    assert_eq!(
        user_elements(report.message().blocks()),
        vec!["u_bob".to_owned(), "u_alice".to_owned()]
    );

    // Long bodies: at most 200 characters, cut on a character boundary.
    let long = stored_post(4, "u_alice", "ch_general", &"é".repeat(500));
    let report = report_case(&long, "u_bob", "ch_general");
    let quote = report.message().blocks()[0]["elements"]
        .as_array()
        .and_then(|sections| sections.iter().find(|s| s["type"] == "rich_text_quote"))
        .map(|q| {
            q["elements"][0]["text"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .unwrap_or_default();
    assert_eq!(quote.chars().count(), 200);
    assert!(quote.ends_with('…'));
}

#[test]
fn d7_dm_intent_never_becomes_a_channel_post() {
    let dm_texts = ["   <<@u_bob>> hi", "\n\n<<@u_bob>>\nhi", "\t <<@u_bob>> hi"];
    for text in dm_texts {
        let trace = drive(
            slash::start(
                slash("/anon", "u_alice", text, "ch_general", None),
                &bot(),
                fresh(1),
            ),
            &World::default(),
        );
        assert_eq!(
            verdict(&trace.effects),
            (AuditEvent::SendDm, Outcome::Ok),
            "{text:?}"
        );
    }
    let doubtful = ["hi <<@u_bob>>", "@bob hi", "<@u_bob> hi", "<<@u_bob hi"];
    for text in doubtful {
        let trace = drive(
            slash::start(
                slash("/anon", "u_alice", text, "ch_general", None),
                &bot(),
                fresh(1),
            ),
            &World::default(),
        );
        assert_eq!(
            verdict(&trace.effects).0,
            AuditEvent::InputRejected,
            "{text:?}"
        );
        assert!(trace.asked.is_empty() && trace.posted.is_none(), "{text:?}");
    }
}

#[test]
fn d8_two_open_modals_do_not_cross_talk() {
    let from_alice = stored_dm(1, "u_alice", "u_bob", "from alice");
    let from_carol = stored_dm(2, "u_carol", "u_bob", "from carol");
    let open = |message: &StoredMessage| match on_click(
        &click(
            "anon_reply",
            "u_bob",
            Some("ch_dm_bot_bob"),
            message.id.as_str(),
        ),
        Some(message),
    ) {
        ClickStep::OpenModal(modal) => modal.view()["callbackId"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        other => panic!("modal expected, got {other:?}"),
    };
    let first = open(&from_alice);
    let second = open(&from_carol);
    assert_ne!(first, second);

    // Closing the second modal changes nothing for the first.
    let close = view_action("CLOSE", "u_bob", None, &second, "");
    assert!(drive(
        on_view_action(close, Some(&from_carol), fresh(9)),
        &World::default()
    )
    .effects
    .is_empty());

    // Submitting the first (after a restart: only the payload is needed)
    // answers Alice, never Carol.
    let submit_first = view_action("SUBMIT", "u_bob", Some("ch_dm_bot_bob"), &first, "to alice");
    let target = submit_first
        .message_id()
        .cloned()
        .expect("callback names the message");
    assert_eq!(target, from_alice.id);
    let trace = drive(
        on_view_action(submit_first, Some(&from_alice), fresh(10)),
        &World::default(),
    );
    assert_eq!(
        trace.record.map(|r| r.placement),
        Some(anon_core::Placement::Direct {
            recipient: who("u_alice")
        })
    );
}

#[test]
fn d9_clicks_are_authorized() {
    let dm = stored_dm(1, "u_alice", "u_bob", "private");
    let post = stored_post(2, "u_alice", "ch_general", "public");
    let refused = |step: ClickStep| match step {
        ClickStep::Done(effects) => verdict(&effects).1,
        other => panic!("refusal expected, got {other:?}"),
    };
    let stranger = click(
        "anon_report",
        "u_mallory",
        Some("ch_dm_bot_bob"),
        dm.id.as_str(),
    );
    assert_eq!(
        refused(on_click(&stranger, Some(&dm))),
        Outcome::NotRecipient
    );
    let forwarded = click("anon_reply", "u_bob", Some("ch_random"), dm.id.as_str());
    assert_eq!(
        refused(on_click(&forwarded, Some(&dm))),
        Outcome::WrongChannel
    );
    let elsewhere = click("anon_report", "u_bob", Some("ch_random"), post.id.as_str());
    assert_eq!(
        refused(on_click(&elsewhere, Some(&post))),
        Outcome::WrongChannel
    );
    let legacy = click(
        "anon_report",
        "u_bob",
        Some("ch_dm_bot_bob"),
        "c0a80101-0000-4000-8000-00000000d001:recipient",
    );
    assert_eq!(
        refused(on_click(&legacy, None)),
        Outcome::LegacyOrUnknownAction
    );
    // A forged submit is checked again.
    let forged = submit("u_mallory", None, &dm.id, "hi");
    let trace = drive(
        on_view_action(forged, Some(&dm), fresh(3)),
        &World::default(),
    );
    assert_eq!(verdict(&trace.effects).1, Outcome::NotRecipient);
}

#[test]
fn d12_submit_and_report_always_answer_the_user() {
    let dm = stored_dm(1, "u_alice", "u_bob", "hello");
    let worlds = [
        World::default(),
        World {
            quota: Err(QuotaDenied::Global),
            ..World::default()
        },
        World {
            quota: Err(QuotaDenied::Target),
            ..World::default()
        },
        World {
            unavailable_at: Some(Asked::Deliver),
            ..World::default()
        },
        World {
            delivery: anon_core::flows::DeliveryOutcome::Rejected,
            ..World::default()
        },
    ];
    for world in worlds {
        for text in ["ok", "", &"x".repeat(2001)] {
            let trace = drive(
                on_view_action(submit("u_bob", None, &dm.id, text), Some(&dm), fresh(2)),
                &world,
            );
            assert_eq!(trace.notice().to, who("u_bob"), "{world:?} {}", text.len());
        }
    }
    for result in [
        ReportOutcome::Posted,
        ReportOutcome::NoReportsChannel,
        ReportOutcome::PostFailed,
    ] {
        let effects = report_case(&dm, "u_bob", "ch_dm_bot_bob").finish(result);
        assert_eq!(only_notice(&effects).to, who("u_bob"));
    }
    let ClickStep::OpenModal(modal) = on_click(
        &click("anon_reply", "u_bob", None, dm.id.as_str()),
        Some(&dm),
    ) else {
        panic!("modal expected");
    };
    assert_eq!(modal.view()["blocks"][1]["element"]["max_length"], 2000);
}

#[test]
fn d14_a_lost_confirmation_is_not_a_failed_send() {
    let trace = drive(
        slash::start(
            slash("/anon", "u_alice", "<<@u_bob>> hi", "ch_general", None),
            &bot(),
            fresh(1),
        ),
        &World::default(),
    );
    // The send's fate is recorded before the confirmation is attempted, and
    // exactly once: nothing after the notice can turn it into a failure.
    let audits = trace.audits();
    assert_eq!(audits.len(), 1);
    assert_eq!(audits[0].outcome, Outcome::Ok);
    assert!(matches!(trace.effects.last(), Some(Effect::Notice(_))));
    let audit_at = trace
        .effects
        .iter()
        .position(|e| matches!(e, Effect::RecordAudit(_)));
    let notice_at = trace
        .effects
        .iter()
        .position(|e| matches!(e, Effect::Notice(_)));
    assert!(audit_at < notice_at);
}

#[test]
fn d17_limits_slide_and_consume_both_or_neither() {
    /// A minimal store applying `QuotaRequest::evaluate` over send logs.
    #[derive(Default)]
    struct Counters {
        global: Vec<u64>,
        target: Vec<u64>,
    }
    impl Counters {
        fn try_send(&mut self, request: &QuotaRequest, now: u64) -> Result<(), QuotaDenied> {
            let count = |log: &[u64], start: u64| {
                log.iter().filter(|t| **t >= start && **t <= now).count() as u32
            };
            let verdict = request.evaluate(
                count(&self.global, request.global.window_start(now)),
                count(&self.target, request.per_target.window_start(now)),
            );
            if verdict.is_ok() {
                self.global.push(now);
                self.target.push(now);
            }
            verdict
        }
    }
    let request = QuotaRequest {
        workspace: ws(),
        sender: who("u_alice"),
        target: QuotaTarget::Channel(channel("ch_general")),
        global: GLOBAL,
        per_target: PER_TARGET,
    };
    let mut counters = Counters::default();
    let other_target = QuotaRequest {
        target: QuotaTarget::User(who("u_bob")),
        ..request.clone()
    };
    // 10 to the channel, then 10 to Bob, all at t=59.
    for _ in 0..10 {
        assert_eq!(counters.try_send(&request, 59), Ok(()));
    }
    assert_eq!(counters.try_send(&request, 59), Err(QuotaDenied::Target));
    // The per-target denial consumed nothing globally.
    assert_eq!(counters.global.len(), 10);
    let mut bob = Counters {
        global: counters.global.clone(),
        target: Vec::new(),
    };
    for _ in 0..10 {
        assert_eq!(bob.try_send(&other_target, 59), Ok(()));
    }
    assert_eq!(bob.try_send(&other_target, 59), Err(QuotaDenied::Global));
    // No burst across a window boundary: still 20 in the last minute at 61 and 118.
    let mut fresh_target = Counters {
        global: bob.global.clone(),
        target: Vec::new(),
    };
    assert_eq!(
        fresh_target.try_send(&request, 61),
        Err(QuotaDenied::Global)
    );
    assert_eq!(
        fresh_target.try_send(&request, 118),
        Err(QuotaDenied::Global)
    );
    assert_eq!(fresh_target.try_send(&request, 119), Ok(()));

    // Denials before the quota step never ask for (or consume) quota, and
    // are audited.
    let trace = drive(
        slash::start(
            slash("/anon", "u_alice", "<<@u_alice>> hi", "ch_general", None),
            &bot(),
            fresh(1),
        ),
        &World::default(),
    );
    assert!(trace.quota.is_none());
    assert_eq!(trace.audits().len(), 1);
}

#[test]
fn d18_opt_out_blocks_new_dms_only_and_is_never_silent() {
    let opted_out = World {
        recipient_opted_out: true,
        ..World::default()
    };
    // Alice opted out; Bob's reply to the DM she sent still reaches her.
    let alices_dm = stored_dm(1, "u_alice", "u_bob", "hello bob");
    let trace = drive(
        on_view_action(
            submit("u_bob", None, &alices_dm.id, "hi alice"),
            Some(&alices_dm),
            fresh(2),
        ),
        &opted_out,
    );
    assert!(!trace.asked.contains(&Asked::OptOut));
    assert_eq!(verdict(&trace.effects), (AuditEvent::Reply, Outcome::Ok));
    // A new DM to an opted-out user is refused, and the sender is told.
    let trace = drive(
        slash::start(
            slash("/anon", "u_bob", "<<@u_alice>> hi", "ch_general", None),
            &bot(),
            fresh(3),
        ),
        &opted_out,
    );
    assert_eq!(
        verdict(&trace.effects),
        (AuditEvent::SendDm, Outcome::RecipientOptedOut)
    );
    assert!(trace.notice().text.contains("opted out"));
    // Only the recipient's opt-out is consulted, never the sender's.
    let trace = drive(
        slash::start(
            slash("/anon", "u_alice", "<<@u_bob>> hi", "ch_general", None),
            &bot(),
            fresh(4),
        ),
        &World::default(),
    );
    assert_eq!(trace.opt_out_checked_for, Some(who("u_bob")));
    // Uninstall purges the workspace but asks to clear no opt-out.
    let effects = on_uninstalled(ws());
    assert_eq!(effects.len(), 2);
    assert!(matches!(effects[1], Effect::PurgeWorkspace { .. }));
}

#[test]
fn delivered_records_keep_their_delivery() {
    let dm = stored_dm(1, "u_alice", "u_bob", "x");
    let reply = deliver_reply("u_bob", None, &dm, "y", 5);
    assert_eq!(
        reply.delivery,
        Some(Delivery {
            channel: channel("ch_delivered"),
            platform_message: Some(platform("msg_new"))
        })
    );
}
