//! `assent-monitor`: the monitoring tool. `sim` (the seeded consortium
//! simulator), `eval` (the detector and the rules-only baseline scored
//! against a simulation's answer key), `feed` (a simulated log into a live
//! ledger), `run` (follow a live ledger, register the model, post alerts)
//! and `check` (re-check every model and alert on a ledger).

use anyhow::{bail, Context, Result};
use assent_core::client::LedgerClient;
use assent_core::genesis_file::{LedgerGenesis, DEFAULT_MAX_VIEW_AGE};
use assent_monitor::entries::{self, GenesisFile};
use assent_monitor::sim::{monday_before, simulate_at, Difficulty, Profile, START};
use assent_monitor::{detector, eval, report};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};

mod live_cmd;

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
        /// Date the run to end before today (from a Monday), so that a live
        /// ledger takes its transactions; otherwise it starts on
        /// 2026-01-05, the same bytes every day
        #[arg(long)]
        ending_now: bool,
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
    /// Write the privacy officer's report on a simulation (DIR as `sim`
    /// wrote it): each organisation's accesses per day as a chart, with the
    /// reviewed cases' days shaded, and the cases for review with their
    /// sentences
    Report {
        /// The simulation's folder
        dir: PathBuf,
        /// The HTML file to write
        #[arg(long)]
        out: PathBuf,
        /// The training seed
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Submit a simulation's log (DIR as `sim --ending-now` wrote it) to a
    /// live ledger, in order
    Feed {
        /// The simulation's folder
        dir: PathBuf,
        #[command(flatten)]
        ledger: LedgerArgs,
        /// Submissions in flight at once
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
    },
    /// Follow a live ledger: train on its first week, register and activate
    /// the model, then post an alert for each chosen case
    Run {
        #[command(flatten)]
        ledger: LedgerArgs,
        /// The monitor's key file (registered by governance)
        #[arg(long)]
        key: PathBuf,
        /// The training seed
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The evaluation report the model is registered with (its SHA-256
        /// goes on the ledger), e.g. `eval --json` of this version on a
        /// simulation; without one, the hash of nothing says there is none
        #[arg(long, value_name = "FILE")]
        evaluation: Option<PathBuf>,
        /// Stop once the ledger is followed and everything sent is on it
        #[arg(long)]
        once: bool,
        /// How often to ask the ledger, in milliseconds
        #[arg(long, default_value_t = 1_000)]
        poll_ms: u64,
    },
    /// Re-check a ledger's monitors: train every registered model again
    /// and score every alert again; exits 1 on any difference
    Check {
        #[command(flatten)]
        ledger: LedgerArgs,
        /// The result as JSON
        #[arg(long)]
        json: bool,
    },
}

/// Which ledger, under which rules.
#[derive(clap::Args)]
struct LedgerArgs {
    /// The ledger's URL
    #[arg(long)]
    ledger: String,
    /// The consortium's genesis file (`genesis.toml`): its origin, limits and
    /// the keys its checkpoints are checked under
    #[arg(long)]
    genesis: PathBuf,
}

impl LedgerArgs {
    /// The genesis and a client checking answers under its trust policy.
    fn open(&self) -> Result<(LedgerGenesis, LedgerClient)> {
        let text = std::fs::read_to_string(&self.genesis)
            .with_context(|| format!("reading {}", self.genesis.display()))?;
        let genesis = LedgerGenesis::parse(&text)?;
        let client = LedgerClient::new(&self.ledger, genesis.trust_policy(DEFAULT_MAX_VIEW_AGE));
        Ok((genesis, client))
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum Setting {
    Easy,
    Hard,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Sim {
            profile,
            seed,
            difficulty,
            ending_now,
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
            let start = if ending_now {
                monday_before(unix_now(), profile.days)
            } else {
                START
            };
            let sim = simulate_at(&profile, seed, difficulty, start);
            sim.write(&out)
                .with_context(|| format!("writing {}", out.display()))?;
            println!("{}", serde_json::to_string_pretty(&sim.summary())?);
            Ok(())
        }
        Command::Eval { dir, json } => {
            let (genesis, entries) = load(&dir)?;
            let answers: Vec<eval::Answer> = serde_json::from_slice(&read(&dir, "answers.json")?)?;
            // One pass: the rules' alerts are the detector's without the forest's.
            let (alerts, _) = detector::detect(&genesis, &entries, 1)?;
            let rules = eval::evaluate("rules", &entries, &detector::rules_only(&alerts), &answers);
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
        Command::Report { dir, out, seed } => {
            let (genesis, entries) = load(&dir)?;
            let (alerts, _) = detector::detect(&genesis, &entries, seed)?;
            let html = report::render(&entries, &eval::cases(&alerts));
            std::fs::write(&out, html).with_context(|| format!("writing {}", out.display()))?;
            println!("wrote {}", out.display());
            Ok(())
        }
        Command::Feed {
            dir,
            ledger,
            concurrency,
        } => live_cmd::feed(&dir, &ledger, concurrency).await,
        Command::Run {
            ledger,
            key,
            seed,
            evaluation,
            once,
            poll_ms,
        } => live_cmd::run(&ledger, &key, seed, evaluation.as_deref(), once, poll_ms).await,
        Command::Check { ledger, json } => live_cmd::check(&ledger, json).await,
    }
}

/// `DIR/name`'s bytes.
fn read(dir: &Path, name: &str) -> Result<Vec<u8>> {
    std::fs::read(dir.join(name)).with_context(|| format!("reading {}", dir.join(name).display()))
}

/// A simulation's genesis and log, as `sim` wrote them into `dir`.
fn load(dir: &Path) -> Result<(GenesisFile, Vec<entries::LedgerEntry>)> {
    let genesis: GenesisFile = serde_json::from_slice(&read(dir, "genesis.json")?)?;
    let entries = entries::decode(&read(dir, "entries.bin")?, &genesis.origin)?;
    Ok((genesis, entries))
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
