//! The reply modal's submit: where replies go, and every denial in order.

use crate::harness::*;
use anon_core::channel_facts::{ChannelFacts, ChannelType};
use anon_core::flows::reply::{lookup_failed, on_view_action};
use anon_core::flows::slash;
use anon_core::{
    AuditEvent, NoticePlace, Outcome, Placement, QuotaDenied, QuotaTarget, StoredMessage,
};

fn run(
    action: anon_core::inbound::ViewAction,
    stored: Option<&StoredMessage>,
    world: &World,
) -> Trace {
    drive(on_view_action(action, stored, fresh(77)), world)
}

#[test]
fn dm_reply_goes_to_the_author_of_the_message_answered() {
    let dm = stored_dm(1, "u_alice", "u_bob", "thank you");
    let trace = run(
        submit("u_bob", Some("ch_dm_bot_bob"), &dm.id, "glad it helped"),
        Some(&dm),
        &World::default(),
    );
    assert_eq!(trace.asked, vec![Asked::Quota, Asked::Deliver]);
    let record = trace.record.as_ref().expect("recorded");
    assert_eq!(record.id, message_id(77), "a reply has its own id");
    assert_eq!(
        record.conversation, dm.conversation,
        "and joins the conversation"
    );
    assert_eq!(record.author, who("u_bob"));
    assert_eq!(
        record.placement,
        Placement::Direct {
            recipient: who("u_alice")
        }
    );
    // Counted against the conversation, not against Alice: see
    // `the_reply_budget_cannot_reveal_the_author` below.
    assert_eq!(
        trace.quota.as_ref().map(|q| q.target.clone()),
        Some(QuotaTarget::Conversation(dm.conversation.clone()))
    );
    assert_eq!(verdict(&trace.effects), (AuditEvent::Reply, Outcome::Ok));
    let posted = trace.posted.as_ref().expect("posted");
    assert!(posted.text().starts_with("Anonymous reply: glad it helped"));
    assert_eq!(
        posted.blocks()[1]["elements"][1]["value"],
        message_id(77).as_str()
    );
    assert_eq!(trace.notice().to, who("u_bob"));
}

#[test]
fn a_reply_to_a_reply_goes_back_to_the_first_sender() {
    // Bob answered Alice's DM; Alice answers Bob's reply.
    let bobs_reply = stored_dm(2, "u_bob", "u_alice", "glad it helped");
    let trace = run(
        submit(
            "u_alice",
            Some("ch_dm_bot_alice"),
            &bobs_reply.id,
            "the intro",
        ),
        Some(&bobs_reply),
        &World::default(),
    );
    let record = trace.record.as_ref().expect("recorded");
    assert_eq!(record.author, who("u_alice"));
    assert_eq!(
        record.placement,
        Placement::Direct {
            recipient: who("u_bob")
        }
    );
}

#[test]
fn channel_and_thread_replies_go_into_the_thread() {
    let post = stored_post(2, "u_alice", "ch_general", "an idea");
    let trace = run(
        submit("u_bob", Some("ch_general"), &post.id, "agreed"),
        Some(&post),
        &World::default(),
    );
    assert_eq!(
        trace.asked,
        vec![Asked::Channel, Asked::Quota, Asked::Deliver]
    );
    let record = trace.record.as_ref().expect("recorded");
    assert_eq!(
        record.placement,
        Placement::Thread {
            channel: channel("ch_general"),
            root: platform("msg_post_2")
        }
    );
    assert_eq!(
        trace.quota.as_ref().map(|q| q.target.clone()),
        Some(QuotaTarget::Channel(channel("ch_general")))
    );
    assert_eq!(
        trace.notice().place,
        NoticePlace::Channel {
            channel: channel("ch_general"),
            thread_root: Some(platform("msg_post_2"))
        }
    );

    let thread = stored_thread(3, "u_carol", "ch_general", "msg_root_9", 50, "me too");
    let trace = run(
        submit("u_bob", Some("ch_general"), &thread.id, "same"),
        Some(&thread),
        &World::default(),
    );
    let record = trace.record.as_ref().expect("recorded");
    assert_eq!(
        record.placement,
        Placement::Thread {
            channel: channel("ch_general"),
            root: platform("msg_root_9")
        }
    );
    assert_eq!(record.conversation, conversation_id(50));
    assert_eq!(record.author, who("u_bob"));
}

#[test]
fn reply_denials_in_check_order() {
    use Asked::*;
    let dm = stored_dm(1, "u_alice", "u_bob", "thank you");
    let post = stored_post(2, "u_alice", "ch_general", "an idea");
    let mut rootless = post.clone();
    if let Some(delivery) = rootless.delivery.as_mut() {
        delivery.platform_message = None;
    }
    let long = "z".repeat(2001);
    let small = World {
        channel: ChannelFacts {
            channel_type: ChannelType::Private,
            human_members: 2,
        },
        ..World::default()
    };
    let global = World {
        quota: Err(QuotaDenied::Global),
        ..World::default()
    };
    let target = World {
        quota: Err(QuotaDenied::Target),
        ..World::default()
    };
    let dm_ch = Some("ch_dm_bot_bob");
    let legacy = view_action("SUBMIT", "u_bob", dm_ch, "anon_reply_modal", "hi");
    type Row<'a> = (
        &'a str,
        anon_core::inbound::ViewAction,
        Option<&'a StoredMessage>,
        World,
        Vec<Asked>,
        Outcome,
    );
    let cases: Vec<Row> = vec![
        (
            "legacy modal",
            legacy,
            Some(&dm),
            World::default(),
            vec![],
            Outcome::LegacyOrUnknownAction,
        ),
        (
            "message gone",
            submit("u_bob", dm_ch, &dm.id, "hi"),
            None,
            World::default(),
            vec![],
            Outcome::UnknownMessage,
        ),
        (
            "not the recipient",
            submit("u_carol", dm_ch, &dm.id, "hi"),
            Some(&dm),
            World::default(),
            vec![],
            Outcome::NotRecipient,
        ),
        (
            "wrong channel",
            submit("u_bob", Some("ch_other"), &post.id, "hi"),
            Some(&post),
            World::default(),
            vec![],
            Outcome::WrongChannel,
        ),
        (
            "self-reply",
            submit("u_alice", Some("ch_general"), &post.id, "hi"),
            Some(&post),
            World::default(),
            vec![],
            Outcome::SelfReply,
        ),
        (
            "no thread root",
            submit("u_bob", Some("ch_general"), &rootless.id, "hi"),
            Some(&rootless),
            World::default(),
            vec![],
            Outcome::NoThreadRoot,
        ),
        (
            "channel too small",
            submit("u_bob", Some("ch_general"), &post.id, "hi"),
            Some(&post),
            small,
            vec![Asked::Channel],
            Outcome::TooFewMembers,
        ),
        (
            "empty",
            submit("u_bob", dm_ch, &dm.id, "  \n "),
            Some(&dm),
            World::default(),
            vec![],
            Outcome::Empty,
        ),
        (
            "too long",
            submit("u_bob", dm_ch, &dm.id, &long),
            Some(&dm),
            World::default(),
            vec![],
            Outcome::TooLong,
        ),
        (
            "global limit",
            submit("u_bob", dm_ch, &dm.id, "hi"),
            Some(&dm),
            global,
            vec![Quota],
            Outcome::RateLimitedGlobal,
        ),
        (
            "per-target limit",
            submit("u_bob", dm_ch, &dm.id, "hi"),
            Some(&dm),
            target,
            vec![Quota],
            Outcome::RateLimitedTarget,
        ),
    ];
    for (name, action, stored, world, asked, outcome) in cases {
        let trace = run(action, stored, &world);
        assert_eq!(trace.asked, asked, "{name}");
        assert_eq!(verdict(&trace.effects).1, outcome, "{name}");
        assert!(
            !trace.notice().text.is_empty(),
            "{name}: the submitter is told"
        );
        assert!(trace.record.is_none(), "{name}");
    }
}

#[test]
fn close_and_lookup_failure() {
    let dm = stored_dm(1, "u_alice", "u_bob", "thank you");
    let close = view_action(
        "CLOSE",
        "u_bob",
        None,
        &format!("anon_reply:{}", dm.id.as_str()),
        "",
    );
    assert!(run(close, Some(&dm), &World::default()).effects.is_empty());
    let effects = lookup_failed(&submit("u_bob", None, &dm.id, "hi"));
    assert_eq!(verdict(&effects), (AuditEvent::Reply, Outcome::Unavailable));
    assert_eq!(only_notice(&effects).place, NoticePlace::DirectMessage);
}

/// Bob could otherwise fill his (Bob, author) budget with replies and then
/// try `/anon @suspect …`: the suspect refused with "10 an hour to the same
/// person" would be the author. A reply and a DM to its author never share a
/// per-target counter, whichever way round.
#[test]
fn the_reply_budget_cannot_reveal_the_author() {
    let dm = stored_dm(1, "u_alice", "u_bob", "thank you");
    let reply = run(
        submit("u_bob", Some("ch_dm_bot_bob"), &dm.id, "who is this?"),
        Some(&dm),
        &World::default(),
    );
    let reply_key = reply
        .quota
        .as_ref()
        .map(|q| q.target.expose_key())
        .expect("a reply asks for quota");
    let direct = drive(
        slash::start(
            slash(
                "/anon",
                "u_bob",
                "<<@u_alice>> is it you?",
                "ch_general",
                None,
            ),
            &bot(),
            fresh(5),
        ),
        &World::default(),
    );
    let direct_key = direct
        .quota
        .as_ref()
        .map(|q| q.target.expose_key())
        .expect("a DM asks for quota");
    assert_ne!(reply_key, direct_key);
    assert!(!reply_key.contains("u_alice"), "{reply_key}");
}
