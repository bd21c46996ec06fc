//! `assent-monitor`: the monitoring tool. So far `sim` (the seeded
//! consortium simulator) and `eval` (the rules-only baseline scored against
//! a simulation's answer key).

use anyhow::{bail, Context, Result};
use assent_monitor::entries::{self, GenesisFile};
use assent_monitor::eval;
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
    /// Score the detectors on a simulation (DIR as `sim` wrote it): recall
    /// per kind of misuse at one reviewed case per 2,000 accesses, and
    /// consent violations access by access
    Eval {
        /// The simulation's folder
        dir: PathBuf,
        /// The same figures as one JSON object
        #[arg(long)]
        json: bool,
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
        Command::Eval { dir, json } => {
            let read = |name: &str| {
                std::fs::read(dir.join(name))
                    .with_context(|| format!("reading {}", dir.join(name).display()))
            };
            let genesis: GenesisFile = serde_json::from_slice(&read("genesis.json")?)?;
            let entries = entries::decode(&read("entries.bin")?, &genesis.origin)?;
            let answers: Vec<eval::Answer> = serde_json::from_slice(&read("answers.json")?)?;
            let alerts = eval::rules_alerts(&genesis, &entries)?;
            let rules = eval::evaluate("rules", &entries, &alerts, &answers);
            // The detector is the rules joined by the forest: the rules run once.
            let (alerts, _) = assent_monitor::detector::with_forest(alerts, &entries, 1);
            let detector = eval::evaluate("detector", &entries, &alerts, &answers);
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(
                        &serde_json::json!({ "detector": detector, "rules": rules })
                    )?
                );
            } else {
                print!("{}", detector.table());
                println!();
                print!("{}", rules.table());
            }
            Ok(())
        }
    }
}
