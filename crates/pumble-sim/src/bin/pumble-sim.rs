//! `pumble-sim`: starts the standard seeded workspace, prints its URL and
//! (fake, per-run) credentials, and serves until Ctrl-C.
//!
//! Usage: `pumble-sim [--port PORT]` (default: a free port).

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use pumble_sim::{standard, Seed, Simulator};

fn main() -> ExitCode {
    let port = match parse_port(std::env::args().skip(1).collect()) {
        Ok(port) => port,
        Err(message) => {
            eprintln!("{message}\nusage: pumble-sim [--port PORT]");
            return ExitCode::from(2);
        }
    };
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let sim = match Simulator::start_on(Seed::standard(), addr) {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("pumble-sim: {e}");
            return ExitCode::FAILURE;
        }
    };
    print_summary(&sim);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    match runtime {
        Ok(rt) => {
            if let Err(e) = rt.block_on(tokio::signal::ctrl_c()) {
                eprintln!("pumble-sim: cannot wait for Ctrl-C: {e}");
            }
        }
        Err(e) => eprintln!("pumble-sim: cannot wait for Ctrl-C: {e}"),
    }
    println!("stopping");
    sim.stop();
    ExitCode::SUCCESS
}

fn parse_port(args: Vec<String>) -> Result<u16, String> {
    match args.as_slice() {
        [] => Ok(0),
        [flag, value] if flag == "--port" => value
            .parse()
            .map_err(|_| format!("not a port number: {value}")),
        _ => Err("unexpected arguments".to_owned()),
    }
}

/// A development tool with throwaway credentials: printing them is its job.
fn print_summary(sim: &Simulator) {
    let app = sim.app();
    let ws = standard::WORKSPACE;
    println!("pumble-sim: a simulated Pumble workspace (credentials are fake and per run)");
    println!();
    println!("PUMBLE_API_URL={}", sim.base_url());
    println!("PUMBLE_APP_ID={}", app.app_id);
    println!("PUMBLE_APP_KEY={}", app.app_key);
    println!("PUMBLE_APP_CLIENT_SECRET={}", app.client_secret);
    println!("PUMBLE_APP_SIGNING_SECRET={}", app.signing_secret);
    println!();
    if let Some(bot) = sim.bot_token(ws) {
        println!("bot token ({}): {bot}", standard::BOT);
    }
    match sim.create_oauth_code(standard::CAROL) {
        Ok(code) => println!(
            "one-time OAuth code for {} (POST /oauth2/access): {code}",
            standard::CAROL
        ),
        Err(e) => eprintln!("no OAuth code: {e}"),
    }
    println!();
    println!("users in {ws}:");
    sim.with_state(|st| {
        for user in st.users_in(ws) {
            println!(
                "  {:<10} {:<8} {:<22} {}",
                user.id,
                user.name,
                user.role,
                user.status.as_str()
            );
        }
    });
    println!("channels:");
    for channel in sim.channels(ws) {
        println!(
            "  {:<12} #{:<10} {:<8} {} members",
            channel.id,
            channel.name.as_deref().unwrap_or(""),
            channel.channel_type.as_str(),
            channel.members.len()
        );
    }
    println!();
    println!("Ctrl-C to stop.");
}

#[cfg(test)]
mod tests {
    use super::parse_port;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn reads_an_optional_port() {
        assert_eq!(parse_port(args(&[])), Ok(0));
        assert_eq!(parse_port(args(&["--port", "8787"])), Ok(8787));
        assert!(parse_port(args(&["--port", "x"])).is_err());
        assert!(parse_port(args(&["--port"])).is_err());
        assert!(parse_port(args(&["--verbose"])).is_err());
    }
}
