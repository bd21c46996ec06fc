//! `assent dispute ENTRY --reason …`: the patient disputes an access in
//! their verified history. The dispute is a signed `DisputeAccess` naming the
//! access and a reason from a closed list (no free text reaches the ledger);
//! the ledger accepts it only from the patient whose record was read, once.

use crate::consent_cmd::{nonce, now, print_lines};
use crate::error::hinted;
use crate::ledger_io::{self, LedgerArgs};
use crate::wallet_dir::{self, WalletDir};
use anyhow::Result;
use assent_core::client::sync;
use assent_core::codes::{Code, DisputeReason};
use assent_core::ids::IdentityId;
use assent_core::tx::{Body, DisputeAccess, Kind};
use clap::Args;
use std::path::PathBuf;

/// `assent dispute`
#[derive(Debug, Args)]
pub struct DisputeArgs {
    /// The access's entry number (after # in `assent history`)
    #[arg(value_name = "ENTRY")]
    pub entry: u64,
    /// Why: no-relationship, no-emergency, wrong-purpose or unexpected
    #[arg(long, value_parser = reason)]
    pub reason: DisputeReason,
    #[command(flatten)]
    pub ledger: LedgerArgs,
    /// Read your secret from this vault file
    #[arg(long, value_name = "FILE")]
    pub vault: Option<PathBuf>,
}

fn reason(text: &str) -> Result<DisputeReason, String> {
    DisputeReason::from_name(text).map_err(|e| e.to_string())
}

/// Signs the dispute of the access at `args.entry` and sends it.
pub fn run(dir: &WalletDir, origin: &str, args: DisputeArgs) -> Result<()> {
    let wallet = wallet_dir::load_secret(dir, args.vault.as_deref())?;
    let identity = IdentityId(wallet.primary_public_key());
    let state = ledger_io::load_state(&ledger_io::state_path(dir))?;
    let entries = sync::stored_entries(&state, &identity, origin).map_err(anyhow::Error::msg)?;
    let entry = entries
        .iter()
        .find(|e| e.leaf.index == args.entry)
        .ok_or_else(|| {
            hinted(
                format!("entry {} is not in your verified history", args.entry),
                "run `assent history` first, and use the number after # of an access",
            )
        })?;
    match &entry.tx.body().kind {
        Kind::RecordAccess(a) if a.patient == identity => {}
        other => {
            return Err(hinted(
                format!(
                    "entry {} is a {}, not an access to your records",
                    args.entry,
                    other.name()
                ),
                "dispute an entry that `assent history` lists as an access",
            ))
        }
    }
    let kind = Kind::DisputeAccess(DisputeAccess {
        access: entry.tx.id(),
        reason: args.reason,
    });
    let tx = wallet.sign(
        wallet.identities()[0],
        Body::new(now(), nonce(), kind),
        origin,
    )?;
    print_lines(&tx);
    println!("You dispute it: \"{}\".", args.reason.describe());
    crate::ledger_cmd::send(dir, origin, &args.ledger, args.vault.as_deref(), &tx)
}
