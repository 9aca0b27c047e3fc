//! What a simulator starts with: workspaces, users, channels, the app and its
//! installations.

use std::fmt;

use crate::ids::random_id;
use crate::model::{roles, ChannelType};

/// Ids of the standard seed's cast (the same names as the shared fixtures).
pub mod standard {
    /// The workspace.
    pub const WORKSPACE: &str = "ws_1";
    /// Owner; installed the app.
    pub const CAROL: &str = "u_carol";
    /// Administrator.
    pub const DAVE: &str = "u_dave";
    /// User (the fixtures' anonymous sender).
    pub const ALICE: &str = "u_alice";
    /// User (the fixtures' recipient).
    pub const BOB: &str = "u_bob";
    /// Single-channel guest.
    pub const ERIN: &str = "u_erin";
    /// Deactivated user.
    pub const FRANK: &str = "u_frank";
    /// User.
    pub const GRACE: &str = "u_grace";
    /// User.
    pub const HEIDI: &str = "u_heidi";
    /// User.
    pub const IVAN: &str = "u_ivan";
    /// The app's bot user (`isAddonBot: true`).
    pub const BOT: &str = "u_anonbot";
    /// `#general`, public, every active user and the bot.
    pub const GENERAL: &str = "ch_general";
    /// `#random`, public, a few users and no bot.
    pub const RANDOM: &str = "ch_random";
    /// The app id (OAuth `client-id`).
    pub const APP_ID: &str = "app_anon";
    /// The app's display name, also its bot's name.
    pub const APP_NAME: &str = "Anon";
}

/// The registered app: id, name and secrets.
///
/// `Debug` prints the id and name only.
#[derive(Clone, PartialEq, Eq)]
pub struct AppCredentials {
    /// App id, used as OAuth `client-id`.
    pub app_id: String,
    /// Display name; also the name of its bot users.
    pub name: String,
    /// App key sent by apps in `x-app-token` (`xpat-…`).
    pub app_key: String,
    /// OAuth client secret (`xpcls-…`).
    pub client_secret: String,
    /// Webhook signing secret (`xpss-…`).
    pub signing_secret: String,
}

impl AppCredentials {
    /// An app with fresh random secrets in Pumble's formats.
    pub fn random(app_id: &str, name: &str) -> AppCredentials {
        AppCredentials {
            app_id: app_id.to_owned(),
            name: name.to_owned(),
            app_key: random_id("xpat-"),
            client_secret: random_id("xpcls-"),
            signing_secret: random_id("xpss-"),
        }
    }
}

impl fmt::Debug for AppCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppCredentials")
            .field("app_id", &self.app_id)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// A workspace to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedWorkspace {
    /// Workspace id.
    pub id: String,
    /// Workspace name.
    pub name: String,
}

/// A human user to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedUser {
    /// User id, unique across the simulator.
    pub id: String,
    /// Workspace id.
    pub workspace_id: String,
    /// Display name.
    pub name: String,
    /// Role string (see [`roles`]).
    pub role: String,
    /// `false` creates the user `DEACTIVATED`.
    pub active: bool,
}

impl SeedUser {
    /// An active user.
    pub fn new(workspace_id: &str, id: &str, name: &str, role: &str) -> SeedUser {
        SeedUser {
            id: id.to_owned(),
            workspace_id: workspace_id.to_owned(),
            name: name.to_owned(),
            role: role.to_owned(),
            active: true,
        }
    }

    /// The same user, deactivated.
    pub fn deactivated(mut self) -> SeedUser {
        self.active = false;
        self
    }
}

/// A channel to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedChannel {
    /// Channel id.
    pub id: String,
    /// Workspace id.
    pub workspace_id: String,
    /// Name (ignored for DMs).
    pub name: String,
    /// Kind.
    pub channel_type: ChannelType,
    /// Description.
    pub description: Option<String>,
    /// Member ids (users and bots must exist in the same workspace).
    pub members: Vec<String>,
}

/// The app installed in a workspace: its bot user and who installed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedInstallation {
    /// Workspace id.
    pub workspace_id: String,
    /// The bot user the installation creates.
    pub bot_user_id: String,
    /// The installing user (gets a user token too).
    pub installed_by: String,
}

/// How `GET /v1/channels/direct` treats a DM that does not exist yet.
///
/// Whether Pumble creates it is \[UNVERIFIED\] (protocol §5.4); the SDK's own
/// `dmUser` falls back to `POST /v1/channels/direct` when the GET fails, so
/// [`DmLookup::NotFoundWhenMissing`] is what the SDK tolerates and the default:
/// it forces clients to implement that fallback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DmLookup {
    /// Answer `404` for a DM that does not exist yet (default).
    #[default]
    NotFoundWhenMissing,
    /// Create the missing DM and answer it.
    CreateWhenMissing,
}

/// Everything a simulator starts with.
#[derive(Debug, Clone)]
pub struct Seed {
    /// The registered app.
    pub app: AppCredentials,
    /// Workspaces.
    pub workspaces: Vec<SeedWorkspace>,
    /// Installations of the app (each creates its bot user).
    pub installations: Vec<SeedInstallation>,
    /// Human users.
    pub users: Vec<SeedUser>,
    /// Channels (created after users and bots).
    pub channels: Vec<SeedChannel>,
    /// DM lookup behaviour.
    pub dm_lookup: DmLookup,
}

impl Seed {
    /// The fixtures' cast in workspace `ws_1` (ids in [`standard`]), with fresh
    /// random secrets:
    ///
    /// | id | name | role |
    /// |---|---|---|
    /// | `u_carol` | Carol | `OWNER` (installed the app) |
    /// | `u_dave` | Dave | `ADMINISTRATOR` |
    /// | `u_alice`, `u_bob` | Alice, Bob | `USER` |
    /// | `u_erin` | Erin | `GUEST_SINGLE_CHANNEL` |
    /// | `u_frank` | Frank | `USER`, deactivated |
    /// | `u_grace`, `u_heidi`, `u_ivan` | Grace, Heidi, Ivan | `USER` |
    /// | `u_anonbot` | Anon | the app's bot, `isAddonBot: true` |
    ///
    /// Channels: `ch_general` (`general`, public: every active human and the
    /// bot) and `ch_random` (`random`, public: Alice, Bob, Grace; no bot).
    pub fn standard() -> Seed {
        Seed::standard_with(AppCredentials::random(standard::APP_ID, standard::APP_NAME))
    }

    /// [`Seed::standard`] with the given app credentials (e.g. fixed secrets).
    pub fn standard_with(app: AppCredentials) -> Seed {
        let ws = standard::WORKSPACE;
        let users = vec![
            SeedUser::new(ws, standard::CAROL, "Carol", roles::OWNER),
            SeedUser::new(ws, standard::DAVE, "Dave", roles::ADMINISTRATOR),
            SeedUser::new(ws, standard::ALICE, "Alice", roles::USER),
            SeedUser::new(ws, standard::BOB, "Bob", roles::USER),
            SeedUser::new(ws, standard::ERIN, "Erin", roles::GUEST_SINGLE_CHANNEL),
            SeedUser::new(ws, standard::FRANK, "Frank", roles::USER).deactivated(),
            SeedUser::new(ws, standard::GRACE, "Grace", roles::USER),
            SeedUser::new(ws, standard::HEIDI, "Heidi", roles::USER),
            SeedUser::new(ws, standard::IVAN, "Ivan", roles::USER),
        ];
        let mut general_members: Vec<String> = users
            .iter()
            .filter(|u| u.active)
            .map(|u| u.id.clone())
            .collect();
        general_members.push(standard::BOT.to_owned());
        Seed {
            app,
            workspaces: vec![SeedWorkspace {
                id: ws.to_owned(),
                name: "Example Workspace".to_owned(),
            }],
            installations: vec![SeedInstallation {
                workspace_id: ws.to_owned(),
                bot_user_id: standard::BOT.to_owned(),
                installed_by: standard::CAROL.to_owned(),
            }],
            users,
            channels: vec![
                SeedChannel {
                    id: standard::GENERAL.to_owned(),
                    workspace_id: ws.to_owned(),
                    name: "general".to_owned(),
                    channel_type: ChannelType::Public,
                    description: Some("Company-wide chat".to_owned()),
                    members: general_members,
                },
                SeedChannel {
                    id: standard::RANDOM.to_owned(),
                    workspace_id: ws.to_owned(),
                    name: "random".to_owned(),
                    channel_type: ChannelType::Public,
                    description: None,
                    members: vec![
                        standard::ALICE.to_owned(),
                        standard::BOB.to_owned(),
                        standard::GRACE.to_owned(),
                    ],
                },
            ],
            dm_lookup: DmLookup::default(),
        }
    }

    /// The same seed with another DM lookup behaviour.
    pub fn with_dm_lookup(mut self, dm_lookup: DmLookup) -> Seed {
        self.dm_lookup = dm_lookup;
        self
    }
}
