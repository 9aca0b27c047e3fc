//! The `anon` binary: parses the command line and runs one subcommand.

use std::process::ExitCode;

use anon::cli::{self, Command};
use anon::commands;

fn main() -> ExitCode {
    let command = match cli::parse(std::env::args().skip(1)) {
        Ok(command) => command,
        Err(error) => {
            eprintln!("anon: {error}");
            return ExitCode::from(2);
        }
    };
    match command {
        Command::Serve => commands::serve(),
        Command::Demo => anon::demo::main(),
        Command::Manifest { public_url } => commands::print_manifest(&public_url),
        Command::CheckConfig => commands::check_config(),
        Command::Reseal { import_plaintext } => commands::reseal(import_plaintext),
        Command::Healthcheck => commands::healthcheck(),
        Command::Help => {
            anon::console::exit_code(anon::console::print_line(cli::USAGE), ExitCode::SUCCESS)
        }
        Command::Version => anon::console::exit_code(
            anon::console::print_line(concat!("anon ", env!("CARGO_PKG_VERSION"))),
            ExitCode::SUCCESS,
        ),
    }
}
