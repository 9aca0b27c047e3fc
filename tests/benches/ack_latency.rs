//! Ack latency and throughput of the real `anon serve` process, beside a
//! plain actix-web "200 OK" endpoint measured the same way in the same run
//! (issue 7, acceptance).
//!
//! ```sh
//! cargo build --release -p anon          # the server binary under test
//! cargo bench -p anon-tests --bench ack_latency
//! ```
//!
//! `ACK_LATENCY_ANON_BINARY=/path/to/anon` measures another build of the
//! server instead (a copy taken before a change, a profiling build).
//!
//! Both servers run as child processes, each with one HTTP worker, pinned to
//! CPU 0 with `taskset` when it exists, so their resident memory and start-up
//! time are their own. The load comes from this process (client threads and
//! the simulated Pumble the server talks to), over loopback:
//!
//! 1. **throughput**: `CLIENTS` threads, keep-alive connections, each sending
//!    the next request as soon as the last is answered. The two servers take
//!    turns in `PAIRS` pairs of `PAIR_DURATION` each (baseline then anon,
//!    then anon then baseline, …), and each pair gives a ratio; the median of
//!    those ratios is the figure. Neighbouring runs share the machine's
//!    conditions, so outside load on a shared machine moves both sides of a
//!    pair together. While the baseline runs, the anon process is paused
//!    (`SIGSTOP`), so its background work (queued commands, paced to
//!    Pumble's rate limit) cannot slow the baseline down and flatter anon.
//!    Each run also reads the server's CPU time (`/proc/<pid>/stat`), which
//!    gives a second, less noisy figure: requests per CPU-second, what one
//!    core can carry whatever else ran on it (a shared machine's other load
//!    takes wall time from a run, not CPU time), and the share of the core
//!    each server used (below 1: it sometimes waited for the clients; below
//!    `SATURATED_SHARE` a warning says the ratio measured round trips more
//!    than capacity);
//! 2. **half load**: the same threads paced to half the baseline's median
//!    throughput, reporting p99.
//!
//! Every `/anon` request is a real, signed `SLASH_COMMAND` with a unique
//! timestamp and text (the replay guard would refuse repeats), from one of
//! many simulated senders to another (so rate limits rarely apply). The
//! server answers at once and carries the command out in the background
//! against the simulator; when its bounded queue is full it answers "busy"
//! (also immediately). The status counts are printed, so the figures say
//! which answers they measured.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use pumble_sim::{roles, standard, SeedUser, Simulator};

/// Concurrent client threads: enough to keep one server core busy (with
/// fewer, each request waits for its client's wake-up on the other core and
/// the servers idle between requests: the ratio then measures latency, not
/// what one core can carry). `BENCH_CLIENTS` overrides it.
const CLIENTS: usize = 12;

/// Below this share of its core a server was not saturated: its run measured
/// round trips more than capacity.
const SATURATED_SHARE: f64 = 0.9;

/// The number of client threads for this run.
fn clients() -> usize {
    static CLIENTS_NOW: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CLIENTS_NOW.get_or_init(|| {
        std::env::var("BENCH_CLIENTS")
            .ok()
            .and_then(|n| n.parse().ok())
            .filter(|n| (1..=256).contains(n))
            .unwrap_or(CLIENTS)
    })
}
/// Length of each paced or diagnostic phase.
const DURATION: Duration = Duration::from_secs(4);
/// Baseline/anon pairs at maximum load.
const PAIRS: usize = 10;
/// Length of each run of a pair.
const PAIR_DURATION: Duration = Duration::from_millis(1500);
/// Commands a second the background can carry out in full.
const LIGHT_RATE: f64 = 8.0;
/// Requests the server's replay guard may remember: more than a whole run
/// sends at the rates seen so far (about 1.3 million at 60 000 a second).
const REPLAY_GUARD_CAPACITY: u64 = 2_500_000;
/// Simulated senders (and recipients) added to the workspace.
const SENDERS: usize = 500;
/// Set when this process already runs pinned to CPU 1.
const CLIENT_PINNED: &str = "ACK_LATENCY_CLIENT_PINNED";
/// The argument that turns this binary into the baseline server.
const BASELINE_FLAG: &str = "--baseline-server";
/// Names a server binary to measure instead of target/release/anon.
const ANON_BINARY_VARIABLE: &str = "ACK_LATENCY_ANON_BINARY";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == BASELINE_FLAG) {
        let port = args.get(at + 1).and_then(|p| p.parse().ok()).unwrap_or(0);
        run_baseline_server(port);
        return;
    }
    // `cargo bench` passes `--bench`; `cargo test --benches` (or
    // `--all-targets`) runs this binary without it: do not measure then.
    if !args.iter().any(|a| a == "--bench") {
        println!("ack_latency: measures only under `cargo bench` (pass --bench to run it by hand)");
        return;
    }
    // Keep the load generator (client threads and simulator) off the
    // servers' CPU: re-run this process pinned to CPU 1.
    if std::env::var_os(CLIENT_PINNED).is_none() {
        if let Some(taskset) = which("taskset") {
            if std::thread::available_parallelism().map_or(1, usize::from) > 1 {
                if let Ok(this) = std::env::current_exe() {
                    let status = Command::new(taskset)
                        .arg("-c")
                        .arg("1")
                        .arg(this)
                        .args(&args[1..])
                        .env(CLIENT_PINNED, "1")
                        .status();
                    match status {
                        Ok(status) => std::process::exit(status.code().unwrap_or(1)),
                        Err(error) => eprintln!("ack_latency: not pinning the client: {error}"),
                    }
                }
            }
        }
    }
    if let Err(error) = run() {
        eprintln!("ack_latency: {error}");
        std::process::exit(1);
    }
}

/// The baseline: actix-web, one worker, `POST /hook` answers `200 {}`.
fn run_baseline_server(port: u16) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime for the baseline server");
    runtime.block_on(async move {
        use actix_web::{web, App, HttpResponse, HttpServer};
        let server = HttpServer::new(|| {
            App::new()
                .route(
                    "/hook",
                    web::post().to(|_body: web::Bytes| async {
                        HttpResponse::Ok()
                            .content_type("application/json")
                            .body("{}")
                    }),
                )
                .route(
                    "/health",
                    web::get().to(|| async { HttpResponse::Ok().finish() }),
                )
        })
        .workers(1)
        .bind(("127.0.0.1", port))
        .expect("the baseline binds its port")
        .run();
        server.await.expect("the baseline serves");
    });
}

type BenchResult<T> = Result<T, String>;

fn run() -> BenchResult<()> {
    let anon_binary = anon_binary()?;
    println!("ack_latency: server under test {}", anon_binary.display());
    let load_before = load_average();
    let taskset = which("taskset");
    println!(
        "ack_latency: {} client threads, {}s per phase, servers pinned to CPU 0: {}",
        clients(),
        DURATION.as_secs(),
        if taskset.is_some() {
            "yes (taskset -c 0)"
        } else {
            "no (taskset not found)"
        }
    );

    // The simulated Pumble, fast, with many users.
    let sim = Simulator::start(pumble_sim::Seed::standard()).map_err(|e| e.to_string())?;
    sim.set_call_recording(false);
    for i in 0..SENDERS {
        let id = sender(i);
        sim.add_user(SeedUser::new(
            standard::WORKSPACE,
            &id,
            &format!("Bench {i}"),
            roles::USER,
        ))
        .map_err(|e| e.to_string())?;
        sim.add_member(standard::GENERAL, &id)
            .map_err(|e| e.to_string())?;
    }
    let credentials = sim.app();

    // ----- the baseline --------------------------------------------------------------
    let baseline_port = free_port()?;
    let this = std::env::current_exe().map_err(|e| e.to_string())?;
    let baseline = spawn_pinned(
        taskset.as_deref(),
        Command::new(&this).args([BASELINE_FLAG, &baseline_port.to_string()]),
        Stdio::null(),
    )?;
    let baseline_addr = SocketAddr::from(([127, 0, 0, 1], baseline_port));
    let baseline_first = first_answer(baseline_addr, Instant::now(), Duration::from_secs(10))?;
    // Both servers receive the very same requests: signed `/anon` slash
    // commands built and signed by the same client code, so the client's
    // own work (JSON body, HMAC) is equal on both sides and the ratio
    // compares only what the servers do. The baseline ignores the body.
    let secret = credentials.signing_secret.clone();
    let signed = move |n: u64| slash_body(n);

    // ----- anon serve ----------------------------------------------------------------------
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let port = free_port()?;
    let key = sealing_key()?;
    let mut command = Command::new(&anon_binary);
    command
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("PUMBLE_APP_ID", &credentials.app_id)
        .env("PUMBLE_APP_KEY", &credentials.app_key)
        .env("PUMBLE_APP_CLIENT_SECRET", &credentials.client_secret)
        .env("PUMBLE_APP_SIGNING_SECRET", &credentials.signing_secret)
        .env("TOKEN_ENCRYPTION_KEY", key)
        .env("DATABASE_PATH", dir.path().join("anon.db"))
        .env("BIND_ADDRESS", "127.0.0.1")
        .env("PORT", port.to_string())
        .env("PUMBLE_API_URL", sim.base_url())
        .env("HTTP_WORKERS", "1")
        // The production default (one line per request); BENCH_LOG_LEVEL
        // overrides it to see what logging costs.
        .env(
            "LOG_LEVEL",
            std::env::var("BENCH_LOG_LEVEL").unwrap_or_else(|_| "info".to_owned()),
        )
        // Enough to remember every request of the whole run (all within the
        // 300 s window); a full guard would answer 503 instead of measuring.
        .env("REPLAY_GUARD_CAPACITY", REPLAY_GUARD_CAPACITY.to_string());
    let log_path = dir.path().join("anon.log");
    let log_file = std::fs::File::create(&log_path).map_err(|e| e.to_string())?;
    let started = Instant::now();
    let anon = spawn_pinned(taskset.as_deref(), &mut command, Stdio::from(log_file))?;
    let anon_addr = SocketAddr::from(([127, 0, 0, 1], port));
    let anon_first = first_answer(anon_addr, started, Duration::from_secs(10))?;
    let install = sim
        .driver(&format!("http://{anon_addr}"))
        .oauth_install(standard::CAROL, None)
        .map_err(|e| e.to_string())?;
    if install.status != 200 {
        return Err(format!("install answered {}", install.status));
    }
    std::thread::sleep(Duration::from_millis(500));
    let anon_idle_rss = rss_kib(anon.id());

    // First, at a rate the background can carry out (Pumble calls are paced
    // below Pumble's app-wide limit): every command is accepted and really
    // sent while its ack is measured.
    let anon_light = load(anon_addr, &signed, Some(LIGHT_RATE), &secret, DURATION)?;

    let peak = Arc::new(AtomicU64::new(0));
    let sampler = rss_sampler(anon.id(), Arc::clone(&peak));
    let pause = Pause::new(anon.id());
    let mut pairs = Vec::with_capacity(PAIRS);
    // The CPU time each server spends on its run (all its threads), so the
    // capacity of one core can be told apart from time the core was taken
    // by something else.
    let (baseline_pid, anon_pid) = (baseline.id(), anon.id());
    let mut cpu_per_pair: Vec<(Option<u64>, Option<u64>)> = Vec::with_capacity(PAIRS);
    // This process's own CPU time per run: the load generator's (and the
    // simulator's) share of its core. Near 1, the clients, not the server,
    // set the pace.
    let own_pid = std::process::id();
    let mut client_share = (Vec::with_capacity(PAIRS), Vec::with_capacity(PAIRS));
    for pair in 0..PAIRS {
        let baseline_cpu = std::cell::Cell::new(None);
        let anon_cpu = std::cell::Cell::new(None);
        let baseline_client = std::cell::Cell::new(None);
        let anon_client = std::cell::Cell::new(None);
        let run_baseline = || -> BenchResult<Phase> {
            pause.stop();
            let before = cpu_ns(baseline_pid);
            let own_before = cpu_ns(own_pid);
            let run = load(baseline_addr, &signed, None, &secret, PAIR_DURATION);
            baseline_cpu.set(cpu_spent(baseline_pid, before));
            baseline_client.set(cpu_spent(own_pid, own_before));
            pause.resume();
            run
        };
        let run_anon = || -> BenchResult<Phase> {
            let before = cpu_ns(anon_pid);
            let own_before = cpu_ns(own_pid);
            let run = load(anon_addr, &signed, None, &secret, PAIR_DURATION);
            anon_cpu.set(cpu_spent(anon_pid, before));
            anon_client.set(cpu_spent(own_pid, own_before));
            run
        };
        // Alternate which server goes first, so neither always runs right
        // after the other.
        let (baseline_run, anon_run) = if pair % 2 == 0 {
            let baseline_run = run_baseline()?;
            (baseline_run, run_anon()?)
        } else {
            let anon_run = run_anon()?;
            (run_baseline()?, anon_run)
        };
        if let (Some(baseline_ns), Some(anon_ns)) = (baseline_client.get(), anon_client.get()) {
            client_share
                .0
                .push(baseline_ns as f64 / 1e9 / baseline_run.elapsed.as_secs_f64());
            client_share
                .1
                .push(anon_ns as f64 / 1e9 / anon_run.elapsed.as_secs_f64());
        }
        pairs.push((baseline_run, anon_run));
        cpu_per_pair.push((baseline_cpu.get(), anon_cpu.get()));
    }
    let baseline_rss = rss_kib(baseline.id());
    drop(baseline);
    sampler.stop();
    let anon_after_rss = rss_kib(anon.id());
    let mut anon_total_requests = anon_light.latencies_us.len() as u64
        + pairs
            .iter()
            .map(|(_, anon_run)| anon_run.latencies_us.len() as u64)
            .sum::<u64>();
    let mut ratios: Vec<f64> = pairs
        .iter()
        .map(|(baseline_run, anon_run)| anon_run.per_second() / baseline_run.per_second())
        .collect();
    let per_pair = pairs
        .iter()
        .zip(&ratios)
        .map(|((baseline_run, anon_run), ratio)| {
            format!(
                "{:.0}/{:.0} = {ratio:.2}",
                anon_run.per_second(),
                baseline_run.per_second()
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    ratios.sort_by(f64::total_cmp);
    let median_ratio = median(&ratios);
    // Requests per CPU-second of each server, pair by pair.
    let mut cpu_ratios = Vec::with_capacity(PAIRS);
    let mut cpu_us_per_request = (Vec::with_capacity(PAIRS), Vec::with_capacity(PAIRS));
    let mut busy_share = (Vec::with_capacity(PAIRS), Vec::with_capacity(PAIRS));
    for ((baseline_run, anon_run), cpu) in pairs.iter().zip(&cpu_per_pair) {
        let (Some(baseline_ns), Some(anon_ns)) = *cpu else {
            continue;
        };
        let per_request =
            |ns: u64, run: &Phase| ns as f64 / 1000.0 / run.latencies_us.len().max(1) as f64;
        let (baseline_us, anon_us) = (
            per_request(baseline_ns, baseline_run),
            per_request(anon_ns, anon_run),
        );
        cpu_ratios.push(baseline_us / anon_us);
        cpu_us_per_request.0.push(baseline_us);
        cpu_us_per_request.1.push(anon_us);
        busy_share
            .0
            .push(baseline_ns as f64 / 1e9 / baseline_run.elapsed.as_secs_f64());
        busy_share
            .1
            .push(anon_ns as f64 / 1e9 / anon_run.elapsed.as_secs_f64());
    }
    for values in [
        &mut client_share.0,
        &mut client_share.1,
        &mut cpu_ratios,
        &mut cpu_us_per_request.0,
        &mut cpu_us_per_request.1,
        &mut busy_share.0,
        &mut busy_share.1,
    ] {
        values.sort_by(f64::total_cmp);
    }
    let mut baseline_rates: Vec<f64> = pairs.iter().map(|(b, _)| b.per_second()).collect();
    baseline_rates.sort_by(f64::total_cmp);
    let baseline_median_rate = median(&baseline_rates);
    let (baseline_all, anon_all) = pairs.into_iter().fold(
        (Phase::empty(), Phase::empty()),
        |(baseline_all, anon_all), (baseline_run, anon_run)| {
            (baseline_all.merge(baseline_run), anon_all.merge(anon_run))
        },
    );

    // ----- half of the baseline's throughput, paced ------------------------------------------
    let half = baseline_median_rate / 2.0;
    let anon_half = load(anon_addr, &signed, Some(half), &secret, DURATION)?;

    // Diagnostic: signed requests the server refuses right after verifying
    // them (an unknown messageType → 400), so no background work competes
    // for the core: the cost of the HTTP + verification path alone. Its
    // ratio is against the baseline's median rate.
    let unknown = |n: u64| {
        format!("{{\"messageType\":\"BENCH_UNKNOWN\",\"workspaceId\":\"ws_1\",\"n\":{n}}}")
            .into_bytes()
    };
    let anon_verify_only = load(anon_addr, &unknown, None, &secret, DURATION)?;
    anon_total_requests +=
        (anon_half.latencies_us.len() + anon_verify_only.latencies_us.len()) as u64;

    drop(anon);

    // ----- production defaults under a flood (memory) ------------------------------------
    // The runs above raise the replay guard's capacity so that no request is
    // refused, and the guard then holds every request of the run. With the
    // default capacity (200 000) a flood fills it and later requests are
    // answered 503 at once: this phase measures the memory an operator's
    // server holds under a flood, on the same (installed) database.
    command
        .env_remove("REPLAY_GUARD_CAPACITY")
        .env("PORT", free_port()?.to_string());
    let log_file =
        std::fs::File::create(dir.path().join("anon-defaults.log")).map_err(|e| e.to_string())?;
    let defaults = spawn_pinned(taskset.as_deref(), &mut command, Stdio::from(log_file))?;
    let defaults_port = command
        .get_envs()
        .find(|(key, _)| *key == "PORT")
        .and_then(|(_, value)| value?.to_str()?.parse().ok())
        .ok_or("the flood phase's port")?;
    let defaults_addr = SocketAddr::from(([127, 0, 0, 1], defaults_port));
    first_answer(defaults_addr, Instant::now(), Duration::from_secs(10))?;
    let defaults_peak = Arc::new(AtomicU64::new(0));
    let defaults_sampler = rss_sampler(defaults.id(), Arc::clone(&defaults_peak));
    let flood = load(defaults_addr, &signed, None, &secret, DURATION)?;
    defaults_sampler.stop();
    drop(defaults);

    // ----- report -------------------------------------------------------------------------------
    println!();
    println!(
        "machine load average before/after: {} / {} (other processes share the CPUs; figures vary with it)",
        load_before,
        load_average()
    );
    println!(
        "{:<34} {:>10} {:>9} {:>9} {:>9}",
        "phase", "req/s", "p50 µs", "p99 µs", "max µs"
    );
    baseline_all.print(&format!("baseline actix 200 OK, max ({PAIRS} runs)"));
    anon_all.print(&format!("anon /anon, max ({PAIRS} runs)"));
    anon_half.print(&format!("anon /anon, paced {half:.0}/s"));
    anon_verify_only.print("anon verify-only (400), max");
    anon_light.print(&format!("anon /anon, paced {LIGHT_RATE}/s"));
    println!();
    println!("pairs (anon/baseline req/s): {per_pair}");
    println!(
        "throughput ratio anon/baseline, median of {PAIRS} pairs: {median_ratio:.2} (target >= 0.80; pairs range {:.2}-{:.2})",
        ratios.first().copied().unwrap_or(0.0),
        ratios.last().copied().unwrap_or(0.0)
    );
    if cpu_ratios.is_empty() {
        println!("server CPU time: not measured (no /proc/<pid>/stat)");
    } else {
        println!(
            "server CPU per request, median: baseline {:.1} µs, anon {:.1} µs; share of the core the servers used during their runs, median: baseline {:.2}, anon {:.2}",
            median(&cpu_us_per_request.0),
            median(&cpu_us_per_request.1),
            median(&busy_share.0),
            median(&busy_share.1)
        );
        let unsaturated =
            median(&busy_share.0) < SATURATED_SHARE || median(&busy_share.1) < SATURATED_SHARE;
        if unsaturated {
            let client_bound = client_share
                .0
                .iter()
                .chain(&client_share.1)
                .any(|share| *share >= SATURATED_SHARE);
            println!(
                "WARNING: a server used less than {SATURATED_SHARE} of its core: the throughput ratio above measured round trips more than capacity; the requests-per-CPU-second ratio below is the capacity figure ({})",
                if client_bound {
                    "the load generator's own core was the limit: more clients will not help"
                } else {
                    "more BENCH_CLIENTS would saturate the servers"
                }
            );
        }
        if !client_share.0.is_empty() {
            println!(
                "load generator's share of its own core during the runs, median: against baseline {:.2}, against anon {:.2} (near 1: the clients, not the server, set the pace)",
                median(&client_share.0),
                median(&client_share.1)
            );
        }
        println!(
            "requests per CPU-second ratio anon/baseline, median of {} pairs: {:.2} (pairs range {:.2}-{:.2}; what one core can carry, whatever else ran on it)",
            cpu_ratios.len(),
            median(&cpu_ratios),
            cpu_ratios.first().copied().unwrap_or(0.0),
            cpu_ratios.last().copied().unwrap_or(0.0)
        );
    }
    println!(
        "p99 at half the baseline's throughput: {:.2} ms (target < 2 ms)",
        anon_half.percentile(0.99) as f64 / 1000.0
    );
    println!("anon answers at max load: {}", anon_all.statuses());
    println!("anon answers at half load: {}", anon_half.statuses());
    println!(
        "anon answers at {LIGHT_RATE}/s (all carried out in the background): {}",
        anon_light.statuses()
    );
    println!(
        "verify-only ratio anon/baseline median (no background work): {:.2}",
        anon_verify_only.per_second() / baseline_median_rate
    );
    println!(
        "resident memory (VmRSS of the process): anon idle {}, anon peak under load {}, anon after load {}, baseline after load {} (targets: idle < 15 MiB, load < 30 MiB)",
        mib(anon_idle_rss),
        mib(Some(peak.load(Ordering::Relaxed)).filter(|p| *p > 0)),
        mib(anon_after_rss),
        mib(baseline_rss)
    );
    println!(
        "with the default replay guard (REPLAY_GUARD_CAPACITY 200 000; otherwise as above), under a {}s flood: peak resident memory {} (target < 30 MiB); answers {} (503: the guard is full and refuses at once)",
        DURATION.as_secs(),
        mib(Some(defaults_peak.load(Ordering::Relaxed)).filter(|p| *p > 0)),
        flood.statuses()
    );
    if !flood.statuses.contains_key(&503) {
        println!(
            "WARNING: the flood never filled the default replay guard (no 503): the memory above is not that of a full guard"
        );
    }
    let remembered: u64 = anon_total_requests;
    let guard_mib = |bytes_per_entry: u64| (remembered * bytes_per_entry) as f64 / 1_048_576.0;
    println!(
        "signed requests the replay guard holds at the end (each kept 300 s): about {remembered}, about {:.1} MiB of the peak above at about 9 bytes each (8 once a second old; the default REPLAY_GUARD_CAPACITY, 200 000, caps it near 2 MiB)",
        guard_mib(9)
    );
    let guard_full: u64 = [&anon_all, &anon_half, &anon_verify_only, &anon_light]
        .iter()
        .map(|phase| phase.statuses.get(&503).copied().unwrap_or(0))
        .sum();
    if guard_full > 0 {
        println!(
            "WARNING: {guard_full} requests were answered 503 (the replay guard was full): the figures above measured refusals; raise REPLAY_GUARD_CAPACITY in this bench"
        );
    }
    println!(
        "first answer to GET /health after spawn: anon {} ms (target < 30 ms), baseline {} ms",
        anon_first.as_millis(),
        baseline_first.as_millis()
    );
    Ok(())
}

fn sender(i: usize) -> String {
    format!("u_bench_{i:04}")
}

/// A unique `/anon` DM from one bench user to the next.
fn slash_body(n: u64) -> Vec<u8> {
    let i = usize::try_from(n).unwrap_or(0) % SENDERS;
    let to = sender((i + 1) % SENDERS);
    serde_json::json!({
        "messageType": "SLASH_COMMAND",
        "slashCommand": "/anon",
        "text": format!("<<@{to}>> bench message {n}"),
        "userId": sender(i),
        "channelId": standard::GENERAL,
        "workspaceId": standard::WORKSPACE,
        "triggerId": format!("trg_bench_{n}"),
    })
    .to_string()
    .into_bytes()
}

/// Latencies and statuses of one phase.
struct Phase {
    latencies_us: Vec<u32>,
    statuses: std::collections::BTreeMap<u16, u64>,
    elapsed: Duration,
}

impl Phase {
    fn empty() -> Phase {
        Phase {
            latencies_us: Vec::new(),
            statuses: Default::default(),
            elapsed: Duration::ZERO,
        }
    }

    /// Both phases as one: their requests over their summed time.
    fn merge(mut self, other: Phase) -> Phase {
        self.latencies_us.extend(other.latencies_us);
        self.latencies_us.sort_unstable();
        for (status, n) in other.statuses {
            *self.statuses.entry(status).or_default() += n;
        }
        self.elapsed += other.elapsed;
        self
    }

    fn per_second(&self) -> f64 {
        self.latencies_us.len() as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&self, p: f64) -> u32 {
        if self.latencies_us.is_empty() {
            return 0;
        }
        let at = ((self.latencies_us.len() - 1) as f64 * p).round() as usize;
        self.latencies_us[at]
    }

    fn statuses(&self) -> String {
        self.statuses
            .iter()
            .map(|(status, n)| format!("{status}: {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn print(&self, name: &str) {
        println!(
            "{:<34} {:>10.0} {:>9} {:>9} {:>9}",
            name,
            self.per_second(),
            self.percentile(0.50),
            self.percentile(0.99),
            self.latencies_us.last().copied().unwrap_or(0)
        );
    }
}

/// CPU time in nanoseconds a process has used so far, user and system, its
/// ended threads included: `utime` + `stime` of `/proc/<pid>/stat`, in clock
/// ticks (10 ms on Linux by default, about 1% of a run).
/// CPU time `pid` used since `before` (a [`cpu_ns`] reading).
fn cpu_spent(pid: u32, before: Option<u64>) -> Option<u64> {
    before
        .zip(cpu_ns(pid))
        .and_then(|(before, after)| after.checked_sub(before))
}

fn cpu_ns(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name, which is in parentheses and may
    // hold spaces: state is field 3, utime 14 and stime 15.
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some((utime + stime) * 1_000_000_000 / clock_ticks_per_second())
}

/// `getconf CLK_TCK`, read once; 100 (the Linux default) when unavailable.
fn clock_ticks_per_second() -> u64 {
    static TICKS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|out| String::from_utf8(out.stdout).ok())
            .and_then(|text| text.trim().parse().ok())
            .filter(|ticks| *ticks > 0)
            .unwrap_or(100)
    })
}

/// The middle of sorted `values` (the mean of the two middle ones for an
/// even count); 0 when empty.
fn median(sorted: &[f64]) -> f64 {
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// Pauses and resumes a process with `SIGSTOP`/`SIGCONT` (through `kill`,
/// when it exists; otherwise it does nothing and says so once).
struct Pause {
    pid: String,
    kill: Option<PathBuf>,
}

impl Pause {
    fn new(pid: u32) -> Pause {
        let kill = which("kill");
        if kill.is_none() {
            println!("ack_latency: `kill` not found; anon is not paused while the baseline runs");
        }
        Pause {
            pid: pid.to_string(),
            kill,
        }
    }

    /// Like [`Pause::new`], without the notice.
    fn new_quiet(pid: u32) -> Pause {
        Pause {
            pid: pid.to_string(),
            kill: which("kill"),
        }
    }

    fn signal(&self, signal: &str) {
        if let Some(kill) = &self.kill {
            let _ = Command::new(kill).args([signal, &self.pid]).status();
        }
    }

    fn stop(&self) {
        self.signal("-STOP");
    }

    fn resume(&self) {
        self.signal("-CONT");
    }
}

/// Runs `CLIENTS` threads against `addr` for `duration`. Unpaced, each sends
/// as soon as its last answer arrived; paced, the threads together send
/// `rate` requests a second on a fixed schedule.
fn load(
    addr: SocketAddr,
    body_for: &(dyn Fn(u64) -> Vec<u8> + Sync),
    rate: Option<f64>,
    secret: &str,
    duration: Duration,
) -> BenchResult<Phase> {
    let counter = AtomicU64::new(0);
    let started = Instant::now();
    let deadline = started + duration;
    let results: Vec<BenchResult<(Vec<u32>, Vec<u16>)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..clients())
            .map(|thread| {
                let counter = &counter;
                scope.spawn(move || -> BenchResult<(Vec<u32>, Vec<u16>)> {
                    let mut connection = Connection::open(addr)?;
                    let mut latencies = Vec::with_capacity(100_000);
                    let mut statuses = Vec::with_capacity(100_000);
                    let interval = rate.map(|r| Duration::from_secs_f64(clients() as f64 / r));
                    let mut next = started
                        + interval.map_or(Duration::ZERO, |i| {
                            i.mul_f64(thread as f64 / clients() as f64)
                        });
                    while Instant::now() < deadline {
                        if let Some(interval) = interval {
                            let now = Instant::now();
                            if next > now {
                                std::thread::sleep(next - now);
                            }
                            next += interval;
                        }
                        let n = counter.fetch_add(1, Ordering::Relaxed);
                        let body = body_for(n);
                        let timestamp = SystemTime::now()
                            .duration_since(UNIX_EPOCH)
                            .map_err(|e| e.to_string())?
                            .as_millis()
                            .to_string();
                        let signature = pumble_verify::sign(secret, &timestamp, &body);
                        let sent = Instant::now();
                        let status = connection.post(&body, &timestamp, &signature)?;
                        latencies
                            .push(u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX));
                        statuses.push(status);
                    }
                    Ok((latencies, statuses))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("a client thread panicked".to_owned()))
            })
            .collect()
    });
    let elapsed = started.elapsed();
    let mut phase = Phase {
        latencies_us: Vec::new(),
        statuses: Default::default(),
        elapsed,
    };
    for result in results {
        let (latencies, statuses) = result?;
        phase.latencies_us.extend(latencies);
        for status in statuses {
            *phase.statuses.entry(status).or_default() += 1;
        }
    }
    phase.latencies_us.sort_unstable();
    Ok(phase)
}

/// A minimal keep-alive HTTP/1.1 client: one request in flight, the answer
/// read by `Content-Length`. Small and predictable, so the client's own cost
/// is the same for both servers.
struct Connection {
    stream: TcpStream,
    addr: SocketAddr,
    buffer: Vec<u8>,
}

impl Connection {
    fn open(addr: SocketAddr) -> BenchResult<Connection> {
        let stream = TcpStream::connect(addr).map_err(|e| e.to_string())?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .map_err(|e| e.to_string())?;
        Ok(Connection {
            stream,
            addr,
            buffer: Vec::with_capacity(4096),
        })
    }

    fn post(&mut self, body: &[u8], timestamp: &str, signature: &str) -> BenchResult<u16> {
        let head = format!(
            "POST /hook HTTP/1.1\r\nhost: {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nx-pumble-request-timestamp: {timestamp}\r\nx-pumble-request-signature: {signature}\r\n\r\n",
            self.addr,
            body.len()
        );
        let mut request = head.into_bytes();
        request.extend_from_slice(body);
        if self.stream.write_all(&request).is_err() {
            // The server closed the kept-alive connection: reconnect once.
            *self = Connection::open(self.addr)?;
            self.stream.write_all(&request).map_err(|e| e.to_string())?;
        }
        self.read_response()
    }

    fn read_response(&mut self) -> BenchResult<u16> {
        self.buffer.clear();
        let mut chunk = [0u8; 4096];
        loop {
            if let Some(end) = find(&self.buffer, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buffer[..end]).to_ascii_lowercase();
                let status: u16 = head
                    .split_whitespace()
                    .nth(1)
                    .and_then(|s| s.parse().ok())
                    .ok_or("no status line")?;
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                let want = end + 4 + length;
                while self.buffer.len() < want {
                    let n = self.stream.read(&mut chunk).map_err(|e| e.to_string())?;
                    if n == 0 {
                        return Err("connection closed mid-answer".to_owned());
                    }
                    self.buffer.extend_from_slice(&chunk[..n]);
                }
                return Ok(status);
            }
            let n = self.stream.read(&mut chunk).map_err(|e| e.to_string())?;
            if n == 0 {
                return Err("connection closed before an answer".to_owned());
            }
            self.buffer.extend_from_slice(&chunk[..n]);
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Polls `GET /health` until it answers 200; returns the time since `since`.
fn first_answer(addr: SocketAddr, since: Instant, give_up: Duration) -> BenchResult<Duration> {
    while since.elapsed() < give_up {
        if let Ok(mut stream) = TcpStream::connect(addr) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
            let request =
                format!("GET /health HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n");
            if stream.write_all(request.as_bytes()).is_ok() {
                let mut answer = Vec::new();
                let _ = stream.read_to_end(&mut answer);
                if answer.starts_with(b"HTTP/1.1 200") {
                    return Ok(since.elapsed());
                }
            }
        }
        std::thread::sleep(Duration::from_micros(500));
    }
    Err(format!("{addr} did not answer /health within {give_up:?}"))
}

/// A server process, killed when dropped (also when the bench stops early
/// on an error), and resumed first in case it was paused.
struct Server(Child);

impl Server {
    fn id(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        Pause::new_quiet(self.id()).resume();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Spawns `command` (under `taskset -c 0` when available) with its stderr
/// going to `stderr`.
fn spawn_pinned(
    taskset: Option<&std::path::Path>,
    command: &mut Command,
    stderr: Stdio,
) -> BenchResult<Server> {
    let mut pinned;
    let command = match taskset {
        Some(taskset) => {
            pinned = Command::new(taskset);
            pinned.env_clear();
            pinned
                .arg("-c")
                .arg("0")
                .arg(command.get_program())
                .args(command.get_args());
            for (key, value) in command.get_envs() {
                match value {
                    Some(value) => pinned.env(key, value),
                    None => pinned.env_remove(key),
                };
            }
            &mut pinned
        }
        None => command,
    };
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr);
    command
        .spawn()
        .map(Server)
        .map_err(|e| format!("spawning the server: {e}"))
}

fn free_port() -> BenchResult<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| PathBuf::from(dir).join(program))
        .find(|path| path.is_file())
}

/// `target/release/anon`, next to this bench's own target folder.
fn anon_binary() -> BenchResult<PathBuf> {
    // Another build of the server (say, before a change) can be measured
    // with the same load: ACK_LATENCY_ANON_BINARY=/path/to/anon.
    if let Some(path) = std::env::var_os(ANON_BINARY_VARIABLE) {
        let binary = PathBuf::from(path);
        return if binary.is_file() {
            Ok(binary)
        } else {
            Err(format!(
                "{ANON_BINARY_VARIABLE}={} is not a file",
                binary.display()
            ))
        };
    }
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    // target/release/deps/ack_latency-<hash>
    let release = exe
        .parent()
        .and_then(|deps| deps.parent())
        .ok_or("cannot locate the target folder")?;
    let binary = release.join("anon");
    if binary.is_file() {
        Ok(binary)
    } else {
        Err(format!(
            "{} not found: run `cargo build --release -p anon` first",
            binary.display()
        ))
    }
}

/// A fresh sealing key, base64, as `TOKEN_ENCRYPTION_KEY` wants it.
fn sealing_key() -> BenchResult<String> {
    use secrecy::ExposeSecret as _;
    let key = anon_store::EncryptionKey::generate().map_err(|e| e.to_string())?;
    Ok(key.to_base64().expose_secret().to_owned())
}

/// The 1-minute load average, from `/proc/loadavg`.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "n/a".to_owned())
}

/// `VmRSS` of a process in KiB, from `/proc/<pid>/status`.
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or("n/a".to_owned(), |k| {
        format!("{:.1} MiB", k as f64 / 1024.0)
    })
}

/// Samples a process's RSS every 50 ms, keeping the peak, until stopped.
struct RssSampler {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

fn rss_sampler(pid: u32, peak: Arc<AtomicU64>) -> RssSampler {
    let stop = Arc::new(AtomicBool::new(false));
    let thread = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                if let Some(rss) = rss_kib(pid) {
                    peak.fetch_max(rss, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };
    RssSampler {
        stop,
        thread: Some(thread),
    }
}

impl RssSampler {
    fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
