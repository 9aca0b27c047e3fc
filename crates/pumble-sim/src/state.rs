//! The whole simulated world behind one lock: workspaces, users, channels,
//! messages, ephemerals, modals, tokens, OAuth codes, recorded calls and faults.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde_json::Value;

use crate::calls::{RecordedCall, TokenKind};
use crate::clock;
use crate::error::SimError;
use crate::faults::FaultSet;
use crate::ids::random_id;
use crate::model::{
    Channel, ChannelType, Ephemeral, EphemeralOrigin, Message, OpenModal, User, UserStatus,
};
use crate::seed::{AppCredentials, DmLookup, Seed, SeedChannel, SeedUser};

/// A workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    /// Workspace id.
    pub id: String,
    /// Workspace name.
    pub name: String,
}

/// The app installed in one workspace.
#[derive(Clone, PartialEq, Eq)]
pub struct Installation {
    /// Installation id (the `id` of an `APP_UNINSTALLED` body).
    pub id: String,
    /// Workspace id.
    pub workspace_id: String,
    /// The installation's bot user.
    pub bot_user_id: String,
    /// Who installed it.
    pub installed_by: String,
    /// The current bot token; `None` once uninstalled.
    pub(crate) bot_token: Option<String>,
}

impl Installation {
    /// Whether the app is currently installed (has a live bot token).
    pub fn is_installed(&self) -> bool {
        self.bot_token.is_some()
    }
}

impl fmt::Debug for Installation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Installation")
            .field("id", &self.id)
            .field("workspace_id", &self.workspace_id)
            .field("bot_user_id", &self.bot_user_id)
            .field("installed", &self.is_installed())
            .finish_non_exhaustive()
    }
}

/// Who a token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TokenGrant {
    pub kind: TokenKind,
    pub workspace_id: String,
    pub user_id: String,
}

/// A pending OAuth authorization code.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PendingCode {
    user_id: String,
    reinstall: bool,
}

/// What `POST /oauth2/access` hands out (protocol §6.3).
#[derive(Clone, PartialEq, Eq)]
pub struct TokenSet {
    /// The authorizing user's token (`accessToken`).
    pub access_token: String,
    /// The workspace's bot token (`botToken`).
    pub bot_token: String,
    /// The authorizing user (`userId`).
    pub user_id: String,
    /// The bot user (`botId`).
    pub bot_id: String,
    /// The workspace (`workspaceId`).
    pub workspace_id: String,
}

impl fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSet")
            .field("workspace_id", &self.workspace_id)
            .field("bot_id", &self.bot_id)
            .finish_non_exhaustive()
    }
}

/// The simulated world. Reach it through [`crate::Simulator`]'s methods or
/// [`crate::Simulator::with_state`]; every method here is synchronous and the
/// lock around it is never held across an `.await`.
pub struct WorkspaceState {
    app: AppCredentials,
    dm_lookup: DmLookup,
    workspaces: BTreeMap<String, Workspace>,
    installations: BTreeMap<String, Installation>,
    users: BTreeMap<String, User>,
    channels: BTreeMap<String, Channel>,
    messages: Vec<Message>,
    message_index: HashMap<String, usize>,
    reply_counts: HashMap<String, usize>,
    ephemerals: Vec<Ephemeral>,
    modals: Vec<OpenModal>,
    tokens: HashMap<String, TokenGrant>,
    codes: HashMap<String, PendingCode>,
    calls: Vec<RecordedCall>,
    record_calls: bool,
    pub(crate) faults: FaultSet,
    seq: u64,
    last_millis: u64,
}

impl fmt::Debug for WorkspaceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkspaceState")
            .field("app", &self.app)
            .field("workspaces", &self.workspaces.len())
            .field("users", &self.users.len())
            .field("channels", &self.channels.len())
            .field("messages", &self.messages.len())
            .field("calls", &self.calls.len())
            .finish_non_exhaustive()
    }
}

impl WorkspaceState {
    /// Builds the world a seed describes.
    pub fn from_seed(seed: Seed) -> Result<WorkspaceState, SimError> {
        let mut state = WorkspaceState {
            app: seed.app,
            dm_lookup: seed.dm_lookup,
            workspaces: BTreeMap::new(),
            installations: BTreeMap::new(),
            users: BTreeMap::new(),
            channels: BTreeMap::new(),
            messages: Vec::new(),
            message_index: HashMap::new(),
            reply_counts: HashMap::new(),
            ephemerals: Vec::new(),
            modals: Vec::new(),
            tokens: HashMap::new(),
            codes: HashMap::new(),
            calls: Vec::new(),
            record_calls: true,
            faults: FaultSet::default(),
            seq: 0,
            last_millis: 0,
        };
        for ws in seed.workspaces {
            state.add_workspace(&ws.id, &ws.name)?;
        }
        for user in seed.users {
            state.add_user(user)?;
        }
        for inst in seed.installations {
            state.install_app(&inst.workspace_id, &inst.bot_user_id, &inst.installed_by)?;
        }
        for channel in seed.channels {
            state.add_channel(channel)?;
        }
        Ok(state)
    }

    // ----- ordering and time -------------------------------------------------

    pub(crate) fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Strictly increasing epoch milliseconds, so messages never tie.
    fn next_millis(&mut self) -> u64 {
        let now = clock::now_millis().max(self.last_millis + 1);
        self.last_millis = now;
        now
    }

    // ----- app, workspaces, installations -----------------------------------

    /// The registered app.
    pub fn app(&self) -> &AppCredentials {
        &self.app
    }

    /// How `GET /v1/channels/direct` treats missing DMs.
    pub fn dm_lookup(&self) -> DmLookup {
        self.dm_lookup
    }

    /// Changes how `GET /v1/channels/direct` treats missing DMs.
    pub fn set_dm_lookup(&mut self, dm_lookup: DmLookup) {
        self.dm_lookup = dm_lookup;
    }

    /// Adds a workspace.
    pub fn add_workspace(&mut self, id: &str, name: &str) -> Result<(), SimError> {
        if self.workspaces.contains_key(id) {
            return Err(SimError::InvalidChange(format!("workspace {id} exists")));
        }
        self.workspaces.insert(
            id.to_owned(),
            Workspace {
                id: id.to_owned(),
                name: name.to_owned(),
            },
        );
        Ok(())
    }

    /// A workspace by id.
    pub fn workspace(&self, id: &str) -> Option<&Workspace> {
        self.workspaces.get(id)
    }

    /// Installs the app in a workspace, creating its bot user if needed, and
    /// returns the new bot token. Reinstalling replaces the bot token
    /// (protocol §6.3: a reinstall invalidates the old bot token).
    pub fn install_app(
        &mut self,
        workspace_id: &str,
        bot_user_id: &str,
        installed_by: &str,
    ) -> Result<String, SimError> {
        self.require_workspace(workspace_id)?;
        self.require_user_in(installed_by, workspace_id)?;
        match self.users.get(bot_user_id) {
            Some(u) if !(u.is_addon_bot && u.workspace_id == workspace_id) => {
                return Err(SimError::InvalidChange(format!(
                    "{bot_user_id} is not a bot user of {workspace_id}"
                )));
            }
            Some(_) => {}
            None => {
                let bot = User {
                    id: bot_user_id.to_owned(),
                    workspace_id: workspace_id.to_owned(),
                    name: self.app.name.clone(),
                    email: format!("{}@example.test", self.app.name.to_ascii_lowercase()),
                    role: crate::model::roles::USER.to_owned(),
                    status: UserStatus::Activated,
                    is_addon_bot: true,
                };
                self.users.insert(bot_user_id.to_owned(), bot);
            }
        }
        let token = random_id("tok_bot_");
        if let Some(old) = self
            .installations
            .get(workspace_id)
            .and_then(|i| i.bot_token.clone())
        {
            self.tokens.remove(&old);
        }
        self.tokens.insert(
            token.clone(),
            TokenGrant {
                kind: TokenKind::Bot,
                workspace_id: workspace_id.to_owned(),
                user_id: bot_user_id.to_owned(),
            },
        );
        let id = match self.installations.get(workspace_id) {
            Some(existing) if existing.bot_user_id == bot_user_id => existing.id.clone(),
            _ => random_id("inst_"),
        };
        self.installations.insert(
            workspace_id.to_owned(),
            Installation {
                id,
                workspace_id: workspace_id.to_owned(),
                bot_user_id: bot_user_id.to_owned(),
                installed_by: installed_by.to_owned(),
                bot_token: Some(token.clone()),
            },
        );
        Ok(token)
    }

    /// The installation in a workspace, if the app was ever installed there.
    pub fn installation(&self, workspace_id: &str) -> Option<&Installation> {
        self.installations.get(workspace_id)
    }

    /// The workspace's current bot token, if the app is installed.
    pub fn bot_token(&self, workspace_id: &str) -> Option<&str> {
        self.installations
            .get(workspace_id)
            .and_then(|i| i.bot_token.as_deref())
    }

    /// Uninstalls the app: the bot token and every user token of the
    /// workspace stop working. Returns the installation as it was.
    pub fn uninstall_app(&mut self, workspace_id: &str) -> Result<Installation, SimError> {
        let inst = self
            .installations
            .get_mut(workspace_id)
            .ok_or_else(|| SimError::UnknownWorkspace(workspace_id.to_owned()))?;
        let before = inst.clone();
        inst.bot_token = None;
        self.tokens.retain(|_, g| g.workspace_id != workspace_id);
        Ok(before)
    }

    // ----- tokens and OAuth ---------------------------------------------------

    /// Issues a user token for `user_id`, as if the user had authorized the app.
    pub fn issue_user_token(&mut self, user_id: &str) -> Result<String, SimError> {
        let user = self.require_user(user_id)?;
        let grant = TokenGrant {
            kind: TokenKind::User,
            workspace_id: user.workspace_id.clone(),
            user_id: user_id.to_owned(),
        };
        let token = random_id("tok_user_");
        self.tokens.insert(token.clone(), grant);
        Ok(token)
    }

    /// Revokes every user token of `user_id` (what an unauthorize does).
    pub fn revoke_user_tokens(&mut self, user_id: &str) {
        self.tokens
            .retain(|_, g| !(g.kind == TokenKind::User && g.user_id == user_id));
    }

    pub(crate) fn token_grant(&self, token: &str) -> Option<&TokenGrant> {
        self.tokens.get(token)
    }

    /// Creates a single-use OAuth authorization code for `user_id`. With
    /// `reinstall`, the exchange issues a new bot token (protocol §6.3).
    pub fn create_oauth_code(
        &mut self,
        user_id: &str,
        reinstall: bool,
    ) -> Result<String, SimError> {
        self.require_user(user_id)?;
        let code = random_id("code_");
        self.codes.insert(
            code.clone(),
            PendingCode {
                user_id: user_id.to_owned(),
                reinstall,
            },
        );
        Ok(code)
    }

    /// Redeems an OAuth code (single use). `None` if the code is unknown or
    /// was used already. Installs the app if it is not installed.
    pub(crate) fn redeem_oauth_code(&mut self, code: &str) -> Option<TokenSet> {
        let pending = self.codes.remove(code)?;
        let user = self.users.get(&pending.user_id)?.clone();
        let ws = user.workspace_id.clone();
        let existing = self.installations.get(&ws).cloned();
        let (bot_id, bot_token) = match existing {
            Some(inst) if !pending.reinstall && inst.bot_token.is_some() => {
                let token = inst.bot_token.clone()?;
                (inst.bot_user_id, token)
            }
            Some(inst) => {
                let token = self.install_app(&ws, &inst.bot_user_id, &user.id).ok()?;
                (inst.bot_user_id, token)
            }
            None => {
                let bot_id = random_id("u_bot_");
                let token = self.install_app(&ws, &bot_id, &user.id).ok()?;
                (bot_id, token)
            }
        };
        let access_token = self.issue_user_token(&user.id).ok()?;
        Some(TokenSet {
            access_token,
            bot_token,
            user_id: user.id,
            bot_id,
            workspace_id: ws,
        })
    }

    // ----- users ----------------------------------------------------------------

    /// Adds a human user.
    pub fn add_user(&mut self, user: SeedUser) -> Result<(), SimError> {
        self.require_workspace(&user.workspace_id)?;
        if self.users.contains_key(&user.id) {
            return Err(SimError::InvalidChange(format!("user {} exists", user.id)));
        }
        let email = format!(
            "{}@example.test",
            user.id.trim_start_matches("u_").to_ascii_lowercase()
        );
        self.users.insert(
            user.id.clone(),
            User {
                id: user.id,
                workspace_id: user.workspace_id,
                name: user.name,
                email,
                role: user.role,
                status: if user.active {
                    UserStatus::Activated
                } else {
                    UserStatus::Deactivated
                },
                is_addon_bot: false,
            },
        );
        Ok(())
    }

    /// A user by id.
    pub fn user(&self, id: &str) -> Option<&User> {
        self.users.get(id)
    }

    /// Every user of a workspace (humans and bots), ordered by id.
    pub fn users_in(&self, workspace_id: &str) -> Vec<&User> {
        self.users
            .values()
            .filter(|u| u.workspace_id == workspace_id)
            .collect()
    }

    /// Changes a user's role (e.g. promote to `ADMINISTRATOR`).
    pub fn set_role(&mut self, user_id: &str, role: &str) -> Result<(), SimError> {
        let user = self
            .users
            .get_mut(user_id)
            .ok_or_else(|| SimError::UnknownUser(user_id.to_owned()))?;
        user.role = role.to_owned();
        Ok(())
    }

    /// Changes a user's status. Deactivated users' tokens are refused.
    pub fn set_status(&mut self, user_id: &str, status: UserStatus) -> Result<(), SimError> {
        let user = self
            .users
            .get_mut(user_id)
            .ok_or_else(|| SimError::UnknownUser(user_id.to_owned()))?;
        user.status = status;
        Ok(())
    }

    fn require_workspace(&self, id: &str) -> Result<(), SimError> {
        if self.workspaces.contains_key(id) {
            Ok(())
        } else {
            Err(SimError::UnknownWorkspace(id.to_owned()))
        }
    }

    fn require_user(&self, id: &str) -> Result<&User, SimError> {
        self.users
            .get(id)
            .ok_or_else(|| SimError::UnknownUser(id.to_owned()))
    }

    fn require_user_in(&self, id: &str, workspace_id: &str) -> Result<&User, SimError> {
        match self.users.get(id) {
            Some(u) if u.workspace_id == workspace_id => Ok(u),
            _ => Err(SimError::UnknownUser(id.to_owned())),
        }
    }

    // ----- channels -------------------------------------------------------------

    /// Adds a channel with its members.
    pub fn add_channel(&mut self, channel: SeedChannel) -> Result<(), SimError> {
        self.require_workspace(&channel.workspace_id)?;
        if self.channels.contains_key(&channel.id) {
            return Err(SimError::InvalidChange(format!(
                "channel {} exists",
                channel.id
            )));
        }
        let mut members: Vec<String> = Vec::new();
        for m in &channel.members {
            self.require_user_in(m, &channel.workspace_id)?;
            if !members.contains(m) {
                members.push(m.clone());
            }
        }
        let seq = self.next_seq();
        let is_dm = channel.channel_type == ChannelType::Direct;
        self.channels.insert(
            channel.id.clone(),
            Channel {
                id: channel.id,
                workspace_id: channel.workspace_id,
                channel_type: channel.channel_type,
                name: (!is_dm).then_some(channel.name),
                description: channel.description,
                members,
                added_by: None,
                created_seq: seq,
            },
        );
        Ok(())
    }

    /// Creates a channel through the API path: a fresh id and the given
    /// members; `creator` becomes `addedById`.
    pub(crate) fn create_channel(
        &mut self,
        workspace_id: &str,
        creator: Option<&str>,
        channel_type: ChannelType,
        name: Option<String>,
        description: Option<String>,
        members: Vec<String>,
    ) -> String {
        let id = random_id("ch_");
        let seq = self.next_seq();
        self.channels.insert(
            id.clone(),
            Channel {
                id: id.clone(),
                workspace_id: workspace_id.to_owned(),
                channel_type,
                name,
                description,
                members,
                added_by: creator.map(str::to_owned),
                created_seq: seq,
            },
        );
        id
    }

    /// Adds a member to a channel (no-op if already a member).
    pub fn add_member(&mut self, channel_id: &str, user_id: &str) -> Result<bool, SimError> {
        let ws = self
            .channels
            .get(channel_id)
            .ok_or_else(|| SimError::UnknownChannel(channel_id.to_owned()))?
            .workspace_id
            .clone();
        self.require_user_in(user_id, &ws)?;
        let channel = self
            .channels
            .get_mut(channel_id)
            .ok_or_else(|| SimError::UnknownChannel(channel_id.to_owned()))?;
        if channel.has_member(user_id) {
            return Ok(false);
        }
        channel.members.push(user_id.to_owned());
        Ok(true)
    }

    /// Removes a member from a channel; returns whether they were a member.
    pub fn remove_member(&mut self, channel_id: &str, user_id: &str) -> Result<bool, SimError> {
        let channel = self
            .channels
            .get_mut(channel_id)
            .ok_or_else(|| SimError::UnknownChannel(channel_id.to_owned()))?;
        let before = channel.members.len();
        channel.members.retain(|m| m != user_id);
        Ok(channel.members.len() != before)
    }

    /// A channel by id.
    pub fn channel(&self, id: &str) -> Option<&Channel> {
        self.channels.get(id)
    }

    /// Every channel of a workspace in creation order.
    pub fn channels_in(&self, workspace_id: &str) -> Vec<&Channel> {
        let mut list: Vec<&Channel> = self
            .channels
            .values()
            .filter(|c| c.workspace_id == workspace_id)
            .collect();
        list.sort_by_key(|c| c.created_seq);
        list
    }

    /// The DM whose members are exactly `participants` (order ignored).
    pub fn find_dm(&self, workspace_id: &str, participants: &[&str]) -> Option<&Channel> {
        let mut want: Vec<&str> = participants.to_vec();
        want.sort_unstable();
        want.dedup();
        self.channels.values().find(|c| {
            if c.workspace_id != workspace_id || c.channel_type != ChannelType::Direct {
                return false;
            }
            let mut have: Vec<&str> = c.members.iter().map(String::as_str).collect();
            have.sort_unstable();
            have == want
        })
    }

    // ----- messages ---------------------------------------------------------------

    /// Stores a message (no permission checks: the API layer does those).
    pub(crate) fn store_message(
        &mut self,
        channel_id: &str,
        author: &str,
        text: String,
        blocks: Value,
        thread_root_id: Option<String>,
    ) -> Result<Message, SimError> {
        let ws = self
            .channels
            .get(channel_id)
            .ok_or_else(|| SimError::UnknownChannel(channel_id.to_owned()))?
            .workspace_id
            .clone();
        let seq = self.next_seq();
        let message = Message {
            id: random_id("msg_"),
            workspace_id: ws,
            channel_id: channel_id.to_owned(),
            author: author.to_owned(),
            text,
            blocks,
            thread_root_id,
            timestamp_milli: self.next_millis(),
            seq,
        };
        self.message_index
            .insert(message.id.clone(), self.messages.len());
        if let Some(root) = &message.thread_root_id {
            *self.reply_counts.entry(root.clone()).or_insert(0) += 1;
        }
        self.messages.push(message.clone());
        Ok(message)
    }

    /// Posts a message as a (human) member, e.g. to create a thread root a
    /// slash command can then be typed under. Checks membership and the root.
    pub fn post_as(
        &mut self,
        user_id: &str,
        channel_id: &str,
        text: &str,
        thread_root_id: Option<&str>,
    ) -> Result<Message, SimError> {
        let channel = self
            .channels
            .get(channel_id)
            .ok_or_else(|| SimError::UnknownChannel(channel_id.to_owned()))?;
        if !channel.has_member(user_id) {
            return Err(SimError::InvalidChange(format!(
                "the user is not a member of {channel_id}"
            )));
        }
        if let Some(root) = thread_root_id {
            match self.message(root) {
                Some(m) if m.channel_id == channel_id && m.thread_root_id.is_none() => {}
                _ => {
                    return Err(SimError::InvalidChange(format!(
                        "{root} is not a thread root in {channel_id}"
                    )))
                }
            }
        }
        self.store_message(
            channel_id,
            user_id,
            text.to_owned(),
            Value::Array(Vec::new()),
            thread_root_id.map(str::to_owned),
        )
    }

    /// A persisted message by id.
    pub fn message(&self, id: &str) -> Option<&Message> {
        self.message_index
            .get(id)
            .and_then(|&i| self.messages.get(i))
    }

    /// Every persisted message of a channel (roots and replies) in posting order.
    pub fn messages_in(&self, channel_id: &str) -> Vec<&Message> {
        self.messages
            .iter()
            .filter(|m| m.channel_id == channel_id)
            .collect()
    }

    /// The replies under a thread root, in posting order.
    pub fn replies_to(&self, root_id: &str) -> Vec<&Message> {
        self.messages
            .iter()
            .filter(|m| m.thread_root_id.as_deref() == Some(root_id))
            .collect()
    }

    /// How many replies a thread root has.
    pub fn reply_count(&self, root_id: &str) -> usize {
        self.reply_counts.get(root_id).copied().unwrap_or(0)
    }

    /// Every persisted message in posting order.
    pub fn all_messages(&self) -> &[Message] {
        &self.messages
    }

    // ----- ephemerals ---------------------------------------------------------------

    /// Stores an ephemeral message.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn store_ephemeral(
        &mut self,
        channel_id: &str,
        thread_root_id: Option<String>,
        author: &str,
        recipients: Vec<String>,
        text: String,
        blocks: Value,
        origin: EphemeralOrigin,
    ) -> Result<Ephemeral, SimError> {
        let ws = self
            .channels
            .get(channel_id)
            .ok_or_else(|| SimError::UnknownChannel(channel_id.to_owned()))?
            .workspace_id
            .clone();
        let seq = self.next_seq();
        let eph = Ephemeral {
            id: random_id("eph_"),
            workspace_id: ws,
            channel_id: channel_id.to_owned(),
            thread_root_id,
            author: author.to_owned(),
            recipients,
            text,
            blocks,
            origin,
            timestamp_milli: self.next_millis(),
            seq,
        };
        self.ephemerals.push(eph.clone());
        Ok(eph)
    }

    /// Ephemerals shown to `user_id`, in posting order.
    pub fn ephemerals_for(&self, user_id: &str) -> Vec<&Ephemeral> {
        self.ephemerals
            .iter()
            .filter(|e| e.recipients.iter().any(|r| r == user_id))
            .collect()
    }

    /// An ephemeral by id.
    pub fn ephemeral(&self, id: &str) -> Option<&Ephemeral> {
        self.ephemerals.iter().find(|e| e.id == id)
    }

    // ----- modals ---------------------------------------------------------------------

    /// Opens a modal for a user; returns its view id.
    pub(crate) fn open_modal(
        &mut self,
        workspace_id: &str,
        user_id: &str,
        channel_id: Option<String>,
        mut view: Value,
        parent_view_id: Option<String>,
    ) -> String {
        let view_id = random_id("view_");
        if let Some(obj) = view.as_object_mut() {
            obj.insert("id".to_owned(), Value::String(view_id.clone()));
            if let Some(parent) = &parent_view_id {
                obj.insert("parentViewId".to_owned(), Value::String(parent.clone()));
            }
        }
        let seq = self.next_seq();
        self.modals.push(OpenModal {
            view_id: view_id.clone(),
            workspace_id: workspace_id.to_owned(),
            user_id: user_id.to_owned(),
            channel_id,
            view,
            seq,
        });
        view_id
    }

    /// Replaces the view of an open modal, keeping its id (`action: UPDATE`).
    pub(crate) fn update_modal(&mut self, view_id: &str, mut view: Value) -> bool {
        let Some(modal) = self.modals.iter_mut().find(|m| m.view_id == view_id) else {
            return false;
        };
        if let Some(obj) = view.as_object_mut() {
            obj.insert("id".to_owned(), Value::String(view_id.to_owned()));
        }
        modal.view = view;
        true
    }

    /// Closes a modal; returns whether it was open.
    pub(crate) fn close_modal(&mut self, view_id: &str) -> bool {
        let before = self.modals.len();
        self.modals.retain(|m| m.view_id != view_id);
        self.modals.len() != before
    }

    /// Modals open for `user_id`, oldest first (the last one is on top).
    pub fn modals_for(&self, user_id: &str) -> Vec<&OpenModal> {
        self.modals
            .iter()
            .filter(|m| m.user_id == user_id)
            .collect()
    }

    // ----- calls ------------------------------------------------------------------------

    /// Every REST call received so far, in arrival order.
    pub fn calls(&self) -> &[RecordedCall] {
        &self.calls
    }

    /// Appends a call, unless recording is off.
    pub(crate) fn push_call(&mut self, call: RecordedCall) {
        if self.record_calls {
            self.calls.push(call);
        }
    }

    /// Forgets the recorded calls.
    pub fn clear_calls(&mut self) {
        self.calls.clear();
    }

    /// Turns call recording on (the default) or off (e.g. for benchmarks
    /// with many requests).
    pub fn set_call_recording(&mut self, on: bool) {
        self.record_calls = on;
    }
}
