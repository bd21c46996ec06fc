//! `assent-monitor`: the monitoring tool. So far `sim`, the seeded
//! consortium simulator.

use anyhow::{bail, Context, Result};
use assent_monitor::sim::{simulate, Difficulty, Profile};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "assent-monitor",
    version,
    about = "Access-pattern monitoring for an Assent ledger"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Simulate a consortium: real signed transactions and an answer key
    /// (entries.bin, answers.json, summary.json in OUT)
    Sim {
        /// S (12 organisations, 5,000 patients, 30 days), L (40, 150,000,
        /// 180) or tiny
        #[arg(long, default_value = "S")]
        profile: String,
        /// The seed: the same seed gives the same bytes
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// How the injected misuse is camouflaged
        #[arg(long, value_enum, default_value_t = Setting::Hard)]
        difficulty: Setting,
        /// Where to write
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Setting {
    Easy,
    Hard,
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Sim {
            profile,
            seed,
            difficulty,
            out,
        } => {
            let Some(profile) = Profile::named(&profile) else {
                bail!("no profile {profile:?}: use S, L or tiny");
            };
            let difficulty = match difficulty {
                Setting::Easy => Difficulty::Easy,
                Setting::Hard => Difficulty::Hard,
            };
            eprintln!(
                "simulating profile {} ({} patients, {} days), seed {seed}…",
                profile.name, profile.patients, profile.days
            );
            let sim = simulate(&profile, seed, difficulty);
            sim.write(&out)
                .with_context(|| format!("writing {}", out.display()))?;
            println!("{}", serde_json::to_string_pretty(&sim.summary())?);
            Ok(())
        }
    }
}
