//! Application logs with `log` + `env_logger`: text or JSON lines on stderr,
//! and a capturing variant that tees every line into memory so the demo and
//! the privacy tests can inspect exactly what an operator would read.
//!
//! What may be logged is decided where log lines are written (one line per
//! request in `request_log`, outcomes in the flows): a workspace, an event,
//! a message type, a conversation or message id, an outcome, a latency —
//! never a body, a token, a signature, an OAuth code or a user id.

use std::cell::RefCell;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use crate::log_sink::{BufferedSink, WRITER_THREAD};
use crate::log_time::LogClock;
use crate::settings::LogFormat;

/// How long a line may wait in the stderr buffer before it is written.
const FLUSH_DELAY: Duration = Duration::from_millis(50);

/// How long a flush (at exit, on a panic) waits for a stalled stderr.
const FLUSH_WAIT: Duration = Duration::from_secs(2);

/// Installs the process logger writing to stderr. Fails when a logger is
/// already installed.
///
/// Lines are collected in memory and written in batches by a writer thread
/// (`crate::log_sink`): at most `FLUSH_DELAY` (50 ms) after the first line of a
/// batch, as soon as the batch passes [`crate::log_sink::FLUSH_BYTES`], and
/// at once for a warning, an error, `log::logger().flush()` (which `anon
/// serve` calls before exiting, once its runtime has stopped) and a panic.
/// Only that thread writes to stderr: a busy server makes one write for many
/// request lines, and when stderr stalls (a log reader that stopped reading)
/// requests are still answered — lines past
/// [`crate::log_sink::MAX_PENDING_BYTES`] are dropped, a flush waits at most
/// `FLUSH_WAIT` (2 s), and a warning says how many bytes were lost once stderr
/// takes lines again.
pub fn init(level: log::LevelFilter, format: LogFormat) -> Result<(), log::SetLoggerError> {
    init_with_output(level, format, Box::new(std::io::stderr()))
}

/// [`init`], with the lines written to `output` instead of stderr (a bench
/// measures the logging work without a terminal's cost).
pub fn init_with_output(
    level: log::LevelFilter,
    format: LogFormat,
    output: Box<dyn Write + Send>,
) -> Result<(), log::SetLoggerError> {
    let notice = Box::new(move |lost: u64| {
        let mut line = Vec::with_capacity(128);
        format_line(
            format,
            &mut LogClock::default(),
            &log::Record::builder()
                .level(log::Level::Warn)
                .target("anon::logging")
                .args(format_args!(
                    "{lost} bytes of log lines were lost: stderr was not taking them (stalled, full or closed)"
                ))
                .build(),
            &mut line,
        );
        line
    });
    let sink = BufferedSink::new(output, FLUSH_DELAY, FLUSH_WAIT, notice);
    sink.start_writer();
    let logger = LineLogger {
        filter: filters(level).build(),
        format,
        destination: Destination::Stderr(sink),
    };
    log::set_max_level(logger.filter.filter());
    log::set_boxed_logger(Box::new(logger))?;
    log_panics();
    Ok(())
}

/// The level filters: `level` for this app, at most `info` for chatty
/// dependencies.
fn filters(level: log::LevelFilter) -> env_logger::Builder {
    let mut builder = env_logger::Builder::new();
    builder.filter_level(level);
    // Dependencies' own debug/trace chatter (sqlx statements, actix internals)
    // would only add noise; their warnings and errors still come through.
    // actix-http's own lines are about single connections (a malformed
    // request line, a client gone mid-write): a client's fault, written at
    // ERROR, that anyone could produce at will without signing anything.
    // They are shown only when debugging; the request log covers requests.
    builder.filter_module(
        "actix_http",
        if level >= log::LevelFilter::Debug {
            log::LevelFilter::Info
        } else {
            log::LevelFilter::Off
        },
    );
    for noisy in [
        "sqlx",
        "actix_server",
        "mio",
        "ureq",
        "ureq_proto",
        "rustls",
    ] {
        builder.filter_module(noisy, level.min(log::LevelFilter::Info));
    }
    builder
}

/// Reports a panic as an error log line, through the logger rather than
/// straight to stderr (which may be stalled), and waits a bounded time for
/// it and the lines before it to be written — except on the writer thread
/// itself, which cannot wait for itself. With logging off, the default
/// report is written instead.
fn log_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !log::log_enabled!(target: "anon::panic", log::Level::Error) {
            // Logging is off (LOG_LEVEL=off): the default report, on stderr.
            previous(info);
            return;
        }
        let thread = std::thread::current();
        let location = info
            .location()
            .map(|at| format!("{}:{}:{}", at.file(), at.line(), at.column()))
            .unwrap_or_else(|| "an unknown place".to_owned());
        let backtrace = std::backtrace::Backtrace::capture();
        let trace = match backtrace.status() {
            std::backtrace::BacktraceStatus::Captured => format!("\n{backtrace}"),
            _ => String::new(),
        };
        log::error!(
            target: "anon::panic",
            "thread '{}' panicked at {location}: {}{trace}",
            thread.name().unwrap_or("unnamed"),
            panic_message(info.payload())
        );
        if thread.name() != Some(WRITER_THREAD) {
            log::logger().flush();
        }
    }));
}

/// A panic's message: its payload when it is text.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

/// The process logger: `env_logger`'s filters, lines formatted into a
/// per-thread buffer that is reused, then handed to the destination whole.
struct LineLogger {
    filter: env_logger::Logger,
    format: LogFormat,
    destination: Destination,
}

enum Destination {
    /// Batched writes to stderr.
    Stderr(BufferedSink),
    /// Memory, at once (and stderr too when echoing).
    Capture(Tee),
}

thread_local! {
    /// Each thread's line being formatted, and its clock.
    static LINE: RefCell<(Vec<u8>, LogClock)> = RefCell::new((Vec::with_capacity(256), LogClock::default()));
}

impl log::Log for LineLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        self.filter.enabled(metadata)
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.filter.matches(record) {
            return;
        }
        let write = |line: &mut Vec<u8>, clock: &mut LogClock| {
            line.clear();
            format_line(self.format, clock, record, line);
            self.destination.write_line(line, record.level());
        };
        // A line logged while this thread's buffer is in use (a `Display`
        // implementation that logs) gets a buffer of its own.
        let reused = LINE.try_with(|cell| match cell.try_borrow_mut() {
            Ok(mut borrowed) => {
                let (line, clock) = &mut *borrowed;
                write(line, clock);
                true
            }
            Err(_) => false,
        });
        if reused != Ok(true) {
            write(&mut Vec::with_capacity(256), &mut LogClock::default());
        }
    }

    fn flush(&self) {
        match &self.destination {
            Destination::Stderr(sink) => sink.flush(),
            Destination::Capture(tee) => tee.flush(),
        }
    }
}

/// One line, newline included, in the configured format.
fn format_line(
    format: LogFormat,
    clock: &mut LogClock,
    record: &log::Record<'_>,
    line: &mut Vec<u8>,
) {
    match format {
        LogFormat::Text => {
            // `<time> <LEVEL padded to 5> <target> <message>`, the fixed
            // parts copied directly rather than through the formatter.
            clock.write_now(line);
            let level = record.level().as_str();
            line.push(b' ');
            line.extend_from_slice(level.as_bytes());
            line.extend(std::iter::repeat_n(
                b' ',
                5usize.saturating_sub(level.len()),
            ));
            line.push(b' ');
            line.extend_from_slice(record.target().as_bytes());
            line.push(b' ');
            match record.args().as_str() {
                Some(constant) => line.extend_from_slice(constant.as_bytes()),
                // Straight into the buffer, without `io::Write`'s adapter
                // (which cannot fail here anyway).
                None => {
                    let _ = std::fmt::write(&mut LineBuffer(line), *record.args());
                }
            }
            line.push(b'\n');
        }
        LogFormat::Json => {
            let mut timestamp = Vec::with_capacity(24);
            clock.write_now(&mut timestamp);
            let json = json_line(
                &String::from_utf8_lossy(&timestamp),
                record.level(),
                record.target(),
                &record.args().to_string(),
            );
            line.extend_from_slice(json.as_bytes());
            line.push(b'\n');
        }
    }
}

/// A line being formatted, as a `fmt::Write` target.
struct LineBuffer<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for LineBuffer<'_> {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        self.0.extend_from_slice(text.as_bytes());
        Ok(())
    }
}

impl Destination {
    fn write_line(&self, line: &[u8], level: log::Level) {
        match self {
            Destination::Stderr(sink) => sink.push(line, level <= log::Level::Warn),
            Destination::Capture(tee) => tee.push(line),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A poisoned buffer still holds whole lines written before the panic.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
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
                let mut filters = filters(level);
                // The capture holds what the server logs; a simulator running
                // in the same process (demo, tests) is not part of it.
                filters.filter_module("pumble_sim", log::LevelFilter::Off);
                let logger = LineLogger {
                    filter: filters.build(),
                    format,
                    destination: Destination::Capture(tee),
                };
                let max_level = logger.filter.filter();
                log::set_boxed_logger(Box::new(logger)).ok().map(|()| {
                    log::set_max_level(max_level);
                    capture
                })
            })
            .clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<u8>> {
        lock(&self.lines)
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

impl Tee {
    fn push(&self, line: &[u8]) {
        lock(&self.lines).extend_from_slice(line);
        if self.echo {
            let _ = std::io::stderr().write_all(line);
        }
    }

    fn flush(&self) {
        if self.echo {
            let _ = std::io::stderr().flush();
        }
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

    /// Formats one record as a text line.
    fn text_line(level: log::Level, target: &str, args: std::fmt::Arguments<'_>) -> String {
        let record = log::Record::builder()
            .level(level)
            .target(target)
            .args(args)
            .build();
        let mut line = Vec::new();
        format_line(
            LogFormat::Text,
            &mut LogClock::default(),
            &record,
            &mut line,
        );
        String::from_utf8(line).expect("a text line is UTF-8")
    }

    #[test]
    fn a_text_line_pads_the_level_and_ends_with_one_newline() {
        let constant = text_line(log::Level::Info, "anon::request", format_args!("started"));
        let formatted = text_line(
            log::Level::Error,
            "anon::flows",
            format_args!("failed {} times", 3),
        );
        for (line, rest) in [
            (&constant, " INFO  anon::request started\n"),
            (&formatted, " ERROR anon::flows failed 3 times\n"),
        ] {
            // `YYYY-MM-DDTHH:MM:SS.mmmZ`, then the rest.
            let (time, tail) = line.split_at(24);
            assert!(
                time.ends_with('Z') && time.as_bytes()[10] == b'T',
                "{line:?}"
            );
            assert_eq!(tail, rest);
        }
    }

    #[test]
    fn connection_errors_from_actix_http_are_shown_only_when_debugging() {
        use log::Log as _;
        let error_from = |target| {
            log::Metadata::builder()
                .level(log::Level::Error)
                .target(target)
                .build()
        };
        let info = filters(log::LevelFilter::Info).build();
        assert!(!info.enabled(&error_from("actix_http::h1::dispatcher")));
        assert!(info.enabled(&error_from("anon::request")));
        assert!(info.enabled(&error_from("actix_server::worker")));
        assert!(info.enabled(&error_from("sqlx::query")));
        let debug = filters(log::LevelFilter::Debug).build();
        assert!(debug.enabled(&error_from("actix_http::h1::dispatcher")));
    }
}
