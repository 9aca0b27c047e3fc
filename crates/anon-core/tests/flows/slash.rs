//! `/anon`: every path and every denial, in the order the checks run.

use crate::harness::*;
use anon_core::channel_facts::{ChannelFacts, ChannelType};
use anon_core::flows::{slash, DeliveryOutcome};
use anon_core::quota::{GLOBAL, PER_TARGET};
use anon_core::{AuditEvent, Effect, NoticePlace, Outcome, Placement, QuotaDenied, QuotaTarget};

struct Case {
    name: &'static str,
    text: String,
    thread: Option<&'static str>,
    world: World,
    asked: Vec<Asked>,
    verdict: (AuditEvent, Outcome),
}

fn case(
    name: &'static str,
    text: &str,
    world: World,
    asked: &[Asked],
    verdict: (AuditEvent, Outcome),
) -> Case {
    Case {
        name,
        text: text.to_owned(),
        thread: None,
        world,
        asked: asked.to_vec(),
        verdict,
    }
}

fn opted_out() -> World {
    World {
        recipient_opted_out: true,
        ..World::default()
    }
}

fn quota(denied: QuotaDenied) -> World {
    World {
        quota: Err(denied),
        ..World::default()
    }
}

fn channel_of(channel_type: ChannelType, human_members: u32) -> World {
    World {
        channel: ChannelFacts {
            channel_type,
            human_members,
        },
        ..World::default()
    }
}

fn run(case: &Case) -> Trace {
    let command = slash("/anon", "u_alice", &case.text, "ch_general", case.thread);
    drive(slash::start(command, &bot(), fresh(1)), &case.world)
}

#[test]
fn direct_message_paths_in_check_order() {
    use Asked::*;
    use AuditEvent::{InputRejected, SendDm};
    let long = format!("<<@u_bob>> {}", "x".repeat(2001));
    let cases = vec![
        case(
            "sent",
            "<<@u_bob>> great demo",
            World::default(),
            &[OptOut, Quota, Deliver],
            (SendDm, Outcome::Ok),
        ),
        case(
            "usage: nothing typed",
            "",
            World::default(),
            &[],
            (InputRejected, Outcome::Usage),
        ),
        case(
            "usage: whitespace",
            " \n ",
            World::default(),
            &[],
            (InputRejected, Outcome::Usage),
        ),
        case(
            "usage: mention only",
            "<<@u_bob>>",
            World::default(),
            &[],
            (InputRejected, Outcome::Usage),
        ),
        case(
            "bot as recipient",
            "<<@u_anonbot>> hi",
            World::default(),
            &[],
            (SendDm, Outcome::BotRecipient),
        ),
        case(
            "self-send",
            "<<@u_alice>> hi",
            World::default(),
            &[],
            (SendDm, Outcome::SelfSend),
        ),
        case(
            "recipient opted out",
            "<<@u_bob>> hi",
            opted_out(),
            &[OptOut],
            (SendDm, Outcome::RecipientOptedOut),
        ),
        case(
            "too long",
            &long,
            World::default(),
            &[OptOut],
            (SendDm, Outcome::TooLong),
        ),
        case(
            "global limit",
            "<<@u_bob>> hi",
            quota(QuotaDenied::Global),
            &[OptOut, Quota],
            (SendDm, Outcome::RateLimitedGlobal),
        ),
        case(
            "per-recipient limit",
            "<<@u_bob>> hi",
            quota(QuotaDenied::Target),
            &[OptOut, Quota],
            (SendDm, Outcome::RateLimitedTarget),
        ),
        // The first failing check wins.
        case(
            "self-send before length",
            &format!("<<@u_alice>> {}", "x".repeat(2001)),
            World::default(),
            &[],
            (SendDm, Outcome::SelfSend),
        ),
        case(
            "opt-out before length",
            &long,
            opted_out(),
            &[OptOut],
            (SendDm, Outcome::RecipientOptedOut),
        ),
        case(
            "length before limits",
            &long,
            quota(QuotaDenied::Global),
            &[OptOut],
            (SendDm, Outcome::TooLong),
        ),
    ];
    for case in &cases {
        let trace = run(case);
        assert_eq!(trace.asked, case.asked, "{}", case.name);
        assert_eq!(verdict(&trace.effects), case.verdict, "{}", case.name);
        let notice = trace.notice();
        assert_eq!(notice.to, who("u_alice"), "{}", case.name);
        assert!(!notice.text.is_empty(), "{}", case.name);
        if case.verdict.1 != Outcome::Ok {
            assert!(
                trace.record.is_none() && trace.posted.is_none(),
                "{}",
                case.name
            );
        }
    }
}

#[test]
fn channel_and_thread_paths_in_check_order() {
    use Asked::*;
    let long = "y".repeat(2001);
    for (thread, event) in [
        (None, AuditEvent::SendChannel),
        (Some("msg_root_7"), AuditEvent::SendThread),
    ] {
        let mut cases = vec![
            case(
                "posted",
                "the schedule slipped",
                World::default(),
                &[Channel, Quota, Deliver],
                (event, Outcome::Ok),
            ),
            case(
                "exactly three members",
                "hi",
                channel_of(ChannelType::Private, 3),
                &[Channel, Quota, Deliver],
                (event, Outcome::Ok),
            ),
            case(
                "usage",
                "   ",
                World::default(),
                &[],
                (AuditEvent::InputRejected, Outcome::Usage),
            ),
            case(
                "mention not at start",
                "thanks <<@u_bob>>",
                World::default(),
                &[],
                (AuditEvent::InputRejected, Outcome::MentionNotAtStart),
            ),
            case(
                "unresolved @name",
                "@bob hi",
                World::default(),
                &[],
                (AuditEvent::InputRejected, Outcome::UnrecognisedMention),
            ),
            case(
                "direct channel",
                "hi",
                channel_of(ChannelType::Direct, 5),
                &[Channel],
                (event, Outcome::DirectChannel),
            ),
            case(
                "self channel",
                "hi",
                channel_of(ChannelType::SelfNotes, 1),
                &[Channel],
                (event, Outcome::DirectChannel),
            ),
            case(
                "unknown channel type",
                "hi",
                channel_of(ChannelType::Other, 9),
                &[Channel],
                (event, Outcome::DirectChannel),
            ),
            case(
                "two members",
                "hi",
                channel_of(ChannelType::Public, 2),
                &[Channel],
                (event, Outcome::TooFewMembers),
            ),
            case(
                "too long",
                &long,
                World::default(),
                &[Channel],
                (event, Outcome::TooLong),
            ),
            case(
                "global limit",
                "hi",
                quota(QuotaDenied::Global),
                &[Channel, Quota],
                (event, Outcome::RateLimitedGlobal),
            ),
            case(
                "per-channel limit",
                "hi",
                quota(QuotaDenied::Target),
                &[Channel, Quota],
                (event, Outcome::RateLimitedTarget),
            ),
            case(
                "place before length",
                &long,
                channel_of(ChannelType::Public, 2),
                &[Channel],
                (event, Outcome::TooFewMembers),
            ),
            case(
                "length before limits",
                &long,
                quota(QuotaDenied::Target),
                &[Channel],
                (event, Outcome::TooLong),
            ),
        ];
        for case in &mut cases {
            case.thread = thread;
            let trace = run(case);
            assert_eq!(trace.asked, case.asked, "{} {thread:?}", case.name);
            assert_eq!(
                verdict(&trace.effects),
                case.verdict,
                "{} {thread:?}",
                case.name
            );
            let NoticePlace::Channel {
                channel: place,
                thread_root,
            } = &trace.notice().place
            else {
                panic!("slash notices go to the invoking channel");
            };
            assert_eq!(place, &channel("ch_general"));
            assert_eq!(
                thread_root.as_ref().map(|r| r.as_str()),
                thread,
                "{}",
                case.name
            );
        }
    }
}

#[test]
fn sent_dm_records_authorship_before_posting_and_confirms_last() {
    let trace = drive(
        slash::start(
            slash(
                "/anon",
                "u_alice",
                "<<@u_bob>> great demo",
                "ch_general",
                None,
            ),
            &bot(),
            fresh(1),
        ),
        &World::default(),
    );
    assert_eq!(trace.opt_out_checked_for, Some(who("u_bob")));
    let quota = trace.quota.as_ref().expect("quota asked");
    assert_eq!(quota.sender, who("u_alice"));
    assert_eq!(quota.target, QuotaTarget::User(who("u_bob")));
    assert_eq!((quota.global, quota.per_target), (GLOBAL, PER_TARGET));
    let record = trace.record.as_ref().expect("authorship recorded");
    assert_eq!(record.id, message_id(1));
    assert_eq!(record.conversation, conversation_id(1));
    assert_eq!(record.author, who("u_alice"));
    assert_eq!(
        record.placement,
        Placement::Direct {
            recipient: who("u_bob")
        }
    );
    assert_eq!(record.body.expose(), "great demo");
    let posted = trace.posted.as_ref().expect("posted");
    assert_eq!(
        posted.blocks()[1]["elements"][0]["value"],
        message_id(1).as_str()
    );
    // Delivery recorded, then audit, then the confirmation.
    assert!(
        matches!(&trace.effects[0], Effect::RecordDelivery { message, .. } if message == &message_id(1))
    );
    assert!(matches!(&trace.effects[1], Effect::RecordAudit(_)));
    assert!(matches!(&trace.effects[2], Effect::Notice(_)));
    let audit = trace.audit();
    assert_eq!(audit.actor, Some(who("u_alice")));
    assert_eq!(audit.subject, Some(who("u_bob")));
    assert_eq!(audit.message, Some(message_id(1)));
    assert_eq!(audit.conversation, Some(conversation_id(1)));
}

#[test]
fn thread_post_goes_under_the_payload_thread_root_and_counts_against_the_channel() {
    let trace = drive(
        slash::start(
            slash(
                "/anon",
                "u_alice",
                "same problem here",
                "ch_general",
                Some("msg_root_7"),
            ),
            &bot(),
            fresh(2),
        ),
        &World::default(),
    );
    assert_eq!(trace.channel_asked, Some(channel("ch_general")));
    let record = trace.record.as_ref().expect("recorded");
    assert_eq!(
        record.placement,
        Placement::Thread {
            channel: channel("ch_general"),
            root: platform("msg_root_7")
        }
    );
    assert_eq!(
        trace.quota.as_ref().map(|q| q.target.clone()),
        Some(QuotaTarget::Channel(channel("ch_general")))
    );
}

#[test]
fn a_mention_beats_the_thread_context() {
    let trace = drive(
        slash::start(
            slash(
                "/anon",
                "u_alice",
                "<<@u_bob>> hi",
                "ch_general",
                Some("msg_root_7"),
            ),
            &bot(),
            fresh(3),
        ),
        &World::default(),
    );
    assert_eq!(verdict(&trace.effects), (AuditEvent::SendDm, Outcome::Ok));
}

#[test]
fn unknown_command_is_answered() {
    let trace = drive(
        slash::start(
            slash("/anon-help", "u_alice", "", "ch_general", None),
            &bot(),
            fresh(4),
        ),
        &World::default(),
    );
    assert_eq!(
        verdict(&trace.effects),
        (AuditEvent::InputRejected, Outcome::UnknownCommand)
    );
    assert!(trace.notice().text.contains("/anon"));
}

#[test]
fn every_stage_can_fail_without_losing_the_sender() {
    let cases = [
        ("<<@u_bob>> hi", Asked::OptOut, AuditEvent::SendDm),
        ("hi", Asked::Channel, AuditEvent::SendChannel),
        ("hi", Asked::Quota, AuditEvent::SendChannel),
        ("<<@u_bob>> hi", Asked::Deliver, AuditEvent::SendDm),
    ];
    for (text, stage, event) in cases {
        let world = World {
            unavailable_at: Some(stage),
            ..World::default()
        };
        let trace = drive(
            slash::start(
                slash("/anon", "u_alice", text, "ch_general", None),
                &bot(),
                fresh(5),
            ),
            &world,
        );
        assert_eq!(
            verdict(&trace.effects),
            (event, Outcome::Unavailable),
            "{stage:?}"
        );
        assert!(
            trace.notice().text.starts_with("Nothing was done"),
            "{stage:?}"
        );
        assert!(trace.posted.is_none());
    }
}

#[test]
fn delivery_outcomes() {
    let cases = [
        (DeliveryOutcome::NoDmChannel, Outcome::NoDmChannel, true),
        (DeliveryOutcome::Rejected, Outcome::SendFailed, true),
        // Maybe shown: the record stays so a report can still reveal it.
        (DeliveryOutcome::Unconfirmed, Outcome::SendFailed, false),
    ];
    for (delivery, outcome, discarded) in cases {
        let world = World {
            delivery: delivery.clone(),
            ..World::default()
        };
        let trace = drive(
            slash::start(
                slash("/anon", "u_alice", "<<@u_bob>> hi", "ch_general", None),
                &bot(),
                fresh(6),
            ),
            &world,
        );
        assert_eq!(
            verdict(&trace.effects),
            (AuditEvent::SendDm, outcome),
            "{delivery:?}"
        );
        let has_discard = trace.effects.iter().any(
            |e| matches!(e, Effect::DiscardMessage { message, .. } if message == &message_id(6)),
        );
        assert_eq!(has_discard, discarded, "{delivery:?}");
        assert!(!trace
            .effects
            .iter()
            .any(|e| matches!(e, Effect::RecordDelivery { .. })));
    }
}
