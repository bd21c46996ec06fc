//! `assent rotate`: move the wallet's identity to its pre-committed next key
//! (PROTOCOL §1). Core signs the `RotateKey` with the current key and queues
//! it behind what was signed before; this saves the advanced secret, then the
//! outbox, and sends. A rotation the ledger refuses is undone.

use crate::consent_cmd::{nonce, now};
use crate::ledger_io::{self, LedgerArgs};
use crate::wallet_dir::{self, WalletDir};
use anyhow::{Context, Result};
use assent_core::client::sync;
use assent_core::outbox::State;
use assent_core::rotation;
use clap::Args;
use std::path::PathBuf;

/// `assent rotate`
#[derive(Debug, Args)]
pub struct RotateArgs {
    #[command(flatten)]
    pub ledger: LedgerArgs,
    /// Read (and rewrite) your secret in this vault file
    #[arg(long, value_name = "FILE")]
    pub vault: Option<PathBuf>,
}

/// Rotates the primary identity's key and sends the rotation.
pub fn run(dir: &WalletDir, origin: &str, args: RotateArgs) -> Result<()> {
    let mut wallet = wallet_dir::load_secret(dir, args.vault.as_deref())?;
    let client = args.ledger.client(dir)?;
    let path = ledger_io::state_path(dir);
    let mut state = ledger_io::load_state(&path)?;
    // An identity the ledger has never seen must be enrolled first.
    ledger_io::queue_enroll(&mut state, &wallet, origin)?;
    let before = wallet.identities()[0];
    let held = assent_core::wallet::WalletSecret::from_item(&wallet.to_item())?;
    let rotation = rotation::rotate(
        &mut wallet,
        before,
        &mut state.outbox,
        origin,
        now(),
        nonce(),
    )?;
    // The secret first: a rotation queued for a key the wallet cannot use
    // would lock it out. If the outbox then cannot be saved, the secret is
    // put back, and nothing happened.
    wallet_dir::save_changed(dir, args.vault.as_deref(), &wallet)?;
    if let Err(e) = ledger_io::save_state(&path, &state) {
        wallet_dir::save_changed(dir, args.vault.as_deref(), &held)
            .context("putting the secret back after the outbox could not be saved")?;
        return Err(e.context("the rotation was not saved; your key is unchanged"));
    }
    println!(
        "Key rotated: your identity {} now signs with key number {} (generation {}, {}).",
        wallet.primary_public_key().fingerprint(),
        rotation.identity.generation.0 + 1,
        rotation.identity.generation.0,
        wallet
            .signing_key(rotation.identity)?
            .public_key()
            .fingerprint()
    );
    let flushed = ledger_io::runtime()?.block_on(sync::flush(&client, &mut state.outbox, now()));
    ledger_io::save_state(&path, &state)?;
    match state.outbox.get(&rotation.tx.id()).map(|o| &o.state) {
        Some(State::Sent { deadline, .. }) => println!(
            "Rotation {} accepted; inclusion promised by {}.",
            rotation.tx.id(),
            assent_core::explain::date(*deadline)
        ),
        Some(State::Refused { code, message }) => {
            // The ledger will not move the identity: go back to the old key.
            wallet_dir::save_changed(dir, args.vault.as_deref(), &held)
                .context("putting the old key back after the ledger refused the rotation")?;
            anyhow::bail!(
                "the ledger refused the rotation ({code}: {message}); your key is unchanged"
            )
        }
        _ => println!(
            "Rotation {} queued behind what was signed before it: {}. It will be sent by the \
             next `assent submit` or `assent history`; until the ledger accepts it, keep the \
             old key's device away from others.",
            rotation.tx.id(),
            flushed
                .offline
                .as_deref()
                .unwrap_or("the ledger did not answer")
        ),
    }
    Ok(())
}
