//! `assent answer`: the patient answers a clinic's consent-request QR
//! (PROTOCOL §7) with a grant. The request is accepted only if its signer is
//! a current key of a registered organisation, proven by a map proof at a
//! fresh quorum-cosigned checkpoint; the name shown comes from that
//! directory entry, never from the request.

use crate::consent_cmd::{self, now, Duration};
use crate::error::hinted;
use crate::ledger_io::{self, LedgerArgs};
use crate::wallet_dir::WalletDir;
use anyhow::Result;
use assent_core::client::round;
use assent_core::qr::SignedRequest;
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
    let client = args.ledger.client(dir)?;
    let path = ledger_io::state_path(dir);
    let mut state = ledger_io::load_state(&path)?;
    let checked =
        ledger_io::runtime()?.block_on(round::check_request(&client, &mut state, &request, now()));
    ledger_io::save_state(&path, &state)?;
    let entry = checked.map_err(|e| hinted(e.to_string(), "do not answer this request"))?;
    let mut grant = request.draft_grant();
    grant.scope.permit.period = Some(args.duration.period(now())?);
    println!("Request from {} (verified on the ledger).", entry.name);
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
