//! A scripted conversation, rendered per user.

use pumble_sim::{standard, Seed, Simulator};
use serde_json::json;

use crate::app::{Answer, TestApp};
use crate::http::{fixture, Http};

fn anon_blocks(text: &str, reply_label: &str) -> serde_json::Value {
    json!([
        {"type":"rich_text","elements":[
            {"type":"rich_text_section","elements":[{"type":"text","text":"Anonymous","style":{"bold":true}}]},
            {"type":"rich_text_quote","elements":[{"type":"text","text":text}]}]},
        {"type":"actions","elements":[
            {"type":"button","onAction":"reply_anon","value":"m1:recipient","style":"primary",
             "text":{"type":"plain_text","text":reply_label}},
            {"type":"button","onAction":"report_anon","value":"m1:recipient","style":"danger",
             "text":{"type":"plain_text","text":"Report"}}]}
    ])
}

#[test]
fn each_user_sees_exactly_their_part_of_the_conversation() {
    let sim = Simulator::start(Seed::standard()).expect("simulator starts");
    let http = Http::new(&sim);
    let bot = sim.bot_token(standard::WORKSPACE).expect("installed");
    let app = TestApp::start(|req| {
        let body = req.json();
        let mut view = fixture("view_submit_reply.json")["view"].clone();
        if let Some(obj) = view.as_object_mut() {
            obj.remove("id");
            obj.remove("state");
        }
        Answer::json(
            200,
            json!({ "triggerId": body["triggerId"], "viewType": "NATIVE", "action": "OPEN", "view": view }),
        )
    });

    let root = sim
        .post_as(standard::ALICE, standard::GENERAL, "staging is down", None)
        .expect("alice is in general");
    let reply = http
        .post(
            &format!("/v1/channels/{}/messages/{}", standard::GENERAL, root.id),
            &bot,
            &json!({ "text": "Anonymous: same here", "blocks": anon_blocks("same here", "Reply Anonymously in Thread") }),
        )
        .expect("request");
    assert_eq!(reply.status, 200);
    let dm = http
        .post(
            "/v1/channels/direct",
            &bot,
            &json!({ "participantIds": ["u_bob"] }),
        )
        .expect("request");
    let dm_id = dm.json["channel"]["id"].as_str().expect("id").to_owned();
    let sample = fixture("api_post_message.json");
    let posted = http
        .post(
            &format!("/v1/channels/{dm_id}/messages"),
            &bot,
            &json!({ "text": sample["text"], "blocks": sample["blocks"] }),
        )
        .expect("request");
    assert_eq!(posted.status, 200);
    let eph = http
        .post(
            &format!("/v1/channels/{}/messages", standard::GENERAL),
            &bot,
            &json!({ "text": "Sent anonymously.", "ephemeral": { "sendToUsers": ["u_alice"] } }),
        )
        .expect("request");
    assert_eq!(eph.status, 200);
    sim.driver(&app.url)
        .click_latest(standard::BOB, "reply_anon")
        .expect("app answers");

    let general = "\
== #general ==
Alice: staging is down
    Anon: Anonymous
          > same here
          [Reply Anonymously in Thread] [Report]
";
    assert_eq!(
        sim.render_view(standard::ALICE),
        format!("View of Alice\n\n{general}(only you) Anon: Sent anonymously.\n")
    );
    assert_eq!(
        sim.render_view(standard::BOB),
        format!(
            "View of Bob\n\n{general}
== DM with Anon ==
Anon: Anonymous message
      > your release notes were really clear, thank you
      [Reply Anonymously] [Report]

== Modal: Anonymous Reply ==
Your reply: [Type your anonymous reply...]
[Send] [Cancel]
"
        )
    );
    assert_eq!(
        sim.render_view(standard::CAROL),
        format!("View of Carol\n\n{general}")
    );
    assert_eq!(
        sim.render_view(standard::ERIN),
        format!("View of Erin\n\n{general}")
    );
    assert_eq!(sim.render_view(standard::FRANK), "View of Frank\n");
    assert_eq!(sim.render_view("u_nobody"), "");
    // Rendering is a pure read: twice gives the same text.
    assert_eq!(
        sim.render_view(standard::BOB),
        sim.render_view(standard::BOB)
    );
}
