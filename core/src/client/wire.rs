//! The JSON answers of the ledger's `/api/v1`, and their decoding into core
//! types. Byte strings are standard base64.

use super::ClientError;
use crate::history::{ServedEntry, ServedHistory};
use crate::merkle::{leaf_hash, verify_inclusion, Hash};
use crate::note::Checkpoint;
use crate::replica::{Head, Leaf, OrgEntry, Status};
use crate::smt::MapProof;
use data_encoding::BASE64;
use serde::Deserialize;

fn malformed(what: impl std::fmt::Display) -> ClientError {
    ClientError::Malformed(what.to_string())
}

fn bytes(text: &str) -> Result<Vec<u8>, ClientError> {
    BASE64
        .decode(text.as_bytes())
        .map_err(|e| malformed(format!("bad base64: {e}")))
}

fn hash(text: &str) -> Result<Hash, ClientError> {
    let raw = bytes(text)?;
    <[u8; 32]>::try_from(raw.as_slice())
        .map(Hash)
        .map_err(|_| malformed("a hash is not 32 bytes"))
}

pub(super) fn hashes(texts: &[String]) -> Result<Vec<Hash>, ClientError> {
    texts.iter().map(|t| hash(t)).collect()
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct ErrorBody {
    #[serde(default)]
    pub error: ErrorDetail,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct ErrorDetail {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
}

#[derive(Debug, Deserialize)]
pub(super) struct CheckpointAnswer {
    pub cosigned: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct ProofAnswer {
    pub proof: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct SubmitAnswer {
    pub receipt: String,
}

#[derive(Debug, Deserialize)]
pub(super) struct InclusionAnswer {
    index: u64,
    size: u64,
    leaf: String,
    proof: Vec<String>,
}

/// A transaction proven in the log.
#[derive(Debug, Clone)]
pub struct Included {
    /// Its leaf index.
    pub index: u64,
    /// The checkpoint size of the proof.
    pub size: u64,
    /// The leaf.
    pub leaf: Leaf,
}

impl InclusionAnswer {
    pub fn verify(self, tx: &[u8], checkpoint: &Checkpoint) -> Result<Included, ClientError> {
        if self.size != checkpoint.size {
            return Err(malformed("the proof is for another tree size"));
        }
        let raw = bytes(&self.leaf)?;
        let proof = hashes(&self.proof)?;
        verify_inclusion(
            self.index,
            self.size,
            &leaf_hash(&raw),
            &proof,
            &Hash(checkpoint.root),
        )
        .map_err(|e| malformed(format!("inclusion proof: {e}")))?;
        let leaf = Leaf::from_bytes(&raw).map_err(malformed)?;
        if leaf.tx != tx || leaf.index != self.index {
            return Err(malformed("the proven leaf holds another transaction"));
        }
        Ok(Included {
            index: self.index,
            size: self.size,
            leaf,
        })
    }
}

#[derive(Debug, Deserialize)]
struct HeadAnswer {
    count: u64,
    index: u64,
    leaf_hash: String,
}

#[derive(Debug, Deserialize)]
struct EntryAnswer {
    index: u64,
    leaf: String,
    inclusion: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct HistoryAnswer {
    head: Option<HeadAnswer>,
    head_proof: String,
    entries: Vec<EntryAnswer>,
}

impl HistoryAnswer {
    pub fn into_served(self) -> Result<ServedHistory, ClientError> {
        let head = self
            .head
            .map(|h| {
                Ok::<_, ClientError>(Head {
                    count: h.count,
                    index: h.index,
                    leaf_hash: hash(&h.leaf_hash)?,
                })
            })
            .transpose()?;
        let head_proof = MapProof::from_bytes(&bytes(&self.head_proof)?).map_err(malformed)?;
        let entries = self
            .entries
            .into_iter()
            .map(|e| {
                Ok(ServedEntry {
                    index: e.index,
                    leaf: bytes(&e.leaf)?,
                    inclusion: hashes(&e.inclusion)?,
                })
            })
            .collect::<Result<_, ClientError>>()?;
        Ok(ServedHistory {
            head,
            head_proof,
            entries,
        })
    }
}

#[derive(Debug, Deserialize)]
struct StatusField {
    live: bool,
    since: u64,
}

#[derive(Debug, Deserialize)]
pub(super) struct StatusAnswer {
    status: Option<StatusField>,
    proof: String,
}

impl StatusAnswer {
    pub fn decode(self) -> Result<(Option<Status>, MapProof), ClientError> {
        let proof = MapProof::from_bytes(&bytes(&self.proof)?).map_err(malformed)?;
        let status = self.status.map(|s| Status {
            live: s.live,
            since: s.since,
        });
        Ok((status, proof))
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct OrgAnswer {
    entry: Option<String>,
    proof: String,
}

impl OrgAnswer {
    pub fn decode(self) -> Result<(Option<OrgEntry>, MapProof), ClientError> {
        let proof = MapProof::from_bytes(&bytes(&self.proof)?).map_err(malformed)?;
        let entry = self
            .entry
            .map(|e| OrgEntry::from_bytes(&bytes(&e)?).map_err(malformed))
            .transpose()?;
        Ok((entry, proof))
    }
}

/// One row of `GET /api/v1/orgs` (unproven; the fields a search needs).
#[derive(Deserialize)]
pub(super) struct ListedOrg {
    pub id: String,
    pub name: String,
}
