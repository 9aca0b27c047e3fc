//! Shared helpers: fresh file databases in temporary folders, fixed test
//! keys, and a scenario that stores one of everything.

use std::path::PathBuf;

use anon_store::{
    AuditEntry, AuditTarget, BotGrant, EncryptionKey, KeyRing, MessageKind, NewMessage,
    RateDecision, RateLimitPolicy, Store, StoreOptions, TokenGrant, UserGrant, KEY_LEN,
};
use secrecy::ExposeSecret;
use sqlx::Connection;
use tempfile::TempDir;

/// Key bytes used as "key A".
pub const KEY_A: [u8; KEY_LEN] = [0xA1; KEY_LEN];
/// Key bytes used as "key B".
pub const KEY_B: [u8; KEY_LEN] = [0xB2; KEY_LEN];

/// A key ring of `current` with an optional `previous`.
pub fn ring(current: [u8; KEY_LEN], previous: Option<[u8; KEY_LEN]>) -> KeyRing {
    KeyRing::new(
        EncryptionKey::from_bytes(current),
        previous.map(EncryptionKey::from_bytes),
    )
    .expect("test keys differ")
}

/// A temporary folder holding one database file (in a not-yet-existing
/// sub-folder, so opening also proves the folder is created).
pub struct TestDb {
    _dir: TempDir,
    pub path: PathBuf,
}

impl TestDb {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        let path = dir.path().join("data").join("anon.db");
        Self { _dir: dir, path }
    }

    pub fn options(&self, keys: KeyRing) -> StoreOptions {
        StoreOptions::file(&self.path, keys)
    }

    pub async fn open(&self, keys: KeyRing) -> Store {
        Store::open(self.options(keys))
            .await
            .expect("open test database")
    }

    pub async fn open_a(&self) -> Store {
        self.open(ring(KEY_A, None)).await
    }

    /// The database file and its `-wal` and `-shm` companions that exist.
    pub fn files(&self) -> Vec<PathBuf> {
        ["", "-wal", "-shm"]
            .iter()
            .map(|suffix| {
                let mut name = self.path.clone().into_os_string();
                name.push(suffix);
                PathBuf::from(name)
            })
            .filter(|path| path.exists())
            .collect()
    }

    /// A plain connection to the same file, for inspecting or planting raw rows.
    pub async fn raw(&self) -> sqlx::SqliteConnection {
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&self.path)
            .create_if_missing(true);
        sqlx::SqliteConnection::connect_with(&options)
            .await
            .expect("raw connection")
    }
}

pub const WS: &str = "W-ACME";
pub const OTHER_WS: &str = "W-OTHER";
pub const CHANNEL: &str = "C-GENERAL";

/// Everything the scenario stored that must never appear in the files.
pub struct Secrets {
    pub user_ids: Vec<&'static str>,
    pub bodies: Vec<&'static str>,
    pub tokens: Vec<&'static str>,
    /// DM channels: each is the bot's DM channel with one person.
    pub dm_channels: Vec<&'static str>,
}

impl Secrets {
    pub fn all(&self) -> Vec<&'static str> {
        self.user_ids
            .iter()
            .chain(&self.bodies)
            .chain(&self.tokens)
            .chain(&self.dm_channels)
            .copied()
            .collect()
    }
}

pub const ALICE: &str = "U0ALICESENDER01";
pub const BOB: &str = "U0BOBRECIPIENT2";
pub const CAROL: &str = "U0CAROLREPLIER3";
pub const DAVE: &str = "U0DAVEOPTEDOUT4";
pub const BOT_USER: &str = "U0BOTUSERID0005";
pub const BOT_TOKEN: &str = "xpat-bot-token-0f3a9c2e7d114b6a";
pub const USER_TOKEN: &str = "xpat-user-token-5e8d1c0b9a7f2e46";
/// The bot's DM channel with Bob (where Alice's anonymous DM lands).
pub const BOB_DM_CHANNEL: &str = "D-BOB-DMCHANNEL-77";
/// The bot's DM channel with Alice (where Bob's anonymous reply lands: it
/// points at the author of the first message).
pub const ALICE_DM_CHANNEL: &str = "D-ALICE-DMCHANNEL-88";
pub const DM_BODY: &str = "meet me behind the old library at noon";
pub const DM_REPLY_BODY: &str = "who is this and how did you know";
pub const CHANNEL_BODY: &str = "the quarterly numbers were invented";
pub const THREAD_BODY: &str = "agreed the numbers look fabricated";

pub fn message<'a>(
    id: &'a str,
    conversation_id: &'a str,
    kind: MessageKind,
    author_id: &'a str,
    recipient_id: Option<&'a str>,
    body: &'a str,
) -> NewMessage<'a> {
    NewMessage {
        id,
        conversation_id,
        workspace_id: WS,
        kind,
        author_id,
        recipient_id,
        body,
        channel_id: (kind != MessageKind::Dm).then_some(CHANNEL),
        thread_root_id: None,
        created_at: 1_000,
    }
}

/// Stores tokens, a DM and its reply, a channel post and a thread reply,
/// opt-outs, audit events and rate-limit units; returns what was used.
pub async fn populate(store: &Store) -> Secrets {
    store
        .tokens()
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
            1_000,
        )
        .await
        .expect("save tokens");
    let messages = store.messages();
    for new in [
        NewMessage {
            channel_id: Some(BOB_DM_CHANNEL),
            ..message(
                "msg-dm-1",
                "conv-dm",
                MessageKind::Dm,
                ALICE,
                Some(BOB),
                DM_BODY,
            )
        },
        NewMessage {
            channel_id: Some(ALICE_DM_CHANNEL),
            ..message(
                "msg-dm-2",
                "conv-dm",
                MessageKind::Dm,
                BOB,
                Some(ALICE),
                DM_REPLY_BODY,
            )
        },
        message(
            "msg-ch-1",
            "conv-ch",
            MessageKind::Channel,
            ALICE,
            None,
            CHANNEL_BODY,
        ),
        message(
            "msg-th-1",
            "conv-ch",
            MessageKind::Thread,
            CAROL,
            None,
            THREAD_BODY,
        ),
    ] {
        messages.record(&new).await.expect("record message");
        messages
            .set_platform_message_id(WS, new.id, &format!("P-{}", new.id))
            .await
            .expect("platform id");
    }
    assert!(store
        .opt_outs()
        .set(WS, DAVE, 1_000)
        .await
        .expect("opt out"));
    let policy = RateLimitPolicy::default();
    for target in [BOB, CHANNEL] {
        assert_eq!(
            store
                .rate_limits()
                .check_and_consume(WS, ALICE, target, 1_000, &policy)
                .await
                .expect("rate"),
            RateDecision::Allowed
        );
    }
    let audit = store.audit();
    for (event, actor, target, message_id) in [
        ("SEND", ALICE, Some(BOB), Some("msg-dm-1")),
        ("REPLY", BOB, Some(ALICE), Some("msg-dm-2")),
        ("SEND_CHANNEL", ALICE, None, Some("msg-ch-1")),
        ("BLOCK", DAVE, None, None),
    ] {
        audit
            .record(&AuditEntry {
                workspace_id: Some(WS),
                event,
                outcome: "ok",
                actor_id: Some(actor),
                target: target.map(|id| AuditTarget { kind: "user", id }),
                conversation_id: None,
                message_id,
                at: 1_000,
            })
            .await
            .expect("audit");
    }
    Secrets {
        user_ids: vec![ALICE, BOB, CAROL, DAVE, BOT_USER],
        bodies: vec![DM_BODY, DM_REPLY_BODY, CHANNEL_BODY, THREAD_BODY],
        tokens: vec![BOT_TOKEN, USER_TOKEN],
        dm_channels: vec![BOB_DM_CHANNEL, ALICE_DM_CHANNEL],
    }
}

/// Checks that everything [`populate`] stored opens and is found again.
pub async fn assert_populated_readable(store: &Store) {
    let dm = store
        .messages()
        .get(WS, "msg-dm-1")
        .await
        .expect("get")
        .expect("dm");
    assert_eq!(dm.author_id.expose_secret(), ALICE);
    assert_eq!(
        dm.recipient_id.as_ref().map(|r| r.expose_secret()),
        Some(BOB)
    );
    assert_eq!(dm.body.expose_secret(), DM_BODY);
    assert_eq!(dm.channel_id.as_deref(), Some(BOB_DM_CHANNEL));
    let dm_reply = store
        .messages()
        .get(WS, "msg-dm-2")
        .await
        .expect("get")
        .expect("dm reply");
    assert_eq!(dm_reply.channel_id.as_deref(), Some(ALICE_DM_CHANNEL));
    let reply = store
        .messages()
        .get(WS, "msg-th-1")
        .await
        .expect("get")
        .expect("reply");
    assert_eq!(reply.author_id.expose_secret(), CAROL);
    assert_eq!(reply.body.expose_secret(), THREAD_BODY);
    let tokens = store.tokens();
    assert_eq!(
        tokens
            .bot_token(WS)
            .await
            .expect("bot token")
            .map(|t| t.expose_secret().to_owned()),
        Some(BOT_TOKEN.to_owned())
    );
    assert_eq!(
        tokens.bot_user_id(WS).await.expect("bot id").as_deref(),
        Some(BOT_USER)
    );
    assert_eq!(
        tokens
            .user_token(WS, ALICE)
            .await
            .expect("user token")
            .map(|t| t.expose_secret().to_owned()),
        Some(USER_TOKEN.to_owned())
    );
    assert!(store
        .opt_outs()
        .is_opted_out(WS, DAVE)
        .await
        .expect("opt-out"));
    assert!(!store
        .opt_outs()
        .is_opted_out(WS, ALICE)
        .await
        .expect("opt-out"));
    let audit = store.audit().list(Some(WS), 10).await.expect("audit");
    assert_eq!(audit.len(), 4);
    assert!(audit.iter().any(|row| row.event == "BLOCK"
        && row.actor_id.as_ref().map(|a| a.expose_secret()) == Some(DAVE)));
}

/// Whether `needle` occurs in any of `files`' raw bytes; returns the hits.
pub fn find_in_files(files: &[PathBuf], needle: &str) -> Vec<String> {
    files
        .iter()
        .filter(|path| match std::fs::read(path) {
            Ok(bytes) => bytes
                .windows(needle.len())
                .any(|window| window == needle.as_bytes()),
            // SQLite removes -wal and -shm when the last connection closes,
            // which may happen just after the listing.
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => false,
            Err(error) => panic!("cannot read {}: {error}", path.display()),
        })
        .map(|path| format!("{needle:?} in {}", path.display()))
        .collect()
}
