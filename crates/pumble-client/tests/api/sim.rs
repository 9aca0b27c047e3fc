//! Every method against `pumble-sim`: the simulator checks the `token` and
//! `x-app-token` headers, the JSON or multipart content type and the body,
//! records each call, and changes its world; the tests check all three.

use std::time::{Duration, Instant};

use pumble_client::{
    AccessToken, AppKey, AuthorizationCode, ChannelType, ClientConfig, ClientError, ClientSecret,
    NewChannel, OutgoingMessage, PumbleClient, Role, UserStatus,
};
use pumble_sim::standard::{ALICE, BOB, BOT, CAROL, DAVE, ERIN, FRANK, GENERAL, RANDOM, WORKSPACE};
use pumble_sim::{Fault, FaultRule, RecordedCall, Seed, Simulator, TokenKind};
use serde_json::json;

/// A running simulator with a client configured for it.
struct World {
    sim: Simulator,
    client: PumbleClient,
    bot_token: AccessToken,
}

impl World {
    fn start() -> Self {
        Self::with_timeout(Duration::from_secs(5))
    }

    fn with_timeout(timeout: Duration) -> Self {
        let sim = Simulator::start(Seed::standard()).expect("the simulator starts");
        let client = PumbleClient::new(
            ClientConfig::default()
                .with_base_url(sim.base_url())
                .with_timeout(timeout)
                .with_retry_policy(crate::quick_retries()),
            AppKey::new(sim.app().app_key),
        )
        .expect("the simulator URL is a valid base URL");
        let bot_token = AccessToken::new(
            sim.bot_token(WORKSPACE)
                .expect("the standard seed installs the app"),
        );
        Self {
            sim,
            client,
            bot_token,
        }
    }

    /// The only recorded call; fails the test if there were more or none.
    fn single_call(&self) -> RecordedCall {
        let calls = self.sim.calls();
        assert_eq!(calls.len(), 1, "expected one call, got {calls:?}");
        calls.into_iter().next().expect("length checked above")
    }
}

/// The call came from the bot with valid credentials and was answered.
fn assert_bot_call(call: &RecordedCall, method: &str, path: &str, status: u16) {
    assert_eq!(call.method, method);
    assert_eq!(call.path, path);
    assert_eq!(call.token_kind, TokenKind::Bot);
    assert_eq!(call.acting_user.as_deref(), Some(BOT));
    assert_eq!(call.status, Some(status));
    assert!(!call.faulted);
}

#[test]
fn get_or_create_direct_channel_falls_back_to_creating_it() {
    let world = World::start();
    let bot = world.client.acting_as(&world.bot_token);
    assert!(world.sim.find_dm(WORKSPACE, &[BOT, BOB]).is_none());

    let created = bot
        .get_or_create_direct_channel(BOT, &[BOB])
        .expect("the DM is created");
    assert_eq!(created.channel.channel_type, ChannelType::Direct);
    assert_eq!(created.channel.workspace_id, WORKSPACE);
    assert_eq!(created.users, vec![BOT, BOB]);

    let calls = world.sim.calls();
    assert_eq!(calls.len(), 2);
    assert_bot_call(&calls[0], "GET", "/v1/channels/direct", 404);
    assert_eq!(
        calls[0].query.as_deref(),
        Some("participantIds=u_anonbot,u_bob")
    );
    assert_bot_call(&calls[1], "POST", "/v1/channels/direct", 200);
    assert_eq!(calls[1].body, Some(json!({"participantIds": [BOT, BOB]})));
    let stored = world
        .sim
        .find_dm(WORKSPACE, &[BOT, BOB])
        .expect("the simulator holds the new DM");
    assert_eq!(stored.id, created.channel.id);

    // Now the plain lookup finds it, without creating another.
    world.sim.clear_calls();
    let found = bot
        .get_direct_channel(BOT, &[BOB, BOT])
        .expect("the DM exists now");
    assert_eq!(found.channel.id, created.channel.id);
    let call = world.single_call();
    assert_bot_call(&call, "GET", "/v1/channels/direct", 200);
    assert_eq!(
        call.query_param("participantIds").as_deref(),
        Some("u_anonbot,u_bob")
    );
}

#[test]
fn create_direct_channel_creates_it() {
    let world = World::start();
    let created = world
        .client
        .acting_as(&world.bot_token)
        .create_direct_channel(&[BOT, ALICE])
        .expect("the DM is created");
    assert_eq!(created.users, vec![BOT, ALICE]);
    assert_bot_call(&world.single_call(), "POST", "/v1/channels/direct", 200);
}

#[test]
fn channel_details_describes_the_channel() {
    let world = World::start();
    let info = world
        .client
        .acting_as(&world.bot_token)
        .channel_details(GENERAL)
        .expect("the bot sees #general");
    assert_eq!(info.channel.id, GENERAL);
    assert_eq!(info.channel.name.as_deref(), Some("general"));
    assert_eq!(info.channel.channel_type, ChannelType::Public);
    assert_eq!(info.channel.is_member, Some(true));
    assert!(info.users.iter().any(|user| user == BOT));
    assert!(!info.users.iter().any(|user| user == FRANK));
    assert_bot_call(&world.single_call(), "GET", "/v1/channels/ch_general", 200);
}

#[test]
fn channel_details_of_an_unknown_channel_is_not_found() {
    let world = World::start();
    let error = world
        .client
        .acting_as(&world.bot_token)
        .channel_details("ch_missing")
        .expect_err("no such channel");
    assert!(error.is_not_found(), "got {error:?}");
    assert_eq!(
        world.single_call().status,
        Some(404),
        "a 404 is not retried"
    );
}

#[test]
fn list_channels_filters_by_type() {
    let world = World::start();
    let bot = world.client.acting_as(&world.bot_token);
    let public = bot
        .list_channels(&[ChannelType::Public])
        .expect("public channels are listed");
    let ids: Vec<&str> = public.iter().map(|info| info.channel.id.as_str()).collect();
    assert_eq!(ids, vec![GENERAL, RANDOM]);
    let call = world.single_call();
    assert_bot_call(&call, "GET", "/v1/channels", 200);
    assert_eq!(call.query.as_deref(), Some("types=PUBLIC"));

    assert!(bot
        .list_channels(&[ChannelType::Private])
        .expect("an empty list is fine")
        .is_empty());
    let all = bot.list_channels(&[]).expect("unfiltered list");
    assert_eq!(all.len(), 2);
    assert_eq!(world.sim.calls()[2].query, None);
}

#[test]
fn create_channel_and_add_users() {
    let world = World::start();
    let bot = world.client.acting_as(&world.bot_token);
    let created = bot
        .create_channel(
            &NewChannel::new("abot-reports")
                .with_type(ChannelType::Private)
                .with_description("Abuse reports"),
        )
        .expect("the channel is created");
    assert_eq!(created.channel.channel_type, ChannelType::Private);
    assert_eq!(created.channel.name.as_deref(), Some("abot-reports"));
    assert_eq!(
        created.channel.description.as_deref(),
        Some("Abuse reports")
    );
    assert_eq!(created.users, vec![BOT]);
    let call = world.single_call();
    assert_bot_call(&call, "POST", "/v1/channels", 200);
    assert_eq!(
        call.body,
        Some(json!({"name": "abot-reports", "type": "PRIVATE", "description": "Abuse reports"}))
    );

    world.sim.clear_calls();
    let channel_id = created.channel.id.as_str();
    let added = bot
        .add_users_to_channel(channel_id, &[CAROL, DAVE])
        .expect("owners and administrators are added");
    assert_eq!(added.channel_id.as_deref(), Some(channel_id));
    assert_eq!(added.added_user_ids, vec![CAROL, DAVE]);
    let call = world.single_call();
    assert_bot_call(
        &call,
        "POST",
        &format!("/v1/channels/{channel_id}/users"),
        200,
    );
    assert_eq!(call.body, Some(json!({"userIds": [CAROL, DAVE]})));
    let members = world
        .sim
        .channel(channel_id)
        .expect("the simulator holds the channel")
        .members;
    assert_eq!(members, vec![BOT, CAROL, DAVE]);

    let private = bot
        .list_channels(&[ChannelType::Private])
        .expect("the private channel is listed");
    assert_eq!(private.len(), 1);
    assert_eq!(private[0].channel.id, channel_id);
}

#[test]
fn list_workspace_users_maps_roles_and_statuses() {
    let world = World::start();
    let users = world
        .client
        .acting_as(&world.bot_token)
        .list_workspace_users()
        .expect("the users are listed");
    assert_bot_call(&world.single_call(), "GET", "/v1/workspaceUsers", 200);
    let user = |id: &str| {
        users
            .iter()
            .find(|user| user.id == id)
            .unwrap_or_else(|| panic!("{id} is listed"))
    };
    assert_eq!(user(CAROL).role, Role::Owner);
    assert_eq!(user(DAVE).role, Role::Administrator);
    assert_eq!(user(ALICE).role, Role::User);
    assert_eq!(user(ERIN).role, Role::GuestSingleChannel);
    assert!(user(ERIN).role.is_guest());
    assert_eq!(user(FRANK).status, Some(UserStatus::Deactivated));
    assert!(!user(FRANK).is_active());
    assert!(user(BOT).is_bot());
    let admins: Vec<&str> = users
        .iter()
        .filter(|user| user.role.is_owner_or_administrator() && user.is_active() && !user.is_bot())
        .map(|user| user.id.as_str())
        .collect();
    assert_eq!(admins, vec![CAROL, DAVE]);
}

#[test]
fn get_workspace_user_fetches_one_user() {
    let world = World::start();
    let bot = world.client.acting_as(&world.bot_token);
    let dave = bot.get_workspace_user(DAVE).expect("dave exists");
    assert_eq!(dave.id, DAVE);
    assert_eq!(dave.role, Role::Administrator);
    assert_bot_call(
        &world.single_call(),
        "GET",
        "/v1/workspaceUsers/u_dave",
        200,
    );
    let missing = bot
        .get_workspace_user("u_nobody")
        .expect_err("no such user");
    assert!(missing.is_not_found(), "got {missing:?}");
}

#[test]
fn post_reply_and_get_message() {
    let world = World::start();
    let bot = world.client.acting_as(&world.bot_token);
    let blocks = vec![
        json!({"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": "Anonymous"}]}]}),
    ];
    let root = bot
        .post_message(
            GENERAL,
            &OutgoingMessage::text("Anonymous: hello").with_blocks(blocks.clone()),
        )
        .expect("the bot posts in #general");
    assert_eq!(root.channel_id, GENERAL);
    assert_eq!(root.author.as_deref(), Some(BOT));
    assert_eq!(root.text.as_deref(), Some("Anonymous: hello"));
    assert_eq!(root.thread_root_id(), None);
    let call = world.single_call();
    assert_bot_call(&call, "POST", "/v1/channels/ch_general/messages", 200);
    assert_eq!(
        call.body,
        Some(json!({"text": "Anonymous: hello", "blocks": blocks}))
    );
    let stored = world.sim.message(&root.id).expect("the post is persisted");
    assert_eq!(stored.text, "Anonymous: hello");
    assert_eq!(stored.blocks, json!(blocks));

    world.sim.clear_calls();
    let reply = bot
        .reply_in_thread(GENERAL, &root.id, &OutgoingMessage::text("a reply"))
        .expect("the bot replies in the thread");
    assert_eq!(reply.thread_root_id(), Some(root.id.as_str()));
    assert_bot_call(
        &world.single_call(),
        "POST",
        &format!("/v1/channels/ch_general/messages/{}", root.id),
        200,
    );
    let replies = world.sim.replies_to(&root.id);
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].id, reply.id);

    world.sim.clear_calls();
    let fetched = bot
        .get_message(GENERAL, &reply.id)
        .expect("the reply can be fetched");
    assert_eq!(fetched.id, reply.id);
    assert_eq!(fetched.thread_root_id(), Some(root.id.as_str()));
    assert_eq!(fetched.text.as_deref(), Some("a reply"));
    assert_bot_call(
        &world.single_call(),
        "GET",
        &format!("/v1/channels/ch_general/messages/{}", reply.id),
        200,
    );
}

#[test]
fn ephemerals_reach_only_their_recipients() {
    let world = World::start();
    let bot = world.client.acting_as(&world.bot_token);
    bot.post_ephemeral(GENERAL, &[ALICE], &OutgoingMessage::text("only alice"))
        .expect("the ephemeral is posted");
    let call = world.single_call();
    assert_bot_call(&call, "POST", "/v1/channels/ch_general/messages", 200);
    assert_eq!(
        call.body,
        Some(json!({"ephemeral": {"sendToUsers": [ALICE]}, "text": "only alice"}))
    );
    let shown = world.sim.ephemerals_for(ALICE);
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].text, "only alice");
    assert_eq!(shown[0].thread_root_id, None);
    assert!(world.sim.ephemerals_for(BOB).is_empty());
    assert!(world.sim.messages_in(GENERAL).is_empty(), "not persisted");

    let root = world
        .sim
        .post_as(ALICE, GENERAL, "a thread root", None)
        .expect("alice posts");
    world.sim.clear_calls();
    bot.post_ephemeral_in_thread(
        GENERAL,
        &root.id,
        &[ALICE, BOB],
        &OutgoingMessage::text("in thread"),
    )
    .expect("the thread ephemeral is posted");
    let call = world.single_call();
    assert_bot_call(
        &call,
        "POST",
        &format!("/v1/channels/ch_general/messages/{}", root.id),
        200,
    );
    for user in [ALICE, BOB] {
        let last = world
            .sim
            .ephemerals_for(user)
            .pop()
            .expect("each recipient sees it");
        assert_eq!(last.text, "in thread");
        assert_eq!(last.thread_root_id.as_deref(), Some(root.id.as_str()));
    }
}

#[test]
fn an_ephemeral_to_a_non_member_is_refused_with_pumbles_code() {
    let world = World::start();
    // Frank is deactivated and not in #random.
    let error = world
        .client
        .acting_as(&world.bot_token)
        .post_ephemeral(RANDOM, &[FRANK], &OutgoingMessage::text("hello"))
        .expect_err("frank is not a member of #random");
    assert!(
        matches!(&error, ClientError::Http { status: 400, code: Some(code), .. } if code == "USER_NOT_IN_CHANNEL"),
        "got {error:?}"
    );
}

#[test]
fn the_oauth_exchange_issues_working_tokens() {
    let world = World::start();
    let app = world.sim.app();
    let code = world
        .sim
        .create_oauth_code(CAROL)
        .expect("carol can authorize");
    let secret = ClientSecret::new(app.client_secret.clone());
    let tokens = world
        .client
        .exchange_oauth_code(&app.app_id, &secret, &AuthorizationCode::new(code.clone()))
        .expect("the code is redeemed");
    assert_eq!(tokens.user_id, CAROL);
    assert_eq!(tokens.workspace_id, WORKSPACE);
    assert_eq!(tokens.bot_id.as_deref(), Some(BOT));
    let call = world.single_call();
    assert_eq!(
        (call.method.as_str(), call.path.as_str()),
        ("POST", "/oauth2/access")
    );
    assert_eq!(call.token_kind, TokenKind::None);
    assert_eq!(call.status, Some(200));
    assert_eq!(
        call.body,
        Some(json!({"client-id": app.app_id, "client-secret": app.client_secret, "code": code}))
    );

    // The user token acts as carol.
    world.sim.clear_calls();
    world
        .client
        .acting_as(&tokens.access_token)
        .channel_details(GENERAL)
        .expect("carol's token works");
    let call = world.single_call();
    assert_eq!(call.token_kind, TokenKind::User);
    assert_eq!(call.acting_user.as_deref(), Some(CAROL));

    // A code is good for one exchange only.
    let again = world
        .client
        .exchange_oauth_code(&app.app_id, &secret, &AuthorizationCode::new(code))
        .expect_err("the code was used");
    assert!(
        matches!(&again, ClientError::Http { status: 400, code: Some(code), .. } if code == "INVALID_GRANT"),
        "got {again:?}"
    );
}

#[test]
fn wrong_client_credentials_are_refused() {
    let world = World::start();
    let app = world.sim.app();
    let code = world
        .sim
        .create_oauth_code(CAROL)
        .expect("carol can authorize");
    let error = world
        .client
        .exchange_oauth_code(
            &app.app_id,
            &ClientSecret::new("xpcls-wrong"),
            &AuthorizationCode::new(code),
        )
        .expect_err("wrong secret");
    assert_eq!(error.status(), Some(401));
}

#[test]
fn unknown_tokens_and_app_keys_are_unauthorized() {
    let world = World::start();
    let unknown = AccessToken::new("tok_nobody");
    let error = world
        .client
        .acting_as(&unknown)
        .list_workspace_users()
        .expect_err("unknown token");
    assert!(
        matches!(&error, ClientError::Http { status: 401, code: Some(code), .. } if code == "UNAUTHORIZED"),
        "got {error:?}"
    );
    assert_eq!(world.single_call().token_kind, TokenKind::Unknown);

    let wrong_key = PumbleClient::new(
        ClientConfig::default().with_base_url(world.sim.base_url()),
        AppKey::new("xpat-wrong"),
    )
    .expect("valid config");
    let error = wrong_key
        .acting_as(&world.bot_token)
        .list_workspace_users()
        .expect_err("wrong app key");
    assert_eq!(error.status(), Some(401));
}

#[test]
fn a_rate_limited_get_is_retried_and_a_post_is_not() {
    let world = World::start();
    let bot = world.client.acting_as(&world.bot_token);
    world.sim.inject_fault(
        FaultRule::new(
            "GET",
            "/v1/workspaceUsers",
            Fault::RateLimited {
                retry_after_secs: 0,
            },
        )
        .times(2),
    );
    let users = bot
        .list_workspace_users()
        .expect("the third attempt gets through");
    assert!(!users.is_empty());
    let statuses: Vec<(Option<u16>, bool)> = world
        .sim
        .calls()
        .iter()
        .map(|call| (call.status, call.faulted))
        .collect();
    assert_eq!(
        statuses,
        vec![(Some(429), true), (Some(429), true), (Some(200), false)]
    );

    world.sim.clear_calls();
    world.sim.inject_fault(
        FaultRule::new(
            "POST",
            "/v1/channels/*/messages",
            Fault::RateLimited {
                retry_after_secs: 0,
            },
        )
        .times(1),
    );
    let error = bot
        .post_message(GENERAL, &OutgoingMessage::text("hello"))
        .expect_err("rate limited");
    assert!(
        matches!(error, ClientError::RateLimited { retry_after: Some(after) } if after.is_zero()),
        "got {error:?}"
    );
    assert_eq!(world.sim.calls().len(), 1, "the post was not repeated");
    assert!(world.sim.messages_in(GENERAL).is_empty());
}

#[test]
fn a_hanging_simulator_costs_only_the_timeout() {
    let world = World::with_timeout(Duration::from_millis(200));
    world
        .sim
        .inject_fault(FaultRule::any_method("/v1/channels/**", Fault::Hang));
    let started = Instant::now();
    let result = world
        .client
        .acting_as(&world.bot_token)
        .channel_details(GENERAL);
    let elapsed = started.elapsed();
    assert!(
        matches!(result, Err(ClientError::Timeout)),
        "got {result:?}"
    );
    assert!(elapsed < Duration::from_secs(1), "took {elapsed:?}");
}
