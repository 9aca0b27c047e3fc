//! Writing a command's output to stdout without panicking.
//!
//! `println!` panics when stdout is gone, as in `anon manifest … | head -1`
//! once `head` has exited. Commands write through [`print_line`] instead and
//! turn a failure into an exit code with [`exit_code`]: a closed pipe means
//! the reader had enough, so it ends the command quietly.

use std::io::{self, Write as _};
use std::process::ExitCode;

/// Writes `text` and a newline to stdout, and flushes it.
pub fn print_line(text: &str) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.write_all(b"\n")?;
    stdout.flush()
}

/// `success` when the output was written; when the reader closed the pipe,
/// success as well (nothing is wrong with the command; the reader stopped);
/// any other failure is reported on stderr and fails the command.
pub fn exit_code(written: io::Result<()>, success: ExitCode) -> ExitCode {
    match written {
        Ok(()) => success,
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("anon: cannot write the output: {error}");
            ExitCode::FAILURE
        }
    }
}
