//! The monitor's input: ledger entries (leaf time and transaction) in log
//! order, and the consortium's genesis, as the simulator writes them and a
//! ledger follower will hand them over.
//!
//! `entries.bin` is, per entry, the leaf time (u64, big-endian), the
//! transaction's length (u32, big-endian) and its COSE bytes;
//! `genesis.json` names the origin, the governance keys with their roles
//! and the threshold.

use assent_core::keys::PublicKey;
use assent_core::state::{Genesis, Role};
use assent_core::tx::SignedTx;
use serde::{Deserialize, Serialize};

/// One ledger entry.
#[derive(Debug, Clone)]
pub struct LedgerEntry {
    /// Its leaf time.
    pub time: u64,
    /// Its transaction (signature checked when read).
    pub tx: SignedTx,
}

/// Why the input cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum EntriesError {
    /// The file ends inside an entry.
    #[error("entries.bin is cut short at byte {0}")]
    Truncated(usize),
    /// An entry is not a valid transaction for the origin.
    #[error("entry {index}: {reason}")]
    BadTx {
        /// Its position.
        index: usize,
        /// Why.
        reason: assent_core::tx::TxError,
    },
    /// `genesis.json` does not read.
    #[error("genesis.json: {0}")]
    Genesis(String),
}

/// Encodes entries as `entries.bin`.
pub fn encode<'a>(entries: impl IntoIterator<Item = (u64, &'a [u8])>) -> Vec<u8> {
    let mut out = Vec::new();
    for (time, tx) in entries {
        out.extend_from_slice(&time.to_be_bytes());
        out.extend_from_slice(&(tx.len() as u32).to_be_bytes());
        out.extend_from_slice(tx);
    }
    out
}

/// Reads `entries.bin`, opening each transaction for `origin`.
///
/// # Errors
/// [`EntriesError`] for a short file or a transaction that does not open.
pub fn decode(bytes: &[u8], origin: &str) -> Result<Vec<LedgerEntry>, EntriesError> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let head = bytes.get(at..at + 12).ok_or(EntriesError::Truncated(at))?;
        let time = u64::from_be_bytes(head[..8].try_into().expect("8 bytes"));
        let len = u32::from_be_bytes(head[8..].try_into().expect("4 bytes")) as usize;
        let body = bytes
            .get(at + 12..at + 12 + len)
            .ok_or(EntriesError::Truncated(at))?;
        let tx = SignedTx::open(body, origin).map_err(|reason| EntriesError::BadTx {
            index: out.len(),
            reason,
        })?;
        out.push(LedgerEntry { time, tx });
        at += 12 + len;
    }
    Ok(out)
}

/// `genesis.json`: what the monitor needs of the consortium's genesis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenesisFile {
    /// The ledger's origin.
    pub origin: String,
    /// Governance members (`assent1…` keys) and whether each is the
    /// regulator.
    pub governance: Vec<(String, bool)>,
    /// Approvals a governance act needs.
    pub threshold: usize,
}

impl GenesisFile {
    /// Describes `genesis`.
    pub fn of(genesis: &Genesis) -> Self {
        GenesisFile {
            origin: genesis.origin.clone(),
            governance: genesis
                .governance
                .iter()
                .map(|(k, r)| (k.to_string(), *r == Role::Regulator))
                .collect(),
            threshold: genesis.threshold,
        }
    }

    /// The genesis it describes.
    ///
    /// # Errors
    /// [`EntriesError::Genesis`] for a key that does not parse.
    pub fn genesis(&self) -> Result<Genesis, EntriesError> {
        let governance = self
            .governance
            .iter()
            .map(|(k, regulator)| {
                let key: PublicKey = k
                    .parse()
                    .map_err(|e| EntriesError::Genesis(format!("key {k}: {e}")))?;
                Ok((
                    key,
                    if *regulator {
                        Role::Regulator
                    } else {
                        Role::Member
                    },
                ))
            })
            .collect::<Result<Vec<_>, EntriesError>>()?;
        Ok(Genesis::new(
            self.origin.clone(),
            governance,
            self.threshold,
        ))
    }
}
