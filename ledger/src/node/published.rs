//! A published checkpoint: the sequencer-signed note, the state-map snapshot
//! it commits to, and the validators' cosignatures gathered for it.

use assent_core::note::{Checkpoint, Cosignature, SignedCheckpoint};
use assent_core::smt::SparseMap as MapSnapshot;
use assent_core::trust::ValidatorEntry;
use std::collections::BTreeMap;

/// Cosignature timestamps may run this far ahead of the node's clock.
const MAX_COSIGNATURE_SKEW: u64 = 60;

/// Why a cosignature was not taken.
#[derive(Debug, thiserror::Error)]
pub enum CosignError {
    /// Not a cosignature line.
    #[error("not a cosignature line: {0}")]
    Malformed(String),
    /// No genesis validator has that name and key id.
    #[error("{0} is not a validator of this ledger")]
    UnknownValidator(String),
    /// The node no longer (or never) published that size.
    #[error("no recent checkpoint of size {0}")]
    UnknownCheckpoint(u64),
    /// The signature does not verify.
    #[error("the cosignature does not verify for this checkpoint")]
    BadSignature,
    /// The timestamp is in the future.
    #[error("the cosignature's time {0} is ahead of the ledger's clock")]
    FromTheFuture(u64),
}

/// One published checkpoint.
pub struct Published {
    signed: SignedCheckpoint,
    map: MapSnapshot,
    cosignatures: BTreeMap<String, Cosignature>,
}

impl Published {
    /// A freshly signed checkpoint and its map.
    pub fn new(signed: SignedCheckpoint, map: MapSnapshot) -> Self {
        Published {
            signed,
            map,
            cosignatures: BTreeMap::new(),
        }
    }

    /// The checkpoint.
    pub fn checkpoint(&self) -> &Checkpoint {
        self.signed.checkpoint()
    }

    /// The state map it commits to.
    pub fn map(&self) -> &MapSnapshot {
        &self.map
    }

    /// Cosignatures by validator name.
    pub fn cosignatures(&self) -> &BTreeMap<String, Cosignature> {
        &self.cosignatures
    }

    /// The note: checkpoint text, the sequencer's signature, then every
    /// cosignature (C2SP signed-note; tools ignore lines they do not know).
    pub fn note(&self) -> String {
        let mut note = String::from_utf8(self.signed.to_bytes()).expect("notes are text");
        for c in self.cosignatures.values() {
            note.push_str(&c.to_line());
        }
        note
    }

    /// Verifies and keeps a cosignature line; returns the validator's name.
    ///
    /// # Errors
    /// [`CosignError`]; nothing changes then.
    pub fn add_cosignature(
        &mut self,
        line: &str,
        validators: &[ValidatorEntry],
        now: u64,
    ) -> Result<String, CosignError> {
        let cosignature =
            Cosignature::parse_line(line).map_err(|e| CosignError::Malformed(e.to_string()))?;
        let validator = validators
            .iter()
            .find(|v| v.vkey.name() == cosignature.name() && v.vkey.id() == cosignature.key_id())
            .ok_or_else(|| CosignError::UnknownValidator(cosignature.name().to_owned()))?;
        cosignature
            .verify(&validator.vkey, self.signed.text())
            .map_err(|_| CosignError::BadSignature)?;
        if cosignature.timestamp() > now + MAX_COSIGNATURE_SKEW {
            return Err(CosignError::FromTheFuture(cosignature.timestamp()));
        }
        let name = cosignature.name().to_owned();
        let newer = self
            .cosignatures
            .get(&name)
            .is_none_or(|old| old.timestamp() < cosignature.timestamp());
        if newer {
            self.cosignatures.insert(name.clone(), cosignature);
        }
        Ok(name)
    }
}
