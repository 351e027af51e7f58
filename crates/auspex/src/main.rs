//! `auspex`: the command-line entry point. Thin: parses flags, installs logging and signal
//! handling, and calls into `auspex-agent`. Exit codes: 0 success, 1 runtime error, 2 usage error.
use std::process::ExitCode;

mod cli;
mod config_sources;

fn main() -> ExitCode {
    let cli = cli::parse();
    match cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("auspex: error: {err:#}");
            ExitCode::from(1)
        }
    }
}
