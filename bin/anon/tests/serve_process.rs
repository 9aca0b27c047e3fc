//! `anon serve` as an operator runs it, as a process: a log reader that
//! stops reading does not stop it answering or stopping, and a Pumble call
//! that hangs does not hold up its exit after SIGTERM.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use pumble_sim::{standard, Fault, FaultRule, Seed, Simulator};

const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// A running `anon serve`, killed if a test ends (or fails) without
/// stopping it.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// `anon serve` against `simulator`, its stderr going to `stderr`.
fn serve(
    simulator: &Simulator,
    database: &Path,
    port: u16,
    extra: &[(&str, &str)],
    stderr: Stdio,
) -> Running {
    let app = simulator.app();
    let child = Command::new(env!("CARGO_BIN_EXE_anon"))
        .arg("serve")
        .env_clear()
        .env("PUMBLE_APP_ID", &app.app_id)
        .env("PUMBLE_APP_KEY", &app.app_key)
        .env("PUMBLE_APP_CLIENT_SECRET", &app.client_secret)
        .env("PUMBLE_APP_SIGNING_SECRET", &app.signing_secret)
        .env("TOKEN_ENCRYPTION_KEY", KEY)
        .env("DATABASE_PATH", database)
        .env("BIND_ADDRESS", "127.0.0.1")
        .env("PORT", port.to_string())
        .env("PUMBLE_API_URL", simulator.base_url())
        .envs(extra.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .expect("anon serve starts");
    Running(child)
}

/// A keep-alive connection sending `GET path` and reading the status.
struct Connection(TcpStream);

impl Connection {
    fn open(address: SocketAddr) -> std::io::Result<Connection> {
        let stream = TcpStream::connect(address)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(5)))?;
        Ok(Connection(stream))
    }

    fn get(&mut self, path: &str) -> std::io::Result<u16> {
        // One write: no small segments held back by Nagle's algorithm.
        let request = format!("GET {path} HTTP/1.1\r\nhost: anon.test\r\n\r\n");
        self.0.write_all(request.as_bytes())?;
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            self.0.read_exact(&mut byte)?;
            head.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
        let status = head
            .get(9..12)
            .and_then(|code| code.parse().ok())
            .unwrap_or(0);
        let length: usize = head
            .lines()
            .find_map(|line| line.strip_prefix("content-length:"))
            .and_then(|value| value.trim().parse().ok())
            .unwrap_or(0);
        let mut body = vec![0u8; length];
        self.0.read_exact(&mut body)?;
        Ok(status)
    }
}

fn wait_until_answering(address: SocketAddr) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(200) = Connection::open(address).and_then(|mut c| c.get("/health")) {
            return;
        }
        assert!(Instant::now() < deadline, "anon serve never answered");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A simulator and `anon serve` against it, answering, with `extra`
/// settings and its stderr going to `stderr`.
struct Setup {
    // Dropped in this order: the server is stopped before its simulator and
    // its database folder go.
    server: Running,
    simulator: Simulator,
    /// Holds the database until the test ends.
    _dir: tempfile::TempDir,
    address: SocketAddr,
}

fn start_serving(extra: &[(&str, &str)], stderr: Stdio) -> Setup {
    let simulator = Simulator::start(Seed::standard()).expect("simulator");
    let dir = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let server = serve(&simulator, &dir.path().join("anon.db"), port, extra, stderr);
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    wait_until_answering(address);
    Setup {
        server,
        simulator,
        _dir: dir,
        address,
    }
}

fn sigterm(Running(child): &Running) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

/// How long `child` took to exit, or `None` when it did not within `limit`
/// (it is then killed).
fn exits_within(Running(child): &mut Running, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if child
            .try_wait()
            .expect("the child can be waited for")
            .is_some()
        {
            return Some(started.elapsed());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

#[test]
fn a_log_reader_that_stops_reading_stops_neither_answers_nor_sigterm() {
    // stderr is a pipe nobody reads: once its buffer (64 KiB) is full, every
    // write to it blocks.
    let mut setup = start_serving(&[("SHUTDOWN_TIMEOUT_SECS", "2")], Stdio::piped());
    let address = setup.address;
    let unread = setup.server.0.stderr.take();
    // About 300 bytes of log line each (the path is logged up to 200
    // characters): 2 MiB in all, past the pipe and the logger's 1 MiB batch.
    let path = format!("/nope/{}", "a".repeat(190));
    let mut connection = Connection::open(address).expect("connects");
    for n in 0..7_000 {
        let status = connection
            .get(&path)
            .unwrap_or_else(|e| panic!("request {n} was not answered: {e}"));
        assert_eq!(status, 404);
    }
    assert_eq!(connection.get("/health").expect("answered"), 200);
    drop(connection);
    sigterm(&setup.server);
    let exited = exits_within(&mut setup.server, Duration::from_secs(15));
    assert!(exited.is_some(), "anon serve ignored SIGTERM");
    drop(unread);
}

#[test]
fn sigterm_is_not_held_up_by_a_pumble_call_that_hangs() {
    let mut setup = start_serving(
        &[
            ("PUMBLE_HTTP_TIMEOUT_SECS", "120"),
            ("SHUTDOWN_TIMEOUT_SECS", "1"),
        ],
        Stdio::null(),
    );
    let (simulator, address) = (&setup.simulator, setup.address);
    let driver = simulator.driver(&format!("http://{address}"));
    let install = driver
        .oauth_install(standard::CAROL, None)
        .expect("install answered");
    assert_eq!(install.status, 200);
    // From now on every call to Pumble hangs.
    simulator.inject_fault(FaultRule::any_method("/**", Fault::Hang));
    let answer = driver
        .slash(
            standard::ALICE,
            standard::GENERAL,
            "/anon",
            "<<@u_bob>> hello",
        )
        .expect("acknowledged");
    assert_eq!(answer.status, 200);
    // Wait until a call is being held by the hang.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !simulator.calls().iter().any(|call| call.status.is_none()) {
        assert!(Instant::now() < deadline, "no call reached the simulator");
        std::thread::sleep(Duration::from_millis(20));
    }
    sigterm(&setup.server);
    // The drain (1 s), the runtime's stop (1 s) and the last flush: nowhere
    // near the two minutes the hanging call could take.
    let exited = exits_within(&mut setup.server, Duration::from_secs(15));
    assert!(
        exited.is_some(),
        "anon serve waited for the hanging Pumble call"
    );
}
