//! `anon demo`: the whole product on this machine, with no credentials.
//!
//! Starts `pumble-sim` (its standard workspace) and the real server on
//! loopback, with generated secrets and a temporary database; installs the
//! app through the real OAuth redirect; plays the scenario — an anonymous DM,
//! a reply through the modal, an anonymous channel post, an anonymous thread
//! reply, a report on that reply, an administrator reading the reports
//! channel — prints what each person sees, and ends with the privacy checks
//! ([`crate::privacy`]). Every line the server logs is captured at trace
//! level for check (b).

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anon_core::wire_names::{REPLY_ACTION, REPLY_INPUT_ACTION, REPORT_ACTION};
use pumble_sim::{standard, Seed, SimError, Simulator};

use crate::logging::LogCapture;
use crate::privacy::{
    check_database_files, check_logs, check_views, AnonymousMessage, CheckOutcome, LogSecrets,
    UserView,
};
use crate::server_thread::ServerThread;
use crate::settings::{LogFormat, LoopbackApp, Settings, SettingsError};
use crate::startup::StartupError;

/// The four anonymous messages of the scenario.
const DM_BODY: &str = "Your release notes were really clear, thank you.";
const REPLY_BODY: &str = "Glad they helped! Which part was most useful?";
const POST_BODY: &str = "Could we move the weekly sync to Thursdays?";
const THREAD_BODY: &str = "Thursdays clash with the customer calls for some of us.";

/// How long to wait for background work to show up in the simulator.
const WAIT_AT_MOST: Duration = Duration::from_secs(10);

/// Why the demo could not run to the end (a failed privacy check is not an
/// error: it is in the [`DemoReport`]).
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The simulator failed.
    #[error("simulator: {0}")]
    Sim(#[from] SimError),
    /// The loopback settings were refused.
    #[error("settings: {0}")]
    Settings(#[from] SettingsError),
    /// The server did not start or stop cleanly.
    #[error("server: {0}")]
    Server(#[from] StartupError),
    /// Reading files or writing the output failed.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// A step did not have the expected result.
    #[error("{0}")]
    Step(String),
    /// Another logger was installed before the demo's capturing one.
    #[error("the server's logs cannot be captured: another logger is installed")]
    NoLogCapture,
}

/// The privacy checks' results.
#[derive(Debug, Clone)]
pub struct DemoReport {
    /// Every check, in order.
    pub checks: Vec<CheckOutcome>,
}

impl DemoReport {
    /// True when every check passed.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(CheckOutcome::passed)
    }
}

/// `anon demo` as a process: prints to stdout, exit code 0 when every
/// privacy check passed.
pub fn main() -> ExitCode {
    let mut out = std::io::stdout().lock();
    match run(&mut out) {
        Ok(report) if report.passed() => ExitCode::SUCCESS,
        Ok(_) => {
            let _ = writeln!(out, "\nA privacy check failed.");
            ExitCode::FAILURE
        }
        // The reader of stdout went away (`anon demo | head`): stop quietly.
        Err(DemoError::Io(error)) if error.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::FAILURE
        }
        Err(error) => {
            let _ = out.flush();
            eprintln!("anon demo: {error}");
            ExitCode::FAILURE
        }
    }
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) -> Result<(), DemoError> {
    let deadline = Instant::now() + WAIT_AT_MOST;
    while !done() {
        if Instant::now() > deadline {
            return Err(DemoError::Step(format!("timed out waiting for {what}")));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok(())
}

fn ensure(condition: bool, what: &str) -> Result<(), DemoError> {
    if condition {
        Ok(())
    } else {
        Err(DemoError::Step(what.to_owned()))
    }
}

/// Runs the demo, writing its story to `out`.
pub fn run(out: &mut impl Write) -> Result<DemoReport, DemoError> {
    let started = Instant::now();
    let logs = LogCapture::install(log::LevelFilter::Trace, LogFormat::Text, false)
        .ok_or(DemoError::NoLogCapture)?;
    let mark = logs.mark();

    let sim = Simulator::start(Seed::standard())?;
    let app = sim.app();
    let dir = tempfile::tempdir()?;
    let database = dir.path().join("anon.db");
    let settings = Settings::loopback(
        &LoopbackApp {
            app_id: &app.app_id,
            app_key: &app.app_key,
            client_secret: &app.client_secret,
            signing_secret: &app.signing_secret,
        },
        &sim.base_url(),
        &database,
    )?;
    let server = ServerThread::start(settings)?;
    let driver = sim.driver(&server.base_url());
    let name = |id: &str| sim.user(id).map_or_else(|| id.to_owned(), |user| user.name);
    writeln!(
        out,
        "anon demo: a simulated Pumble workspace at {} and the anon server at {}\n",
        sim.base_url(),
        server.base_url()
    )?;

    // 1. Install through the real OAuth redirect.
    let code = sim.create_oauth_code(standard::CAROL)?;
    let installed = driver.oauth_redirect(&format!("code={code}"))?;
    ensure(
        installed.status == 200,
        "the install redirect did not succeed",
    )?;
    writeln!(
        out,
        "1. {} (owner) installs Anon: the redirect page says \"Anon is connected\".",
        name(standard::CAROL)
    )?;

    // 2. Alice sends Bob an anonymous DM.
    let ack = driver.slash(
        standard::ALICE,
        standard::GENERAL,
        "/anon",
        &format!("<<@{}>> {DM_BODY}", standard::BOB),
    )?;
    ensure(ack.status == 200, "/anon was not acknowledged")?;
    wait_for("the DM to reach Bob", || {
        sim.render_view(standard::BOB).contains(DM_BODY)
    })?;
    writeln!(
        out,
        "2. {} sends {} an anonymous DM (acknowledged in {} ms).",
        name(standard::ALICE),
        name(standard::BOB),
        ack.elapsed.as_millis()
    )?;

    // 3. Bob replies through the modal.
    let click = driver.click_latest(standard::BOB, REPLY_ACTION)?;
    ensure(click.status == 200, "the Reply click was refused")?;
    let submitted = driver.submit_modal(standard::BOB, &[(REPLY_INPUT_ACTION, REPLY_BODY)])?;
    ensure(submitted.status == 200, "the reply was not acknowledged")?;
    wait_for("the reply to reach Alice", || {
        sim.render_view(standard::ALICE).contains(REPLY_BODY)
    })?;
    writeln!(
        out,
        "3. {} answers through \"Reply anonymously\"; the reply reaches the original sender.",
        name(standard::BOB)
    )?;

    // 4. Grace posts anonymously in #general.
    let ack = driver.slash(standard::GRACE, standard::GENERAL, "/anon", POST_BODY)?;
    ensure(ack.status == 200, "/anon in #general was not acknowledged")?;
    let mut root = None;
    wait_for("the post in #general", || {
        root = sim
            .messages_in(standard::GENERAL)
            .into_iter()
            .find(|m| m.thread_root_id.is_none() && m.text.contains(POST_BODY));
        root.is_some()
    })?;
    let root = root.ok_or_else(|| DemoError::Step("the post vanished".to_owned()))?;
    writeln!(
        out,
        "4. {} posts anonymously in #general.",
        name(standard::GRACE)
    )?;

    // 5. Heidi replies anonymously in its thread.
    let ack = driver.slash_in_thread(
        standard::HEIDI,
        standard::GENERAL,
        &root.id,
        "/anon",
        THREAD_BODY,
    )?;
    ensure(
        ack.status == 200,
        "/anon in the thread was not acknowledged",
    )?;
    let mut reply = None;
    wait_for("the thread reply", || {
        reply = sim
            .replies_to(&root.id)
            .into_iter()
            .find(|m| m.text.contains(THREAD_BODY));
        reply.is_some()
    })?;
    let reply = reply.ok_or_else(|| DemoError::Step("the thread reply vanished".to_owned()))?;
    writeln!(
        out,
        "5. {} replies anonymously in that thread.",
        name(standard::HEIDI)
    )?;

    // 6. Ivan reports the thread reply.
    let before = sim.ephemerals_for(standard::IVAN).len();
    let report = driver.click(standard::IVAN, &reply.id, REPORT_ACTION)?;
    ensure(report.status == 200, "the Report click was refused")?;
    wait_for("the reporter to be told the outcome", || {
        sim.ephemerals_for(standard::IVAN).len() > before
    })?;
    writeln!(
        out,
        "6. {} reports that reply; the report reaches the private reports channel.",
        name(standard::IVAN)
    )?;
    writeln!(
        out,
        "7. {} (administrator) reads the reports channel.",
        name(standard::DAVE)
    )?;

    // What each person sees.
    writeln!(
        out,
        "\n---------------- What each person sees ----------------"
    )?;
    let people = [
        standard::ALICE,
        standard::BOB,
        standard::GRACE,
        standard::HEIDI,
        standard::IVAN,
        standard::CAROL,
        standard::DAVE,
    ];
    for person in people {
        writeln!(out, "\n{}", sim.render_view(person).trim_end())?;
    }

    // Privacy checks.
    let everyone = [
        standard::CAROL,
        standard::DAVE,
        standard::ALICE,
        standard::BOB,
        standard::ERIN,
        standard::FRANK,
        standard::GRACE,
        standard::HEIDI,
        standard::IVAN,
    ];
    let names: Vec<(String, String)> = everyone
        .iter()
        .map(|id| ((*id).to_owned(), name(id)))
        .collect();
    let renders: Vec<String> = everyone.iter().map(|id| sim.render_view(id)).collect();
    let views: Vec<UserView<'_>> = everyone
        .iter()
        .zip(&renders)
        .zip(&names)
        .map(|((id, text), (_, user_name))| UserView {
            user_id: id,
            user_name,
            text,
            is_admin: *id == standard::CAROL || *id == standard::DAVE,
        })
        .collect();
    let authored = [
        (standard::ALICE, DM_BODY),
        (standard::BOB, REPLY_BODY),
        (standard::GRACE, POST_BODY),
        (standard::HEIDI, THREAD_BODY),
    ];
    let author_names: Vec<String> = authored.iter().map(|(id, _)| name(id)).collect();
    let messages: Vec<AnonymousMessage<'_>> = authored
        .iter()
        .zip(&author_names)
        .map(|((id, body), author_name)| AnonymousMessage {
            author_id: id,
            author_name,
            body,
        })
        .collect();
    let bot_name = sim
        .user(standard::BOT)
        .map_or_else(|| "Anon".to_owned(), |bot| bot.name);
    let mut speakers: Vec<&str> = names.iter().map(|(_, n)| n.as_str()).collect();
    speakers.push(&bot_name);
    let views_check = check_views(&views, &messages, &speakers);

    let bot_token = sim.bot_token(standard::WORKSPACE).unwrap_or_default();
    let bodies: Vec<&str> = authored.iter().map(|(_, body)| *body).collect();
    let sim_message_ids: Vec<String> = [standard::GENERAL]
        .iter()
        .flat_map(|channel| sim.messages_in(channel))
        .map(|message| message.id)
        .collect();
    let log_secrets = LogSecrets {
        bodies: bodies.clone(),
        credentials: vec![
            &bot_token,
            &code,
            &app.app_key,
            &app.client_secret,
            &app.signing_secret,
        ],
        credential_prefixes: vec!["tok_"],
        user_ids: everyone.to_vec(),
        message_ids: sim_message_ids.iter().map(String::as_str).collect(),
    };

    let mut db_secrets: Vec<(String, &str)> = Vec::new();
    for (number, id) in everyone.iter().chain([&standard::BOT]).enumerate() {
        db_secrets.push((format!("user id #{}", number + 1), id));
    }
    for (number, body) in bodies.iter().enumerate() {
        db_secrets.push((format!("body #{}", number + 1), body));
    }
    db_secrets.push(("the bot token".to_owned(), &bot_token));
    db_secrets.push(("a token".to_owned(), "tok_"));
    let db_secrets: Vec<(&str, &str)> = db_secrets.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let running_files = check_database_files(&database, &db_secrets)?;

    server.stop()?;
    sim.stop();
    let stopped_files = check_database_files(&database, &db_secrets)?;
    let logs_check = check_logs(&logs.lines_since(mark), &log_secrets);

    let report = DemoReport {
        checks: vec![
            views_check,
            logs_check,
            CheckOutcome {
                name: "(c) database files hold no user id, body or token (while running, and after stop)",
                inspected: running_files.inspected + stopped_files.inspected,
                unit: "bytes",
                violations: running_files
                    .violations
                    .into_iter()
                    .chain(stopped_files.violations)
                    .collect(),
            },
        ],
    };
    writeln!(out, "\n---------------- Privacy checks ----------------")?;
    for check in &report.checks {
        writeln!(out, "{check}")?;
    }
    writeln!(out, "\nDone in {} ms.", started.elapsed().as_millis())?;
    Ok(report)
}
