//! `TestApp`: the real server on a loopback port, a simulated Pumble
//! workspace around it, and a fresh database, per test.

use std::path::{Path, PathBuf};
use std::sync::Once;
use std::time::Duration;

use anon::{LoopbackApp, ServerThread, Settings};
use pumble_sim::{standard, Driver, Ephemeral, Message, Seed, Simulator};
use serde_json::Value;
use tempfile::TempDir;

use crate::store_probe::StoreProbe;
use crate::wait::{wait_until, TimedOut};

/// How long tests wait for background work by default. Everything runs on
/// loopback against an in-process simulator, so work normally finishes in
/// milliseconds; the margin is for a loaded CI machine.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(10);

/// The harness could not set something up.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// The temporary folder could not be created.
    #[error("temporary folder: {0}")]
    TempDir(std::io::Error),
    /// The simulator did not start or refused a change.
    #[error("simulator: {0}")]
    Simulator(#[from] pumble_sim::SimError),
    /// The server's settings were refused.
    #[error("settings: {0}")]
    Settings(#[from] anon::settings::SettingsError),
    /// The server did not start or stop cleanly.
    #[error("server: {0}")]
    Server(#[from] anon::StartupError),
    /// The OAuth install did not succeed.
    #[error("install answered {status}")]
    Install {
        /// The redirect's HTTP status.
        status: u16,
    },
    /// The server refused a request the harness sent.
    #[error("the server answered {status}")]
    Refused {
        /// The HTTP status.
        status: u16,
    },
    /// Something the harness waited for did not happen.
    #[error(transparent)]
    TimedOut(#[from] TimedOut),
    /// Something expected was not there.
    #[error("not found: {0}")]
    Missing(&'static str),
    /// A runtime for store queries could not be built.
    #[error("runtime: {0}")]
    Runtime(std::io::Error),
    /// The database could not be opened or queried.
    #[error("store: {0}")]
    Store(String),
}

type SettingsChange = Box<dyn FnOnce(&mut Settings) + Send>;

/// Options for [`TestApp`]; start with [`TestApp::builder`].
pub struct TestAppBuilder {
    seed: Seed,
    install: bool,
    changes: Vec<SettingsChange>,
}

impl std::fmt::Debug for TestAppBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestAppBuilder")
            .field("install", &self.install)
            .field("settings_changes", &self.changes.len())
            .finish_non_exhaustive()
    }
}

impl TestAppBuilder {
    /// Uses another simulator seed than [`Seed::standard`].
    pub fn seed(mut self, seed: Seed) -> TestAppBuilder {
        self.seed = seed;
        self
    }

    /// Starts without installing the app through OAuth (the server then
    /// holds no token).
    pub fn without_install(mut self) -> TestAppBuilder {
        self.install = false;
        self
    }

    /// Changes the server's settings before it starts (timeouts, queue
    /// size…). Changes apply in order and are kept for restarts.
    pub fn settings(
        mut self,
        change: impl FnOnce(&mut Settings) + Send + 'static,
    ) -> TestAppBuilder {
        self.changes.push(Box::new(change));
        self
    }

    /// Starts everything; panics with the reason if that fails (tests want
    /// the failure, not a `Result`).
    pub fn spawn(self) -> TestApp {
        match self.try_spawn() {
            Ok(app) => app,
            Err(error) => panic!("the test app did not start: {error}"),
        }
    }

    /// Starts the simulator, then the server on `127.0.0.1:0` with a fresh
    /// database, then installs the app through `GET /redirect?code=…` as
    /// the workspace owner (Carol) would.
    pub fn try_spawn(self) -> Result<TestApp, HarnessError> {
        init_test_logging();
        let dir = tempfile::tempdir().map_err(HarnessError::TempDir)?;
        let sim = Simulator::start(self.seed)?;
        let credentials = sim.app();
        let mut settings = Settings::loopback(
            &LoopbackApp {
                app_id: &credentials.app_id,
                app_key: &credentials.app_key,
                client_secret: &credentials.client_secret,
                signing_secret: &credentials.signing_secret,
            },
            &sim.base_url(),
            &dir.path().join("anon.db"),
        )?;
        for change in self.changes {
            change(&mut settings);
        }
        let server = ServerThread::start(settings.clone())?;
        let pumble = sim.driver(&server.base_url());
        let mut app = TestApp {
            server: Some(server),
            pumble,
            sim,
            settings,
            install_code: None,
            _dir: dir,
        };
        if self.install {
            app.install()?;
        }
        Ok(app)
    }
}

/// Installs an `env_logger`-style logger when `TEST_LOG` is set (to a level,
/// or anything for `debug`); tests are silent otherwise.
fn init_test_logging() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        if let Some(level) = std::env::var_os("TEST_LOG") {
            let level = level
                .to_str()
                .and_then(|l| l.parse().ok())
                .unwrap_or(log::LevelFilter::Debug);
            // Another logger (the privacy test's capture) may already be in place.
            let _ = anon::logging::init(level, anon::settings::LogFormat::Text);
        }
    });
}

/// A running server, its simulated Pumble workspace and its database.
///
/// Fields drop in order: the server first (it finishes queued work while
/// the simulator still answers), then the simulator, then the folder.
pub struct TestApp {
    server: Option<ServerThread>,
    /// Plays Pumble towards the server: slash commands, clicks, modals,
    /// events, raw signed requests.
    pub pumble: Driver,
    /// The simulated workspace (standard seed unless the builder changed it).
    pub sim: Simulator,
    settings: Settings,
    install_code: Option<String>,
    _dir: TempDir,
}

impl std::fmt::Debug for TestApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestApp")
            .field("server", &self.server)
            .field("sim", &self.sim.base_url())
            .finish_non_exhaustive()
    }
}

impl TestApp {
    /// The standard setup: standard seed, default settings, installed.
    pub fn spawn() -> TestApp {
        TestApp::builder().spawn()
    }

    /// Options before starting.
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder {
            seed: Seed::standard(),
            install: true,
            changes: Vec::new(),
        }
    }

    /// Installs the app as the owner through the real OAuth redirect.
    pub fn install(&mut self) -> Result<(), HarnessError> {
        let code = self.sim.create_oauth_code(standard::CAROL)?;
        let answer = self.pumble.oauth_redirect(&format!("code={code}"))?;
        self.install_code = Some(code);
        if answer.status == 200 {
            Ok(())
        } else {
            Err(HarnessError::Install {
                status: answer.status,
            })
        }
    }

    /// The OAuth code of the last install (single use, already redeemed):
    /// the privacy test looks for it in logs and files.
    pub fn install_code(&self) -> Option<&str> {
        self.install_code.as_deref()
    }

    /// `http://127.0.0.1:<port>` of the running server.
    pub fn base_url(&self) -> String {
        self.server
            .as_ref()
            .map(ServerThread::base_url)
            .unwrap_or_default()
    }

    /// The settings the server runs with (secrets included: for tests only).
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The database file.
    pub fn database_path(&self) -> &Path {
        &self.settings.database_path
    }

    /// The database file and its `-wal` and `-shm` companions.
    pub fn database_files(&self) -> Vec<PathBuf> {
        let main = self.database_path().to_path_buf();
        let mut files = vec![main.clone()];
        for suffix in ["-wal", "-shm"] {
            let mut name = main.clone().into_os_string();
            name.push(suffix);
            files.push(PathBuf::from(name));
        }
        files
    }

    /// Stops the server gracefully (queued work finishes first).
    pub fn stop_server(&mut self) -> Result<(), HarnessError> {
        if let Some(server) = self.server.take() {
            server.stop()?;
        }
        Ok(())
    }

    /// Stops the server and starts a new one on the same database file and
    /// the same simulator (a new port; the driver follows it). What the
    /// simulator shows (open modals, posts) is untouched.
    pub fn restart(&mut self) -> Result<(), HarnessError> {
        self.stop_server()?;
        let server = ServerThread::start(self.settings.clone())?;
        self.pumble = self.sim.driver(&server.base_url());
        self.server = Some(server);
        Ok(())
    }

    /// Opens the database a second time, with the server's key.
    pub fn store(&self) -> Result<StoreProbe, HarnessError> {
        StoreProbe::open(&self.settings)
    }

    /// Texts of every ephemeral message shown to `user`, oldest first
    /// (notices the app posted and ack/nack answers the simulator showed).
    pub fn notices(&self, user: &str) -> Vec<String> {
        self.sim
            .ephemerals_for(user)
            .iter()
            .map(ephemeral_text)
            .collect()
    }

    /// Waits until `user` was shown an ephemeral containing `needle`, and
    /// returns its text.
    pub fn wait_for_notice(&self, user: &str, needle: &str) -> Result<String, TimedOut> {
        self.wait_for_notice_after(user, 0, needle)
    }

    /// Like [`TestApp::wait_for_notice`], ignoring the first `seen`
    /// ephemerals (those shown before the action under test).
    pub fn wait_for_notice_after(
        &self,
        user: &str,
        seen: usize,
        needle: &str,
    ) -> Result<String, TimedOut> {
        wait_until(
            &format!("a notice to {user} containing {needle:?}"),
            DEFAULT_WAIT,
            || {
                self.notices(user)
                    .into_iter()
                    .skip(seen)
                    .find(|text| text.contains(needle))
            },
        )
    }

    /// Waits until `user` has seen at least `count` ephemerals; returns them.
    pub fn wait_for_notices(&self, user: &str, count: usize) -> Result<Vec<String>, TimedOut> {
        wait_until(&format!("{count} notices to {user}"), DEFAULT_WAIT, || {
            let notices = self.notices(user);
            (notices.len() >= count).then_some(notices)
        })
    }

    /// Posts by the app's bot in `channel` (thread replies included), oldest
    /// first.
    pub fn bot_posts_in(&self, channel: &str) -> Vec<Message> {
        let bot = self
            .sim
            .bot_user_id(standard::WORKSPACE)
            .unwrap_or_else(|| standard::BOT.to_owned());
        self.sim
            .messages_in(channel)
            .into_iter()
            .filter(|m| m.author == bot)
            .collect()
    }

    /// Waits until the bot has made at least `count` posts in `channel`.
    pub fn wait_for_bot_posts(
        &self,
        channel: &str,
        count: usize,
    ) -> Result<Vec<Message>, TimedOut> {
        wait_until(
            &format!("{count} app posts in {channel}"),
            DEFAULT_WAIT,
            || {
                let posts = self.bot_posts_in(channel);
                (posts.len() >= count).then_some(posts)
            },
        )
    }

    /// `author` types `/anon text` in `channel`; waits until they are told it
    /// was posted (by then the server has recorded where it landed, so its
    /// buttons work) and returns the post.
    pub fn post_anonymously(
        &self,
        author: &str,
        channel: &str,
        text: &str,
    ) -> Result<Message, HarnessError> {
        let seen = self.notices(author).len();
        let answer = self.pumble.slash(author, channel, "/anon", text)?;
        if !answer.is_success() {
            return Err(HarnessError::Refused {
                status: answer.status,
            });
        }
        self.wait_for_notice_after(author, seen, "Posted anonymously")?;
        let post = self
            .bot_posts_in(channel)
            .into_iter()
            .rev()
            .find(|m| m.text.contains(text) || m.blocks.to_string().contains(text));
        post.ok_or(HarnessError::Missing("the anonymous post"))
    }

    /// Waits until the bot↔`user` DM channel exists; returns its id.
    pub fn wait_for_bot_dm(&self, user: &str) -> Result<String, TimedOut> {
        wait_until(&format!("the bot's DM with {user}"), DEFAULT_WAIT, || {
            self.bot_dm_with(user)
        })
    }

    /// The bot↔`user` DM channel, if it exists.
    pub fn bot_dm_with(&self, user: &str) -> Option<String> {
        let bot = self.sim.bot_user_id(standard::WORKSPACE)?;
        self.sim
            .find_dm(standard::WORKSPACE, &[bot.as_str(), user])
            .map(|c| c.id)
    }
}

/// The text of an ephemeral: its fallback text and every text in its blocks.
pub fn ephemeral_text(ephemeral: &Ephemeral) -> String {
    let mut text = ephemeral.text.clone();
    collect_texts(&ephemeral.blocks, &mut text);
    text
}

fn collect_texts(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner) {
                    ("text", Value::String(s)) => {
                        out.push('\n');
                        out.push_str(s);
                    }
                    _ => collect_texts(inner, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_texts(item, out)),
        _ => {}
    }
}

/// The value of the button `on_action` in `blocks` (anon puts its own
/// message id there), if there is one.
pub fn button_value(blocks: &Value, on_action: &str) -> Option<String> {
    match blocks {
        Value::Object(map) => {
            if map.get("onAction").and_then(Value::as_str) == Some(on_action) {
                if let Some(value) = map.get("value").and_then(Value::as_str) {
                    return Some(value.to_owned());
                }
            }
            map.values()
                .find_map(|inner| button_value(inner, on_action))
        }
        Value::Array(items) => items.iter().find_map(|item| button_value(item, on_action)),
        _ => None,
    }
}
