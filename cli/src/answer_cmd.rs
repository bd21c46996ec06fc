//! `assent answer`: the patient answers a clinic's consent-request QR
//! (PROTOCOL §7) with a grant. The request is accepted only if its signer is
//! a current key of a registered organisation, proven by a map proof at a
//! fresh quorum-cosigned checkpoint; the name shown comes from that
//! directory entry, never from the request.

use crate::consent_cmd::{self, now, Duration};
use crate::error::hinted;
use crate::ledger_io::{self, LedgerArgs};
use crate::wallet_dir::WalletDir;
use anyhow::{bail, Result};
use assent_core::client::sync;
use assent_core::qr::SignedRequest;
use assent_core::replica::org_key;
use assent_core::tx::Kind;
use clap::Args;
use std::path::PathBuf;

/// `assent answer`
#[derive(Debug, Args)]
pub struct AnswerArgs {
    /// An image of the request's QR code (PNG)
    #[arg(value_name = "IMAGE", required_unless_present = "text")]
    pub image: Option<PathBuf>,
    /// The request's text (`AR1:…`) instead of an image
    #[arg(long, value_name = "STRING", conflicts_with = "image")]
    pub text: Option<String>,
    #[command(flatten)]
    pub duration: Duration,
    #[command(flatten)]
    pub ledger: LedgerArgs,
    /// Where to write the signed grant (must not exist)
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Read your secret from this vault file
    #[arg(long, value_name = "FILE")]
    pub vault: Option<PathBuf>,
}

/// Verifies the request against the ledger's directory and signs the grant.
pub fn run(dir: &WalletDir, origin: &str, args: AnswerArgs) -> Result<()> {
    let text = crate::qr_cmd::read_code(args.text.as_deref(), args.image.as_deref())?;
    let request = SignedRequest::decode(&text, origin, now())?;
    let org = request.request().org;
    let client = args.ledger.client(dir)?;
    let path = ledger_io::state_path(dir);
    let mut state = ledger_io::load_state(&path)?;
    let rt = ledger_io::runtime()?;
    let found = rt.block_on(async {
        let checkpoint = sync::refresh(&client, &mut state, now()).await?;
        let (entry, proof) = client.org(&org, checkpoint.checkpoint().size).await?;
        Ok::<_, anyhow::Error>((checkpoint, entry, proof))
    });
    ledger_io::save_state(&path, &state)?;
    let (checkpoint, entry, proof) = found?;
    let cp = checkpoint.checkpoint();
    if !checkpoint.is_fresh(now(), client.policy().max_view_age) {
        bail!("the ledger view is stale; the organisation cannot be checked now");
    }
    proof
        .verify(
            cp.state_root,
            &org_key(&org),
            entry.as_ref().map(|e| e.value_hash()),
        )
        .map_err(|e| {
            hinted(
                format!("the ledger's directory proof fails: {e}"),
                "do not answer this request",
            )
        })?;
    let Some(entry) = entry.filter(|e| e.live) else {
        bail!("the request names organisation {org}, which is not registered: do not answer it");
    };
    if !entry.record.keys.contains(&request.signer()) {
        bail!(
            "the request was not signed by a current key of {}: do not answer it",
            entry.record.name
        );
    }
    let mut grant = request.draft_grant();
    grant.scope.permit.period = Some(args.duration.period(now())?);
    println!(
        "Request from {} (verified on the ledger).",
        entry.record.name
    );
    let tx = consent_cmd::sign_and_write(
        dir,
        args.vault.as_deref(),
        origin,
        Kind::Grant(grant),
        &args.out,
    )?;
    consent_cmd::print_lines(&tx);
    println!(
        "Grant {} written to {}; `assent submit` sends it.",
        tx.id(),
        args.out.display()
    );
    Ok(())
}
