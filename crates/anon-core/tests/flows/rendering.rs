//! Rendering and redaction across whole flows.

use crate::harness::*;
use crate::report::report_case;
use anon_core::flows::click::on_click;
use anon_core::flows::reply::on_view_action;
use anon_core::flows::slash;

#[test]
fn posted_messages_never_name_their_author_and_always_have_fallback_text() {
    let texts = [
        ("<<@u_bob>> hello <<@u_carol>> @here", None),
        ("a post @channel", None),
        ("in a thread", Some("msg_root_7")),
    ];
    for (text, thread) in texts {
        let trace = drive(
            slash::start(
                slash("/anon", "u_alice", text, "ch_general", thread),
                &bot(),
                fresh(1),
            ),
            &World::default(),
        );
        let posted = trace.posted.expect("posted");
        assert!(!posted.text().is_empty());
        let json = posted.to_json().to_string();
        assert!(!json.contains("u_alice"), "{json}");
        assert!(
            !json.contains("<<@") && !json.contains("@here") && !json.contains("@channel"),
            "{json}"
        );
    }
}

#[test]
fn debug_output_never_shows_bodies_or_people() {
    let secret = "the very secret words";
    let command = slash(
        "/anon",
        "u_alice",
        &format!("<<@u_bob>> {secret}"),
        "ch_general",
        None,
    );
    let dm = stored_dm(1, "u_alice", "u_bob", secret);
    let mut printed = vec![format!("{command:?}"), format!("{dm:?}")];
    let step = slash::start(command, &bot(), fresh(1));
    printed.push(format!("{step:?}"));
    let trace = drive(step, &World::default());
    printed.push(format!("{trace:?}"));
    let click = click(
        "anon_report",
        "u_bob",
        Some("ch_dm_bot_bob"),
        dm.id.as_str(),
    );
    printed.push(format!("{click:?}"));
    printed.push(format!("{:?}", on_click(&click, Some(&dm))));
    printed.push(format!("{:?}", report_case(&dm, "u_bob", "ch_dm_bot_bob")));
    let submit = submit("u_bob", None, &dm.id, secret);
    printed.push(format!("{submit:?}"));
    let reply = drive(
        on_view_action(submit, Some(&dm), fresh(2)),
        &World::default(),
    );
    printed.push(format!("{reply:?}"));
    for line in printed {
        assert!(!line.contains("secret"), "{line}");
        assert!(!line.contains("u_alice"), "{line}");
        assert!(!line.contains("u_bob"), "{line}");
    }
}
