//! Application logs with `log` + `env_logger`: text or JSON lines on stderr,
//! and a capturing variant that tees every line into memory so the demo and
//! the privacy tests can inspect exactly what an operator would read.
//!
//! What may be logged is decided where log lines are written (one line per
//! request in `request_log`, outcomes in the flows): a workspace, an event,
//! a message type, a conversation or message id, an outcome, a latency —
//! never a body, a token, a signature, an OAuth code or a user id.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use crate::settings::LogFormat;

/// Installs the process logger writing to stderr. Fails when a logger is
/// already installed.
pub fn init(level: log::LevelFilter, format: LogFormat) -> Result<(), log::SetLoggerError> {
    builder(level, format).try_init()
}

fn builder(level: log::LevelFilter, format: LogFormat) -> env_logger::Builder {
    let mut builder = env_logger::Builder::new();
    builder.filter_level(level);
    // Plain lines: no terminal colours to add or strip on every write.
    builder.write_style(env_logger::WriteStyle::Never);
    // Dependencies' own debug/trace chatter (sqlx statements, actix internals)
    // would only add noise; their warnings and errors still come through.
    for noisy in [
        "sqlx",
        "actix_server",
        "actix_http",
        "mio",
        "ureq",
        "ureq_proto",
        "rustls",
    ] {
        builder.filter_module(noisy, level.min(log::LevelFilter::Info));
    }
    match format {
        LogFormat::Text => {
            builder.format(|out, record| {
                writeln!(
                    out,
                    "{} {:<5} {} {}",
                    out.timestamp_millis(),
                    record.level(),
                    record.target(),
                    record.args()
                )
            });
        }
        LogFormat::Json => {
            builder.format(|out, record| {
                let line = json_line(
                    &out.timestamp_millis().to_string(),
                    record.level(),
                    record.target(),
                    &record.args().to_string(),
                );
                writeln!(out, "{line}")
            });
        }
    }
    builder
}

/// One JSON log line: `{"ts","level","target","msg"}` (no newline).
pub fn json_line(timestamp: &str, level: log::Level, target: &str, message: &str) -> String {
    serde_json::json!({
        "ts": timestamp,
        "level": level.as_str(),
        "target": target,
        "msg": message,
    })
    .to_string()
}

/// Every log line written since the capture was installed, kept in memory.
///
/// The logger is process-wide, so there is one capture per process: the
/// first [`LogCapture::install`] installs it, later calls share it.
#[derive(Clone)]
pub struct LogCapture {
    lines: Arc<Mutex<Vec<u8>>>,
}

impl std::fmt::Debug for LogCapture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogCapture")
            .field("bytes", &self.lock().len())
            .finish()
    }
}

static CAPTURE: OnceLock<Option<LogCapture>> = OnceLock::new();

impl LogCapture {
    /// Installs the capturing logger at `level` (once per process; later
    /// calls return the same capture). With `echo`, lines also go to stderr.
    /// `None` when another logger was installed first.
    pub fn install(level: log::LevelFilter, format: LogFormat, echo: bool) -> Option<LogCapture> {
        CAPTURE
            .get_or_init(|| {
                let capture = LogCapture {
                    lines: Arc::new(Mutex::new(Vec::new())),
                };
                let tee = Tee {
                    lines: Arc::clone(&capture.lines),
                    echo,
                };
                let mut builder = builder(level, format);
                // The capture holds what the server logs; a simulator running
                // in the same process (demo, tests) is not part of it.
                builder.filter_module("pumble_sim", log::LevelFilter::Off);
                builder.target(env_logger::Target::Pipe(Box::new(tee)));
                builder.try_init().ok().map(|()| capture)
            })
            .clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<u8>> {
        // A poisoned buffer still holds whole lines written before the panic.
        self.lines
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Every line captured so far.
    pub fn lines(&self) -> Vec<String> {
        String::from_utf8_lossy(&self.lock())
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// How many bytes have been captured so far; pass it to
    /// [`LogCapture::lines_since`] to read only what came after.
    pub fn mark(&self) -> usize {
        self.lock().len()
    }

    /// The lines captured after `mark`.
    pub fn lines_since(&self, mark: usize) -> Vec<String> {
        let buffer = self.lock();
        let tail = buffer.get(mark..).unwrap_or_default();
        String::from_utf8_lossy(tail)
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

/// The pipe behind the capturing logger: memory, and stderr when echoing.
struct Tee {
    lines: Arc<Mutex<Vec<u8>>>,
    echo: bool,
}

impl Write for Tee {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.lines
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .extend_from_slice(bytes);
        if self.echo {
            std::io::stderr().write_all(bytes)?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.echo {
            std::io::stderr().flush()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_line_is_one_object_with_the_message_escaped() {
        let line = json_line(
            "2026-12-03T17:00:00.000Z",
            log::Level::Warn,
            "anon::request",
            "POST /hook \"quoted\"\nsecond line",
        );
        assert!(!line.contains('\n'));
        let parsed: serde_json::Value = serde_json::from_str(&line).expect("valid JSON");
        assert_eq!(parsed["level"], "WARN");
        assert_eq!(parsed["target"], "anon::request");
        assert_eq!(parsed["msg"], "POST /hook \"quoted\"\nsecond line");
    }
}
