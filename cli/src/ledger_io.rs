//! The CLI's edge to a ledger: the trust policy (never taken from the ledger,
//! PROTOCOL §6), the saved ledger state (`ledger.json` in the wallet folder:
//! checkpoint memory, outbox, verified histories), and one async runtime.

use crate::error::hinted;
use crate::wallet_dir::WalletDir;
use anyhow::{Context, Result};
use assent_core::client::sync::LedgerState;
use assent_core::client::LedgerClient;
use assent_core::trust::TrustPolicy;
use clap::Args;
use std::path::{Path, PathBuf};

/// Which ledger, under which trust policy.
#[derive(Debug, Args)]
pub struct LedgerArgs {
    /// The ledger's URL (e.g. the one `assent-ledger demo` prints)
    #[arg(long, value_name = "URL", env = "ASSENT_LEDGER")]
    pub ledger: String,
    /// The trust policy [default: <wallet>/trust.toml]
    #[arg(long, value_name = "FILE")]
    pub trust: Option<PathBuf>,
}

impl LedgerArgs {
    /// A client checked under the trust policy.
    pub fn client(&self, dir: &WalletDir) -> Result<LedgerClient> {
        let path = self
            .trust
            .clone()
            .unwrap_or_else(|| dir.root().join("trust.toml"));
        let text = std::fs::read_to_string(&path).map_err(|e| {
            hinted(
                format!("cannot read the trust policy {}: {e}", path.display()),
                "copy the trust.toml that `assent-ledger demo` wrote (or your consortium's) \
                 into the wallet folder, or pass --trust FILE",
            )
        })?;
        let policy = TrustPolicy::from_toml(&text)
            .with_context(|| format!("trust policy {}", path.display()))?;
        Ok(LedgerClient::new(&self.ledger, policy))
    }
}

/// `ledger.json` in the wallet folder.
pub fn state_path(dir: &WalletDir) -> PathBuf {
    dir.root().join("ledger.json")
}

/// Loads the saved ledger state (empty if none yet).
pub fn load_state(path: &Path) -> Result<LedgerState> {
    match std::fs::read(path) {
        Ok(bytes) => {
            serde_json::from_slice(&bytes).with_context(|| format!("{} is damaged", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(LedgerState::default()),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// Saves the ledger state atomically.
pub fn save_state(path: &Path, state: &LedgerState) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let bytes = serde_json::to_vec_pretty(state)?;
    assent_core::fsio::write_atomic(path, &bytes)
        .with_context(|| format!("writing {}", path.display()))
}

/// A small runtime for one command's network calls.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// Queues the identity's `Enroll` on first contact (core's rule).
pub fn queue_enroll(
    state: &mut LedgerState,
    wallet: &assent_core::wallet::WalletSecret,
    origin: &str,
) -> Result<()> {
    let now = crate::consent_cmd::now();
    assent_core::client::round::queue_enroll(
        state,
        wallet,
        origin,
        now,
        crate::consent_cmd::nonce(),
    )?;
    Ok(())
}
