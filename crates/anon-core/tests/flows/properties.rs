//! Properties: the parser never panics and never posts a mention to a
//! channel; previews never split a character; rendered messages never name
//! their author, except the report post.

use crate::harness::*;
use anon_core::anon_text::{parse_anon_text, AnonText};
use anon_core::flows::{slash, Step};
use anon_core::render::{anonymous_message, neutralise_mentions, reply_modal, PostKind};
use anon_core::{MessageBody, StoredMessage};
use proptest::prelude::*;

fn tricky_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        proptest::collection::vec(
            prop_oneof![
                Just("<<@".to_owned()),
                Just(">>".to_owned()),
                Just("<@".to_owned()),
                Just("@".to_owned()),
                Just(" ".to_owned()),
                Just("\n".to_owned()),
                Just("\u{200B}".to_owned()),
                Just("\u{200F}".to_owned()),
                Just("\u{202E}".to_owned()),
                Just("`".to_owned()),
                Just("<< @".to_owned()),
                Just("u_bob".to_owned()),
                Just("é😀".to_owned()),
                "[a-z]{1,5}",
            ],
            0..20
        )
        .prop_map(|parts| parts.concat()),
    ]
}

fn author_id() -> impl Strategy<Value = String> {
    "u_[a-z0-9]{8,16}"
}

proptest! {
    #[test]
    fn parser_never_panics(text in tricky_text()) {
        let _ = parse_anon_text(&text);
    }

    #[test]
    fn text_with_a_user_mention_never_becomes_a_post(
        before in tricky_text(),
        after in tricky_text(),
        id in "[A-Za-z0-9_-]{1,24}",
        thread in proptest::option::of(Just("msg_root_1")),
    ) {
        let text = format!("{before}<<@{id}>>{after}");
        prop_assert!(!matches!(parse_anon_text(&text), AnonText::Post { .. }), "became a post");
        let step = slash::start(slash("/anon", "u_alice", &text, "ch_general", thread), &bot(), fresh(1));
        prop_assert!(!matches!(step, Step::FetchChannelFacts(_)), "went to a channel");
    }

    #[test]
    fn previews_never_split_a_character(text in "\\PC{1,400}") {
        if let Ok(body) = MessageBody::parse(&text) {
            let preview = body.preview();
            prop_assert!(preview.chars().count() <= 200);
            let full = body.expose();
            if full.chars().count() <= 200 {
                prop_assert_eq!(preview.as_str(), full);
            } else {
                let kept: String = full.chars().take(199).collect();
                prop_assert_eq!(preview, format!("{kept}…"));
            }
        }
    }

    #[test]
    fn neutralised_text_holds_no_mention_syntax(text in tricky_text()) {
        let shown = neutralise_mentions(&text);
        prop_assert!(!shown.contains("<<"));
        let chars: Vec<char> = shown.chars().collect();
        for (i, c) in chars.iter().enumerate() {
            if *c == '@' {
                prop_assert_eq!(chars.get(i + 1), Some(&'\u{2060}'));
            }
        }
    }

    #[test]
    fn rendered_messages_never_contain_the_author_id_except_reports(
        author in author_id(),
        text in "[^\\s]\\PC{0,300}",
        thread in proptest::option::of(Just("msg_root_1")),
    ) {
        prop_assume!(!text.contains(&author));
        // Through the whole /anon flow, as DM and as post.
        for typed in [format!("<<@u_recipient>> {text}"), text.clone()] {
            let trace = drive(slash::start(slash("/anon", &author, &typed, "ch_general", thread), &bot(), fresh(3)), &World::default());
            if let Some(posted) = trace.posted {
                prop_assert!(!posted.to_json().to_string().contains(&author));
            }
            for effect in &trace.effects {
                if let anon_core::Effect::Notice(notice) = effect {
                    prop_assert!(!notice.text.contains(&author));
                }
            }
        }
        if let Ok(body) = MessageBody::parse(&text) {
            for kind in [PostKind::DirectMessage, PostKind::DirectReply, PostKind::ChannelPost, PostKind::ThreadReply] {
                let rendered = anonymous_message(kind, &body, &message_id(1));
                prop_assert!(!rendered.to_json().to_string().contains(&author));
            }
            let stored = StoredMessage { author: who(&author), body, ..stored_post(1, "u_x", "ch_general", "x") };
            // The reply modal quotes the message, never its author.
            let trigger = anon_core::TriggerId::parse("trg_1").expect("valid trigger id");
            let modal = reply_modal(trigger, &stored);
            prop_assert!(!modal.to_json().to_string().contains(&author));
            let report = crate::report::report_case(&stored, "u_reporter", "ch_general");
            prop_assert!(report.message().to_json().to_string().contains(&author));
        }
    }
}

proptest! {
    #[test]
    fn arbitrary_button_payloads_and_callbacks_never_panic(
        payload in tricky_text(),
        on_action in prop_oneof![Just("anon_reply".to_owned()), Just("anon_report".to_owned()), "[a-z_]{0,12}"],
        callback in tricky_text(),
        text in tricky_text(),
    ) {
        let raw = serde_json::json!({
            "workspaceId": "ws_1", "userId": "u_bob", "channelId": "ch_general",
            "sourceType": "MESSAGE", "onAction": on_action, "payload": payload, "triggerId": "t",
        });
        let parsed: anon_core::inbound::BlockInteractionPayload =
            serde_json::from_value(raw).expect("shape is valid");
        let click = anon_core::inbound::ButtonClick::try_from(parsed).expect("ids are valid");
        let stored = stored_post(1, "u_alice", "ch_general", "x");
        let _ = anon_core::flows::click::on_click(&click, Some(&stored));
        let action = view_action("SUBMIT", "u_bob", Some("ch_general"), &callback, &text);
        let _ = drive(anon_core::flows::reply::on_view_action(action, Some(&stored), fresh(2)), &World::default());
    }
}
