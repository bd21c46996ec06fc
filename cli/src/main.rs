//! `assent`: the command line for patients, caregivers, clinics and operators.
//!
//! Today it manages a patient's keys (`assent key …`); every rule it applies
//! comes from `assent-core`.

mod cli;
mod error;
mod key_cmd;
mod prompt;
mod wallet_dir;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let result = wallet_dir::WalletDir::resolve(cli.wallet).and_then(|dir| match cli.command {
        cli::Command::Key(command) => key_cmd::run(&dir, command),
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            error::report(&e);
            ExitCode::FAILURE
        }
    }
}
