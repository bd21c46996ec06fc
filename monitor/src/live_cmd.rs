//! The live subcommands: `feed`, `run` and `check`.

use crate::LedgerArgs;
use anyhow::{bail, Context, Result};
use assent_core::client::log_follower::FollowError;
use assent_core::client::log_follower::LogFollower;
use assent_core::client::ClientError;
use assent_core::codes::Code;
use assent_core::ids::ContentHash;
use assent_core::tx::{Kind, SignedTx};
use assent_monitor::entries::{self, GenesisFile, LedgerEntry};
use assent_monitor::live::{LiveError, Monitor, Pass};
use assent_monitor::{feed, rescore};
use indicatif::{ProgressBar, ProgressStyle};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::time::Duration;

/// `feed DIR --ledger URL --genesis FILE`.
pub async fn feed(dir: &Path, ledger: &LedgerArgs, concurrency: usize) -> Result<()> {
    let (genesis, client) = ledger.open()?;
    let read = |name: &str| {
        std::fs::read(dir.join(name))
            .with_context(|| format!("reading {}", dir.join(name).display()))
    };
    let sim: GenesisFile = serde_json::from_slice(&read("genesis.json")?)?;
    if sim.origin != genesis.genesis.origin {
        bail!(
            "the simulation is signed for {}, the ledger is {}",
            sim.origin,
            genesis.genesis.origin
        );
    }
    let entries = entries::decode(&read("entries.bin")?, &sim.origin)?;
    let bar = ProgressBar::new(entries.len() as u64).with_style(
        ProgressStyle::with_template(
            "feeding {bar:40} {pos}/{len} entries ({per_sec}, {eta} left)",
        )
        .expect("a valid template"),
    );
    let fed = feed::feed(&client, &entries, concurrency.max(1), |n| {
        bar.set_position(n as u64)
    })
    .await;
    bar.finish_and_clear();
    let fed = fed?;
    println!("{}", serde_json::to_string(&fed)?);
    Ok(())
}

/// `run --ledger URL --genesis FILE --key FILE …`. It stops at the first
/// error other than a ledger without a cosigned checkpoint yet or one out
/// of reach for up to [`MAX_UNREACHABLE`] passes: run it under a supervisor
/// that restarts it (it picks up from the ledger).
pub async fn run(
    ledger: &LedgerArgs,
    key: &Path,
    seed: u64,
    evaluation: Option<&Path>,
    once: bool,
    poll_ms: u64,
) -> Result<()> {
    let (genesis, client) = ledger.open()?;
    let key = assent_core::keyfile::read(key)?;
    let report = match evaluation {
        Some(file) => std::fs::read(file).with_context(|| format!("reading {}", file.display()))?,
        None => Vec::new(),
    };
    let evaluation = ContentHash(Sha256::digest(&report).into());
    let mut monitor = Monitor::new(client, genesis.genesis, key, seed, evaluation);
    // Waiting for a first quorum, and short outages, are waited out; a
    // ledger gone for longer, or caught lying, stops it.
    let mut unreachable = 0;
    let mut cosigned = false;
    loop {
        let pass = match monitor.pass().await {
            Ok(pass) => {
                cosigned = true;
                pass
            }
            Err(LiveError::Follow(FollowError::Client(ClientError::NotCosigned))) => {
                Pass::default()
            }
            Err(LiveError::Follow(FollowError::Client(e @ ClientError::Unreachable { .. })))
                if unreachable < MAX_UNREACHABLE =>
            {
                unreachable += 1;
                eprintln!("{e} (attempt {unreachable} of {MAX_UNREACHABLE})");
                tokio::time::sleep(Duration::from_millis(poll_ms)).await;
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        unreachable = 0;
        if pass.followed > 0 || !pass.sent.is_empty() {
            eprintln!(
                "followed {} entries; sent {}; {} cases posted",
                monitor.followed(),
                summarise(&pass.sent),
                monitor.cases_posted()
            );
        }
        if once && cosigned && pass.idle() {
            println!(
                "{}",
                serde_json::json!({
                    "entries": monitor.followed(),
                    "cases": monitor.cases_posted(),
                })
            );
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(poll_ms)).await;
    }
}

/// Passes in a row the ledger may be unreachable before `run` stops.
const MAX_UNREACHABLE: u32 = 30;

/// "3 MonitoringAlert, 1 RegisterModel" or "nothing".
fn summarise(sent: &[&str]) -> String {
    let mut counts = std::collections::BTreeMap::new();
    for kind in sent {
        *counts.entry(*kind).or_insert(0) += 1;
    }
    if counts.is_empty() {
        return "nothing".into();
    }
    counts
        .iter()
        .map(|(k, n)| format!("{n} {k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `check --ledger URL --genesis FILE`.
pub async fn check(ledger: &LedgerArgs, json: bool) -> Result<()> {
    let (genesis, client) = ledger.open()?;
    let mut follower = LogFollower::new();
    let leaves = follower.step(&client).await?;
    let entries = leaves
        .into_iter()
        .map(|leaf| {
            Ok(LedgerEntry {
                time: leaf.time,
                tx: SignedTx::open(&leaf.tx, &genesis.genesis.origin)
                    .with_context(|| format!("entry {}", leaf.index))?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    match rescore::check(&entries) {
        Ok(checked) => {
            if json {
                let alerts: Vec<serde_json::Value> = entries
                    .iter()
                    .filter_map(|e| match &e.tx.body().kind {
                        Kind::MonitoringAlert(a) => Some(serde_json::json!({
                            "tx": e.tx.id().to_string(),
                            "case": a.case.to_string(),
                            "org": a.org.to_string(),
                            "score": a.score.millionths(),
                            "reasons": a.reasons.iter().map(|r| r.fhir_code()).collect::<Vec<_>>(),
                            "accesses": a.accesses.iter().map(ToString::to_string).collect::<Vec<_>>(),
                        })),
                        _ => None,
                    })
                    .collect();
                println!(
                    "{}",
                    serde_json::json!({
                        "entries": entries.len(),
                        "models": checked.models,
                        "alerts": alerts,
                    })
                );
            } else {
                println!(
                    "{} entries: {} models trained again and {} alerts scored again, all as posted",
                    entries.len(),
                    checked.models,
                    checked.alerts
                );
            }
            Ok(())
        }
        Err(mismatch) => {
            eprintln!("assent-monitor: {mismatch}");
            std::process::exit(1);
        }
    }
}
