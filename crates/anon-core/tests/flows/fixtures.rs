//! The shared Pumble fixtures (copied into tests/fixtures) parse and flow.

use crate::harness::*;
use anon_core::flows::click::on_click;
use anon_core::flows::reply::on_view_action;
use anon_core::flows::{slash, ClickStep, Step};
use anon_core::inbound::{
    BlockInteractionPayload, ButtonAction, ButtonClick, ButtonValue, SlashCommand,
    SlashCommandKind, SlashCommandPayload, ViewAction, ViewActionKind, ViewActionPayload,
};
use anon_core::{AuditEvent, Outcome, Placement};

fn slash_fixture(json: &str) -> SlashCommand {
    let payload: SlashCommandPayload = serde_json::from_str(json).expect("fixture deserialises");
    SlashCommand::try_from(payload).expect("fixture converts")
}

fn click_fixture(json: &str) -> ButtonClick {
    let payload: BlockInteractionPayload =
        serde_json::from_str(json).expect("fixture deserialises");
    ButtonClick::try_from(payload).expect("fixture converts")
}

fn view_fixture(json: &str) -> ViewAction {
    let payload: ViewActionPayload = serde_json::from_str(json).expect("fixture deserialises");
    ViewAction::try_from(payload).expect("fixture converts")
}

#[test]
fn slash_dm_fixture_asks_for_bobs_opt_out() {
    let command = slash_fixture(include_str!("../fixtures/slash_anon_dm.json"));
    assert_eq!(command.kind, SlashCommandKind::Anon);
    let Step::CheckRecipientOptOut(draft) = slash::start(command, &bot(), fresh(1)) else {
        panic!("a DM checks the recipient's opt-out first");
    };
    assert_eq!(draft.recipient(), &who("u_bob"));
}

#[test]
fn slash_channel_and_thread_fixtures_ask_for_channel_facts() {
    let command = slash_fixture(include_str!("../fixtures/slash_anon_channel.json"));
    let trace = drive(slash::start(command, &bot(), fresh(1)), &World::default());
    assert_eq!(trace.channel_asked, Some(channel("ch_general")));
    assert_eq!(
        verdict(&trace.effects),
        (AuditEvent::SendChannel, Outcome::Ok)
    );

    let command = slash_fixture(include_str!("../fixtures/slash_anon_thread.json"));
    let trace = drive(slash::start(command, &bot(), fresh(1)), &World::default());
    assert_eq!(
        trace.record.map(|r| r.placement),
        Some(Placement::Thread {
            channel: channel("ch_general"),
            root: platform("msg_thread_root_1")
        })
    );
}

#[test]
fn slash_block_fixture_opts_out() {
    let command = slash_fixture(include_str!("../fixtures/slash_anon_block.json"));
    let Step::ChangeOptOut(change) = slash::start(command, &bot(), fresh(1)) else {
        panic!("block changes the opt-out");
    };
    assert!(change.opts_out());
    assert_eq!(change.user(), &who("u_bob"));
}

#[test]
fn reference_app_buttons_get_a_clear_answer() {
    for json in [
        include_str!("../fixtures/block_reply_click.json"),
        include_str!("../fixtures/block_report_click.json"),
    ] {
        let click = click_fixture(json);
        assert_eq!(click.action, ButtonAction::Other);
        assert_eq!(click.value, ButtonValue::Unrecognised);
        let ClickStep::Done(effects) = on_click(&click, None) else {
            panic!("legacy click must be refused");
        };
        assert_eq!(
            verdict(&effects),
            (AuditEvent::InputRejected, Outcome::LegacyOrUnknownAction)
        );
        assert!(only_notice(&effects).text.contains("older version"));
    }
}

#[test]
fn reference_app_modal_submit_and_close() {
    let submit = view_fixture(include_str!("../fixtures/view_submit_reply.json"));
    assert_eq!(submit.kind, ViewActionKind::Submit);
    assert!(submit.message_id().is_none());
    let trace = drive(on_view_action(submit, None, fresh(1)), &World::default());
    assert_eq!(
        verdict(&trace.effects),
        (AuditEvent::InputRejected, Outcome::LegacyOrUnknownAction)
    );

    let close = view_fixture(include_str!("../fixtures/view_close_reply.json"));
    assert_eq!(close.kind, ViewActionKind::Close);
    assert!(
        drive(on_view_action(close, None, fresh(1)), &World::default())
            .effects
            .is_empty()
    );
}

#[test]
fn malformed_ids_are_payload_errors_not_panics() {
    let payload: SlashCommandPayload = serde_json::from_str(
        r#"{"slashCommand":"/anon","text":"x","userId":"u>>bad","channelId":"c","workspaceId":"w","triggerId":"t","extra":1}"#,
    )
    .expect("unknown fields are tolerated");
    assert!(SlashCommand::try_from(payload).is_err());
    let payload: BlockInteractionPayload = serde_json::from_str(
        r#"{"workspaceId":"w","userId":"u","triggerId":"t","payload":"not json","sourceType":"MESSAGE","onAction":"anon_reply"}"#,
    )
    .expect("deserialises");
    let click = ButtonClick::try_from(payload).expect("converts");
    assert_eq!(click.value, ButtonValue::Unrecognised);
    assert_eq!(click.channel, None);
}
