//! `roomsight`: the one binary, a thin command line over the roomsight crates.

mod cli;
mod cmd;
mod config;
mod logging;
mod progress;

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match config::parse_args(std::env::args_os()) {
        Ok(cli) => cli,
        Err(e) => return config::exit_on_parse_error(e),
    };
    logging::init(&cli.global);
    match cmd::run(cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
