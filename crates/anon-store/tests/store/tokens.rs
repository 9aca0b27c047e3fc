use anon_store::{BotGrant, TokenGrant, UserGrant};
use secrecy::ExposeSecret;

use crate::support::*;

fn user_grant<'a>(workspace_id: &'a str, user_id: &'a str, token: &'a str) -> TokenGrant<'a> {
    TokenGrant {
        workspace_id,
        bot: None,
        user: Some(UserGrant { user_id, token }),
    }
}

#[tokio::test]
async fn save_then_get_bot_and_user_tokens() {
    let db = TestDb::new();
    let store = db.open_a().await;
    let tokens = store.tokens();
    assert!(tokens.bot_token(WS).await.expect("get").is_none());
    assert!(tokens.bot_user_id(WS).await.expect("get").is_none());
    tokens
        .save(
            &TokenGrant {
                workspace_id: WS,
                bot: Some(BotGrant {
                    token: BOT_TOKEN,
                    bot_user_id: Some(BOT_USER),
                }),
                user: Some(UserGrant {
                    user_id: ALICE,
                    token: USER_TOKEN,
                }),
            },
            5,
        )
        .await
        .expect("save");
    assert_eq!(
        tokens
            .bot_token(WS)
            .await
            .expect("get")
            .expect("bot")
            .expose_secret(),
        BOT_TOKEN
    );
    assert_eq!(
        tokens.bot_user_id(WS).await.expect("get").as_deref(),
        Some(BOT_USER)
    );
    assert_eq!(
        tokens
            .user_token(WS, ALICE)
            .await
            .expect("get")
            .expect("user")
            .expose_secret(),
        USER_TOKEN
    );
    assert!(tokens.user_token(WS, BOB).await.expect("get").is_none());
    assert!(tokens
        .user_token(OTHER_WS, ALICE)
        .await
        .expect("get")
        .is_none());
    assert!(tokens.bot_token(OTHER_WS).await.expect("get").is_none());
}

#[tokio::test]
async fn saving_again_replaces_tokens() {
    let db = TestDb::new();
    let store = db.open_a().await;
    let tokens = store.tokens();
    tokens
        .save(&user_grant(WS, ALICE, "first-token"), 1)
        .await
        .expect("save");
    tokens
        .save(&user_grant(WS, ALICE, "second-token"), 2)
        .await
        .expect("save");
    assert_eq!(
        tokens
            .user_token(WS, ALICE)
            .await
            .expect("get")
            .expect("user")
            .expose_secret(),
        "second-token"
    );
    let bot = |token| TokenGrant {
        workspace_id: WS,
        bot: Some(BotGrant {
            token,
            bot_user_id: None,
        }),
        user: None,
    };
    tokens.save(&bot("bot-one"), 1).await.expect("save");
    tokens.save(&bot("bot-two"), 2).await.expect("save");
    assert_eq!(
        tokens
            .bot_token(WS)
            .await
            .expect("get")
            .expect("bot")
            .expose_secret(),
        "bot-two"
    );
    assert!(tokens.bot_user_id(WS).await.expect("get").is_none());
}

#[tokio::test]
async fn delete_for_user_and_for_workspace() {
    let db = TestDb::new();
    let store = db.open_a().await;
    let tokens = store.tokens();
    tokens
        .save(
            &TokenGrant {
                workspace_id: WS,
                bot: Some(BotGrant {
                    token: BOT_TOKEN,
                    bot_user_id: Some(BOT_USER),
                }),
                user: Some(UserGrant {
                    user_id: ALICE,
                    token: USER_TOKEN,
                }),
            },
            1,
        )
        .await
        .expect("save");
    tokens
        .save(&user_grant(WS, BOB, "bob-token"), 1)
        .await
        .expect("save");
    tokens
        .save(&user_grant(OTHER_WS, ALICE, "alice-elsewhere"), 1)
        .await
        .expect("save");

    assert!(tokens.delete_for_user(WS, ALICE).await.expect("delete"));
    assert!(!tokens
        .delete_for_user(WS, ALICE)
        .await
        .expect("delete again"));
    assert!(tokens.user_token(WS, ALICE).await.expect("get").is_none());
    assert!(
        tokens.user_token(WS, BOB).await.expect("get").is_some(),
        "other users keep theirs"
    );
    assert!(
        tokens.bot_token(WS).await.expect("get").is_some(),
        "the bot keeps its token"
    );

    assert_eq!(
        tokens.delete_for_workspace(WS).await.expect("delete"),
        2,
        "bot + Bob"
    );
    assert!(tokens.bot_token(WS).await.expect("get").is_none());
    assert!(tokens.user_token(WS, BOB).await.expect("get").is_none());
    assert!(
        tokens
            .user_token(OTHER_WS, ALICE)
            .await
            .expect("get")
            .is_some(),
        "other workspaces untouched"
    );
}

#[test]
fn grants_debug_redacts_tokens_and_ids() {
    let grant = TokenGrant {
        workspace_id: WS,
        bot: Some(BotGrant {
            token: BOT_TOKEN,
            bot_user_id: Some(BOT_USER),
        }),
        user: Some(UserGrant {
            user_id: ALICE,
            token: USER_TOKEN,
        }),
    };
    let shown = format!("{grant:?}");
    assert!(shown.contains(WS));
    for secret in [BOT_TOKEN, BOT_USER, ALICE, USER_TOKEN] {
        assert!(!shown.contains(secret), "{shown}");
    }
}
