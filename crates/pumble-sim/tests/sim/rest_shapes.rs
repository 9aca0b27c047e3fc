//! Each endpoint's request and response against the fixtures' field names and
//! nesting (protocol §5.4, §6.3).

use pumble_sim::{standard, DmLookup, Seed, Simulator, TokenKind};
use serde_json::{json, Value};

use crate::http::{assert_keys_within, assert_same_shape, fixture, Http};

const CHANNEL_KEYS: &[&str] = &[
    "id",
    "workspaceId",
    "channelType",
    "name",
    "description",
    "isMember",
    "isMuted",
    "isHidden",
    "isArchived",
    "isPumbleBot",
    "isAddonBot",
    "lastMarkTimestamp",
    "lastMarkTimestampMilli",
    "isMain",
    "isInitial",
    "sectionId",
    "postingPermissions",
    "desktopNotificationPreferences",
    "mobileNotificationPreferences",
    "notifyAboutRepliesInThreads",
    "addedById",
];
const MESSAGE_KEYS: &[&str] = &[
    "id",
    "workspaceId",
    "channelId",
    "author",
    "text",
    "timestamp",
    "timestampMilli",
    "subtype",
    "reactions",
    "linkPreviews",
    "isFollowing",
    "threadRootInfo",
    "threadReplyInfo",
    "files",
    "deleted",
    "edited",
    "localId",
    "attachments",
    "sharedMessage",
    "savedTimestampMilli",
    "blocks",
    "meta",
    "quote",
];

fn start() -> (Simulator, Http, String) {
    let sim = Simulator::start(Seed::standard()).expect("simulator starts");
    let http = Http::new(&sim);
    let bot = sim
        .bot_token(standard::WORKSPACE)
        .expect("standard seed installs the app");
    (sim, http, bot)
}

#[test]
fn dm_lookup_is_404_until_created_then_found() {
    let (sim, http, bot) = start();
    let path = "/v1/channels/direct?participantIds=u_anonbot,u_bob";
    let missing = http.get(path, &bot).expect("request");
    assert_eq!(missing.status, 404);
    assert!(missing.json["code"].is_string() && missing.json["message"].is_string());

    let created = http
        .post(
            "/v1/channels/direct",
            &bot,
            &json!({ "participantIds": ["u_bob"] }),
        )
        .expect("request");
    assert_eq!(created.status, 200, "{}", created.json);
    assert_same_shape(
        &fixture("api_dm_channel.json"),
        &created.json,
        "ChannelInfo",
    );
    assert_keys_within(&created.json["channel"], CHANNEL_KEYS, "channel");
    assert_eq!(created.json["channel"]["channelType"], "DIRECT");
    assert_eq!(created.json["users"], json!(["u_anonbot", "u_bob"]));
    assert!(created.json["channel"].get("addedById").is_none());
    assert!(created.json["channel"].get("name").is_none());

    let found = http.get(path, &bot).expect("request");
    assert_eq!(found.status, 200);
    assert_eq!(found.json["channel"]["id"], created.json["channel"]["id"]);
    // An encoded comma and a repeated POST find the same DM.
    let encoded = http
        .get("/v1/channels/direct?participantIds=u_anonbot%2Cu_bob", &bot)
        .expect("request");
    assert_eq!(encoded.json["channel"]["id"], created.json["channel"]["id"]);
    let again = http
        .post(
            "/v1/channels/direct",
            &bot,
            &json!({ "participantIds": ["u_anonbot", "u_bob"] }),
        )
        .expect("request");
    assert_eq!(again.json["channel"]["id"], created.json["channel"]["id"]);

    let calls = sim.calls();
    assert_eq!(calls[0].method, "GET");
    assert_eq!(calls[0].path, "/v1/channels/direct");
    assert_eq!(
        calls[0].query_param("participantIds").as_deref(),
        Some("u_anonbot,u_bob")
    );
    assert_eq!(calls[0].token_kind, TokenKind::Bot);
    assert_eq!(calls[0].status, Some(404));
    assert_eq!(calls[1].body, Some(json!({ "participantIds": ["u_bob"] })));
}

#[test]
fn dm_lookup_rejects_sets_without_the_caller() {
    let (_sim, http, bot) = start();
    let r = http
        .get("/v1/channels/direct?participantIds=u_alice,u_bob", &bot)
        .expect("request");
    assert_eq!(r.status, 400);
    let r = http.get("/v1/channels/direct", &bot).expect("request");
    assert_eq!(r.status, 400);
    let r = http
        .get(
            "/v1/channels/direct?participantIds=u_anonbot,u_nobody",
            &bot,
        )
        .expect("request");
    assert_eq!(r.status, 400);
}

#[test]
fn dm_lookup_can_be_configured_to_create() {
    let sim = Simulator::start(Seed::standard().with_dm_lookup(DmLookup::CreateWhenMissing))
        .expect("simulator starts");
    let http = Http::new(&sim);
    let bot = sim.bot_token(standard::WORKSPACE).expect("installed");
    let r = http
        .get("/v1/channels/direct?participantIds=u_anonbot,u_alice", &bot)
        .expect("request");
    assert_eq!(r.status, 200);
    assert!(sim
        .find_dm(standard::WORKSPACE, &["u_alice", "u_anonbot"])
        .is_some());
    sim.set_dm_lookup(DmLookup::NotFoundWhenMissing);
    let r = http
        .get("/v1/channels/direct?participantIds=u_anonbot,u_bob", &bot)
        .expect("request");
    assert_eq!(r.status, 404);
}

#[test]
fn channel_details_list_and_create_match_the_fixtures() {
    let (sim, http, bot) = start();
    let created = http
        .post(
            "/v1/channels",
            &bot,
            &json!({
                "name": "abot-reports",
                "type": "PRIVATE",
                "description": "Anonymous message abuse reports from Anon"
            }),
        )
        .expect("request");
    assert_eq!(created.status, 200, "{}", created.json);
    assert_same_shape(
        &fixture("api_create_channel.json"),
        &created.json,
        "ChannelInfo",
    );
    assert_keys_within(&created.json["channel"], CHANNEL_KEYS, "channel");
    assert_eq!(created.json["channel"]["channelType"], "PRIVATE");
    assert_eq!(created.json["channel"]["addedById"], "u_anonbot");
    assert_eq!(created.json["users"], json!(["u_anonbot"]));
    let reports = created.json["channel"]["id"]
        .as_str()
        .expect("id")
        .to_owned();

    let dup = http
        .post(
            "/v1/channels",
            &bot,
            &json!({ "name": "abot-reports", "type": "PRIVATE" }),
        )
        .expect("request");
    assert_eq!(dup.status, 400);
    let bad = http
        .post("/v1/channels", &bot, &json!({ "name": "no/slashes" }))
        .expect("request");
    assert_eq!(bad.status, 400);

    let details = http
        .get(&format!("/v1/channels/{reports}"), &bot)
        .expect("request");
    assert_eq!(details.status, 200);
    assert_eq!(details.json["channel"]["name"], "abot-reports");

    let all = http
        .get("/v1/channels?types=PUBLIC,PRIVATE,DIRECT", &bot)
        .expect("request");
    let list = all.json.as_array().expect("a bare array");
    assert_same_shape(&fixture("api_list_channels.json"), &all.json, "list");
    let ids: Vec<&str> = list
        .iter()
        .filter_map(|c| c["channel"]["id"].as_str())
        .collect();
    assert_eq!(
        ids,
        vec![standard::GENERAL, standard::RANDOM, reports.as_str()]
    );
    // Public channels are listed even when the bot is not a member.
    assert_eq!(list[1]["channel"]["isMember"], false);
    assert_eq!(list[0]["channel"]["isMember"], true);

    let private = http
        .get("/v1/channels?types=PRIVATE", &bot)
        .expect("request");
    let ids: Vec<&str> = private
        .json
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|c| c["channel"]["id"].as_str())
        .collect();
    assert_eq!(ids, vec![reports.as_str()]);

    // Alice is not in the private channel: not listed, details refused.
    let alice = sim.issue_user_token(standard::ALICE).expect("user exists");
    let hers = http
        .get("/v1/channels?types=PRIVATE", &alice)
        .expect("request");
    assert_eq!(hers.json, json!([]));
    let refused = http
        .get(&format!("/v1/channels/{reports}"), &alice)
        .expect("request");
    assert_eq!(refused.status, 403);
    let bad_type = http
        .get("/v1/channels?types=SECRET", &bot)
        .expect("request");
    assert_eq!(bad_type.status, 400);
}

#[test]
fn adding_users_answers_the_added_ids() {
    let (sim, http, bot) = start();
    let created = http
        .post(
            "/v1/channels",
            &bot,
            &json!({ "name": "reports", "type": "PRIVATE" }),
        )
        .expect("request");
    let id = created.json["channel"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let path = format!("/v1/channels/{id}/users");
    let added = http
        .post(&path, &bot, &json!({ "userIds": ["u_carol", "u_dave"] }))
        .expect("request");
    assert_eq!(added.status, 200);
    assert_eq!(
        added.json,
        json!({ "channelId": id, "addedUserIds": ["u_carol", "u_dave"] })
    );
    let again = http
        .post(&path, &bot, &json!({ "userIds": ["u_dave"] }))
        .expect("request");
    assert_eq!(again.json["addedUserIds"], json!([]));
    let unknown = http
        .post(&path, &bot, &json!({ "userIds": ["u_nobody"] }))
        .expect("request");
    assert_eq!(unknown.status, 400);
    assert_eq!(
        sim.channel(&id).expect("exists").members,
        vec!["u_anonbot", "u_carol", "u_dave"]
    );
}

#[test]
fn posting_fetching_and_threads_match_the_message_fixture() {
    let (sim, http, bot) = start();
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
            &json!({ "text": sample["text"], "blocks": sample["blocks"], "files": [] }),
        )
        .expect("request");
    assert_eq!(posted.status, 200, "{}", posted.json);
    assert_same_shape(&sample, &posted.json, "Message");
    assert_keys_within(&posted.json, MESSAGE_KEYS, "Message");
    assert_eq!(posted.json["author"], "u_anonbot");
    assert_eq!(posted.json["channelId"], dm_id.as_str());
    assert_eq!(posted.json["blocks"], sample["blocks"]);
    let ts = posted.json["timestamp"].as_str().expect("timestamp string");
    assert!(ts.ends_with('Z') && ts.len() == 24, "{ts}");
    let msg_id = posted.json["id"].as_str().expect("id").to_owned();

    let reply = http
        .post(
            &format!("/v1/channels/{dm_id}/messages/{msg_id}"),
            &bot,
            &json!({ "text": "in thread" }),
        )
        .expect("request");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json["threadReplyInfo"]["rootId"], msg_id.as_str());
    assert_eq!(reply.json["blocks"], json!([]));
    let reply_id = reply.json["id"].as_str().expect("id").to_owned();

    let fetched = http
        .get(&format!("/v1/channels/{dm_id}/messages/{msg_id}"), &bot)
        .expect("request");
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.json["threadRootInfo"]["repliesCount"], 1);
    assert_eq!(fetched.json["text"], sample["text"]);
    let replies = http
        .get(
            &format!("/v1/channels/{dm_id}/messages/{msg_id}/replies"),
            &bot,
        )
        .expect("request");
    assert_eq!(replies.json.as_array().map(Vec::len), Some(1));

    let nested = http
        .post(
            &format!("/v1/channels/{dm_id}/messages/{reply_id}"),
            &bot,
            &json!({ "text": "nested" }),
        )
        .expect("request");
    assert_eq!(nested.status, 400);
    let no_root = http
        .post(
            &format!("/v1/channels/{dm_id}/messages/msg_missing"),
            &bot,
            &json!({ "text": "x" }),
        )
        .expect("request");
    assert_eq!(no_root.status, 404);
    let wrong_channel = http
        .get(
            &format!("/v1/channels/{}/messages/{msg_id}", standard::GENERAL),
            &bot,
        )
        .expect("request");
    assert_eq!(wrong_channel.status, 404);

    let stored = sim.messages_in(&dm_id);
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[1].thread_root_id.as_deref(), Some(msg_id.as_str()));
}

#[test]
fn ephemerals_reach_members_only_and_are_not_persisted() {
    let (sim, http, bot) = start();
    // The bot is not in #random, yet may answer Bob there ephemerally (§4.5).
    let path = format!("/v1/channels/{}/messages", standard::RANDOM);
    let eph = http
        .post(
            &path,
            &bot,
            &json!({ "text": "only you", "ephemeral": { "sendToUsers": ["u_bob"] } }),
        )
        .expect("request");
    assert_eq!(eph.status, 200, "{}", eph.json);
    assert_keys_within(&eph.json, MESSAGE_KEYS, "Message");
    let eph_id = eph.json["id"].as_str().expect("id").to_owned();
    let bobs = sim.ephemerals_for(standard::BOB);
    assert_eq!(bobs.len(), 1);
    assert_eq!(bobs[0].id, eph_id);
    assert_eq!(bobs[0].text, "only you");
    assert!(sim.ephemerals_for(standard::ALICE).is_empty());
    assert!(sim.messages_in(standard::RANDOM).is_empty());

    // A normal post there is refused: the bot is not a member.
    let refused = http
        .post(&path, &bot, &json!({ "text": "hi" }))
        .expect("request");
    assert_eq!(refused.status, 403);
    assert!(refused.json["code"].is_string());
    // Recipients must be in the channel (Carol is not in #random).
    let outsider = http
        .post(
            &path,
            &bot,
            &json!({ "text": "x", "ephemeral": { "sendToUsers": ["u_carol"] } }),
        )
        .expect("request");
    assert_eq!(outsider.status, 400);
    let empty = http
        .post(
            &path,
            &bot,
            &json!({ "text": "x", "ephemeral": { "sendToUsers": [] } }),
        )
        .expect("request");
    assert_eq!(empty.status, 400);

    // Ephemeral inside a thread.
    let root = sim
        .post_as(standard::ALICE, standard::GENERAL, "root", None)
        .expect("alice is in general");
    let in_thread = http
        .post(
            &format!("/v1/channels/{}/messages/{}", standard::GENERAL, root.id),
            &bot,
            &json!({ "text": "thread eph", "ephemeral": { "sendToUsers": ["u_alice"] } }),
        )
        .expect("request");
    assert_eq!(in_thread.status, 200);
    assert_eq!(
        in_thread.json["threadReplyInfo"]["rootId"],
        root.id.as_str()
    );
    let fetched = http
        .get(
            &format!(
                "/v1/channels/{}/messages/{}",
                standard::GENERAL,
                in_thread.json["id"].as_str().unwrap_or("")
            ),
            &bot,
        )
        .expect("request");
    assert_eq!(fetched.status, 404, "ephemerals are not persisted");
}

#[test]
fn workspace_users_match_the_fixture() {
    let (_sim, http, bot) = start();
    let users = http.get("/v1/workspaceUsers", &bot).expect("request");
    assert_eq!(users.status, 200);
    let list = users.json.as_array().expect("a bare array");
    let fixture_users = fixture("api_list_users.json");
    for expected in fixture_users.as_array().expect("array") {
        let id = expected["id"].as_str().expect("id");
        let actual = list
            .iter()
            .find(|u| u["id"] == id)
            .unwrap_or_else(|| panic!("user {id} listed"));
        assert_same_shape(expected, actual, id);
        assert_eq!(actual["role"], expected["role"], "{id}");
        assert_eq!(actual["status"], expected["status"], "{id}");
        assert_eq!(actual["isAddonBot"], expected["isAddonBot"], "{id}");
        assert_eq!(actual["name"], expected["name"], "{id}");
    }
    let one = http
        .get("/v1/workspaceUsers/u_dave", &bot)
        .expect("request");
    assert_eq!(one.json["role"], "ADMINISTRATOR");
    let none = http
        .get("/v1/workspaceUsers/u_nobody", &bot)
        .expect("request");
    assert_eq!(none.status, 404);
    let me = http.get("/oauth2/me", &bot).expect("request");
    assert_eq!(me.json["workspaceUserId"], "u_anonbot");
    assert_eq!(me.json["workspaceId"], "ws_1");
}

#[test]
fn oauth_exchange_matches_the_fixture_and_codes_are_single_use() {
    let (sim, http, bot) = start();
    let app = sim.app();
    let code = sim
        .create_oauth_code(standard::CAROL)
        .expect("carol exists");
    let fields = [
        ("client-id", app.app_id.as_str()),
        ("client-secret", app.client_secret.as_str()),
        ("code", code.as_str()),
    ];
    let r = http
        .post_multipart("/oauth2/access", &fields)
        .expect("request");
    assert_eq!(r.status, 200, "{}", r.json);
    assert_same_shape(&fixture("oauth_token_response.json"), &r.json, "token");
    assert_keys_within(
        &r.json,
        &["accessToken", "botToken", "userId", "botId", "workspaceId"],
        "token",
    );
    assert_eq!(r.json["userId"], "u_carol");
    assert_eq!(r.json["botId"], "u_anonbot");
    assert_eq!(r.json["workspaceId"], "ws_1");
    assert_eq!(
        r.json["botToken"],
        bot.as_str(),
        "a plain install keeps the bot token"
    );
    let user_token = r.json["accessToken"].as_str().expect("token").to_owned();
    let me = http.get("/oauth2/me", &user_token).expect("request");
    assert_eq!(me.json["workspaceUserId"], "u_carol");

    let reused = http
        .post_multipart("/oauth2/access", &fields)
        .expect("request");
    assert_eq!(reused.status, 400);
    assert!(reused.json["code"].is_string());

    let code2 = sim.create_oauth_code(standard::BOB).expect("bob exists");
    let wrong_secret = http
        .post_multipart(
            "/oauth2/access",
            &[
                ("client-id", app.app_id.as_str()),
                ("client-secret", "xpcls-wrong"),
                ("code", code2.as_str()),
            ],
        )
        .expect("request");
    assert_eq!(wrong_secret.status, 401);
    let missing_field = http
        .post_multipart(
            "/oauth2/access",
            &[("client-id", app.app_id.as_str()), ("code", code2.as_str())],
        )
        .expect("request");
    assert_eq!(missing_field.status, 400);
    let not_multipart = http
        .post_raw("/oauth2/access", &[], "application/json", b"{}".to_vec())
        .expect("request");
    assert_eq!(not_multipart.status, 400);

    // A reinstall code rotates the bot token; the old one stops working.
    let code3 = sim
        .create_reinstall_code(standard::CAROL)
        .expect("carol exists");
    let r = http
        .post_multipart(
            "/oauth2/access",
            &[
                ("client-id", app.app_id.as_str()),
                ("client-secret", app.client_secret.as_str()),
                ("code", code3.as_str()),
            ],
        )
        .expect("request");
    assert_eq!(r.status, 200);
    assert_ne!(r.json["botToken"], bot.as_str());
    assert_eq!(
        http.get("/v1/workspaceUsers", &bot)
            .expect("request")
            .status,
        401
    );

    let recorded = sim
        .calls()
        .into_iter()
        .find(|c| c.path == "/oauth2/access")
        .expect("recorded");
    assert_eq!(recorded.token_kind, TokenKind::None);
    let body: &Value = recorded.body.as_ref().expect("multipart fields recorded");
    assert_eq!(body["client-id"], app.app_id.as_str());
    assert_eq!(body["code"], code.as_str());
}

#[test]
fn path_segments_are_percent_decoded() {
    let (_sim, http, bot) = start();
    let encoded = http
        .get("/v1/channels/ch%5Fgeneral", &bot)
        .expect("request");
    assert_eq!(encoded.status, 200);
    assert_eq!(encoded.json["channel"]["id"], standard::GENERAL);
    let broken = http.get("/v1/channels/%zz", &bot).expect("request");
    assert_eq!(broken.status, 400);
}
