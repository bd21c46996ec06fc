//! A replica of the ledger: the log tree, the consent state and the state map,
//! advanced one transaction at a time by the one set of rules every node runs.
//!
//! The sequencer calls [`Replica::append`] to turn an accepted transaction
//! into a leaf; a validator calls [`Replica::replay`] on the leaf bytes it was
//! served and gets an error unless it computes exactly those bytes. Both then
//! compare [`Replica::checkpoint`]: same log root, same state root
//! (DESIGN §4, PROTOCOL §6). Nothing here reads a clock: the leaf time is
//! the sequencer's and is passed in.
//!
//! ```
//! use assent_core::replica::Replica;
//! use assent_core::state::{Genesis, Role};
//! use assent_core::keys::SigningKey;
//!
//! let member = SigningKey::from_secret_bytes(&[1; 32]);
//! let genesis = Genesis::new("ledger.example", vec![(member.public_key(), Role::Member)], 1);
//! let mut replica = Replica::new(genesis);
//! assert_eq!(replica.len(), 0);
//! let checkpoint = replica.checkpoint();
//! assert_eq!(checkpoint.size, 0);
//! ```

// As in `state`: a refusal can carry an identity (~200 bytes); appends run
// once per transaction, so the larger `Result` costs little.
#![allow(clippy::result_large_err)]

mod leaf;
mod map_entries;
mod org_entry;
mod snapshot;

pub use leaf::{ChainLink, Leaf, LeafError, LEAF_VERSION, MAX_LEAF_SIZE};
pub use map_entries::{delegation_key, grant_key, identity_key, org_key, Head, Status};
pub use org_entry::OrgEntry;
pub use snapshot::SnapshotError;

use crate::ids::{IdentityId, TxId};
use crate::merkle::{tree::Tree, Hash};
use crate::note::Checkpoint;
use crate::smt::{MapKey, MapProof, SparseMap};
use crate::state::{ConsentState, Effect, Enacted, Genesis, Refusal};
use crate::tx::{SignedTx, TxError};
use std::collections::HashMap;

/// Why a transaction could not be appended. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppendError {
    /// The validator refused it.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The leaf time is before the previous leaf's.
    #[error("leaf time {time} is before the previous leaf's {last}")]
    TimeWentBack {
        /// The previous leaf's time.
        last: u64,
        /// The time given.
        time: u64,
    },
}

/// Why a served leaf does not replay. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    /// Not a leaf.
    #[error("entry {index}: {source}")]
    Leaf {
        /// The position it was served at.
        index: u64,
        /// What is wrong.
        source: LeafError,
    },
    /// The leaf names another position.
    #[error("entry served at {expected} says it is entry {found}")]
    WrongIndex {
        /// The position it was served at.
        expected: u64,
        /// The index in the leaf.
        found: u64,
    },
    /// The transaction inside does not open.
    #[error("entry {index}: {source}")]
    Tx {
        /// The entry.
        index: u64,
        /// What is wrong.
        source: TxError,
    },
    /// The transaction is not valid at its leaf time: the sequencer
    /// appended what every node must refuse.
    #[error("entry {index} should have been refused: {source}")]
    Invalid {
        /// The entry.
        index: u64,
        /// The rule it breaks.
        source: AppendError,
    },
    /// The leaf's metadata (chain links) differs from what the rules give.
    #[error("entry {index}: chain links differ from the replayed ones")]
    LinksDiffer {
        /// The entry.
        index: u64,
    },
}

/// What one append did.
#[derive(Debug, Clone)]
pub struct Appended {
    /// The leaf.
    pub leaf: Leaf,
    /// Its canonical bytes (the `tlog-tiles` entry).
    pub bytes: Vec<u8>,
    /// Its leaf hash.
    pub hash: Hash,
    /// What the transaction changed.
    pub effect: Effect,
}

/// The log, the state and the state map, kept in step.
#[derive(Debug, Clone)]
pub struct Replica {
    state: ConsentState,
    tree: Tree,
    map: SparseMap,
    heads: HashMap<IdentityId, Head>,
    by_id: HashMap<TxId, u64>,
    last_time: u64,
}

impl Replica {
    /// The empty ledger of `genesis`.
    pub fn new(genesis: Genesis) -> Self {
        Replica {
            state: ConsentState::new(genesis),
            tree: Tree::new(),
            map: SparseMap::new(),
            heads: HashMap::new(),
            by_id: HashMap::new(),
            last_time: 0,
        }
    }

    /// Entries in the log.
    pub fn len(&self) -> u64 {
        self.tree.len()
    }

    /// Whether the log is empty.
    pub fn is_empty(&self) -> bool {
        self.tree.is_empty()
    }

    /// The ledger's origin.
    pub fn origin(&self) -> &str {
        &self.state.genesis().origin
    }

    /// The consent state after the last entry.
    pub fn state(&self) -> &ConsentState {
        &self.state
    }

    /// The log tree.
    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    /// Whether this log, at `size` entries, had the root `root` (false for
    /// a size past its end): how an older checkpoint is told to be of this
    /// very log or of a fork.
    pub fn has_root(&self, size: u64, root: &[u8; 32]) -> bool {
        self.tree.root_at(size).is_ok_and(|h| h.0 == *root)
    }

    /// The newest leaf time (0 for an empty log).
    pub fn last_time(&self) -> u64 {
        self.last_time
    }

    /// An identity's chain head.
    pub fn head(&self, identity: &IdentityId) -> Option<Head> {
        self.heads.get(identity).copied()
    }

    /// The index of an accepted transaction.
    pub fn index_of(&self, tx: &TxId) -> Option<u64> {
        self.by_id.get(tx).copied()
    }

    /// The state map's root.
    pub fn state_root(&self) -> [u8; 32] {
        self.map.root()
    }

    /// A proof of `key`'s value (or absence) under [`Self::state_root`].
    pub fn map_proof(&self, key: &MapKey) -> MapProof {
        self.map.prove(key)
    }

    /// The state map as it stands: an O(1) snapshot that later appends do
    /// not change, for proofs at this checkpoint.
    pub fn map_snapshot(&self) -> SparseMap {
        self.map.clone()
    }

    /// The checkpoint body of the log as it stands.
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            origin: self.origin().to_owned(),
            size: self.len(),
            root: self.tree.root().0,
            state_root: self.map.root(),
        }
    }

    /// Validates `tx` at leaf time `time` and, if valid, appends it.
    ///
    /// # Errors
    /// [`AppendError`]; the replica is then unchanged.
    pub fn append(&mut self, tx: &SignedTx, time: u64) -> Result<Appended, AppendError> {
        let (leaf, effect) = self.prepare(tx, time)?;
        let bytes = leaf.to_bytes();
        Ok(self.commit(tx, leaf, bytes, effect))
    }

    /// Replays one served leaf: it must be the next entry, hold a transaction
    /// valid at its time, and carry exactly the links the rules give.
    ///
    /// # Errors
    /// [`ReplayError`]; the replica is then unchanged.
    pub fn replay(&mut self, bytes: &[u8]) -> Result<Appended, ReplayError> {
        let index = self.len();
        let leaf = Leaf::from_bytes(bytes).map_err(|source| ReplayError::Leaf { index, source })?;
        if leaf.index != index {
            return Err(ReplayError::WrongIndex {
                expected: index,
                found: leaf.index,
            });
        }
        let tx = SignedTx::open(&leaf.tx, self.origin())
            .map_err(|source| ReplayError::Tx { index, source })?;
        let (expected, effect) = self
            .prepare(&tx, leaf.time)
            .map_err(|source| ReplayError::Invalid { index, source })?;
        if expected != leaf {
            return Err(ReplayError::LinksDiffer { index });
        }
        // `from_bytes` accepted only the canonical encoding: these bytes.
        Ok(self.commit(&tx, leaf, bytes.to_vec(), effect))
    }

    /// Validates and builds the leaf, changing nothing.
    fn prepare(&self, tx: &SignedTx, time: u64) -> Result<(Leaf, Effect), AppendError> {
        if time < self.last_time {
            return Err(AppendError::TimeWentBack {
                last: self.last_time,
                time,
            });
        }
        let effect = self.state.validate(tx, time)?;
        let links = self
            .concerned(&effect)
            .into_iter()
            .map(|identity| ChainLink {
                prev: self.heads.get(&identity).map(|h| (h.index, h.leaf_hash)),
                identity,
            })
            .collect();
        let leaf = Leaf {
            index: self.len(),
            time,
            links,
            tx: tx.bytes().to_vec(),
        };
        Ok((leaf, effect))
    }

    /// Applies a prepared leaf; `bytes` is its canonical encoding.
    fn commit(&mut self, tx: &SignedTx, leaf: Leaf, bytes: Vec<u8>, effect: Effect) -> Appended {
        self.state.commit(tx, leaf.time, &effect);
        let hash = crate::merkle::leaf_hash(&bytes);
        let index = self.tree.push(hash);
        self.last_time = leaf.time;
        self.by_id.insert(tx.id(), index);
        for link in &leaf.links {
            let head = Head {
                count: self.heads.get(&link.identity).map_or(0, |h| h.count) + 1,
                index,
                leaf_hash: hash,
            };
            self.heads.insert(link.identity, head);
            self.map
                .insert_value(identity_key(&link.identity), head.to_bytes());
        }
        self.record_statuses(&effect, index);
        Appended {
            leaf,
            bytes,
            hash,
            effect,
        }
    }

    /// The identities whose chains an entry joins (PROTOCOL §6), judged
    /// before the effect is applied.
    fn concerned(&self, effect: &Effect) -> Vec<IdentityId> {
        let pair = |a: IdentityId, b: IdentityId| if a == b { vec![a] } else { vec![a, b] };
        match effect {
            Effect::Enrolled { identity, .. } | Effect::Rotated { identity, .. } => {
                vec![*identity]
            }
            Effect::Granted { record, .. } => vec![record.patient],
            Effect::Revoked { grant, embedded } => embedded
                .as_ref()
                .map(|(_, record)| record.patient)
                .or_else(|| self.state.grant(grant).map(|g| g.patient))
                .into_iter()
                .collect(),
            Effect::Delegated { record, .. } => pair(record.patient, record.caregiver),
            Effect::DelegationRevoked { delegation, .. } => self
                .state
                .delegation(delegation)
                .map(|d| pair(d.patient, d.caregiver))
                .unwrap_or_default(),
            Effect::AccessRecorded { patient, .. } | Effect::Disputed { patient, .. } => {
                vec![*patient]
            }
            Effect::Alerted { patients, .. } => patients.clone(),
            _ => Vec::new(),
        }
    }

    fn record_statuses(&mut self, effect: &Effect, index: u64) {
        let live = Status {
            live: true,
            since: index,
        };
        let ended = Status {
            live: false,
            since: index,
        };
        match effect {
            Effect::Granted { grant, .. } => {
                self.map.insert_value(grant_key(grant), live.to_bytes())
            }
            Effect::Revoked { grant, .. } => {
                self.map.insert_value(grant_key(grant), ended.to_bytes())
            }
            Effect::Delegated { delegation, .. } => self
                .map
                .insert_value(delegation_key(delegation), live.to_bytes()),
            Effect::DelegationRevoked {
                delegation,
                cascaded,
            } => {
                self.map
                    .insert_value(delegation_key(delegation), ended.to_bytes());
                for grant in cascaded {
                    self.map.insert_value(grant_key(grant), ended.to_bytes());
                }
            }
            Effect::Proposed {
                enacted: Some(Enacted::Org { org, record, .. }),
                ..
            }
            | Effect::Approved {
                enacted: Some(Enacted::Org { org, record, .. }),
                ..
            } => {
                let entry = OrgEntry {
                    live: true,
                    since: index,
                    record: record.clone(),
                };
                self.map.insert_value(org_key(org), entry.to_bytes())
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests;
