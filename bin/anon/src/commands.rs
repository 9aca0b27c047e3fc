//! What each subcommand of the binary does. `main.rs` only parses the
//! command line and calls one of these; each returns the process exit code.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anon_store::{KeyRing, Store, StoreOptions};
use secrecy::ExposeSecret;

use crate::clock::unix_now;
use crate::console;
use crate::logging;
use crate::manifest;
use crate::settings::{Settings, PORT};
use crate::startup::Application;

/// Rows re-sealed per transaction by `anon reseal`.
const RESEAL_BATCH: u32 = 500;

/// Exit code for configuration problems.
const CONFIG_ERROR: u8 = 2;

fn load_settings() -> Result<Settings, ExitCode> {
    Settings::from_env().map_err(|error| {
        eprintln!("anon: {error}");
        ExitCode::from(CONFIG_ERROR)
    })
}

/// A runtime sized for a small server: one async worker thread for the
/// background queue and timers (HTTP has its own threads), and a bounded
/// pool for blocking Pumble calls.
fn runtime(blocking_threads: usize) -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .max_blocking_threads(blocking_threads.max(1))
        .thread_keep_alive(Duration::from_secs(10))
        .enable_all()
        .build()
}

/// `anon serve`: runs until SIGINT or SIGTERM, then stops gracefully.
pub fn serve() -> ExitCode {
    let settings = match load_settings() {
        Ok(settings) => settings,
        Err(code) => return code,
    };
    if logging::init(settings.log_level, settings.log_format).is_err() {
        eprintln!("anon: a logger was already installed");
    }
    for caution in settings.cautions() {
        log::warn!("{caution}");
    }
    let runtime = match runtime(settings.background_workers + 2) {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("anon: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(async move {
        let application = match Application::build(settings).await {
            Ok(application) => application,
            Err(error) => {
                log::error!("start-up failed: {error}");
                eprintln!("anon: {error}");
                return ExitCode::FAILURE;
            }
        };
        let stop = application.stop_handle();
        tokio::spawn(async move {
            wait_for_signal().await;
            log::info!("stop requested; finishing in-flight work");
            stop.stop().await;
        });
        match application.run_until_stopped().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                log::error!("server failed: {error}");
                ExitCode::FAILURE
            }
        }
    });
    // The drain above already waited for in-flight work as long as
    // configured; a blocking Pumble call still running (a hanging Pumble,
    // up to PUMBLE_HTTP_TIMEOUT_SECS) is abandoned, not waited for.
    runtime.shutdown_timeout(RUNTIME_STOP_WAIT);
    // The logger batches lines: once nothing can log any more, write out
    // the last ones.
    log::logger().flush();
    code
}

/// How long `serve` waits, after its drain, for the runtime's threads.
const RUNTIME_STOP_WAIT: Duration = Duration::from_secs(1);

/// Resolves on SIGINT (Ctrl-C) or, on Unix, SIGTERM.
async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// `anon check-config`. Settings that load but look like a mistake
/// ([`Settings::cautions`]) are named on stderr; they do not fail the check.
pub fn check_config() -> ExitCode {
    let settings = match load_settings() {
        Ok(settings) => settings,
        Err(code) => return code,
    };
    for caution in settings.cautions() {
        eprintln!("anon: caution: {caution}");
    }
    console::exit_code(
        console::print_line(&format!(
            "configuration OK: listening on {}, database {}, Pumble API {}",
            settings.listen_address(),
            settings.database_path.display(),
            settings.pumble_api_url
        )),
        ExitCode::SUCCESS,
    )
}

/// `anon manifest --public-url URL`. The URL is checked again here
/// ([`manifest::check_public_url`]) for callers that skip the parser.
pub fn print_manifest(public_url: &str) -> ExitCode {
    let public_url = match manifest::check_public_url(public_url) {
        Ok(url) => url,
        Err(refusal) => {
            eprintln!("anon: --public-url {refusal}");
            return ExitCode::from(CONFIG_ERROR);
        }
    };
    let rendered = manifest::render(&public_url, None);
    match serde_json::to_string_pretty(&rendered) {
        Ok(text) => console::exit_code(console::print_line(&text), ExitCode::SUCCESS),
        Err(error) => {
            eprintln!("anon: {error}");
            ExitCode::FAILURE
        }
    }
}

/// `anon reseal [--import-plaintext]`: opens the database with the current
/// (and previous) key and re-seals every value under the current key.
/// Run it with the server stopped or running; it rewrites rows in short
/// batches of `RESEAL_BATCH`, one transaction each.
pub fn reseal(import_plaintext: bool) -> ExitCode {
    let settings = match load_settings() {
        Ok(settings) => settings,
        Err(code) => return code,
    };
    if let Err(problem) = existing_database(&settings.database_path) {
        eprintln!("anon: {problem}");
        return ExitCode::from(CONFIG_ERROR);
    }
    let _ = logging::init(settings.log_level, settings.log_format);
    let runtime = match runtime(2) {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("anon: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(async move {
        let keys = match KeyRing::from_base64(
            settings.token_encryption_key.expose_secret(),
            settings
                .token_encryption_key_previous
                .as_ref()
                .map(|key| key.expose_secret()),
        ) {
            Ok(keys) => keys,
            Err(error) => {
                eprintln!("anon: TOKEN_ENCRYPTION_KEY: {error}");
                return ExitCode::from(CONFIG_ERROR);
            }
        };
        let options = StoreOptions::file(&settings.database_path, keys);
        let store = if import_plaintext {
            match Store::import_plaintext(options, unix_now()).await {
                Ok((store, report)) => {
                    // The import is done whether or not anyone reads this.
                    let _ = console::print_line(&format!(
                        "imported the previous anon's data: {} bot token(s), {} user token(s), {} opt-out(s); deleted tables: {}",
                        report.bot_tokens,
                        report.user_tokens,
                        report.opt_outs,
                        if report.dropped_tables.is_empty() {
                            "none".to_owned()
                        } else {
                            report.dropped_tables.join(", ")
                        }
                    ));
                    store
                }
                Err(error) => {
                    eprintln!("anon: import failed: {error}");
                    return ExitCode::FAILURE;
                }
            }
        } else {
            match Store::open(options).await {
                Ok(store) => store,
                Err(error) => {
                    eprintln!("anon: {error}");
                    return ExitCode::FAILURE;
                }
            }
        };
        let had_previous_key = settings.token_encryption_key_previous.is_some();
        let resealed = store.reseal(RESEAL_BATCH).await;
        store.close().await;
        match resealed {
            Ok(report) if report.unreadable == 0 => {
                let next_step = if had_previous_key {
                    "every row now opens with TOKEN_ENCRYPTION_KEY alone; TOKEN_ENCRYPTION_KEY_PREVIOUS can be removed"
                } else {
                    "every row opens with TOKEN_ENCRYPTION_KEY"
                };
                let written = console::print_line(&format!(
                    "resealed {} value(s) under the current key ({report:?})\n{next_step}",
                    report.total()
                ));
                console::exit_code(written, ExitCode::SUCCESS)
            }
            Ok(report) => {
                eprintln!(
                    "anon: resealed {} value(s), but {} row(s) are sealed under a key that is neither TOKEN_ENCRYPTION_KEY nor TOKEN_ENCRYPTION_KEY_PREVIOUS",
                    report.total(),
                    report.unreadable
                );
                ExitCode::FAILURE
            }
            Err(error) => {
                eprintln!("anon: reseal failed: {error}");
                ExitCode::FAILURE
            }
        }
    });
    drop(runtime);
    log::logger().flush();
    code
}

/// The database file `reseal` works on must exist already: opening a
/// mistyped path would create an empty database and report nothing to do.
fn existing_database(path: &Path) -> Result<(), String> {
    match std::fs::metadata(path) {
        Ok(metadata) if metadata.is_file() => Ok(()),
        Ok(_) => Err(format!(
            "DATABASE_PATH points to a directory, not a database file: {}",
            path.display()
        )),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Err(format!(
            "DATABASE_PATH names no existing database: {} (reseal works on an existing database; check the path)",
            path.display()
        )),
        Err(error) => Err(format!(
            "DATABASE_PATH cannot be read: {}: {error}",
            path.display()
        )),
    }
}

/// `anon healthcheck`: `GET /health` on `127.0.0.1:$PORT` (default 3000),
/// exit 0 on a 200. Needs no other configuration, but a malformed `PORT` is
/// reported rather than replaced by the default.
pub fn healthcheck() -> ExitCode {
    let port = match std::env::var(PORT) {
        Err(std::env::VarError::NotPresent) => 3000,
        Ok(text) if text.trim().is_empty() => 3000,
        Ok(text) => match text.trim().parse::<u16>() {
            Ok(port) if port != 0 => port,
            _ => {
                eprintln!("anon: PORT is malformed: expected a port number 1-65535");
                return ExitCode::from(CONFIG_ERROR);
            }
        },
        Err(std::env::VarError::NotUnicode(_)) => {
            eprintln!("anon: PORT is malformed: expected valid UTF-8 text");
            return ExitCode::from(CONFIG_ERROR);
        }
    };
    match probe(SocketAddr::from(([127, 0, 0, 1], port))) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("anon: /health did not answer 200");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("anon: /health unreachable: {error}");
            ExitCode::FAILURE
        }
    }
}

fn probe(address: SocketAddr) -> std::io::Result<bool> {
    let timeout = Duration::from_secs(2);
    let mut stream = TcpStream::connect_timeout(&address, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    stream.write_all(b"GET /health HTTP/1.0\r\nHost: localhost\r\n\r\n")?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head)?;
    Ok(head.starts_with(b"HTTP/1.") && &head[8..12] == b" 200")
}
