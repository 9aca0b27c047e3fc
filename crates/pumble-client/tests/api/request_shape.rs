//! The exact request each method sends (method, target, headers, body), as
//! read off the wire, and the decoding of the fixture answers.

use pumble_client::{
    AuthorizationCode, ChannelType, ClientSecret, NewChannel, OutgoingMessage, Role, UserStatus,
    USER_AGENT,
};
use serde_json::json;

use crate::canned::{Canned, CannedServer, Recorded};
use crate::{client_for, fixture, token, APP_KEY, TOKEN};

fn assert_api_headers(request: &Recorded) {
    assert_eq!(request.header("token"), Some(TOKEN));
    assert_eq!(request.header("x-app-token"), Some(APP_KEY));
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.header("accept"), Some("application/json"));
    assert_eq!(request.header("user-agent"), Some(USER_AGENT));
    assert!(USER_AGENT.starts_with("pumble-client/"));
    assert_eq!(request.header("authorization"), None);
}

fn assert_get(request: &Recorded, target: &str) {
    assert_eq!(request.method, "GET");
    assert_eq!(request.target, target);
    assert!(request.body.is_empty());
    assert_api_headers(request);
}

fn assert_post(request: &Recorded, target: &str, body: serde_json::Value) {
    assert_eq!(request.method, "POST");
    assert_eq!(request.target, target);
    assert_eq!(request.json(), body);
    assert_api_headers(request);
}

/// Starts a server answering `answer` once, runs `call`, returns the request.
fn one_call<T>(
    answer: Canned,
    call: impl FnOnce(&pumble_client::ActingClient<'_>) -> T,
) -> (T, Recorded) {
    let server = CannedServer::start(vec![answer]);
    let client = client_for(&server.base_url());
    let token = token();
    let result = call(&client.acting_as(&token));
    (result, server.single_request())
}

#[test]
fn get_direct_channel_puts_the_caller_first_with_literal_commas() {
    let (dm, request) = one_call(Canned::ok(fixture("api_dm_channel.json")), |bot| {
        bot.get_direct_channel("u_anonbot", &["u_bob", "u_anonbot", "u_bob", "u,odd"])
    });
    assert_get(
        &request,
        "/v1/channels/direct?participantIds=u_anonbot,u_bob,u%2Codd",
    );
    let dm = dm.expect("fixture decodes");
    assert_eq!(dm.channel.id, "ch_dm_bot_bob");
    assert_eq!(dm.channel.workspace_id, "ws_1");
    assert_eq!(dm.channel.channel_type, ChannelType::Direct);
    assert_eq!(dm.channel.name, None);
    assert_eq!(dm.users, vec!["u_anonbot", "u_bob"]);
}

#[test]
fn create_direct_channel_sends_the_participants() {
    let (dm, request) = one_call(Canned::ok(fixture("api_dm_channel.json")), |bot| {
        bot.create_direct_channel(&["u_anonbot", "u_bob"])
    });
    assert_post(
        &request,
        "/v1/channels/direct",
        json!({"participantIds": ["u_anonbot", "u_bob"]}),
    );
    assert_eq!(dm.expect("fixture decodes").channel.id, "ch_dm_bot_bob");
}

#[test]
fn channel_details_encodes_the_id_as_one_segment() {
    let (info, request) = one_call(Canned::ok(fixture("api_create_channel.json")), |bot| {
        bot.channel_details("../ch reports/x")
    });
    assert_get(&request, "/v1/channels/%2E%2E%2Fch%20reports%2Fx");
    let info = info.expect("fixture decodes");
    assert_eq!(info.channel.channel_type, ChannelType::Private);
    assert_eq!(info.channel.name.as_deref(), Some("abot-reports"));
    assert_eq!(info.channel.added_by_id.as_deref(), Some("u_anonbot"));
}

#[test]
fn list_channels_filters_by_types() {
    let (channels, request) = one_call(Canned::ok(fixture("api_list_channels.json")), |bot| {
        bot.list_channels(&[
            ChannelType::Public,
            ChannelType::Private,
            ChannelType::Direct,
        ])
    });
    assert_get(&request, "/v1/channels?types=PUBLIC,PRIVATE,DIRECT");
    let channels = channels.expect("fixture decodes");
    let kinds: Vec<(&str, &ChannelType)> = channels
        .iter()
        .map(|info| (info.channel.id.as_str(), &info.channel.channel_type))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("ch_general", &ChannelType::Public),
            ("ch_reports", &ChannelType::Private),
            ("ch_dm_bot_bob", &ChannelType::Direct),
        ]
    );
    assert_eq!(channels[0].users.len(), 5);
}

#[test]
fn list_channels_without_types_sends_no_filter() {
    let (channels, request) = one_call(Canned::ok("[]"), |bot| bot.list_channels(&[]));
    assert_get(&request, "/v1/channels");
    assert!(channels.expect("an empty array decodes").is_empty());
}

#[test]
fn create_channel_sends_name_type_and_description() {
    let (info, request) = one_call(Canned::ok(fixture("api_create_channel.json")), |bot| {
        bot.create_channel(
            &NewChannel::new("abot-reports")
                .with_type(ChannelType::Private)
                .with_description("Anonymous message abuse reports from Anon"),
        )
    });
    assert_post(
        &request,
        "/v1/channels",
        json!({
            "name": "abot-reports",
            "type": "PRIVATE",
            "description": "Anonymous message abuse reports from Anon"
        }),
    );
    assert_eq!(info.expect("fixture decodes").users, vec!["u_anonbot"]);
}

#[test]
fn add_users_sends_the_user_ids() {
    let (added, request) = one_call(
        Canned::ok(r#"{"channelId":"ch_reports","addedUserIds":["u_carol","u_dave"]}"#),
        |bot| bot.add_users_to_channel("ch_reports", &["u_carol", "u_dave"]),
    );
    assert_post(
        &request,
        "/v1/channels/ch_reports/users",
        json!({"userIds": ["u_carol", "u_dave"]}),
    );
    let added = added.expect("answer decodes");
    assert_eq!(added.channel_id.as_deref(), Some("ch_reports"));
    assert_eq!(added.added_user_ids, vec!["u_carol", "u_dave"]);
}

#[test]
fn list_workspace_users_decodes_every_role_and_status() {
    let (users, request) = one_call(Canned::ok(fixture("api_list_users.json")), |bot| {
        bot.list_workspace_users()
    });
    assert_get(&request, "/v1/workspaceUsers");
    let users = users.expect("fixture decodes");
    let roles: Vec<(&str, &Role)> = users
        .iter()
        .map(|user| (user.id.as_str(), &user.role))
        .collect();
    assert_eq!(
        roles,
        vec![
            ("u_carol", &Role::Owner),
            ("u_dave", &Role::Administrator),
            ("u_alice", &Role::User),
            ("u_bob", &Role::User),
            ("u_erin", &Role::GuestSingleChannel),
            ("u_frank", &Role::User),
            ("u_anonbot", &Role::User),
        ]
    );
    let frank = &users[5];
    assert_eq!(frank.status, Some(UserStatus::Deactivated));
    assert!(!frank.is_active());
    let bot = &users[6];
    assert!(bot.is_addon_bot && bot.is_bot());
    assert_eq!(users[0].email.as_deref(), Some("carol@example.test"));
}

#[test]
fn post_message_sends_text_and_blocks() {
    let blocks = vec![
        json!({"type": "rich_text", "elements": []}),
        json!({"type": "divider"}),
    ];
    let message = OutgoingMessage::text("Anonymous message: hi").with_blocks(blocks.clone());
    let (posted, request) = one_call(Canned::ok(fixture("api_post_message.json")), |bot| {
        bot.post_message("ch_dm_bot_bob", &message)
    });
    assert_post(
        &request,
        "/v1/channels/ch_dm_bot_bob/messages",
        json!({"text": "Anonymous message: hi", "blocks": blocks}),
    );
    let posted = posted.expect("fixture decodes");
    assert_eq!(posted.id, "msg_anon_dm_1");
    assert_eq!(posted.channel_id, "ch_dm_bot_bob");
    assert_eq!(posted.author.as_deref(), Some("u_anonbot"));
    assert_eq!(posted.timestamp_milli, Some(1_717_243_083_412));
    assert_eq!(posted.blocks.as_ref().map(Vec::len), Some(2));
    assert_eq!(posted.thread_root_id(), None);
}

#[test]
fn reply_in_thread_posts_under_the_root() {
    let (reply, request) = one_call(Canned::ok(fixture("api_post_message.json")), |bot| {
        bot.reply_in_thread(
            "ch_general",
            "msg_root_7",
            &OutgoingMessage::text("a reply"),
        )
    });
    assert_post(
        &request,
        "/v1/channels/ch_general/messages/msg_root_7",
        json!({"text": "a reply"}),
    );
    assert!(reply.is_ok());
}

#[test]
fn post_ephemeral_names_the_recipients() {
    let (result, request) = one_call(Canned::ok(fixture("api_post_message.json")), |bot| {
        bot.post_ephemeral(
            "ch_general",
            &["u_alice"],
            &OutgoingMessage::text("only you"),
        )
    });
    assert_post(
        &request,
        "/v1/channels/ch_general/messages",
        json!({"ephemeral": {"sendToUsers": ["u_alice"]}, "text": "only you"}),
    );
    assert!(result.is_ok());
}

#[test]
fn post_ephemeral_in_thread_posts_under_the_root() {
    let message = OutgoingMessage::text("only you").with_blocks(vec![json!({"type": "divider"})]);
    let (result, request) = one_call(Canned::ok("{}"), |bot| {
        bot.post_ephemeral_in_thread("ch_general", "msg_root_7", &["u_alice", "u_bob"], &message)
    });
    assert_post(
        &request,
        "/v1/channels/ch_general/messages/msg_root_7",
        json!({
            "ephemeral": {"sendToUsers": ["u_alice", "u_bob"]},
            "text": "only you",
            "blocks": [{"type": "divider"}]
        }),
    );
    assert!(result.is_ok(), "an answer of any shape is a success");
}

#[test]
fn get_message_fetches_one_message() {
    let (message, request) = one_call(
        Canned::ok(
            r#"{"id":"msg_9","channelId":"ch_general","workspaceId":"ws_1","author":"u_bob",
                "text":"reply","threadReplyInfo":{"rootId":"msg_root_7","rootText":"x"},
                "reactions":[{"user":"u_a","code":":+1:"}]}"#,
        ),
        |bot| bot.get_message("ch_general", "msg_9"),
    );
    assert_get(&request, "/v1/channels/ch_general/messages/msg_9");
    let message = message.expect("answer decodes");
    assert_eq!(message.id, "msg_9");
    assert_eq!(message.thread_root_id(), Some("msg_root_7"));
}

#[test]
fn the_oauth_exchange_is_multipart_without_app_headers() {
    let server = CannedServer::start(vec![Canned::ok(fixture("oauth_token_response.json"))]);
    let client = client_for(&server.base_url());
    let tokens = client
        .exchange_oauth_code(
            "app_1",
            &ClientSecret::new("xpcls-client-secret"),
            &AuthorizationCode::new("code-123"),
        )
        .expect("fixture decodes");
    let request = server.single_request();
    assert_eq!(request.method, "POST");
    assert_eq!(request.target, "/oauth2/access");
    assert_eq!(request.header("token"), None);
    assert_eq!(request.header("x-app-token"), None);
    assert_eq!(request.header("user-agent"), Some(USER_AGENT));
    let content_type = request
        .header("content-type")
        .expect("content type is sent");
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .expect("multipart with a boundary");
    let body = String::from_utf8(request.body.clone()).expect("text fields give UTF-8");
    let field = |name: &str, value: &str| {
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        )
    };
    assert_eq!(
        body,
        format!(
            "{}{}{}--{boundary}--\r\n",
            field("client-id", "app_1"),
            field("client-secret", "xpcls-client-secret"),
            field("code", "code-123")
        )
    );
    assert_eq!(
        tokens.access_token.expose_secret(),
        "tok_user_carol_fake_0001"
    );
    assert_eq!(
        tokens.bot_token.as_ref().map(|token| token.expose_secret()),
        Some("tok_bot_ws1_fake_0001")
    );
    assert_eq!(tokens.user_id, "u_carol");
    assert_eq!(tokens.bot_id.as_deref(), Some("u_anonbot"));
    assert_eq!(tokens.workspace_id, "ws_1");
}

/// Ids an attacker could plant (`/`, `?`, `#`, `..`, `%`, spaces, CR/LF,
/// non-ASCII) stay inside their one path segment for every method that puts
/// an id in the path: the endpoint cannot change and no query or header can
/// be smuggled in.
#[test]
fn hostile_ids_stay_inside_their_segment_for_every_method() {
    const HOSTILE: &str = "../../v1/users?all=1#x %2F\r\nX: y é";
    const ENCODED: &str =
        "%2E%2E%2F%2E%2E%2Fv1%2Fusers%3Fall%3D1%23x%20%252F%0D%0AX%3A%20y%20%C3%A9";
    type Call = Box<dyn Fn(&pumble_client::ActingClient<'_>)>;
    let cases: Vec<(Call, String)> = vec![
        (
            Box::new(|bot| drop(bot.channel_details(HOSTILE))),
            format!("/v1/channels/{ENCODED}"),
        ),
        (
            Box::new(|bot| drop(bot.get_message(HOSTILE, HOSTILE))),
            format!("/v1/channels/{ENCODED}/messages/{ENCODED}"),
        ),
        (
            Box::new(move |bot| drop(bot.post_message(HOSTILE, &OutgoingMessage::text("hi")))),
            format!("/v1/channels/{ENCODED}/messages"),
        ),
        (
            Box::new(move |bot| {
                drop(bot.reply_in_thread(HOSTILE, HOSTILE, &OutgoingMessage::text("hi")))
            }),
            format!("/v1/channels/{ENCODED}/messages/{ENCODED}"),
        ),
        (
            Box::new(|bot| drop(bot.get_workspace_user(HOSTILE))),
            format!("/v1/workspaceUsers/{ENCODED}"),
        ),
    ];
    for (call, want) in cases {
        let (_, request) = one_call(Canned::new(404, ""), |bot| call(bot));
        let target = request.target.clone();
        assert_eq!(target, want);
        assert!(!target.contains('?') && !target.contains('#'), "{target}");
        assert!(!target.contains("/../"), "{target}");
        assert_eq!(request.header("x"), None, "no header smuggled");
    }
}
