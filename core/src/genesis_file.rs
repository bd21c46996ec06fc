//! The genesis file (`genesis.toml`): the consortium's founding rules
//! (PROTOCOL §5): the origin, governance members and their threshold, the
//! sequencer's checkpoint and receipt vkeys, the validators and the quorum k,
//! and the limits every node applies.
//!
//! ```toml
//! origin = "demo.assent.example"
//! threshold = 2
//! k = 2
//! sequencer = "demo.assent.example+1a2b3c4d+AU…"
//! receipt = "demo.assent.example/receipts+…"
//!
//! [[governance]]
//! key = "assent1…"
//! role = "member"
//!
//! [[validators]]
//! vkey = "validator-1.demo+…+BA…"
//! url = "http://127.0.0.1:7441"
//! ```

use crate::keys::PublicKey;
use crate::note::{Vkey, VkeyKind};
use crate::state::{Genesis, Role, DEFAULT_DAILY_BUDGET, DEFAULT_MAX_TX_AGE};
use crate::trust::{TrustPolicy, ValidatorEntry};
pub use crate::trust::{DEFAULT_MAX_VIEW_AGE, DEFAULT_MERGE_DELAY};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A governance member in the file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberEntry {
    /// The member's key (`assent1…`).
    pub key: String,
    /// `member` or `regulator`.
    pub role: String,
}

/// A validator in the file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidatorFileEntry {
    /// Its cosignature vkey (type 0x04).
    pub vkey: String,
    /// Where it serves its latest cosigned checkpoint.
    #[serde(default)]
    pub url: String,
}

/// `genesis.toml` as written.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisFile {
    /// The ledger's origin.
    pub origin: String,
    /// Approvals a governance act needs (`k_g`).
    pub threshold: usize,
    /// Cosignatures a checkpoint needs.
    pub k: usize,
    /// The sequencer's checkpoint vkey (type 0x01).
    pub sequencer: String,
    /// The sequencer's receipt vkey (type 0x01).
    pub receipt: String,
    /// Oldest creation time accepted, seconds before the leaf time.
    #[serde(default = "default_max_tx_age")]
    pub max_tx_age: u64,
    /// Transactions per identity per day.
    #[serde(default = "default_daily_budget")]
    pub daily_budget: u32,
    /// Seconds within which a receipt promises inclusion.
    #[serde(default = "default_merge_delay")]
    pub merge_delay: u64,
    /// Governance members.
    pub governance: Vec<MemberEntry>,
    /// Validators.
    pub validators: Vec<ValidatorFileEntry>,
}

fn default_max_tx_age() -> u64 {
    DEFAULT_MAX_TX_AGE
}
fn default_daily_budget() -> u32 {
    DEFAULT_DAILY_BUDGET
}
fn default_merge_delay() -> u64 {
    DEFAULT_MERGE_DELAY
}

/// A genesis file that holds together.
#[derive(Debug, Clone)]
pub struct LedgerGenesis {
    /// What the validator needs.
    pub genesis: Genesis,
    /// The sequencer's checkpoint vkey.
    pub sequencer: Vkey,
    /// The sequencer's receipt vkey.
    pub receipt: Vkey,
    /// The validators.
    pub validators: Vec<ValidatorEntry>,
    /// The quorum.
    pub k: usize,
    /// The merge delay.
    pub merge_delay: u64,
    /// The file as read.
    pub file: GenesisFile,
}

/// What is wrong with a genesis file.
#[derive(Debug, thiserror::Error)]
pub enum GenesisError {
    /// Not TOML of the right shape.
    #[error("genesis file: {0}")]
    Toml(#[from] toml::de::Error),
    /// A field's value is not acceptable.
    #[error("genesis file: {0}")]
    Invalid(String),
}

fn invalid(message: impl Into<String>) -> GenesisError {
    GenesisError::Invalid(message.into())
}

fn vkey(text: &str, kind: VkeyKind, what: &str) -> Result<Vkey, GenesisError> {
    let vkey: Vkey = text.parse().map_err(|e| invalid(format!("{what}: {e}")))?;
    if vkey.kind() != kind {
        return Err(invalid(format!("{what}: wrong key type")));
    }
    Ok(vkey)
}

impl LedgerGenesis {
    /// Parses and checks `genesis.toml`.
    ///
    /// # Errors
    /// [`GenesisError`] naming the first problem.
    pub fn parse(text: &str) -> Result<Self, GenesisError> {
        let file: GenesisFile = toml::from_str(text)?;
        Self::from_file(file)
    }

    /// Checks a parsed genesis.
    ///
    /// # Errors
    /// [`GenesisError`] naming the first problem.
    pub fn from_file(file: GenesisFile) -> Result<Self, GenesisError> {
        let mut governance = Vec::new();
        let mut seen = BTreeSet::new();
        for m in &file.governance {
            let key: PublicKey = m
                .key
                .parse()
                .map_err(|e| invalid(format!("governance key {}: {e}", m.key)))?;
            let role = match m.role.as_str() {
                "member" => Role::Member,
                "regulator" => Role::Regulator,
                other => return Err(invalid(format!("unknown governance role {other:?}"))),
            };
            if !seen.insert(key.to_bytes()) {
                return Err(invalid(format!("governance key {} appears twice", m.key)));
            }
            governance.push((key, role));
        }
        if file.threshold == 0 || file.threshold > governance.len() {
            return Err(invalid(format!(
                "threshold {} must be between 1 and the {} governance members",
                file.threshold,
                governance.len()
            )));
        }
        let sequencer = vkey(&file.sequencer, VkeyKind::Ed25519, "sequencer")?;
        let receipt = vkey(&file.receipt, VkeyKind::Ed25519, "receipt")?;
        if sequencer.key() == receipt.key() {
            return Err(invalid(
                "the receipt key must differ from the checkpoint key",
            ));
        }
        let validators = file
            .validators
            .iter()
            .map(|v| {
                Ok(ValidatorEntry {
                    vkey: vkey(&v.vkey, VkeyKind::CosignatureV1, "validator")?,
                    url: v.url.clone(),
                })
            })
            .collect::<Result<Vec<_>, GenesisError>>()?;
        let mut genesis = Genesis::new(file.origin.clone(), governance, file.threshold);
        genesis.max_tx_age = file.max_tx_age;
        genesis.daily_budget = file.daily_budget;
        let ledger = LedgerGenesis {
            genesis,
            sequencer,
            receipt,
            validators,
            k: file.k,
            merge_delay: file.merge_delay,
            file,
        };
        // The trust policy's own checks (k within n, distinct keys, kinds).
        ledger
            .trust_policy(DEFAULT_MAX_VIEW_AGE)
            .validate()
            .map_err(|e| invalid(e.to_string()))?;
        Ok(ledger)
    }

    /// The trust policy wallets should hold for this ledger.
    pub fn trust_policy(&self, max_view_age: u64) -> TrustPolicy {
        TrustPolicy {
            origin: self.genesis.origin.clone(),
            sequencer: self.sequencer.clone(),
            receipt: self.receipt.clone(),
            validators: self.validators.clone(),
            k: self.k,
            max_view_age,
            merge_delay: self.merge_delay,
            protocol: 1,
        }
    }

    /// The file's text.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(&self.file).expect("a genesis file serialises")
    }
}
