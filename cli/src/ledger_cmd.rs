//! `assent submit` and `assent history`: the patient's side of the ledger.
//! Everything the ledger says is checked with core before it is shown; a
//! ledger caught lying makes the command exit with status 3.

use crate::consent_cmd::now;
use crate::ledger_io::{self, LedgerArgs};
use crate::wallet_dir::{self, WalletDir};
use anyhow::{bail, Result};
use assent_core::audit::{audit, AuditedAccess};
use assent_core::client::round::{self, Directory};
use assent_core::client::sync::{self, LedgerState, SyncError};
use assent_core::client::LedgerClient;
use assent_core::codes::Code;
use assent_core::evidence::{overdue_words, reported_words};
use assent_core::ids::{IdentityId, OrgId};
use assent_core::outbox::Outgoing;
use assent_core::trust::VerifiedCheckpoint;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;

/// The exit status when the ledger was caught lying.
pub const CAUGHT_LYING: u8 = 3;

/// The ledger was caught lying; the evidence is saved.
#[derive(Debug, thiserror::Error)]
#[error("LEDGER CAUGHT LYING: {0}. The evidence is kept in the wallet's ledger.json; nothing verified before was changed.")]
pub struct CaughtLying(pub String);

/// `assent submit`
#[derive(Debug, Args)]
pub struct SubmitArgs {
    /// A signed transaction file (from `assent grant`, `revoke`, `delegate`…)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    #[command(flatten)]
    pub ledger: LedgerArgs,
    /// Read your secret from this vault file (to enroll your identity first)
    #[arg(long, value_name = "FILE")]
    pub vault: Option<PathBuf>,
}

/// `assent history`
#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[command(flatten)]
    pub ledger: LedgerArgs,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
    /// Read your secret from this vault file
    #[arg(long, value_name = "FILE")]
    pub vault: Option<PathBuf>,
}

fn lying(e: &SyncError) -> anyhow::Error {
    CaughtLying(e.to_string()).into()
}

/// Queues the transaction, sends everything queued, and reports its receipt.
pub fn submit(dir: &WalletDir, origin: &str, args: SubmitArgs) -> Result<()> {
    let tx = crate::consent_cmd::read_tx(&args.file, origin)?;
    send(dir, origin, &args.ledger, args.vault.as_deref(), &tx)
}

/// Queues `tx` in the wallet's outbox, sends everything queued, and reports
/// what the ledger said about `tx`.
pub fn send(
    dir: &WalletDir,
    origin: &str,
    ledger: &LedgerArgs,
    vault: Option<&std::path::Path>,
    tx: &assent_core::tx::SignedTx,
) -> Result<()> {
    let client = ledger.client(dir)?;
    let path = ledger_io::state_path(dir);
    let mut state = ledger_io::load_state(&path)?;
    // The wallet's own transactions need its identity enrolled first.
    if let Ok(wallet) = wallet_dir::load_secret(dir, vault) {
        if tx.signer() == wallet.primary_public_key() {
            ledger_io::queue_enroll(&mut state, &wallet, origin)?;
        }
    }
    state.outbox.push(tx, now());
    let flushed = ledger_io::runtime()?.block_on(sync::flush(&client, &mut state.outbox, now()));
    ledger_io::save_state(&path, &state)?;
    let item = state.outbox.get(&tx.id()).expect("just queued");
    match &item.state {
        assent_core::outbox::State::Sent {
            deadline, index, ..
        } => {
            println!("Submitted {} ({}).", tx.id(), item.kind);
            if let Some(index) = index {
                println!("The ledger put it at entry {index}.");
            }
            println!(
                "The ledger promised it will be in a cosigned checkpoint by {}; `assent history` checks.",
                assent_core::explain::date(*deadline)
            );
        }
        assent_core::outbox::State::Refused { code, message } => {
            bail!("the ledger refused {}: {code}: {message}", tx.id())
        }
        assent_core::outbox::State::Included { index, .. } => {
            println!("{} is already on the ledger (entry {index}).", tx.id())
        }
        assent_core::outbox::State::Queued => {
            println!(
                "Queued {}: {}. It will be sent by the next `assent submit` or `assent history`.",
                tx.id(),
                flushed
                    .offline
                    .as_deref()
                    .unwrap_or("the ledger did not answer")
            );
        }
    }
    Ok(())
}

/// Syncs, verifies and audits the wallet's history.
pub fn history(dir: &WalletDir, origin: &str, args: HistoryArgs) -> Result<()> {
    let mut wallet = wallet_dir::load_secret(dir, args.vault.as_deref())?;
    let identity = IdentityId(wallet.primary_public_key());
    let client = args.ledger.client(dir)?;
    let path = ledger_io::state_path(dir);
    let mut state = ledger_io::load_state(&path)?;
    ledger_io::queue_enroll(&mut state, &wallet, origin)?;
    let rt = ledger_io::runtime()?;
    let result = rt.block_on(run_sync(&client, &mut state, &mut wallet, args.json));
    // Save whatever was learned, evidence of a lie included.
    ledger_io::save_state(&path, &state)?;
    let done = result.map_err(|e| {
        if e.caught_lying() {
            if let Some(fork) = state.memory.evidence().last() {
                eprintln!(
                    "The fork evidence was {}.",
                    reported_words(&fork.reported_to)
                );
            }
            lying(&e)
        } else {
            e.into()
        }
    })?;
    if let Some(problem) = &done.key_problem {
        eprintln!("Your key could not be kept in step with the ledger: {problem}");
    }
    if let Some(moved) = done.moved {
        wallet_dir::save_changed(dir, args.vault.as_deref(), &wallet)?;
        eprintln!(
            "The ledger shows your identity signing with key number {} (a rotation made on \
             another device, or one the ledger refused); this wallet now uses it.",
            moved.generation.0 + 1
        );
    }
    for r in &done.resigned {
        eprintln!(
            "Signed again with the current key and sent: {} {} (was {}, refused as signed by \
             a replaced key).",
            r.new.body().kind.name(),
            r.new.id(),
            r.old
        );
    }
    let (checkpoint, overdue) = (done.checkpoint, done.overdue);
    let entries = sync::stored_entries(&state, &identity, origin).map_err(anyhow::Error::msg)?;
    let names = rt
        .block_on(round::proven_directory(
            &client,
            checkpoint.checkpoint(),
            round::named_orgs(&entries),
        ))
        .map_err(|e| {
            if e.caught_lying() {
                lying(&e)
            } else {
                e.into()
            }
        })?;
    let kinds = names.iter().map(|(id, org)| (*id, org.kind));
    let accesses = audit(&identity, &entries, kinds, client.policy().max_view_age);
    if args.json {
        print_json(&checkpoint, &entries, &accesses, &names, &overdue, &state)?;
    } else {
        print_text(
            &checkpoint,
            entries.len(),
            &accesses,
            &names,
            &overdue,
            &state,
        );
    }
    Ok(())
}

async fn run_sync(
    client: &LedgerClient,
    state: &mut LedgerState,
    wallet: &mut assent_core::wallet::WalletSecret,
    quiet: bool,
) -> Result<round::Round, SyncError> {
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(0)
    };
    bar.set_style(
        ProgressStyle::with_template("verifying history {bar:30} {pos}/{len} entries")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut progress = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    let done = round::round(
        client,
        state,
        wallet,
        now(),
        &mut crate::consent_cmd::nonce,
        &mut progress,
    )
    .await;
    bar.finish_and_clear();
    done
}

fn name_of(names: &Directory, org: &OrgId) -> String {
    names.get(org).map_or_else(
        || format!("unregistered organisation {}", &org.to_string()[..8]),
        |org| org.name.clone(),
    )
}

fn print_text(
    checkpoint: &VerifiedCheckpoint,
    count: usize,
    accesses: &[AuditedAccess],
    names: &Directory,
    overdue: &[Outgoing],
    state: &LedgerState,
) {
    let cp = checkpoint.checkpoint();
    println!(
        "Ledger view: checkpoint {} cosigned by {} validators, {} needed ({}).",
        cp.size,
        checkpoint.cosigned_by().len(),
        checkpoint.threshold(),
        assent_core::explain::date(checkpoint.quorum_time())
    );
    println!("{count} entries verified (inclusion, chain links, state proof, signatures).");
    if accesses.is_empty() {
        println!("No organisation has recorded an access to your records.");
    }
    let notices = assent_core::audit::notices(accesses, |org| name_of(names, org));
    if !notices.is_empty() {
        println!("What you should know:");
        for (index, text) in &notices {
            println!("  * #{index}: {text}");
        }
    }
    for a in accesses {
        let mark = if a.decision.allows() && a.flagged.is_empty() {
            " "
        } else {
            "!"
        };
        println!(
            "{mark} #{:<6} {:<22} {}",
            a.index,
            a.verdict(),
            a.explain(&name_of(names, &a.access.org))
        );
    }
    for o in overdue {
        println!(
            "! Your {} {} was promised on the ledger by now and is not there. The ledger may be withholding it; {}.",
            o.kind,
            o.id,
            overdue_words(o)
        );
    }
    for e in state.memory.evidence() {
        println!(
            "! Earlier fork evidence ({}): {}; {}.",
            e.detected_at,
            e.kind,
            reported_words(&e.reported_to)
        );
    }
}

fn print_json(
    checkpoint: &VerifiedCheckpoint,
    entries: &[assent_core::history::VerifiedEntry],
    accesses: &[AuditedAccess],
    names: &Directory,
    overdue: &[Outgoing],
    state: &LedgerState,
) -> Result<()> {
    let accesses: Vec<_> = accesses
        .iter()
        .map(|a| {
            serde_json::json!({
                "index": a.index,
                "org": a.access.org.to_string(),
                "org_name": name_of(names, &a.access.org),
                "resources": a.access.resources.iter().map(|(t, n)| serde_json::json!({"type": t.fhir_code(), "count": n})).collect::<Vec<_>>(),
                "purpose": a.access.purpose.fhir_code(),
                "accessed_at": a.access.accessed_at,
                "recorded": a.recorded,
                "verdict": a.verdict(),
                "explanation": a.explain(&name_of(names, &a.access.org)),
                "offline_check": a.flags.offline_check,
                "late": a.flags.late,
                "revocation_after_basis": a.flags.revocation_after_basis,
                "stale_check": a.flags.stale_check,
                "tx": a.id.to_string(),
                "first_from_org": a.first_from_org,
                "flagged": a.flagged.iter().map(|r| r.fhir_code()).collect::<Vec<_>>(),
                "flag_explanation": a.flag_words(),
                "disputed": a.disputed.map(|r| r.fhir_code()),
            })
        })
        .collect();
    let out = serde_json::json!({
        "checkpoint": {"size": checkpoint.checkpoint().size, "quorum_time": checkpoint.quorum_time()},
        "entries": entries.len(),
        "accesses": accesses,
        "overdue": overdue.iter().map(|o| serde_json::json!({"tx": o.id.to_string(), "kind": o.kind, "reported_to": o.reported_to})).collect::<Vec<_>>(),
        "fork_evidence": state.memory.evidence(),
    });
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}
