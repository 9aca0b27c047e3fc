//! Configuration from the environment (DESIGN.md rule 7).
//!
//! Every variable the server reads is listed once, in [`VARIABLES`]; the
//! loader, `anon check-config`, `.env.example` and its drift test all go
//! through that table. Values are trimmed once, here, and the trimmed value is
//! the one used everywhere (so a trailing newline in a secret cannot pass
//! validation and then break signature checks, anon-behavior.md D20). A value
//! that is empty after trimming counts as unset.
//!
//! Loading never stops at the first problem: [`SettingsError`] names every
//! missing or malformed variable at once, and never prints a value.

use std::collections::HashMap;
use std::ffi::OsString;
use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use base64::Engine as _;
use secrecy::{ExposeSecret, SecretString};

/// One environment variable the server reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Variable {
    /// The variable's name, e.g. `PORT`.
    pub name: &'static str,
    /// Start-up fails when a required variable is unset.
    pub required: bool,
    /// The value used when the variable is unset (`None`: no default).
    pub default: Option<&'static str>,
    /// Whether the value is a secret (never printed, held in `SecretString`).
    pub secret: bool,
    /// What the variable means and its format.
    pub description: &'static str,
}

const fn required_secret(name: &'static str, description: &'static str) -> Variable {
    Variable {
        name,
        required: true,
        default: None,
        secret: true,
        description,
    }
}

const fn optional_secret(name: &'static str, description: &'static str) -> Variable {
    Variable {
        name,
        required: false,
        default: None,
        secret: true,
        description,
    }
}

const fn with_default(
    name: &'static str,
    default: &'static str,
    description: &'static str,
) -> Variable {
    Variable {
        name,
        required: false,
        default: Some(default),
        secret: false,
        description,
    }
}

/// Name of the app id variable.
pub const PUMBLE_APP_ID: &str = "PUMBLE_APP_ID";
/// Name of the app key variable.
pub const PUMBLE_APP_KEY: &str = "PUMBLE_APP_KEY";
/// Name of the OAuth client secret variable.
pub const PUMBLE_APP_CLIENT_SECRET: &str = "PUMBLE_APP_CLIENT_SECRET";
/// Name of the webhook signing secret variable.
pub const PUMBLE_APP_SIGNING_SECRET: &str = "PUMBLE_APP_SIGNING_SECRET";
/// Name of the previous signing secret variable (rotation).
pub const PUMBLE_APP_SIGNING_SECRET_PREVIOUS: &str = "PUMBLE_APP_SIGNING_SECRET_PREVIOUS";
/// Name of the sealing key variable.
pub const TOKEN_ENCRYPTION_KEY: &str = "TOKEN_ENCRYPTION_KEY";
/// Name of the previous sealing key variable (rotation).
pub const TOKEN_ENCRYPTION_KEY_PREVIOUS: &str = "TOKEN_ENCRYPTION_KEY_PREVIOUS";
/// Name of the database path variable.
pub const DATABASE_PATH: &str = "DATABASE_PATH";
/// Name of the listen address variable.
pub const BIND_ADDRESS: &str = "BIND_ADDRESS";
/// Name of the listen port variable.
pub const PORT: &str = "PORT";
/// Name of the public URL variable.
pub const PUBLIC_URL: &str = "PUBLIC_URL";
/// Name of the Pumble API base URL variable.
pub const PUMBLE_API_URL: &str = "PUMBLE_API_URL";
/// Name of the Pumble consent screen URL variable.
pub const PUMBLE_CONSENT_URL: &str = "PUMBLE_CONSENT_URL";
/// Name of the log level variable.
pub const LOG_LEVEL: &str = "LOG_LEVEL";
/// Name of the log format variable.
pub const LOG_FORMAT: &str = "LOG_FORMAT";
/// Name of the overall Pumble call timeout variable.
pub const PUMBLE_HTTP_TIMEOUT_SECS: &str = "PUMBLE_HTTP_TIMEOUT_SECS";
/// Name of the Pumble connect timeout variable.
pub const PUMBLE_CONNECT_TIMEOUT_SECS: &str = "PUMBLE_CONNECT_TIMEOUT_SECS";
/// Name of the HTTP worker count variable.
pub const HTTP_WORKERS: &str = "HTTP_WORKERS";
/// Name of the background worker count variable.
pub const BACKGROUND_WORKERS: &str = "BACKGROUND_WORKERS";
/// Name of the background queue capacity variable.
pub const BACKGROUND_QUEUE_CAPACITY: &str = "BACKGROUND_QUEUE_CAPACITY";
/// Name of the replay guard capacity variable.
pub const REPLAY_GUARD_CAPACITY: &str = "REPLAY_GUARD_CAPACITY";
/// Name of the graceful shutdown timeout variable.
pub const SHUTDOWN_TIMEOUT_SECS: &str = "SHUTDOWN_TIMEOUT_SECS";

/// Every variable the server reads, in the order `.env.example` lists them.
pub const VARIABLES: &[Variable] = &[
    Variable {
        name: PUMBLE_APP_ID,
        required: true,
        default: None,
        secret: false,
        description: "The app's id from Pumble (also the OAuth client id).",
    },
    required_secret(
        PUMBLE_APP_KEY,
        "The app key Pumble issued (sent as x-app-token on every API call).",
    ),
    required_secret(
        PUMBLE_APP_CLIENT_SECRET,
        "The OAuth client secret Pumble issued (used only to exchange install codes).",
    ),
    required_secret(
        PUMBLE_APP_SIGNING_SECRET,
        "The secret Pumble signs every request with (HMAC-SHA256).",
    ),
    optional_secret(
        PUMBLE_APP_SIGNING_SECRET_PREVIOUS,
        "During a signing-secret rotation: the old secret, still accepted until removed.",
    ),
    required_secret(
        TOKEN_ENCRYPTION_KEY,
        "32 random bytes, base64 (e.g. `openssl rand -base64 32`): seals tokens, authors and bodies at rest.",
    ),
    optional_secret(
        TOKEN_ENCRYPTION_KEY_PREVIOUS,
        "During a key rotation: the old key, so `anon reseal` can open old values.",
    ),
    with_default(
        DATABASE_PATH,
        "./data/anon.db",
        "Path of the SQLite database file (its directory is created, mode 700).",
    ),
    with_default(
        BIND_ADDRESS,
        "0.0.0.0",
        "IP address to listen on (127.0.0.1 for loopback only).",
    ),
    with_default(PORT, "3000", "TCP port to listen on (0 picks a free port)."),
    Variable {
        name: PUBLIC_URL,
        required: false,
        default: None,
        secret: false,
        description: "Public https base URL of this server, used in the manifest and the install link.",
    },
    with_default(
        PUMBLE_API_URL,
        "https://api-ga.pumble.com",
        "Base URL of Pumble's REST API.",
    ),
    with_default(
        PUMBLE_CONSENT_URL,
        "https://app.pumble.com/access-request",
        "Pumble's OAuth consent screen (the install link points there).",
    ),
    with_default(
        LOG_LEVEL,
        "info",
        "One of off, error, warn, info, debug, trace.",
    ),
    with_default(LOG_FORMAT, "text", "`text` (one line per event) or `json` (one JSON object per line)."),
    with_default(
        PUMBLE_HTTP_TIMEOUT_SECS,
        "30",
        "Upper bound in seconds on each call to Pumble, connect to last byte.",
    ),
    with_default(
        PUMBLE_CONNECT_TIMEOUT_SECS,
        "5",
        "Upper bound in seconds on connecting to Pumble.",
    ),
    with_default(
        HTTP_WORKERS,
        "1",
        "Threads answering HTTP requests (each answer is short; 1 or 2 suffice).",
    ),
    with_default(
        BACKGROUND_WORKERS,
        "4",
        "Commands carried out at the same time in the background (calls to Pumble).",
    ),
    with_default(
        BACKGROUND_QUEUE_CAPACITY,
        "256",
        "Commands waiting for a background worker; beyond this a command is refused with \"busy, try again\".",
    ),
    with_default(
        REPLAY_GUARD_CAPACITY,
        "200000",
        "Signed requests remembered to refuse replays, each until its timestamp leaves the 300 s window (size it above the requests of 600 s); about 8 bytes each, up to 21 in their first second (200000: about 2 MiB, at most about 5 MiB); 0 turns the guard off.",
    ),
    with_default(
        SHUTDOWN_TIMEOUT_SECS,
        "10",
        "On stop: seconds to finish in-flight requests and queued commands.",
    ),
];

/// The app identity a loopback server uses (see [`Settings::loopback`]).
#[derive(Clone, Copy)]
pub struct LoopbackApp<'a> {
    /// App id.
    pub app_id: &'a str,
    /// App key.
    pub app_key: &'a str,
    /// OAuth client secret.
    pub client_secret: &'a str,
    /// Signing secret.
    pub signing_secret: &'a str,
}

impl fmt::Debug for LoopbackApp<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoopbackApp")
            .field("app_id", &self.app_id)
            .finish_non_exhaustive()
    }
}

/// The log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One human-readable line per event.
    Text,
    /// One JSON object per line.
    Json,
}

/// The app's identity and secrets as Pumble issued them.
#[derive(Debug, Clone)]
pub struct PumbleAppSettings {
    /// The app id (OAuth client id; not secret).
    pub app_id: String,
    /// The app key (`x-app-token`).
    pub app_key: SecretString,
    /// The OAuth client secret.
    pub client_secret: SecretString,
    /// The current signing secret.
    pub signing_secret: SecretString,
    /// The previous signing secret, accepted during a rotation.
    pub signing_secret_previous: Option<SecretString>,
}

/// Everything the server is configured with. `Debug` shows secrets as
/// `[REDACTED]` (they are `SecretString`s).
#[derive(Debug, Clone)]
pub struct Settings {
    /// The app's identity and secrets.
    pub pumble: PumbleAppSettings,
    /// The sealing key, base64 of 32 bytes (validated).
    pub token_encryption_key: SecretString,
    /// The previous sealing key during a rotation, base64 of 32 bytes.
    pub token_encryption_key_previous: Option<SecretString>,
    /// The SQLite database file.
    pub database_path: PathBuf,
    /// Address to listen on.
    pub bind_address: IpAddr,
    /// Port to listen on (0: any free port).
    pub port: u16,
    /// Public base URL, without a trailing slash.
    pub public_url: Option<String>,
    /// Pumble's REST API base URL, without a trailing slash.
    pub pumble_api_url: String,
    /// Pumble's consent screen URL.
    pub pumble_consent_url: String,
    /// Most verbose level logged.
    pub log_level: log::LevelFilter,
    /// Log line format.
    pub log_format: LogFormat,
    /// Upper bound on each Pumble call.
    pub pumble_http_timeout: Duration,
    /// Upper bound on connecting to Pumble.
    pub pumble_connect_timeout: Duration,
    /// HTTP worker threads.
    pub http_workers: usize,
    /// Background workers.
    pub background_workers: usize,
    /// Background queue capacity.
    pub background_queue_capacity: usize,
    /// Signed requests remembered to refuse replays (0: no replay guard).
    pub replay_guard_capacity: usize,
    /// Time allowed to drain on stop.
    pub shutdown_timeout: Duration,
    /// Time a client has to send a request's headers, and again to send its
    /// body; a slower sender is answered 408 and its connection closed.
    /// Not read from the environment: [`DEFAULT_REQUEST_READ_TIMEOUT`]
    /// (tests may shorten it).
    pub request_read_timeout: Duration,
}

/// The default [`Settings::request_read_timeout`]: far more than Pumble
/// needs to send a webhook, and short enough that slow senders cannot pin
/// connections or hold a graceful stop for long.
pub const DEFAULT_REQUEST_READ_TIMEOUT: Duration = Duration::from_secs(5);

/// What is wrong with one variable. Never holds the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A required variable is unset or blank.
    Missing {
        /// The variable's name.
        variable: &'static str,
    },
    /// A variable is set but cannot be used.
    Malformed {
        /// The variable's name.
        variable: &'static str,
        /// What was expected (never the value itself).
        expected: &'static str,
    },
    /// A variable still holds a template placeholder (`.env.example`'s
    /// `REPLACE_WITH_…`).
    Placeholder {
        /// The variable's name.
        variable: &'static str,
    },
    /// A path variable names something that cannot be used as the file.
    NotAFile {
        /// The variable's name.
        variable: &'static str,
    },
}

impl Problem {
    /// The variable this problem is about.
    pub fn variable(&self) -> &'static str {
        match self {
            Problem::Missing { variable }
            | Problem::Malformed { variable, .. }
            | Problem::Placeholder { variable }
            | Problem::NotAFile { variable } => variable,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Missing { variable } => write!(f, "{variable} is missing"),
            Problem::Malformed { variable, expected } => {
                write!(f, "{variable} is malformed: expected {expected}")
            }
            Problem::Placeholder { variable } => write!(
                f,
                "{variable} still holds the .env.example placeholder: set the real value"
            ),
            Problem::NotAFile { variable } => write!(
                f,
                "{variable} points to a directory: expected the database file's path inside it"
            ),
        }
    }
}

/// Start-up configuration failed; lists every problem found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct SettingsError {
    /// Every problem, in [`VARIABLES`] order.
    pub problems: Vec<Problem>,
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.problems.len();
        let noun = if count == 1 { "problem" } else { "problems" };
        write!(f, "invalid configuration ({count} {noun}):")?;
        for problem in &self.problems {
            write!(f, "\n  - {problem}")?;
        }
        Ok(())
    }
}

impl Settings {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Settings, SettingsError> {
        let mut raw = HashMap::new();
        let mut not_unicode = Vec::new();
        for variable in VARIABLES {
            if let Some(value) = std::env::var_os(variable.name) {
                match OsString::into_string(value) {
                    Ok(text) => {
                        raw.insert(variable.name.to_owned(), text);
                    }
                    Err(_) => not_unicode.push(variable.name),
                }
            }
        }
        Self::load(raw, &not_unicode)
    }

    /// Reads the settings from name/value pairs instead of the process
    /// environment (tests, the demo). Names not in [`VARIABLES`] are ignored.
    pub fn from_vars<I, K, V>(vars: I) -> Result<Settings, SettingsError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let raw = vars
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .filter(|(k, _)| VARIABLES.iter().any(|var| var.name == k))
            .collect();
        Self::load(raw, &[])
    }

    fn load(
        raw: HashMap<String, String>,
        not_unicode: &[&'static str],
    ) -> Result<Settings, SettingsError> {
        // Only our own variables are handed to `config`, so an unrelated
        // variable can neither break start-up nor leak into an error message.
        let source = config::Environment::default().source(Some(raw));
        let collected = config::Config::builder()
            .add_source(source)
            .build()
            .map_err(|_| SettingsError {
                problems: vec![Problem::Malformed {
                    variable: PUMBLE_APP_ID,
                    expected: "a readable environment",
                }],
            })?;
        let mut reader = Reader {
            config: collected,
            problems: Vec::new(),
            not_unicode,
        };
        let settings = reader.read();
        match settings {
            Some(settings) if reader.problems.is_empty() => Ok(settings),
            _ => {
                let mut problems = reader.problems;
                problems.sort_by_key(|p| {
                    VARIABLES
                        .iter()
                        .position(|v| v.name == p.variable())
                        .unwrap_or(usize::MAX)
                });
                Err(SettingsError { problems })
            }
        }
    }

    /// Settings for a server on `127.0.0.1`, any free port, talking to a
    /// local Pumble (a simulator) at `pumble_api_url`, with a freshly
    /// generated sealing key: for tests, the demo and benchmarks. Goes
    /// through the same validation as the environment.
    pub fn loopback(
        app: &LoopbackApp<'_>,
        pumble_api_url: &str,
        database_path: &std::path::Path,
    ) -> Result<Settings, SettingsError> {
        let mut key = [0u8; 32];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut key).map_err(
            |_| SettingsError {
                problems: vec![Problem::Malformed {
                    variable: TOKEN_ENCRYPTION_KEY,
                    expected: "a key from the system random generator",
                }],
            },
        )?;
        let key = SecretString::from(base64::engine::general_purpose::STANDARD.encode(key));
        let database_path = database_path.to_str().ok_or_else(|| SettingsError {
            problems: vec![Problem::Malformed {
                variable: DATABASE_PATH,
                expected: "a UTF-8 path",
            }],
        })?;
        Settings::from_vars([
            (PUMBLE_APP_ID, app.app_id),
            (PUMBLE_APP_KEY, app.app_key),
            (PUMBLE_APP_CLIENT_SECRET, app.client_secret),
            (PUMBLE_APP_SIGNING_SECRET, app.signing_secret),
            (TOKEN_ENCRYPTION_KEY, key.expose_secret()),
            (DATABASE_PATH, database_path),
            (BIND_ADDRESS, "127.0.0.1"),
            (PORT, "0"),
            (PUMBLE_API_URL, pumble_api_url),
            (PUMBLE_HTTP_TIMEOUT_SECS, "5"),
            (PUMBLE_CONNECT_TIMEOUT_SECS, "2"),
            (SHUTDOWN_TIMEOUT_SECS, "5"),
        ])
    }

    /// The address to bind, `bind_address:port`.
    pub fn listen_address(&self) -> std::net::SocketAddr {
        std::net::SocketAddr::new(self.bind_address, self.port)
    }
}

/// Whether `value` is a template placeholder rather than a value: the
/// `REPLACE_WITH_…` of `.env.example` (with or without the `xpat-`-style
/// prefix), or a `<…>` stand-in. No credential Pumble issues contains either.
fn is_placeholder(value: &str) -> bool {
    value.to_ascii_uppercase().contains("REPLACE_WITH")
        || (value.starts_with('<') && value.ends_with('>'))
}

/// Reads each variable once, collecting every problem.
struct Reader<'a> {
    config: config::Config,
    problems: Vec<Problem>,
    not_unicode: &'a [&'static str],
}

impl Reader<'_> {
    /// The trimmed value, or the default, or `None`; records a `Missing`
    /// problem for an unset required variable.
    fn text(&mut self, name: &'static str) -> Option<String> {
        let variable = VARIABLES
            .iter()
            .find(|v| v.name == name)
            .expect("every name read is listed in VARIABLES (checked by a unit test)");
        if self.not_unicode.contains(&name) {
            self.malformed(name, "valid UTF-8 text");
            return None;
        }
        // `config` lower-cases environment keys.
        let value = self
            .config
            .get_string(&name.to_lowercase())
            .ok()
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty());
        match (value, variable.default) {
            (Some(value), _) => Some(value),
            (None, Some(default)) => Some(default.to_owned()),
            (None, None) => {
                if variable.required {
                    self.problems.push(Problem::Missing { variable: name });
                }
                None
            }
        }
    }

    fn malformed(&mut self, variable: &'static str, expected: &'static str) {
        self.problems
            .push(Problem::Malformed { variable, expected });
    }

    fn parsed<T: std::str::FromStr>(
        &mut self,
        name: &'static str,
        expected: &'static str,
    ) -> Option<T> {
        let text = self.text(name)?;
        match text.parse() {
            Ok(value) => Some(value),
            Err(_) => {
                self.malformed(name, expected);
                None
            }
        }
    }

    fn bounded(
        &mut self,
        name: &'static str,
        range: std::ops::RangeInclusive<u64>,
        expected: &'static str,
    ) -> Option<u64> {
        let value: u64 = self.parsed(name, expected)?;
        if range.contains(&value) {
            Some(value)
        } else {
            self.malformed(name, expected);
            None
        }
    }

    /// A token-like value: printable ASCII without spaces, and not a
    /// template placeholder.
    fn token(&mut self, name: &'static str) -> Option<String> {
        let text = self.text(name)?;
        if !text.bytes().all(|b| b.is_ascii_graphic()) {
            self.malformed(name, "printable ASCII without spaces");
            None
        } else if is_placeholder(&text) {
            self.problems.push(Problem::Placeholder { variable: name });
            None
        } else {
            Some(text)
        }
    }

    /// A path for the database file: anything but an existing directory.
    fn database_path(&mut self, name: &'static str) -> Option<PathBuf> {
        let path = PathBuf::from(self.text(name)?);
        if path.is_dir() {
            self.problems.push(Problem::NotAFile { variable: name });
            None
        } else {
            Some(path)
        }
    }

    fn secret(&mut self, name: &'static str) -> Option<SecretString> {
        self.token(name).map(SecretString::from)
    }

    fn sealing_key(&mut self, name: &'static str) -> Option<SecretString> {
        let text = SecretString::from(self.text(name)?);
        let decoded = base64::engine::general_purpose::STANDARD.decode(text.expose_secret());
        match decoded {
            Ok(bytes) if bytes.len() == 32 => Some(text),
            _ => {
                self.malformed(name, "32 bytes in standard base64 (44 characters)");
                None
            }
        }
    }

    fn url(&mut self, name: &'static str) -> Option<String> {
        let text = self.text(name)?;
        match crate::manifest::check_public_url(&text) {
            Ok(url) => Some(url),
            Err(_) => {
                self.malformed(
                    name,
                    "an http:// or https:// URL with a host and no user name, password, query or fragment",
                );
                None
            }
        }
    }

    fn read(&mut self) -> Option<Settings> {
        let app_id = self.token(PUMBLE_APP_ID);
        let app_key = self.secret(PUMBLE_APP_KEY);
        let client_secret = self.secret(PUMBLE_APP_CLIENT_SECRET);
        let signing_secret = self.secret(PUMBLE_APP_SIGNING_SECRET);
        let signing_secret_previous = self.secret(PUMBLE_APP_SIGNING_SECRET_PREVIOUS);
        let token_encryption_key = self.sealing_key(TOKEN_ENCRYPTION_KEY);
        let token_encryption_key_previous = self.sealing_key(TOKEN_ENCRYPTION_KEY_PREVIOUS);
        let database_path = self.database_path(DATABASE_PATH);
        let bind_address = self.parsed(BIND_ADDRESS, "an IPv4 or IPv6 address");
        let port = self.parsed(PORT, "a port number 0-65535");
        let public_url = self.url(PUBLIC_URL);
        let pumble_api_url = self.url(PUMBLE_API_URL);
        let pumble_consent_url = self.url(PUMBLE_CONSENT_URL);
        let log_level = self.parsed(LOG_LEVEL, "one of off, error, warn, info, debug, trace");
        let log_format = match self.text(LOG_FORMAT).as_deref() {
            Some(format) if format.eq_ignore_ascii_case("text") => Some(LogFormat::Text),
            Some(format) if format.eq_ignore_ascii_case("json") => Some(LogFormat::Json),
            Some(_) => {
                self.malformed(LOG_FORMAT, "`text` or `json`");
                None
            }
            None => None,
        };
        let http_timeout = self.bounded(PUMBLE_HTTP_TIMEOUT_SECS, 1..=600, "whole seconds, 1-600");
        let connect_timeout =
            self.bounded(PUMBLE_CONNECT_TIMEOUT_SECS, 1..=600, "whole seconds, 1-600");
        let http_workers = self.bounded(HTTP_WORKERS, 1..=64, "a count, 1-64");
        let background_workers = self.bounded(BACKGROUND_WORKERS, 1..=256, "a count, 1-256");
        let background_queue_capacity =
            self.bounded(BACKGROUND_QUEUE_CAPACITY, 1..=100_000, "a count, 1-100000");
        let replay_guard_capacity =
            self.bounded(REPLAY_GUARD_CAPACITY, 0..=10_000_000, "a count, 0-10000000");
        let shutdown_timeout = self.bounded(SHUTDOWN_TIMEOUT_SECS, 0..=600, "whole seconds, 0-600");

        Some(Settings {
            pumble: PumbleAppSettings {
                app_id: app_id?,
                app_key: app_key?,
                client_secret: client_secret?,
                signing_secret: signing_secret?,
                signing_secret_previous,
            },
            token_encryption_key: token_encryption_key?,
            token_encryption_key_previous,
            database_path: database_path?,
            bind_address: bind_address?,
            port: port?,
            public_url,
            pumble_api_url: pumble_api_url?,
            pumble_consent_url: pumble_consent_url?,
            log_level: log_level?,
            log_format: log_format?,
            pumble_http_timeout: Duration::from_secs(http_timeout?),
            pumble_connect_timeout: Duration::from_secs(connect_timeout?),
            http_workers: usize::try_from(http_workers?).ok()?,
            background_workers: usize::try_from(background_workers?).ok()?,
            background_queue_capacity: usize::try_from(background_queue_capacity?).ok()?,
            replay_guard_capacity: usize::try_from(replay_guard_capacity?).ok()?,
            shutdown_timeout: Duration::from_secs(shutdown_timeout?),
            request_read_timeout: DEFAULT_REQUEST_READ_TIMEOUT,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    fn complete() -> Vec<(&'static str, String)> {
        vec![
            (PUMBLE_APP_ID, "0123456789abcdef01234567".into()),
            (
                PUMBLE_APP_KEY,
                "xpat-11111111111111111111111111111111".into(),
            ),
            (
                PUMBLE_APP_CLIENT_SECRET,
                "xpcls-22222222222222222222222222222222".into(),
            ),
            (
                PUMBLE_APP_SIGNING_SECRET,
                "xpss-33333333333333333333333333333333".into(),
            ),
            (TOKEN_ENCRYPTION_KEY, KEY.into()),
        ]
    }

    fn with(
        mut vars: Vec<(&'static str, String)>,
        name: &'static str,
        value: &str,
    ) -> Vec<(&'static str, String)> {
        vars.retain(|(n, _)| *n != name);
        vars.push((name, value.to_owned()));
        vars
    }

    #[test]
    fn the_example_placeholders_are_refused_each_by_name_at_once() {
        let mut vars = complete();
        for (name, value) in [
            (PUMBLE_APP_ID, "REPLACE_WITH_YOUR_APP_ID"),
            (PUMBLE_APP_KEY, "xpat-REPLACE_WITH_YOUR_APP_KEY"),
            (
                PUMBLE_APP_CLIENT_SECRET,
                "xpcls-replace_with_your_client_secret",
            ),
            (PUMBLE_APP_SIGNING_SECRET, "<signing-secret>"),
            (
                PUMBLE_APP_SIGNING_SECRET_PREVIOUS,
                "xpss-REPLACE_WITH_THE_OLD_SIGNING_SECRET",
            ),
        ] {
            vars = with(vars, name, value);
        }
        let error = Settings::from_vars(vars).expect_err("placeholders must not load");
        assert_eq!(
            error.problems,
            [
                Problem::Placeholder {
                    variable: PUMBLE_APP_ID
                },
                Problem::Placeholder {
                    variable: PUMBLE_APP_KEY
                },
                Problem::Placeholder {
                    variable: PUMBLE_APP_CLIENT_SECRET
                },
                Problem::Placeholder {
                    variable: PUMBLE_APP_SIGNING_SECRET
                },
                Problem::Placeholder {
                    variable: PUMBLE_APP_SIGNING_SECRET_PREVIOUS
                },
            ]
        );
        let text = error.to_string();
        assert!(
            text.starts_with("invalid configuration (5 problems):"),
            "{text}"
        );
        assert!(
            text.contains("PUMBLE_APP_KEY still holds the .env.example placeholder"),
            "{text}"
        );
        assert!(!text.contains("REPLACE_WITH"), "{text}");
    }

    #[test]
    fn one_problem_is_counted_in_the_singular() {
        let error = Settings::from_vars(with(complete(), PORT, "abc")).expect_err("bad port");
        assert_eq!(
            error.to_string(),
            "invalid configuration (1 problem):\n  - PORT is malformed: expected a port number 0-65535"
        );
    }

    #[test]
    fn a_directory_as_database_path_is_named_as_such() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().to_str().expect("UTF-8 temp path");
        let error =
            Settings::from_vars(with(complete(), DATABASE_PATH, path)).expect_err("a directory");
        assert_eq!(
            error.problems,
            [Problem::NotAFile {
                variable: DATABASE_PATH
            }]
        );
        assert!(error
            .to_string()
            .contains("DATABASE_PATH points to a directory"));
        // A file that does not exist yet is fine: the server creates it.
        let file = dir.path().join("anon.db");
        let settings = Settings::from_vars(with(
            complete(),
            DATABASE_PATH,
            file.to_str().expect("UTF-8 path"),
        ))
        .expect("a new file's path loads");
        assert_eq!(settings.database_path, file);
    }

    #[test]
    fn defaults_apply_when_only_required_variables_are_set() {
        let settings = Settings::from_vars(complete()).expect("complete settings load");
        assert_eq!(settings.port, 3000);
        assert_eq!(settings.database_path, PathBuf::from("./data/anon.db"));
        assert_eq!(settings.pumble_api_url, "https://api-ga.pumble.com");
        assert_eq!(settings.log_format, LogFormat::Text);
        assert_eq!(settings.log_level, log::LevelFilter::Info);
        assert_eq!(settings.pumble_http_timeout, Duration::from_secs(30));
        assert!(settings.public_url.is_none());
        assert!(settings.pumble.signing_secret_previous.is_none());
    }

    #[test]
    fn every_missing_required_variable_is_named_at_once() {
        let error = Settings::from_vars(Vec::<(String, String)>::new()).unwrap_err();
        let named: Vec<_> = error.problems.iter().map(Problem::variable).collect();
        assert_eq!(
            named,
            [
                PUMBLE_APP_ID,
                PUMBLE_APP_KEY,
                PUMBLE_APP_CLIENT_SECRET,
                PUMBLE_APP_SIGNING_SECRET,
                TOKEN_ENCRYPTION_KEY
            ]
        );
        let shown = error.to_string();
        for name in named {
            assert!(shown.contains(name), "{shown}");
        }
    }

    #[test]
    fn missing_and_malformed_are_reported_together_without_values() {
        let mut vars = complete();
        vars.retain(|(n, _)| *n != PUMBLE_APP_KEY);
        let vars = with(vars, PORT, "70000");
        let vars = with(vars, LOG_FORMAT, "yaml");
        let vars = with(vars, TOKEN_ENCRYPTION_KEY, "c2hvcnQ=");
        let vars = with(vars, PUMBLE_API_URL, "ftp://example.test");
        let vars = with(vars, PUMBLE_HTTP_TIMEOUT_SECS, "0");
        let error = Settings::from_vars(vars).unwrap_err();
        let named: Vec<_> = error.problems.iter().map(Problem::variable).collect();
        assert_eq!(
            named,
            [
                PUMBLE_APP_KEY,
                TOKEN_ENCRYPTION_KEY,
                PORT,
                PUMBLE_API_URL,
                LOG_FORMAT,
                PUMBLE_HTTP_TIMEOUT_SECS
            ]
        );
        assert!(matches!(error.problems[0], Problem::Missing { .. }));
        assert!(matches!(error.problems[1], Problem::Malformed { .. }));
        let shown = error.to_string();
        assert!(!shown.contains("c2hvcnQ="), "{shown}");
        assert!(!shown.contains("70000"), "{shown}");
    }

    #[test]
    fn values_are_trimmed_and_the_trimmed_value_is_used() {
        let vars = with(
            complete(),
            PUMBLE_APP_SIGNING_SECRET,
            "  xpss-44444444444444444444444444444444\n",
        );
        let vars = with(vars, PORT, " 8080 ");
        let vars = with(vars, PUBLIC_URL, "\thttps://anon.example.test/ \n");
        let settings = Settings::from_vars(vars).expect("trimmed values are valid");
        assert_eq!(
            settings.pumble.signing_secret.expose_secret(),
            "xpss-44444444444444444444444444444444"
        );
        assert_eq!(settings.port, 8080);
        assert_eq!(
            settings.public_url.as_deref(),
            Some("https://anon.example.test")
        );
    }

    #[test]
    fn blank_counts_as_unset() {
        let vars = with(complete(), PUMBLE_APP_ID, "   ");
        let vars = with(vars, PORT, "");
        let error = Settings::from_vars(vars).unwrap_err();
        assert_eq!(
            error.problems,
            [Problem::Missing {
                variable: PUMBLE_APP_ID
            }]
        );
    }

    #[test]
    fn a_secret_with_inner_whitespace_is_malformed() {
        let vars = with(complete(), PUMBLE_APP_KEY, "xpat-1 2");
        let error = Settings::from_vars(vars).unwrap_err();
        assert_eq!(error.problems.len(), 1);
        assert_eq!(error.problems[0].variable(), PUMBLE_APP_KEY);
    }

    #[test]
    fn debug_never_shows_secrets() {
        let settings = Settings::from_vars(complete()).expect("complete settings load");
        let shown = format!("{settings:?}");
        for (name, value) in complete() {
            if VARIABLES.iter().any(|v| v.name == name && v.secret) {
                assert!(!shown.contains(&value), "{name} visible in Debug");
            }
        }
        assert!(
            shown.contains("0123456789abcdef01234567"),
            "non-secret id stays visible"
        );
    }

    #[test]
    fn variable_names_are_unique_and_upper_snake_case() {
        for (i, variable) in VARIABLES.iter().enumerate() {
            assert!(variable
                .name
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'));
            assert!(
                !(variable.required && variable.default.is_some()),
                "{}",
                variable.name
            );
            assert!(
                VARIABLES[i + 1..]
                    .iter()
                    .all(|other| other.name != variable.name),
                "{} listed twice",
                variable.name
            );
        }
    }

    #[test]
    fn every_default_is_itself_valid() {
        // Setting each defaulted variable explicitly to its default loads the same way.
        let mut vars = complete();
        for variable in VARIABLES {
            if let Some(default) = variable.default {
                vars.push((variable.name, default.to_owned()));
            }
        }
        Settings::from_vars(vars).expect("defaults are valid values");
    }
}
