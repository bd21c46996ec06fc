//! `assent`: the command line for patients, caregivers, clinics and operators.
//!
//! It manages a patient's keys (`assent key …`) and signs consent (`grant`,
//! `revoke`, `delegate`), explains any transaction (`tx show`) and converts
//! grants to and from FHIR (`fhir`), talks to the ledger (`submit`,
//! `history` with its audit, `dispute`), shows grants as QR codes (`qr`), and serves
//! clinics (`clinic scan | record-access | request`). Every rule it applies
//! comes from `assent-core`.

mod answer_cmd;
mod cli;
mod clinic_cmd;
mod consent_cmd;
mod dispute_cmd;
mod error;
mod key_cmd;
mod ledger_cmd;
mod ledger_io;
mod prompt;
mod qr_cmd;
mod rotate_cmd;
mod wallet_dir;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let origin = cli.origin;
    let result = wallet_dir::WalletDir::resolve(cli.wallet).and_then(|dir| match cli.command {
        cli::Command::Key(command) => key_cmd::run(&dir, command),
        cli::Command::Grant(args) => consent_cmd::grant(&dir, &origin, args),
        cli::Command::Revoke(args) => consent_cmd::revoke(&dir, &origin, args),
        cli::Command::Delegate(args) => consent_cmd::delegate(&dir, &origin, args),
        cli::Command::Tx(command) => consent_cmd::tx(&origin, command),
        cli::Command::Fhir(command) => consent_cmd::fhir(&origin, command),
        cli::Command::Submit(args) => ledger_cmd::submit(&dir, &origin, args),
        cli::Command::History(args) => ledger_cmd::history(&dir, &origin, args),
        cli::Command::Dispute(args) => dispute_cmd::run(&dir, &origin, args),
        cli::Command::Answer(args) => answer_cmd::run(&dir, &origin, args),
        cli::Command::Qr(args) => qr_cmd::run(&origin, args),
        cli::Command::Rotate(args) => rotate_cmd::run(&dir, &origin, args),
        cli::Command::Clinic(command) => clinic_cmd::run(&dir, &origin, command),
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            error::report(&e);
            ExitCode::from(error::exit_status(&e))
        }
    }
}
